// Email change (issue 3, item 4): the new address is proven by a link mailed to it; the old address gets a
// notice with a "this was not me" link that cancels the change (reverting an applied one), locks the
// account and ends every session until a password reset. The change applies only if the new address is
// still free when verified; with LATCHKEY_EMAIL_CHANGE_APPROVAL a verified change waits for staff.
import { createAccountQueries, type AccountRow } from '../../queries/accounts.js';
import { createAccountSessionQueries } from '../../queries/account-sessions.js';
import { createEmailChangeQueries, type EmailChangeRow } from '../../queries/email-change-requests.js';
import { createOidcPayloadQueries } from '../../queries/oidc-payloads.js';
import type { Queryable } from '../../db/types.js';
import { isPlausibleEmail } from '../accounts/email.js';
import { enqueueMail } from '../mail/index.js';
import { InvalidInput, NotFound } from '../errors.js';
import { auditOrigin, mailLocale, requireActiveAccount, type AccountCenterDeps, type Origin } from './context.js';
import { EmailUnavailable } from './errors.js';
import { emailChangeNotMeLink, emailChangeVerifyLink } from '../account-links.js';
import { confirmCurrentPassword } from './password.js';

export type { EmailChangeRow } from '../../queries/email-change-requests.js';

/** An email change as its owner sees it. */
export interface EmailChange {
  id: string;
  oldEmail: string;
  newEmail: string;
  status: EmailChangeRow['status'];
  createdAt: Date;
  verifiedAt: Date | null;
  decidedAt: Date | null;
}

/** What following a verification link did. */
export type EmailChangeVerification =
  | { result: 'applied'; newEmail: string }
  | { result: 'awaiting-approval'; newEmail: string }
  | { result: 'address-taken'; newEmail: string }
  | { result: 'invalid' };

/** What following a "this was not me" link did. */
export type NotMeReport = { result: 'locked'; reverted: boolean } | { result: 'invalid' };

export const toEmailChange = (row: EmailChangeRow): EmailChange => ({
  id: row.id, oldEmail: row.old_email, newEmail: row.new_email, status: row.status,
  createdAt: row.created_at, verifiedAt: row.verified_at, decidedAt: row.decided_at,
});

/** Starts an email change; supersedes an open one. Throws CurrentPasswordIncorrect, InvalidInput, EmailUnavailable. */
export async function requestEmailChange(deps: AccountCenterDeps, accountId: string, input: { newEmail: string; currentPassword: string }, origin: Origin): Promise<EmailChange> {
  const account = await requireActiveAccount(deps, accountId);
  await confirmCurrentPassword(deps, account, input.currentPassword, 'email-change', origin);
  const newEmail = deps.accounts.normalizeEmail(input.newEmail);
  if (!isPlausibleEmail(newEmail)) throw new InvalidInput('Enter a valid email address.', 'new_email');
  if (newEmail === account.email) throw new InvalidInput('This is already your email address.', 'new_email');
  return deps.db.transaction(async (tx) => {
    if (await createAccountQueries(tx).findByEmail(newEmail)) throw new EmailUnavailable();
    const requests = createEmailChangeQueries(tx);
    const superseded = await requests.supersedeOpen(account.id);
    const request = await requests.insert(account.id, account.email, newEmail);
    const verify = await deps.tokens.issue(tx, { purpose: 'email-change', accountId: account.id, data: { requestId: request.id } });
    // Earlier "not me" links stay valid: a later request must not silence the owner of the old address.
    const notMe = await deps.tokens.issue(tx, { purpose: 'email-change-cancel', accountId: account.id, data: { requestId: request.id }, replace: false });
    const locale = mailLocale(account, origin);
    const { issuer } = deps.config;
    await enqueueMail(tx, { to: newEmail, template: 'email-change-verify', locale, data: { name: account.name, newEmail, link: emailChangeVerifyLink(issuer, verify.token) } });
    await enqueueMail(tx, { to: account.email, template: 'email-change-notice', locale, data: { name: account.name, newEmail, notMeLink: emailChangeNotMeLink(issuer, notMe.token) } });
    await deps.audit.record({ accountId: account.id, type: 'email_change.requested', data: { requestId: request.id, from: account.email, to: newEmail, superseded: superseded ?? null }, ...auditOrigin(origin) }, tx);
    return toEmailChange(request);
  });
}

