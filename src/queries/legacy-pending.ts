// SQL for legacy_pending_sign_ins (migrations/0012_legacy_pending.sql): first sign-ins held until the mailbox
// is proven. A row is live while neither consumed nor expired (database clock); it is used up exactly once.
import { z } from 'zod';
import type { Queryable } from '../db/types.js';

const bytes = z.instanceof(Uint8Array).transform((b) => Buffer.from(b));

const pendingRow = z.object({
  id: z.string().uuid(),
  account_id: z.string().uuid(),
  legacy_identity_id: z.string().uuid(),
  legacy_hash_digest: bytes,
  password_hash: z.string(),
  email: z.string(),
  interaction_uid: z.string(),
  browser_hash: bytes,
  link_hash: bytes,
  code_hash: bytes,
  code_failures: z.number().int(),
  expires_at: z.date(),
  consumed_at: z.date().nullable(),
  created_at: z.date(),
});
export type LegacyPendingRow = z.infer<typeof pendingRow>;

export interface NewLegacyPending {
  accountId: string;
  legacyIdentityId: string;
  legacyHashDigest: Buffer;
  passwordHash: string;
  email: string;
  interactionUid: string;
  browserHash: Buffer;
  linkHash: Buffer;
  codeHash: Buffer;
  ttlSeconds: number;
}

const LIVE = 'consumed_at IS NULL AND expires_at > now()';
const one = (rows: unknown[]) => (rows[0] === undefined ? undefined : pendingRow.parse(rows[0]));

/** Typed access to legacy_pending_sign_ins. */
export function createLegacyPendingQueries(db: Queryable) {
  return {
    async insert(p: NewLegacyPending): Promise<LegacyPendingRow> {
      const { rows } = await db.query(
        `INSERT INTO legacy_pending_sign_ins (account_id, legacy_identity_id, legacy_hash_digest, password_hash, email,
           interaction_uid, browser_hash, link_hash, code_hash, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now() + $10::double precision * interval '1 second') RETURNING *`,
        [p.accountId, p.legacyIdentityId, p.legacyHashDigest, p.passwordHash, p.email, p.interactionUid, p.browserHash, p.linkHash, p.codeHash, p.ttlSeconds],
      );
      return pendingRow.parse(rows[0]);
    },
    /** The live hold of this browser secret, without locking it. */
    async findLiveByBrowser(browserHash: Buffer): Promise<LegacyPendingRow | undefined> {
      return one((await db.query(`SELECT * FROM legacy_pending_sign_ins WHERE browser_hash = $1 AND ${LIVE}`, [browserHash])).rows);
    },
    /** The live hold of this browser secret, locked against concurrent code checks until the transaction ends. */
    async lockLiveByBrowser(browserHash: Buffer): Promise<LegacyPendingRow | undefined> {
      return one((await db.query(`SELECT * FROM legacy_pending_sign_ins WHERE browser_hash = $1 AND ${LIVE} FOR UPDATE`, [browserHash])).rows);
    },
    /** Uses the hold up; true only for the one caller that did (atomic under races). */
    async consume(id: string): Promise<boolean> {
      const { rowCount } = await db.query(`UPDATE legacy_pending_sign_ins SET consumed_at = now() WHERE id = $1 AND ${LIVE}`, [id]);
      return rowCount === 1;
    },
    /** Counts a wrong code; at the limit the hold dies. Returns the failures so far. */
    async recordCodeFailure(id: string, limit: number): Promise<number> {
      const { rows } = await db.query<{ code_failures: number }>(
        `UPDATE legacy_pending_sign_ins SET code_failures = code_failures + 1,
           consumed_at = CASE WHEN code_failures + 1 >= $2 THEN now() ELSE consumed_at END
         WHERE id = $1 RETURNING code_failures`,
        [id, limit],
      );
      return z.number().int().parse(rows[0]?.code_failures ?? limit);
    },
    /** A new link and code for a live hold (the old ones stop working). */
    async replaceSecrets(id: string, linkHash: Buffer, codeHash: Buffer): Promise<boolean> {
      const { rowCount } = await db.query(`UPDATE legacy_pending_sign_ins SET link_hash = $2, code_hash = $3 WHERE id = $1 AND ${LIVE}`, [id, linkHash, codeHash]);
      return rowCount === 1;
    },
    /** Ends every live hold of an account (after a lock-in, or when a new hold replaces them). */
    async consumeAllOfAccount(accountId: string): Promise<number> {
      const { rowCount } = await db.query(`UPDATE legacy_pending_sign_ins SET consumed_at = now() WHERE account_id = $1 AND ${LIVE}`, [accountId]);
      return rowCount;
    },
    /** Deletes holds that expired or were used more than a day ago; returns how many. */
    async purge(): Promise<number> {
      const { rowCount } = await db.query(
        `DELETE FROM legacy_pending_sign_ins WHERE expires_at < now() - interval '1 day' OR consumed_at < now() - interval '1 day'`,
      );
      return rowCount;
    },
    /** Whether any legacy identity was ever imported (the login page's first-time hint); one index probe. */
    async anyLegacyIdentity(): Promise<boolean> {
      const { rows } = await db.query('SELECT EXISTS (SELECT 1 FROM legacy_identities) AS any');
      return z.boolean().parse(rows[0]?.any);
    },
  };
}
export type LegacyPendingQueries = ReturnType<typeof createLegacyPendingQueries>;
