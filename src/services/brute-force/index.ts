// Enforces OWASP ASVS V2.2.1 (anti-automation against credential stuffing and password guessing) with
// Keycloak's brute-force detection model per account key, plus a fixed-window failure limit per client IP.
// The state lives in PostgreSQL, so every node sharing the database enforces the same limits.
//
// Usage: `const attempt = await guard.begin(key, ip)` BEFORE verifying the password; when allowed, verify,
// then call exactly one of `attempt.succeeded()` / `attempt.failed()`. `begin` reserves the attempt in one
// short transaction holding row locks (never across the password check), so parallel attempts cannot
// overshoot the limits, on PGlite or on a pool of server connections.
import type { BruteForceConfig } from '../../config/index.js';
import type { Database, Queryable } from '../../db/types.js';
import { createLoginThrottlingQueries } from '../../queries/login-throttling.js';
import {
  currentAccountState,
  decideAccountAttempt,
  decideIpAttempt,
  recordAccountFailure,
  recordAccountSuccess,
} from './rules.js';

export { RESERVATION_TIMEOUT_SECONDS, waitSecondsAfterFailure } from './rules.js';

/** An attempt that may go on to the password check; report its outcome exactly once (later calls are ignored). */
export interface AllowedAttempt {
  allowed: true;
  succeeded(): Promise<void>;
  failed(): Promise<void>;
}

/** An attempt refused before the password check; callers show the same generic error as for a wrong password. */
export interface RefusedAttempt {
  allowed: false;
  retryAfterSeconds: number;
  /** Which limit refused it, for logs and audit (never shown to the user). */
  reason: 'account' | 'ip';
}

export type Attempt = AllowedAttempt | RefusedAttempt;

export interface AccountThrottleStatus {
  /** Failures counted now, including attempts whose password check is still running. */
  failures: number;
  /** Every attempt is refused until then; null when no wait is running. */
  lockedUntil: Date | null;
}

export interface BruteForceGuard {
  /** Decides, before the password is checked, whether this attempt may proceed; reserves it if so. */
  begin(accountKey: string, ip: string): Promise<Attempt>;
  /** The account key's current failures and wait (admin console, tests). */
  status(accountKey: string): Promise<AccountThrottleStatus>;
  /** Admin unlock: forgets the account key's failures and ends its wait. */
  reset(accountKey: string): Promise<void>;
}

export interface BruteForceGuardOptions {
  db: Database;
  config: BruteForceConfig;
  now?: () => Date;
}

/** Builds the brute-force guard on the shared database. */
export function createBruteForceGuard({ db, config, now = () => new Date() }: BruteForceGuardOptions): BruteForceGuard {
  const queries = createLoginThrottlingQueries(db);

  async function failed(accountKey: string): Promise<void> {
    // The IP keeps its reservation as a failure: nothing to write there.
    await db.transaction(async (tx) => {
      const q = createLoginThrottlingQueries(tx);
      const state = await q.lockAccount(accountKey);
      if (state) await q.saveAccount(recordAccountFailure(state, now(), config));
    });
  }

  async function succeeded(accountKey: string, ip: string, ipWindowStart: Date): Promise<void> {
    // Two separate single-row steps: never hold one of these locks while waiting for the other (no deadlock with begin).
    await queries.releaseIpReservation(ip, ipWindowStart);
    await db.transaction(async (tx) => {
      const q = createLoginThrottlingQueries(tx);
      const state = await q.lockAccount(accountKey);
      if (state) await q.saveAccount(recordAccountSuccess(state, now(), config));
    });
  }

  return {
    async begin(accountKey, ip) {
      const at = now();
      // Locks are always taken IP first, then account key, so concurrent begins cannot deadlock.
      const decision = await db.transaction(async (tx): Promise<RefusedAttempt | { allowed: true; ipWindowStart: Date }> => {
        const q = createLoginThrottlingQueries(tx);
        const ipDecision = decideIpAttempt(await q.lockOrCreateIp(ip, at), at, config);
        if (!ipDecision.allowed) return { allowed: false, retryAfterSeconds: ipDecision.retryAfterSeconds, reason: 'ip' };
        const accountDecision = decideAccountAttempt(await q.lockOrCreateAccount(accountKey, at), at, config);
        if (!accountDecision.allowed) return { allowed: false, retryAfterSeconds: accountDecision.retryAfterSeconds, reason: 'account' };
        await q.saveIp(ipDecision.next);
        await q.saveAccount(accountDecision.next);
        return { allowed: true, ipWindowStart: ipDecision.next.windowStart };
      });
      if (!decision.allowed) return decision;

      let settled = false;
      const once = (outcome: () => Promise<void>) => async () => {
        if (settled) return;
        settled = true;
        await outcome();
      };
      return {
        allowed: true,
        succeeded: once(() => succeeded(accountKey, ip, decision.ipWindowStart)),
        failed: once(() => failed(accountKey)),
      };
    },

    async status(accountKey) {
      const state = await queries.findAccount(accountKey);
      if (!state) return { failures: 0, lockedUntil: null };
      const current = currentAccountState(state, now());
      return { failures: current.failures, lockedUntil: current.lockedUntil };
    },

    async reset(accountKey) {
      await queries.deleteAccount(accountKey);
    },
  };
}

/** Deletes throttling rows that carry no information at `now` (run periodically); returns how many went. */
export async function purgeStaleThrottling(db: Queryable, now: Date): Promise<{ accounts: number; ips: number }> {
  return createLoginThrottlingQueries(db).purge(now);
}
