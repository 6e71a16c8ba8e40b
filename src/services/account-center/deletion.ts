// Delete my account (issue 3, item 6): after re-entering the password, in one transaction every session,
// grant, code and token, every consent, device, mailed link and email change, and the account itself go.
// The audit log keeps its events without the account (account_id becomes NULL; GDPR art. 17 with the
// legitimate interest in a security log), plus one 'account.deleted' event naming the former id. The only
// owner of a company must transfer its ownership first (a company always keeps an owner, issue 5 item 4).
import { createAccountQueries } from '../../queries/accounts.js';
import { createCompanyMemberQueries } from '../../queries/companies-members.js';
import { LastOwner } from '../companies/errors.js';
import { createOidcPayloadQueries } from '../../queries/oidc-payloads.js';
import { NotFound } from '../errors.js';
import { auditOrigin, requireActiveAccount, type AccountCenterDeps, type Origin } from './context.js';
import { confirmCurrentPassword } from './password.js';

/** Deletes the account after checking its password; throws CurrentPasswordIncorrect or TooManyAttempts. */
export async function deleteAccount(deps: AccountCenterDeps, accountId: string, input: { currentPassword: string }, origin: Origin): Promise<void> {
  const account = await requireActiveAccount(deps, accountId);
  await confirmCurrentPassword(deps, account, input.currentPassword, 'account-deletion', origin);
  await deps.db.transaction(async (tx) => {
    const owned = await createCompanyMemberQueries(tx).solelyOwnedBy(account.id);
    if (owned.length) throw new SoleCompanyOwner(owned.map((c) => c.name));
    const revoked = await createOidcPayloadQueries(tx).destroyByAccountId(account.id);
    // consents, account_sessions, account_tokens and email_change_requests go with the row (ON DELETE CASCADE)
    if (!(await createAccountQueries(tx).deleteById(account.id))) throw new NotFound('No such account.');
    await deps.audit.record({ accountId: null, type: 'account.deleted', data: { sub: account.id, revoked }, ...auditOrigin(origin) }, tx);
  });
}

/** The account is the only owner of these companies: deleting it would leave them without one. */
export class SoleCompanyOwner extends LastOwner {
  override name = 'SoleCompanyOwner';
  constructor(readonly companies: string[]) {
    super(`You are the only owner of ${companies.join(', ')}: transfer the ownership first.`);
  }
}
