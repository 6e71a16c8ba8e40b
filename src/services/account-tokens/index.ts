// Single-use links and codes sent by mail: email verification (24 h, with a 6-digit code for the mobile
// app), password reset (30 min), invitations (7 days), email-change confirmation and "this was not me".
// OWASP ASVS V2.5/V2.7: 256-bit random link tokens, stored only as SHA-256; codes stored as an HMAC keyed
// with the link's hash, compared in constant time, dead after MAX_CODE_FAILURES wrong tries; every secret
// is usable once (consumed atomically) and dies at expiry.
import { createHash, createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type { Queryable } from '../../db/types.js';
import { createAccountTokenQueries, type AccountTokenPurpose, type AccountTokenRow } from '../../queries/account-tokens.js';

export type { AccountTokenPurpose } from '../../queries/account-tokens.js';

/** How long each kind of link lives, in seconds. */
export const TOKEN_LIFETIME_SECONDS: Record<AccountTokenPurpose, number> = {
  'verify-email': 24 * 3600,
  'reset-password': 30 * 60,
  invitation: 7 * 24 * 3600,
  'email-change': 24 * 3600,
  // the "this was not me" link in the notice to the old address
  'email-change-cancel': 7 * 24 * 3600,
};

/** Wrong codes accepted against one mailed code before it (and its link) stop working. */
export const MAX_CODE_FAILURES = 5;

/** What a valid link or code stands for. */
export interface RedeemedToken {
  id: string;
  purpose: AccountTokenPurpose;
  accountId: string;
  data: Record<string, unknown>;
  createdAt: Date;
  expiresAt: Date;
}

/** A freshly issued secret: put `token` in the link, `code` (when asked for) in the mail. Never stored. */
export interface IssuedToken {
  token: string;
  code?: string;
  expiresAt: Date;
}

// base64url of 32 random bytes
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;
const CODE_SHAPE = /^\d{6}$/;

const hashToken = (token: string) => createHash('sha256').update(token, 'utf8').digest();
const hashCode = (tokenHash: Buffer, code: string) => createHmac('sha256', tokenHash).update(code, 'utf8').digest();

const redeemed = (row: AccountTokenRow): RedeemedToken => ({
  id: row.id,
  purpose: row.purpose,
  accountId: row.account_id,
  data: row.data,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
});

/** Issues, checks and uses up the single-use secrets of accounts. Pass `tx` to act inside a transaction. */
export function createAccountTokens(db: Queryable) {
  return {
    /** Issues a secret (replacing live ones of the same purpose when `replace`); write it to a mail in the same tx. */
    async issue(
      tx: Queryable,
      input: { purpose: AccountTokenPurpose; accountId: string; data?: Record<string, unknown>; withCode?: boolean; replace?: boolean; ttlSeconds?: number },
    ): Promise<IssuedToken> {
      const queries = createAccountTokenQueries(tx);
      if (input.replace ?? true) await queries.revoke(input.accountId, [input.purpose]);
      const token = randomBytes(32).toString('base64url');
      const tokenHash = hashToken(token);
      const code = input.withCode ? String(randomInt(0, 1_000_000)).padStart(6, '0') : undefined;
      const row = await queries.insert({
        purpose: input.purpose,
        accountId: input.accountId,
        tokenHash,
        codeHash: code ? hashCode(tokenHash, code) : null,
        data: input.data ?? {},
        ttlSeconds: input.ttlSeconds ?? TOKEN_LIFETIME_SECONDS[input.purpose],
      });
      return { token, code, expiresAt: row.expires_at };
    },

    /** What a live link stands for, without using it (to show its form); undefined for bad, used or expired links. */
    async peek(purpose: AccountTokenPurpose, token: string, tx: Queryable = db): Promise<RedeemedToken | undefined> {
      if (!TOKEN_SHAPE.test(token)) return undefined;
      const row = await createAccountTokenQueries(tx).findLive(purpose, hashToken(token));
      return row && redeemed(row);
    },

    /** Uses a link up; only one caller ever gets it back. Undefined for bad, used or expired links. */
    async consume(purpose: AccountTokenPurpose, token: string, tx: Queryable = db): Promise<RedeemedToken | undefined> {
      if (!TOKEN_SHAPE.test(token)) return undefined;
      const row = await createAccountTokenQueries(tx).consume(purpose, hashToken(token));
      return row && redeemed(row);
    },

    /**
     * Uses up the account's live secret whose mailed code this is. A wrong code counts against every live
     * code of the account and purpose; at MAX_CODE_FAILURES they die. Call inside a transaction.
     */
    async consumeCode(tx: Queryable, purpose: AccountTokenPurpose, accountId: string, code: string): Promise<RedeemedToken | undefined> {
      const queries = createAccountTokenQueries(tx);
      const rows = await queries.lockLiveWithCode(purpose, accountId);
      const candidate = CODE_SHAPE.test(code) ? code : '000000x';
      for (const row of rows) {
        const expected = row.code_hash!;
        if (timingSafeEqual(hashCode(row.token_hash, candidate), expected) && await queries.consumeById(row.id)) return redeemed(row);
      }
      for (const row of rows) await queries.recordCodeFailure(row.id, MAX_CODE_FAILURES);
      return undefined;
    },

    /** Kills every live secret of these purposes (e.g. resets when the password changes). */
    revoke: (tx: Queryable, accountId: string, purposes: readonly AccountTokenPurpose[]) => createAccountTokenQueries(tx).revoke(accountId, purposes),

    /** Deletes long-dead rows (run by the purge timer). */
    purge: () => createAccountTokenQueries(db).purge(),
  };
}
export type AccountTokens = ReturnType<typeof createAccountTokens>;