/** The account's open email change (awaiting verification or approval), if any. */
export async function openEmailChange(deps: AccountCenterDeps, accountId: string): Promise<EmailChange | undefined> {
  const row = await createEmailChangeQueries(deps.db).findOpen(accountId);
  return row && toEmailChange(row);
}

/** Every email change of the account, newest first. */
export async function listEmailChanges(deps: AccountCenterDeps, accountId: string): Promise<EmailChange[]> {
  return (await createEmailChangeQueries(deps.db).listForAccount(accountId)).map(toEmailChange);
}

/** The owner withdraws the open email change; true when there was one. */
export async function cancelEmailChange(deps: AccountCenterDeps, accountId: string, origin: Origin): Promise<boolean> {
  return deps.db.transaction(async (tx) => {
    const open = await createEmailChangeQueries(tx).findOpen(accountId);
    if (!open) return false;
    await createEmailChangeQueries(tx).setStatus(open.id, 'cancelled', { decidedBy: 'user' });
    await deps.tokens.revoke(tx, accountId, ['email-change']);
    await deps.audit.record({ accountId, type: 'email_change.cancelled', data: { requestId: open.id }, ...auditOrigin(origin) }, tx);
    return true;
  });
}

/** What a live email-change link is about (for the confirm page, without using the link); undefined for dead links. */
export async function describeEmailChangeLink(deps: AccountCenterDeps, kind: 'verify' | 'not-me', token: string): Promise<{ newEmail: string } | undefined> {
  const live = await deps.tokens.peek(kind === 'verify' ? 'email-change' : 'email-change-cancel', token);
  const request = live && typeof live.data.requestId === 'string' ? await createEmailChangeQueries(deps.db).find(live.data.requestId) : undefined;
  if (!request || request.account_id !== live?.accountId) return undefined;
  if (kind === 'verify' && request.status !== 'awaiting-verification') return undefined;
  return { newEmail: request.new_email };
}

/** True (and the request closed as failed) when another account holds the new address by now; the caller's tx. */
async function refuseIfTaken(deps: AccountCenterDeps, tx: Queryable, request: EmailChangeRow, origin: Origin): Promise<boolean> {
  const holder = await createAccountQueries(tx).findByEmail(request.new_email);
  if (!holder || holder.id === request.account_id) return false;
  const status = request.status === 'awaiting-approval' ? 'rejected' : 'cancelled';
  await createEmailChangeQueries(tx).setStatus(request.id, status, { decidedBy: 'system', reason: 'address-taken' });
  await deps.audit.record({ accountId: request.account_id, type: 'email_change.failed', data: { requestId: request.id, reason: 'address-taken' }, ...auditOrigin(origin) }, tx);
  return true;
}

/** Applies a verified change if the address is still free (or holds it for approval); the caller's tx. */
async function applyOrHold(deps: AccountCenterDeps, tx: Queryable, request: EmailChangeRow, decidedBy: string, origin: Origin): Promise<'applied' | 'awaiting-approval' | 'address-taken'> {
  const accounts = createAccountQueries(tx);
  const requests = createEmailChangeQueries(tx);
  if (await refuseIfTaken(deps, tx, request, origin)) return 'address-taken';
  if (request.status === 'awaiting-verification' && deps.config.selfService.emailChangeApproval && decidedBy === 'user') {
    await requests.setStatus(request.id, 'awaiting-approval', { verified: true });
    await deps.audit.record({ accountId: request.account_id, type: 'email_change.verified', data: { requestId: request.id, to: request.new_email }, ...auditOrigin(origin) }, tx);
    return 'awaiting-approval';
  }
  await accounts.setVerifiedEmail(request.account_id, request.new_email);
  await requests.setStatus(request.id, 'applied', { verified: request.status === 'awaiting-verification', decidedBy });
  await deps.audit.record({ accountId: request.account_id, type: 'email_change.applied', data: { requestId: request.id, from: request.old_email, to: request.new_email, by: decidedBy }, ...auditOrigin(origin) }, tx);
  return 'applied';
}

