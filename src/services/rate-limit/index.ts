// Rate limits against abuse of mail-sending and code-checking endpoints (OWASP ASVS V2.2.1, V11.1.4:
// anti-automation). A fixed window per (bucket, key) counted in PostgreSQL, so every node sharing the
// database enforces the same limit and concurrent hits never overshoot it. Keys (IPs, emails) are stored
// only as SHA-256 hashes.
import { createHash } from 'node:crypto';
import type { Queryable } from '../../db/types.js';
import { createRateLimitQueries } from '../../queries/rate-limits.js';

/** The answer to one hit: whether it is within the limit, and when the window ends (0 when allowed). */
export interface RateLimitDecision {
  allowed: boolean;
  retryAfterSeconds: number;
}

const hashKey = (key: string) => createHash('sha256').update(key, 'utf8').digest('hex');

/** Counts hits per bucket and key in fixed windows; pass `tx` to count inside a transaction. */
export function createRateLimiter(db: Queryable) {
  return {
    /** Counts a hit of `key` in `bucket`; allowed while at most `limit` hits fell in the current window of `windowSeconds`. */
    async hit(bucket: string, key: string, limit: number, windowSeconds: number, tx: Queryable = db): Promise<RateLimitDecision> {
      if (!Number.isInteger(limit) || limit < 0) throw new RangeError('limit must be a non-negative integer');
      if (!(windowSeconds > 0)) throw new RangeError('windowSeconds must be positive');
      const { hits, retry_after } = await createRateLimitQueries(tx).hit(bucket, hashKey(key), windowSeconds);
      return hits <= limit ? { allowed: true, retryAfterSeconds: 0 } : { allowed: false, retryAfterSeconds: Math.max(1, retry_after) };
    },
    /** Forgets the key's current window in the bucket. */
    clear: (bucket: string, key: string) => createRateLimitQueries(db).clear(bucket, hashKey(key)),
    /** Deletes ended windows (run by the purge timer); returns how many. */
    purge: () => createRateLimitQueries(db).purge(),
  };
}
export type RateLimiter = ReturnType<typeof createRateLimiter>;
