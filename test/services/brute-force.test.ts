// Brute-force protection on the embedded and the server database: Keycloak-like waits per account key,
// a fixed-window limit per IP, and no overshoot when attempts run in parallel on a pool of connections.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import type { BruteForceConfig } from '../../src/config/index.js';
import { createLoginThrottlingQueries } from '../../src/queries/login-throttling.js';
import { createBruteForceGuard, purgeStaleThrottling, type Attempt, type BruteForceGuard } from '../../src/services/brute-force/index.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../support/databases.js';

const config: BruteForceConfig = {
  failureFactor: 5,
  waitIncrementSeconds: 60,
  maxWaitSeconds: 900,
  quickLoginCheckMillis: 1000,
  minimumQuickLoginWaitSeconds: 60,
  failureResetSeconds: 3600,
  ipMaxFailures: 10_000,
  ipWindowSeconds: 900,
};

/** A clock the test moves by hand. */
function testClock(start = Date.parse('2030-01-01T00:00:00Z')) {
  let t = start;
  return {
    now: () => new Date(t),
    advanceSeconds(s: number) { t += s * 1000; },
    advanceMillis(ms: number) { t += ms; },
    in(seconds: number) { return new Date(t + seconds * 1000); },
  };
}

let serial = 0;
const freshKey = (label = 'user') => `${label}-${++serial}@example.com`;
const freshIp = () => { serial += 1; return `10.${(serial >> 8) & 255}.${serial & 255}.1`; };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Outcome = 'refused' | 'succeeded' | 'failed';

/** One login attempt: begin, then (if allowed) report the password check's result. */
async function attempt(guard: BruteForceGuard, key: string, ip: string, rightPassword: boolean): Promise<Outcome> {
  const a = await guard.begin(key, ip);
  if (!a.allowed) return 'refused';
  if (rightPassword) {
    await a.succeeded();
    return 'succeeded';
  }
  await a.failed();
  return 'failed';
}

function refusal(a: Attempt) {
  if (a.allowed) throw new Error('expected the attempt to be refused');
  return a;
}

