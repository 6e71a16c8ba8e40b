// The account center's rules (issue 3, items 3-6), HTTP-agnostic: used by the /account pages, the Account
// API (/api/v1/me...) and the support CLI. Every function takes the acting account's id and an Origin (IP,
// User-Agent, app) for the audit log, and returns plain data. Functions that queue mail (changePassword,
// requestEmailChange) commit it with the change; callers then call mailer.notify() to deliver now.
// Errors: CurrentPasswordIncorrect / EmailUnavailable (InvalidInput with `field`), TooManyAttempts (429),
// FieldNotEditable (Forbidden with `field`), InvalidInput, NotFound (unknown session, app, inactive account).
import type { LatchkeyConfig } from '../../config/index.js';
import type { Database } from '../../db/types.js';
import { createI18n } from '../../i18n/index.js';
import type { AccountService } from '../accounts/index.js';
import type { PasswordHasher } from '../accounts/password.js';
import type { AccountTokens } from '../account-tokens/index.js';
import type { AuditLog } from '../audit/index.js';
import type { BruteForceGuard } from '../brute-force/index.js';
import { listActivity } from './activity.js';
import { listApps, revokeApp } from './apps.js';
import type { AccountCenterDeps, Origin } from './context.js';
import { deleteAccount } from './deletion.js';
import { cancelEmailChange, confirmEmailChange, decideEmailChange, describeEmailChangeLink, listAllEmailChanges, listEmailChanges, openEmailChange, reportNotMe, requestEmailChange } from './email-change.js';
import { exportAccountData } from './export.js';
import { STAFF_CONSOLE_CLIENT_ID } from '../staff/actions.js';
import { changePassword, type PasswordChangeInput } from './password.js';
import { getProfile, updateProfile, type ProfileChanges } from './profile.js';
import { listSessions, recordSessionDevice, signOutOtherSessions, signOutSession } from './sessions.js';

export type { Origin } from './context.js';
export type { ActivityEvent, ActivityPage } from './activity.js';
export type { ConnectedApp } from './apps.js';
export type { EmailChange, EmailChangeRow, EmailChangeVerification, NotMeReport } from './email-change.js';
export type { AccountExport } from './export.js';
export type { PasswordChangeInput, PasswordChangeResult } from './password.js';
export type { AccountProfile, PostalAddress, ProfileChanges } from './profile.js';
export type { ActiveSession } from './sessions.js';
export type { Device } from './device.js';
export { ADDRESS_FIELDS } from './profile.js';
export { DEFAULT_ACTIVITY_PAGE, MAX_ACTIVITY_PAGE } from './activity.js';
export { CurrentPasswordIncorrect, EmailUnavailable, FieldNotEditable, TooManyAttempts } from './errors.js';
export { describeDevice } from './device.js';

/** The client id of Latchkey's own account center (a built-in first-party client; never listed as an app). */
export const ACCOUNT_CENTER_CLIENT_ID = 'latchkey-account';

export interface AccountCenterOptions {
  db: Database;
  config: Pick<LatchkeyConfig, 'issuer' | 'selfService'>;
  accounts: AccountService;
  hasher: PasswordHasher;
  audit: AuditLog;
  bruteForce: BruteForceGuard;
  tokens: AccountTokens;
  /** Default: the locales Latchkey has translations for. */
  supportedLocales?: readonly string[];
}

