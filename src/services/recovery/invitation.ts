// Accepting an invitation (issue 3, item 10): an account created by a sibling app gets its first password
// through a single-use link valid 7 days (OWASP ASVS V2.5.x). Setting it proves the mailbox. A link issued
// before the account's last password change is dead.
import type { Database } from '../../db/types.js';
import { createAccountQueries } from '../../queries/accounts.js';
import type { AccountTokens } from '../account-tokens/index.js';
import type { AccountService } from '../accounts/index.js';
import type { PasswordHasher } from '../accounts/password.js';
import type { AuditLog } from '../audit/index.js';
import { InvalidInput } from '../errors.js';
import { MAX_NAME_LENGTH } from '../signup/index.js';
import { auditOrigin, type RequestOrigin } from '../signup/origin.js';
import { dropLegacyHashes } from './legacy-hashes.js';
import { issuedAfterPasswordChange, type OpenLink, type PasswordSet } from './reset.js';

/** The invitation flow. */
export function createInvitationAcceptance(deps: { db: Database; accounts: AccountService; hasher: PasswordHasher; audit: AuditLog; tokens: AccountTokens }) {
  const { db, accounts, hasher, audit, tokens } = deps;

  /** The account a live invitation link opens, without using it; undefined for dead links. */
  async function peekInvitation(token: string): Promise<OpenLink | undefined> {
    const live = await tokens.peek('invitation', token);
    const account = live && (await accounts.findById(live.accountId));
    return live && account && issuedAfterPasswordChange(live, account) ? { account, token: live } : undefined;
  }

  return {
    peekInvitation,

    /**
     * Sets the first password (and the name, when the account has none). Throws InvalidInput or
     * UnacceptablePassword for a bad form (the link stays usable); undefined when the link is dead.
     */
    async acceptInvitation(token: string, form: { password: string; name?: string | undefined }, origin: RequestOrigin): Promise<PasswordSet | undefined> {
      const open = await peekInvitation(token);
      if (!open) return undefined;
      const name = form.name?.trim() ?? '';
      if (name.length > MAX_NAME_LENGTH) throw new InvalidInput(`The name must have at most ${MAX_NAME_LENGTH} characters.`, 'name');
      accounts.assertAcceptablePassword(form.password, open.account.email);
      const passwordHash = await hasher.hash(form.password);
      return db.transaction(async (tx): Promise<PasswordSet | undefined> => {
        const redeemed = await tokens.consume('invitation', token, tx);
        const queries = createAccountQueries(tx);
        const account = redeemed && (await queries.lockById(redeemed.accountId));
        if (!redeemed || !account || !issuedAfterPasswordChange(redeemed, account)) return undefined;
        await queries.setPasswordHash(account.id, passwordHash);
        // A provisioned account the legacy import merged into: its old passwords stop working now.
        await dropLegacyHashes(tx, audit, account.id, 'invitation-accepted', origin);
        await queries.markEmailVerified(account.id);
        if (name) await queries.setNameIfEmpty(account.id, name);
        await tokens.revoke(tx, account.id, ['invitation']);
        await audit.record({ accountId: account.id, type: 'invitation.accepted', ...auditOrigin(origin) }, tx);
        return { accountId: account.id, email: account.email, interactionUid: undefined };
      });
    },
  };
}