/** Uses a verification link (POST): applies the change, or holds it for staff approval when so configured. */
export async function confirmEmailChange(deps: AccountCenterDeps, token: string, origin: Origin): Promise<EmailChangeVerification> {
  return deps.db.transaction(async (tx): Promise<EmailChangeVerification> => {
    const used = await deps.tokens.consume('email-change', token, tx);
    if (!used || typeof used.data.requestId !== 'string') return { result: 'invalid' };
    const requests = createEmailChangeQueries(tx);
    const request = await requests.lock(used.data.requestId);
    const account = await createAccountQueries(tx).findById(used.accountId);
    if (!request || request.account_id !== used.accountId || request.status !== 'awaiting-verification' || account?.status !== 'active') return { result: 'invalid' };
    return { result: await applyOrHold(deps, tx, request, 'user', origin), newEmail: request.new_email };
  });
}

/** Locks the account and ends all its sessions and tokens (the caller's tx); blocked stays blocked. */
async function lockAccount(tx: Queryable, account: AccountRow): Promise<number> {
  if (account.status !== 'blocked') await createAccountQueries(tx).setStatus(account.id, 'locked');
  await createAccountSessionQueries(tx).removeOthers(account.id, undefined);
  return createOidcPayloadQueries(tx).destroyByAccountId(account.id);
}

/** Uses a "this was not me" link (POST): cancels or reverts the change, locks the account until a password reset. */
export async function reportNotMe(deps: AccountCenterDeps, token: string, origin: Origin): Promise<NotMeReport> {
  return deps.db.transaction(async (tx): Promise<NotMeReport> => {
    const used = await deps.tokens.consume('email-change-cancel', token, tx);
    if (!used) return { result: 'invalid' };
    const accounts = createAccountQueries(tx);
    const requests = createEmailChangeQueries(tx);
    const account = await accounts.findById(used.accountId);
    if (!account) return { result: 'invalid' };
    const request = typeof used.data.requestId === 'string' ? await requests.lock(used.data.requestId) : undefined;
    let reverted = false;
    if (request && request.account_id === account.id) {
      if (request.status === 'awaiting-verification' || request.status === 'awaiting-approval') {
        await requests.setStatus(request.id, 'cancelled', { decidedBy: 'not-me' });
      } else if (request.status === 'applied' && account.email === request.new_email && !(await accounts.findByEmail(request.old_email))) {
        // Give the address back to its owner, so the password reset reaches them and not whoever changed it.
        await accounts.setVerifiedEmail(account.id, request.old_email);
        await requests.setStatus(request.id, 'cancelled', { decidedBy: 'not-me', reason: 'reverted' });
        reverted = true;
      }
    }
    await deps.tokens.revoke(tx, account.id, ['email-change']);
    const revoked = await lockAccount(tx, account);
    await deps.audit.record({ accountId: account.id, type: 'email_change.reported', data: { requestId: request?.id ?? null, reverted, revoked }, ...auditOrigin(origin) }, tx);
    return { result: 'locked', reverted };
  });
}

/** Staff: every email change, or only those awaiting approval. */
export async function listAllEmailChanges(deps: AccountCenterDeps, options: { pendingOnly?: boolean } = {}): Promise<EmailChangeRow[]> {
  return createEmailChangeQueries(deps.db).list(options);
}

/** Staff decision on a change awaiting approval; approving applies it only if the address is still free. */
export async function decideEmailChange(deps: AccountCenterDeps, requestId: string, decision: { approve: boolean; by: string; reason?: string }, origin: Origin): Promise<EmailChangeRow> {
  return deps.db.transaction(async (tx) => {
    const requests = createEmailChangeQueries(tx);
    const request = await requests.lock(requestId);
    if (!request) throw new NotFound(`No email change with id ${requestId}.`);
    if (request.status !== 'awaiting-approval') throw new InvalidInput(`The email change ${requestId} is ${request.status}, not awaiting approval.`, 'id');
    if (decision.approve) {
      await applyOrHold(deps, tx, request, decision.by, origin);
    } else {
      await requests.setStatus(request.id, 'rejected', { decidedBy: decision.by, reason: decision.reason ?? null });
      await deps.audit.record({ accountId: request.account_id, type: 'email_change.rejected', data: { requestId: request.id, by: decision.by, reason: decision.reason ?? null }, ...auditOrigin(origin) }, tx);
    }
    return (await requests.find(request.id))!;
  });
}
