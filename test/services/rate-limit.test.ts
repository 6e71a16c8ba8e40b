// The DB-backed rate limiter on the embedded and the server database: a fixed window per bucket and key,
// no overshoot when hits race on a pool of connections, a new window once the old one ended, keys kept
// apart by bucket, and only hashes of the keys stored.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createRateLimiter, type RateLimiter } from '../../src/services/rate-limit/index.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../support/databases.js';

describe.each(databaseKinds)('rate limiter on %s', (kind) => {
  let database: TestDatabase;
  let limiter: RateLimiter;
  let serial = 0;
  const freshKey = () => `client-${++serial}@example.com`;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    limiter = createRateLimiter(database.db);
  });
  afterAll(() => database?.close());

  it('allows `limit` hits in a window and refuses the next with the seconds until the window ends', async () => {
    const key = freshKey();
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await limiter.hit('test:sequential', key, 3, 3600));
    expect(results.slice(0, 3)).toEqual([{ allowed: true, retryAfterSeconds: 0 }, { allowed: true, retryAfterSeconds: 0 }, { allowed: true, retryAfterSeconds: 0 }]);
    expect(results[3]!.allowed).toBe(false);
    expect(results[3]!.retryAfterSeconds).toBeGreaterThan(3500);
    expect(results[3]!.retryAfterSeconds).toBeLessThanOrEqual(3600);
  });

  it('never lets more than `limit` of many concurrent hits through', async () => {
    const key = freshKey();
    const results = await Promise.all(Array.from({ length: 25 }, () => limiter.hit('test:race', key, 7, 3600)));
    expect(results.filter((r) => r.allowed)).toHaveLength(7);
    expect(results.filter((r) => !r.allowed)).toHaveLength(18);
  });

  it('keeps buckets and keys apart', async () => {
    const key = freshKey();
    expect((await limiter.hit('test:a', key, 1, 3600)).allowed).toBe(true);
    expect((await limiter.hit('test:a', key, 1, 3600)).allowed).toBe(false);
    expect((await limiter.hit('test:b', key, 1, 3600)).allowed).toBe(true);
    expect((await limiter.hit('test:a', freshKey(), 1, 3600)).allowed).toBe(true);
  });

  it('starts a new window once the last one has ended, and purge() removes ended windows', async () => {
    const key = freshKey();
    await limiter.hit('test:window', key, 1, 3600);
    expect((await limiter.hit('test:window', key, 1, 3600)).allowed).toBe(false);
    // End the window without waiting: move it into the past.
    await database.db.query("UPDATE rate_limits SET window_start = now() - interval '2 hours', window_end = now() - interval '1 hour' WHERE bucket = 'test:window'");
    expect((await limiter.hit('test:window', key, 1, 3600)).allowed).toBe(true);
    expect((await limiter.hit('test:window', key, 1, 3600)).allowed).toBe(false);
    await database.db.query("UPDATE rate_limits SET window_end = now() - interval '1 second' WHERE bucket = 'test:window'");
    expect(await limiter.purge()).toBeGreaterThanOrEqual(1);
    expect((await database.db.query("SELECT 1 FROM rate_limits WHERE bucket = 'test:window'")).rowCount).toBe(0);
  });

  it('clear() forgets a key and stores no key in clear text', async () => {
    const key = freshKey();
    await limiter.hit('test:clear', key, 1, 3600);
    const { rows } = await database.db.query<{ key_hash: string }>("SELECT key_hash FROM rate_limits WHERE bucket = 'test:clear'");
    expect(rows[0]!.key_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(rows[0]!.key_hash).not.toContain('example');
    expect((await limiter.hit('test:clear', key, 1, 3600)).allowed).toBe(false);
    await limiter.clear('test:clear', key);
    expect((await limiter.hit('test:clear', key, 1, 3600)).allowed).toBe(true);
  });

  it('refuses a nonsensical limit or window', async () => {
    await expect(limiter.hit('test:bad', 'k', -1, 60)).rejects.toThrow(RangeError);
    await expect(limiter.hit('test:bad', 'k', 1, 0)).rejects.toThrow(RangeError);
  });
});
