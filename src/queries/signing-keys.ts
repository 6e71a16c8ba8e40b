// SQL for signing_keys.
import { z } from 'zod';
import type { Queryable } from '../db/types.js';

export const signingKeyRow = z.object({
  kid: z.string(),
  alg: z.string(),
  public_jwk: z.record(z.string(), z.unknown()),
  private_jwk_sealed: z.string(),
  created_at: z.date(),
  retired_at: z.date().nullable(),
  publish_until: z.date().nullable(),
});
export type SigningKeyRow = z.infer<typeof signingKeyRow>;

/** Arbitrary constant: the advisory lock serialising changes of the key set across nodes. */
const KEY_SET_LOCK = 7_461_826_302;

/** Typed access to signing_keys. */
export function createSigningKeyQueries(db: Queryable) {
  return {
    /** Takes the key-set lock until the surrounding transaction ends (nodes starting together create keys once). */
    async lockKeySet(): Promise<void> {
      await db.query('SELECT pg_advisory_xact_lock($1)', [KEY_SET_LOCK]);
    },
    /** Keys still published: active ones and retired ones whose tokens may still be valid, newest first. */
    async listPublished(): Promise<SigningKeyRow[]> {
      const { rows } = await db.query(
        `SELECT * FROM signing_keys WHERE retired_at IS NULL OR publish_until > now() ORDER BY (retired_at IS NULL) DESC, created_at DESC`,
      );
      return rows.map((r) => signingKeyRow.parse(r));
    },
    async listAll(): Promise<SigningKeyRow[]> {
      const { rows } = await db.query('SELECT * FROM signing_keys ORDER BY created_at DESC');
      return rows.map((r) => signingKeyRow.parse(r));
    },
    async activeAlgs(): Promise<string[]> {
      const { rows } = await db.query<{ alg: string }>('SELECT DISTINCT alg FROM signing_keys WHERE retired_at IS NULL');
      return rows.map((r) => z.string().parse(r.alg));
    },
    async insert(key: { kid: string; alg: string; publicJwk: object; privateJwkSealed: string }): Promise<void> {
      await db.query('INSERT INTO signing_keys (kid, alg, public_jwk, private_jwk_sealed) VALUES ($1, $2, $3, $4)', [
        key.kid, key.alg, JSON.stringify(key.publicJwk), key.privateJwkSealed,
      ]);
    },
    /** Retires the active keys of alg except keepKid; they stay published for publishSeconds. */
    async retireOthers(alg: string, keepKid: string, publishSeconds: number): Promise<number> {
      const { rowCount } = await db.query(
        `UPDATE signing_keys SET retired_at = now(), publish_until = now() + make_interval(secs => $3)
         WHERE alg = $1 AND kid <> $2 AND retired_at IS NULL`,
        [alg, keepKid, publishSeconds],
      );
      return rowCount;
    },
    /** Changes whenever a key is added or retired or stops being published; cheap to poll. */
    async version(): Promise<string> {
      const { rows } = await db.query<{ v: string }>(
        `SELECT count(*) FILTER (WHERE retired_at IS NULL OR publish_until > now())::text || ':' ||
                coalesce(max(created_at)::text, '') || ':' || coalesce(max(retired_at)::text, '') AS v FROM signing_keys`,
      );
      return z.string().parse(rows[0]?.v);
    },
  };
}
