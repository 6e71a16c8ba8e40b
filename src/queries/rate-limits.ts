// SQL for rate_limits: fixed-window counters per (bucket, key). One statement per hit, so concurrent hits
// on PostgreSQL (row lock of INSERT ... ON CONFLICT DO UPDATE) and on PGlite (one connection) never lose a count.
import { z } from 'zod';
import type { Queryable } from '../db/types.js';

const hitRow = z.object({
  hits: z.number().int(),
  retry_after: z.coerce.number(),
});
export type RateLimitHit = z.infer<typeof hitRow>;

/** Typed access to rate_limits. */
export function createRateLimitQueries(db: Queryable) {
  return {
    /**
     * Counts one hit in the key's current window (a new window starts when the last one ended) and returns
     * the hits so far in it with the seconds until it ends.
     */
    async hit(bucket: string, keyHash: string, windowSeconds: number): Promise<RateLimitHit> {
      const { rows } = await db.query(
        `INSERT INTO rate_limits AS r (bucket, key_hash, hits, window_start, window_end)
         VALUES ($1, $2, 1, now(), now() + $3::double precision * interval '1 second')
         ON CONFLICT (bucket, key_hash) DO UPDATE SET
           hits = CASE WHEN r.window_end <= now() THEN 1 ELSE r.hits + 1 END,
           window_start = CASE WHEN r.window_end <= now() THEN now() ELSE r.window_start END,
           window_end = CASE WHEN r.window_end <= now() THEN now() + $3::double precision * interval '1 second' ELSE r.window_end END
         RETURNING hits, ceil(extract(epoch FROM (window_end - now())))::int AS retry_after`,
        [bucket, keyHash, windowSeconds],
      );
      return hitRow.parse(rows[0]);
    },
    /** Forgets a key's window (e.g. after the owner proved who they are). */
    async clear(bucket: string, keyHash: string): Promise<void> {
      await db.query('DELETE FROM rate_limits WHERE bucket = $1 AND key_hash = $2', [bucket, keyHash]);
    },
    /** Deletes rows whose window has ended; returns how many. */
    async purge(): Promise<number> {
      const { rowCount } = await db.query('DELETE FROM rate_limits WHERE window_end <= now()');
      return rowCount;
    },
  };
}
export type RateLimitQueries = ReturnType<typeof createRateLimitQueries>;
