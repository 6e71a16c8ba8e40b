// Sensitive actions re-check the current password (OWASP ASVS V2.1.5/V3.7.1: re-authentication before a
// password, email or account change); wrong passwords count against the account like failed logins
// (ASVS V2.2.1), so the account center cannot be used to guess a password.
import { createAccountQueries, type AccountRow } from '../../queries/accounts.js';
import { createAccountSessionQueries } from '../../queries/account-sessions.js';
import { createOidcPayloadQueries } from '../../queries/oidc-payloads.js';
import { enqueueMail } from '../mail/index.js';
import { auditOrigin, mailLocale, requireActiveAccount, type AccountCenterDeps, type Origin } from './context.js';
import { CurrentPasswordIncorrect, TooManyAttempts } from './errors.js';
import { forgotPasswordLink } from '../account-links.js';

/** Why the password was re-checked (recorded with failures). */
export type SensitiveAction = 'password-change' | 'email-change' | 'account-deletion';

/** Checks the account's current password behind the brute-force guard; throws CurrentPasswordIncorrect or TooManyAttempts. */
export async function confirmCurrentPassword(deps: AccountCenterDeps, account: AccountRow, password: string, action: SensitiveAction, origin: Origin): Promise<void> {
  const key = deps.accounts.normalizeEmail(account.email);
  const attempt = await deps.bruteForce.begin(key, origin.ip ?? 'unknown');
  if (!attempt.allowed) {
    await deps.accounts.burnPasswordCheck(password);
    await deps.audit.record({ accountId: account.id, type: 'reauth.throttled', data: { action }, ...auditOrigin(origin) });
    throw new TooManyAttempts(attempt.retryAfterSeconds);
  }
  const valid = account.password_hash ? (await deps.hasher.verify(account.password_hash, password)).valid : (await deps.hasher.verifyDummy(password), false);
  if (!valid) {
    await attempt.failed();
    await deps.audit.record({ accountId: account.id, type: 'reauth.failed', data: { action }, ...auditOrigin(origin) });
    throw new CurrentPasswordIncorrect();
  }
  await attempt.succeeded();
}

export interface PasswordChangeInput {
  currentPassword: string;
  newPassword: string;
  /** End every other session and revoke every refresh token not issued in the current session. */
  signOutOthers: boolean;
  /** The session the change is made from (kept when signing out the others); undefined: none is kept. */
  currentSessionUid?: string | undefined;
}

export interface PasswordChangeResult {
  /** Sessions, codes and tokens removed by "sign out everywhere else". */
  revoked: number;
}

/** Changes the password: policy, new hash, reset links revoked, optional sign-out elsewhere, audit and notice mail in one transaction. */
export async function changePassword(deps: AccountCenterDeps, accountId: string, input: PasswordChangeInput, origin: Origin): Promise<PasswordChangeResult> {
  const account = await requireActiveAccount(deps, accountId);
  await confirmCurrentPassword(deps, account, input.currentPassword, 'password-change', origin);
  deps.accounts.assertAcceptablePassword(input.newPassword, account.email);
  const hash = await deps.hasher.hash(input.newPassword);
  return deps.db.transaction(async (tx) => {
    await createAccountQueries(tx).setPasswordHash(account.id, hash);
    await deps.tokens.revoke(tx, account.id, ['reset-password']);
    let revoked = 0;
    if (input.signOutOthers) {
      revoked = await createOidcPayloadQueries(tx).destroyOtherSessions(account.id, input.currentSessionUid);
      await createAccountSessionQueries(tx).removeOthers(account.id, input.currentSessionUid);
    }
    await deps.audit.record({ accountId: account.id, type: 'password.changed', data: { signedOutOthers: input.signOutOthers, revoked }, ...auditOrigin(origin) }, tx);
    await enqueueMail(tx, {
      to: account.email,
      template: 'password-changed',
      locale: mailLocale(account, origin),
      data: { name: account.name, resetLink: forgotPasswordLink(deps.config.issuer) },
    });
    return { revoked };
  });
}
