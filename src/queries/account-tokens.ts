// SQL for account_tokens: single-use secrets sent by mail. Only hashes are stored. A row counts as live
// while it is neither consumed nor expired (expiry compared with the database clock).
import { z } from 'zod';
import type { Queryable } from '../db/types.js';

export const accountTokenPurposes = ['verify-email', 'reset-password', 'invitation', 'email-change', 'email-change-cancel'] as const;
export type AccountTokenPurpose = (typeof accountTokenPurposes)[number];

const tokenRow = z.object({
  id: z.string().uuid(),
  purpose: z.enum(accountTokenPurposes),
  account_id: z.string().uuid(),
  token_hash: z.instanceof(Uint8Array).transform((b) => Buffer.from(b)),
  code_hash: z.instanceof(Uint8Array).transform((b) => Buffer.from(b)).nullable(),
  code_failures: z.number().int(),
  data: z.record(z.string(), z.unknown()),
  expires_at: z.date(),
  consumed_at: z.date().nullable(),
  created_at: z.date(),
});
export type AccountTokenRow = z.infer<typeof tokenRow>;

export interface NewAccountToken {
  purpose: AccountTokenPurpose;
  accountId: string;
  tokenHash: Buffer;
  codeHash: Buffer | null;
  data: Record<string, unknown>;
  ttlSeconds: number;
}

const LIVE = 'consumed_at IS NULL AND expires_at > now()';
const one = (rows: unknown[]) => (rows[0] === undefined ? undefined : tokenRow.parse(rows[0]));

/** Typed access to account_tokens. */
export function createAccountTokenQueries(db: Queryable) {
  return {
    async insert(t: NewAccountToken): Promise<AccountTokenRow> {
      const { rows } = await db.query(
        `INSERT INTO account_tokens (purpose, account_id, token_hash, code_hash, data, expires_at)
         VALUES ($1, $2, $3, $4, $5::jsonb, now() + $6::double precision * interval '1 second') RETURNING *`,
        [t.purpose, t.accountId, t.tokenHash, t.codeHash, JSON.stringify(t.data), t.ttlSeconds],
      );
      return tokenRow.parse(rows[0]);
    },
    /** The live row with this hash and purpose, without using it up. */
    async findLive(purpose: AccountTokenPurpose, tokenHash: Buffer): Promise<AccountTokenRow | undefined> {
      return one((await db.query(`SELECT * FROM account_tokens WHERE token_hash = $1 AND purpose = $2 AND ${LIVE}`, [tokenHash, purpose])).rows);
    },
    /** Uses the row up; returns it only to the one caller that did (atomic under races). */
    async consume(purpose: AccountTokenPurpose, tokenHash: Buffer): Promise<AccountTokenRow | undefined> {
      return one((await db.query(
        `UPDATE account_tokens SET consumed_at = now() WHERE token_hash = $1 AND purpose = $2 AND ${LIVE} RETURNING *`,
        [tokenHash, purpose],
      )).rows);
    },
    /** Live rows of an account that carry a code, newest first, locked against concurrent code checks. */
    async lockLiveWithCode(purpose: AccountTokenPurpose, accountId: string): Promise<AccountTokenRow[]> {
      const { rows } = await db.query(
        `SELECT * FROM account_tokens WHERE account_id = $1 AND purpose = $2 AND code_hash IS NOT NULL AND ${LIVE}
         ORDER BY created_at DESC FOR UPDATE`,
        [accountId, purpose],
      );
      return rows.map((r) => tokenRow.parse(r));
    },
    async consumeById(id: string): Promise<boolean> {
      const { rowCount } = await db.query(`UPDATE account_tokens SET consumed_at = now() WHERE id = $1 AND ${LIVE}`, [id]);
      return rowCount === 1;
    },
    /** Counts a wrong code; at the limit the row's code (and link) die. Returns the failures so far. */
    async recordCodeFailure(id: string, limit: number): Promise<number> {
      const { rows } = await db.query<{ code_failures: number }>(
        `UPDATE account_tokens SET code_failures = code_failures + 1,
           consumed_at = CASE WHEN code_failures + 1 >= $2 THEN now() ELSE consumed_at END
         WHERE id = $1 RETURNING code_failures`,
        [id, limit],
      );
      return z.number().int().parse(rows[0]?.code_failures ?? limit);
    },
    /** Uses up every live row of these purposes for the account (a newer link replaces older ones, a password change kills resets). */
    async revoke(accountId: string, purposes: readonly AccountTokenPurpose[]): Promise<number> {
      const { rowCount } = await db.query(
        `UPDATE account_tokens SET consumed_at = now() WHERE account_id = $1 AND purpose = ANY($2::text[]) AND ${LIVE}`,
        [accountId, [...purposes]],
      );
      return rowCount;
    },
    /** Deletes rows that expired or were used more than a day ago; returns how many. */
    async purge(): Promise<number> {
      const { rowCount } = await db.query(
        `DELETE FROM account_tokens WHERE expires_at < now() - interval '1 day' OR consumed_at < now() - interval '1 day'`,
      );
      return rowCount;
    },
  };
}
export type AccountTokenQueries = ReturnType<typeof createAccountTokenQueries>;
