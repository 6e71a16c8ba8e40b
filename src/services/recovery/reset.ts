// Forgotten password (issue 3, item 2; OWASP ASVS V2.5.x, Forgot Password Cheat Sheet): the request answers
// the same whether or not the address has an account and is rate limited per address and IP; the mailed link
// is single-use, lives 30 minutes and dies with any later password change; a reset revokes every session,
// grant and refresh token of the account, drops every legacy hash of an imported account (issue 4), proves the
// mailbox, unlocks a 'locked' account and mails a notice.
import type { Database } from '../../db/types.js';
import { createAccountQueries, type AccountRow } from '../../queries/accounts.js';
import { forgotPasswordLink, resetPasswordLink } from '../account-links.js';
import type { AccountTokens, RedeemedToken } from '../account-tokens/index.js';
import { isPlausibleEmail, normalizeEmail } from '../accounts/email.js';
import type { AccountService } from '../accounts/index.js';
import type { PasswordHasher } from '../accounts/password.js';
import type { AuditLog } from '../audit/index.js';
import { enqueueMail } from '../mail/index.js';
import type { RateLimiter } from '../rate-limit/index.js';
import { SELF_SERVICE_LIMITS as L } from '../rate-limit/self-service-limits.js';
import { auditOrigin, interactionOf, tokenOrigin, type RequestOrigin } from '../signup/origin.js';
import type { RecoveryDeps } from './index.js';
import { dropLegacyHashes } from './legacy-hashes.js';

/** A live single-use link and the account it opens. */
export interface OpenLink {
  account: AccountRow;
  token: RedeemedToken;
}

/** A password just set through a link, and where the person was going. */
export interface PasswordSet {
  accountId: string;
  email: string;
  interactionUid: string | undefined;
}

/** True when the link was issued after the account's last password change (older links are dead). */
export const issuedAfterPasswordChange = (token: RedeemedToken, account: AccountRow) =>
  !account.password_changed_at || token.createdAt.getTime() > account.password_changed_at.getTime();

/** The forgotten-password flow. */
export function createPasswordReset(deps: RecoveryDeps & { db: Database; accounts: AccountService; hasher: PasswordHasher; audit: AuditLog; tokens: AccountTokens; limiter: RateLimiter }) {
  const { db, issuer, accounts, hasher, audit, tokens, limiter } = deps;

  /** The account a live reset link opens, without using it; undefined for dead links. */
  async function peekReset(token: string): Promise<OpenLink | undefined> {
    const live = await tokens.peek('reset-password', token);
    const account = live && (await accounts.findById(live.accountId));
    return live && account && issuedAfterPasswordChange(live, account) ? { account, token: live } : undefined;
  }

  return {
    /** Mails a reset link if the address has an account and the limits allow; resolves the same either way. */
    async requestReset(emailInput: string, origin: RequestOrigin): Promise<void> {
      const email = normalizeEmail(emailInput);
      const ip = await limiter.hit(L.forgotPerIp.bucket, origin.ip, L.forgotPerIp.limit, L.forgotPerIp.windowSeconds);
      const perEmail = await limiter.hit(L.forgotPerEmail.bucket, email, L.forgotPerEmail.limit, L.forgotPerEmail.windowSeconds);
      const account = isPlausibleEmail(email) ? await accounts.findByEmail(email) : undefined;
      const allowed = ip.allowed && perEmail.allowed;
      await db.transaction(async (tx) => {
        if (account && allowed) {
          const issued = await tokens.issue(tx, { purpose: 'reset-password', accountId: account.id, data: tokenOrigin(origin), replace: true });
          await enqueueMail(tx, {
            to: account.email, template: 'reset-password', locale: origin.locale,
            data: { link: resetPasswordLink(issuer, issued.token), name: account.name, clientName: origin.clientName ?? null },
          });
        }
        await audit.record({
          accountId: account?.id ?? null, type: allowed ? 'password.reset_requested' : 'password.reset_throttled',
          data: { email, known: !!account }, ...auditOrigin(origin),
        }, tx);
      });
    },

    peekReset,

    /**
     * Sets a new password through a reset link. Throws UnacceptablePassword (the link stays usable) when the
     * policy refuses it; undefined when the link is dead. Everything happens in one transaction.
     */
    async resetPassword(token: string, password: string, origin: RequestOrigin): Promise<PasswordSet | undefined> {
      const open = await peekReset(token);
      if (!open) return undefined;
      accounts.assertAcceptablePassword(password, open.account.email);
      const passwordHash = await hasher.hash(password);
      const done = await db.transaction(async (tx): Promise<PasswordSet | undefined> => {
        const redeemed = await tokens.consume('reset-password', token, tx);
        const queries = createAccountQueries(tx);
        const account = redeemed && (await queries.lockById(redeemed.accountId));
        if (!redeemed || !account || !issuedAfterPasswordChange(redeemed, account)) return undefined;
        await queries.setPasswordHash(account.id, passwordHash);
        // An imported account's old passwords die with the reset (no legacy way in afterwards).
        await dropLegacyHashes(tx, audit, account.id, 'password-reset', origin);
        await tokens.revoke(tx, account.id, ['reset-password']);
        await queries.markEmailVerified(account.id);
        if (account.status === 'locked') await queries.setStatus(account.id, 'active');
        const revoked = await deps.revokeAccountArtifacts(account.id, tx);
        await audit.record({ accountId: account.id, type: 'password.reset', data: { revoked, unlocked: account.status === 'locked' }, ...auditOrigin(origin) }, tx);
        await enqueueMail(tx, {
          to: account.email, template: 'password-changed', locale: origin.locale,
          data: { name: account.name, resetLink: forgotPasswordLink(issuer), clientName: origin.clientName ?? null },
        });
        return { accountId: account.id, email: account.email, interactionUid: interactionOf(redeemed.data) };
      });
      // The owner proved the mailbox: earlier failed logins no longer make them wait.
      if (done) await deps.forgetLoginFailures(done.email);
      return done;
    },
  };
}