/** Builds the account-center service over the shared services. */
export function createAccountCenter(options: AccountCenterOptions) {
  const deps: AccountCenterDeps = {
    ...options,
    supportedLocales: options.supportedLocales ?? createI18n().locales,
    internalClientIds: [ACCOUNT_CENTER_CLIENT_ID, STAFF_CONSOLE_CLIENT_ID],
  };
  return {
    /** Locales a profile may choose. */
    supportedLocales: deps.supportedLocales,

    /** The account's profile with the fields its owner may edit. */
    getProfile: (accountId: string) => getProfile(deps, accountId),
    /** Changes profile fields as the owner (only editable fields) and audits old and new values. */
    updateProfile: (accountId: string, changes: ProfileChanges, origin: Origin) => updateProfile(deps, accountId, changes, origin, 'user'),
    /** Support: changes any profile field of any account (blocked and locked ones too). */
    updateProfileAsSupport: (accountId: string, changes: ProfileChanges, origin: Origin) => updateProfile(deps, accountId, changes, origin, 'support'),

    /** Changes the password (current password re-checked; optional sign-out of every other session). */
    changePassword: (accountId: string, input: PasswordChangeInput, origin: Origin) => changePassword(deps, accountId, input, origin),

    /** Starts an email change: verification to the new address, notice with "not me" to the old one. */
    requestEmailChange: (accountId: string, input: { newEmail: string; currentPassword: string }, origin: Origin) => requestEmailChange(deps, accountId, input, origin),
    /** The open email change of the account, if any. */
    openEmailChange: (accountId: string) => openEmailChange(deps, accountId),
    /** Every email change of the account, newest first. */
    listEmailChanges: (accountId: string) => listEmailChanges(deps, accountId),
    /** Withdraws the account's open email change; true when there was one. */
    cancelEmailChange: (accountId: string, origin: Origin) => cancelEmailChange(deps, accountId, origin),
    /** What a live email-change link is about, without using it (GET confirm pages). */
    describeEmailChangeLink: (kind: 'verify' | 'not-me', token: string) => describeEmailChangeLink(deps, kind, token),
    /** Uses a verification link (applies the change, or holds it for approval). */
    confirmEmailChange: (token: string, origin: Origin) => confirmEmailChange(deps, token, origin),
    /** Uses a "this was not me" link: cancels or reverts the change and locks the account. */
    reportNotMe: (token: string, origin: Origin) => reportNotMe(deps, token, origin),
    /** Support: every email change, or only those awaiting approval. */
    listAllEmailChanges: (options: { pendingOnly?: boolean } = {}) => listAllEmailChanges(deps, options),
    /** Support: approves (applies if the address is still free) or rejects a change awaiting approval. */
    decideEmailChange: (requestId: string, decision: { approve: boolean; by: string; reason?: string }, origin: Origin) => decideEmailChange(deps, requestId, decision, origin),

    /** The account's live sessions; `current` marks currentSessionUid. */
    listSessions: (accountId: string, currentSessionUid?: string) => listSessions(deps, accountId, currentSessionUid),
    /** Records the device a session was used from (on each authorization). */
    recordSessionDevice: (accountId: string, sessionUid: string, origin: Origin) => recordSessionDevice(deps, accountId, sessionUid, origin),
    /** Signs out one session of the account (NotFound for another account's session). */
    signOutSession: (accountId: string, sessionUid: string, origin: Origin) => signOutSession(deps, accountId, sessionUid, origin),
    /** Signs out every session but currentSessionUid. */
    signOutOtherSessions: (accountId: string, currentSessionUid: string | undefined, origin: Origin) => signOutOtherSessions(deps, accountId, currentSessionUid, origin),

    /** Apps with access to the account. */
    listApps: (accountId: string) => listApps(deps, accountId),
    /** Revokes an app's grants and tokens and forgets its consent. */
    revokeApp: (accountId: string, clientId: string, origin: Origin) => revokeApp(deps, accountId, clientId, origin),

    /** A page of the account's audit events, newest first. */
    listActivity: (accountId: string, options: { cursor?: string | undefined; limit?: number | undefined } = {}) => listActivity(deps, accountId, options),
    /** Everything about the account as one document. */
    exportData: (accountId: string, currentSessionUid?: string) => exportAccountData(deps, accountId, currentSessionUid),
    /** Deletes the account after re-checking its password. */
    deleteAccount: (accountId: string, input: { currentPassword: string }, origin: Origin) => deleteAccount(deps, accountId, input, origin),
  };
}
export type AccountCenter = ReturnType<typeof createAccountCenter>;