describe.each(databaseKinds)('brute-force guard on %s', (kind) => {
  let t: TestDatabase;
  beforeAll(async () => { t = await createTestDatabase(kind); });
  afterAll(async () => { await t?.close(); });

  describe('parallel attempts', () => {
    /** Runs `n` parallel wrong attempts (each password check takes ~5 ms); returns how many reached the check. */
    async function parallelWrongAttempts(guard: BruteForceGuard, key: string, n: number, ipFor: (i: number) => string) {
      let verified = 0;
      let checking = 0;
      let mostChecking = 0;
      await Promise.all(Array.from({ length: n }, async (_, i) => {
        const a = await guard.begin(key, ipFor(i));
        if (!a.allowed) return;
        verified += 1;
        checking += 1;
        mostChecking = Math.max(mostChecking, checking);
        await sleep(5);
        checking -= 1;
        await a.failed();
      }));
      return { verified, mostChecking };
    }

    it.each([
      ['100 different IPs', () => { const base = freshIp(); return (i: number) => `${base}-${i}`; }],
      ['one IP', () => { const ip = freshIp(); return () => ip; }],
    ])('100 parallel wrong attempts from %s count exactly like 100 sequential ones', async (_label, makeIps) => {
      const clock = testClock();
      const guard = createBruteForceGuard({ db: t.db, config, now: clock.now });

      const sequentialKey = freshKey();
      const sequentialIps = makeIps();
      let sequentialVerified = 0;
      for (let i = 0; i < 100; i += 1) {
        if ((await attempt(guard, sequentialKey, sequentialIps(i), false)) === 'failed') sequentialVerified += 1;
      }
      const sequential = await guard.status(sequentialKey);
      expect(sequentialVerified).toBe(config.failureFactor);
      expect(sequential.failures).toBe(config.failureFactor);

      const parallelKey = freshKey();
      const { verified } = await parallelWrongAttempts(guard, parallelKey, 100, makeIps());
      expect(verified).toBeLessThanOrEqual(config.failureFactor);
      expect(verified).toBe(sequentialVerified);
      const parallel = await guard.status(parallelKey);
      expect(parallel.failures).toBe(sequential.failures);
      expect(parallel.lockedUntil).not.toBeNull();

      // The right password, tried after them, is refused during the wait.
      expect(await attempt(guard, parallelKey, freshIp(), true)).toBe('refused');
      expect((await guard.status(parallelKey)).failures).toBe(sequential.failures);
    });

    it('lets only one of many parallel attempts through once a wait has ended', async () => {
      const clock = testClock();
      const guard = createBruteForceGuard({ db: t.db, config, now: clock.now });
      const key = freshKey();
      const base = freshIp();
      await parallelWrongAttempts(guard, key, 20, (i) => `${base}-a${i}`);
      const { lockedUntil } = await guard.status(key);
      clock.advanceSeconds((lockedUntil!.getTime() - clock.now().getTime()) / 1000);

      const { verified } = await parallelWrongAttempts(guard, key, 50, (i) => `${base}-b${i}`);
      expect(verified).toBe(1);
      const after = await guard.status(key);
      expect(after.failures).toBe(config.failureFactor + 1);
      expect(after.lockedUntil!.getTime()).toBeGreaterThan(clock.now().getTime());
    });

    it('never lets more than ipMaxFailures parallel attempts from one IP reach the password check', async () => {
      const clock = testClock();
      const guard = createBruteForceGuard({ db: t.db, config: { ...config, ipMaxFailures: 10 }, now: clock.now });
      const ip = freshIp();
      let verified = 0;
      await Promise.all(Array.from({ length: 60 }, async () => {
        const a = await guard.begin(freshKey('spray'), ip);
        if (!a.allowed) return;
        verified += 1;
        await sleep(5);
        await a.failed();
      }));
      expect(verified).toBe(10);
      expect(await attempt(guard, freshKey('spray'), ip, true)).toBe('refused');
    });
  });

  describe('per account key', () => {
    const progressive: BruteForceConfig = { ...config, failureFactor: 3, waitIncrementSeconds: 60, maxWaitSeconds: 150, minimumQuickLoginWaitSeconds: 30 };

    it('waits progressively longer after each further failure, up to maxWaitSeconds', async () => {
      const clock = testClock();
      const guard = createBruteForceGuard({ db: t.db, config: progressive, now: clock.now });
      const key = freshKey();
      const ip = freshIp();

      for (let i = 0; i < 2; i += 1) {
        expect(await attempt(guard, key, ip, false)).toBe('failed');
        clock.advanceSeconds(2);
      }
      expect(await guard.status(key)).toEqual({ failures: 2, lockedUntil: null });

      expect(await attempt(guard, key, ip, false)).toBe('failed');
      expect(await guard.status(key)).toEqual({ failures: 3, lockedUntil: clock.in(60) });
      // During the wait even the right password is refused, and refusals are not counted.
      expect(refusal(await guard.begin(key, ip))).toEqual({ allowed: false, retryAfterSeconds: 60, reason: 'account' });
      clock.advanceSeconds(59);
      expect(refusal(await guard.begin(key, ip)).retryAfterSeconds).toBe(1);
      expect(await attempt(guard, key, ip, true)).toBe('refused');
      expect((await guard.status(key)).failures).toBe(3);
      clock.advanceSeconds(1);

      for (let failures = 4; failures <= 12; failures += 1) {
        expect(await attempt(guard, key, ip, false)).toBe('failed');
        const wait = Math.min(150, 60 * Math.floor(failures / 3));
        expect(await guard.status(key)).toEqual({ failures, lockedUntil: clock.in(wait) });
        clock.advanceSeconds(wait);
      }

      expect(await attempt(guard, key, ip, true)).toBe('succeeded');
      expect(await guard.status(key)).toEqual({ failures: 0, lockedUntil: null });
    });

    it('lets ordinary typos pass but waits at least minimumQuickLoginWaitSeconds after rapid failures at the threshold', async () => {
      const clock = testClock();
      const guard = createBruteForceGuard({ db: t.db, config: { ...progressive, minimumQuickLoginWaitSeconds: 300 }, now: clock.now });
      const key = freshKey();
      const ip = freshIp();
      expect(await attempt(guard, key, ip, false)).toBe('failed');
      clock.advanceMillis(100);
      expect(await attempt(guard, key, ip, false)).toBe('failed');
      clock.advanceMillis(100);
      expect(await guard.status(key)).toEqual({ failures: 2, lockedUntil: null });
      expect(await attempt(guard, key, ip, false)).toBe('failed');
      expect(await guard.status(key)).toEqual({ failures: 3, lockedUntil: clock.in(300) });
    });

    it('forgets failures after failureResetSeconds without a failure, not before', async () => {
      const clock = testClock();
      const guard = createBruteForceGuard({ db: t.db, config: progressive, now: clock.now });
      const ip = freshIp();

      const remembered = freshKey();
      await attempt(guard, remembered, ip, false);
      clock.advanceSeconds(10);
      await attempt(guard, remembered, ip, false);
      clock.advanceSeconds(progressive.failureResetSeconds - 1);
      expect((await guard.status(remembered)).failures).toBe(2);
      expect(await attempt(guard, remembered, ip, false)).toBe('failed');
      expect((await guard.status(remembered)).lockedUntil).toEqual(clock.in(60));

      const forgotten = freshKey();
      await attempt(guard, forgotten, ip, false);
      clock.advanceSeconds(10);
      await attempt(guard, forgotten, ip, false);
      clock.advanceSeconds(progressive.failureResetSeconds);
      expect((await guard.status(forgotten)).failures).toBe(0);
      expect(await attempt(guard, forgotten, ip, false)).toBe('failed');
      expect(await guard.status(forgotten)).toEqual({ failures: 1, lockedUntil: null });
    });

    it('resets the failures on a successful login', async () => {
      const clock = testClock();
      const guard = createBruteForceGuard({ db: t.db, config, now: clock.now });
      const key = freshKey();
      const ip = freshIp();
      for (let i = 0; i < config.failureFactor - 1; i += 1) {
        expect(await attempt(guard, key, ip, false)).toBe('failed');
        clock.advanceSeconds(5);
      }
      expect(await attempt(guard, key, ip, true)).toBe('succeeded');
      expect(await guard.status(key)).toEqual({ failures: 0, lockedUntil: null });
      for (let i = 0; i < config.failureFactor - 1; i += 1) {
        expect(await attempt(guard, key, ip, false)).toBe('failed');
        clock.advanceSeconds(5);
      }
      expect((await guard.status(key)).lockedUntil).toBeNull();
      expect(await attempt(guard, key, ip, false)).toBe('failed');
      expect((await guard.status(key)).lockedUntil).toEqual(clock.in(60));
    });

    it('counts each attempt once, however often its outcome is reported', async () => {
      const clock = testClock();
      const guard = createBruteForceGuard({ db: t.db, config, now: clock.now });
      const key = freshKey();
      const a = await guard.begin(key, freshIp());
      if (!a.allowed) throw new Error('first attempt refused');
      await a.failed();
      await a.failed();
      await a.succeeded();
      expect(await guard.status(key)).toEqual({ failures: 1, lockedUntil: null });
    });

    it('stops an attempt that never reported back (crashed node) from blocking others after a minute', async () => {
      const clock = testClock();
      const guard = createBruteForceGuard({ db: t.db, config: { ...config, failureFactor: 2 }, now: clock.now });
      const key = freshKey();
      const ip = freshIp();
      expect((await guard.begin(key, ip)).allowed).toBe(true);
      expect((await guard.begin(key, ip)).allowed).toBe(true);
      expect((await guard.begin(key, ip)).allowed).toBe(false);
      clock.advanceSeconds(60);
      expect(await guard.status(key)).toEqual({ failures: 2, lockedUntil: null });
      expect(await attempt(guard, key, ip, true)).toBe('succeeded');
      expect(await guard.status(key)).toEqual({ failures: 0, lockedUntil: null });
    });

    it('treats an email without an account exactly like one with an account', async () => {
      const known = freshKey('known');
      const unknown = freshKey('unknown');
      await t.db.query('INSERT INTO accounts (email) VALUES ($1)', [known]);
      const script: Array<boolean | number> = [false, 3, false, 0, false, 0, false, 0, false, 0, true, false, 61, true, false, 200, false, true];

      async function trace(key: string) {
        const clock = testClock();
        const guard = createBruteForceGuard({ db: t.db, config, now: clock.now });
        const ip = freshIp();
        const steps: unknown[] = [];
        for (const step of script) {
          if (typeof step === 'number') {
            clock.advanceSeconds(step);
            continue;
          }
          const a = await guard.begin(key, ip);
          if (a.allowed) await (step ? a.succeeded() : a.failed());
          steps.push({ allowed: a.allowed, retry: a.allowed ? null : a.retryAfterSeconds, status: await guard.status(key) });
        }
        return steps;
      }

      const knownTrace = await trace(known);
      expect(knownTrace.some((s) => (s as { allowed: boolean }).allowed === false)).toBe(true);
      expect(await trace(unknown)).toEqual(knownTrace);
    });

    it('reports status and lets an admin reset a locked account key', async () => {
      const clock = testClock();
      const guard = createBruteForceGuard({ db: t.db, config, now: clock.now });
      const key = freshKey();
      const ip = freshIp();
      expect(await guard.status(key)).toEqual({ failures: 0, lockedUntil: null });
      await guard.reset(key); // nothing to forget: no error
      for (let i = 0; i < config.failureFactor; i += 1) await attempt(guard, key, ip, false);
      const locked = await guard.status(key);
      expect(locked.failures).toBe(config.failureFactor);
      expect(locked.lockedUntil).not.toBeNull();
      expect(await attempt(guard, key, ip, true)).toBe('refused');

      await guard.reset(key);
      expect(await guard.status(key)).toEqual({ failures: 0, lockedUntil: null });
      expect(await attempt(guard, key, ip, true)).toBe('succeeded');
    });
  });

  describe('per IP', () => {
    const ipConfig: BruteForceConfig = { ...config, ipMaxFailures: 3, ipWindowSeconds: 600 };

    it('refuses every attempt from an IP with ipMaxFailures failures in its window, whatever the account key', async () => {
      const clock = testClock();
      const guard = createBruteForceGuard({ db: t.db, config: ipConfig, now: clock.now });
      const ip = freshIp();
      for (let i = 0; i < 5; i += 1) expect(await attempt(guard, freshKey(), ip, true)).toBe('succeeded'); // successes do not count
      for (let i = 0; i < 3; i += 1) {
        expect(await attempt(guard, freshKey(), ip, false)).toBe('failed');
        clock.advanceSeconds(10);
      }
      const victim = freshKey();
      expect(refusal(await guard.begin(victim, ip))).toEqual({ allowed: false, retryAfterSeconds: 600 - 30, reason: 'ip' });
      expect(await attempt(guard, victim, ip, true)).toBe('refused');
      expect((await guard.status(victim)).failures).toBe(0); // not counted against the account
      expect(await attempt(guard, victim, freshIp(), true)).toBe('succeeded'); // other IPs are unaffected
    });

    it('lets the IP try again once its window has ended', async () => {
      const clock = testClock();
      const guard = createBruteForceGuard({ db: t.db, config: ipConfig, now: clock.now });
      const ip = freshIp();
      for (let i = 0; i < 3; i += 1) await attempt(guard, freshKey(), ip, false);
      clock.advanceSeconds(599);
      expect(refusal(await guard.begin(freshKey(), ip)).retryAfterSeconds).toBe(1);
      clock.advanceSeconds(1);
      for (let i = 0; i < 3; i += 1) expect(await attempt(guard, freshKey(), ip, false)).toBe('failed');
      expect(await attempt(guard, freshKey(), ip, true)).toBe('refused');
    });
  });

  it('purges rows that carry no information and keeps the rest', async () => {
    const clock = testClock(Date.parse('2031-06-01T00:00:00Z'));
    const guard = createBruteForceGuard({ db: t.db, config: { ...config, ipWindowSeconds: 60 }, now: clock.now });
    const queries = createLoginThrottlingQueries(t.db);
    const ip = freshIp();
    const quiet = freshKey();
    const succeeded = freshKey();
    const locked = freshKey();
    await attempt(guard, quiet, ip, false);
    await attempt(guard, succeeded, ip, true);
    clock.advanceSeconds(config.failureResetSeconds - 100);
    for (let i = 0; i < config.failureFactor; i += 1) await attempt(guard, locked, freshIp(), false);
    clock.advanceSeconds(100);

    const purged = await purgeStaleThrottling(t.db, clock.now());
    expect(purged.accounts).toBeGreaterThanOrEqual(2);
    expect(purged.ips).toBeGreaterThanOrEqual(1);
    expect(await queries.findAccount(quiet)).toBeUndefined();
    expect(await queries.findAccount(succeeded)).toBeUndefined();
    expect(await queries.findAccount(locked)).toBeDefined();
    expect((await guard.status(locked)).failures).toBe(config.failureFactor);
  });
});
