// The brute-force rules as pure functions of (stored state, now, config): Keycloak's brute-force detection
// model per account key (progressive waits, quick-login check, reset after a quiet period) plus a fixed-window
// failure limit per client IP (OWASP ASVS V2.2.1). The guard (index.ts) loads, locks and saves the state.
import type { BruteForceConfig } from '../../config/index.js';
import type { AccountThrottle, IpThrottle } from '../../queries/login-throttling.js';

/**
 * A reservation whose attempt never reported back (its node crashed mid-check) stops blocking other attempts
 * after this long; it stays counted as a failure. Far longer than any password check.
 */
export const RESERVATION_TIMEOUT_SECONDS = 60;

export type Decision<State> =
  | { allowed: true; next: State }
  | { allowed: false; retryAfterSeconds: number };

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));
const later = (a: Date | null, b: Date | null): Date | null => (a === null ? b : b === null ? a : a > b ? a : b);
const addSeconds = (d: Date, s: number) => new Date(d.getTime() + s * 1000);

/** When a state stops carrying information: after its quiet period, and never while a wait runs. */
function withForgetAt(state: AccountThrottle, config: BruteForceConfig, now: Date): AccountThrottle {
  const lastActivity = later(state.lastFailureAt, state.lastReservedAt);
  const quietEnd = lastActivity === null ? now : addSeconds(lastActivity, config.failureResetSeconds);
  return { ...state, forgetAt: later(quietEnd, state.lockedUntil) ?? now };
}

/** The state as it stands at `now`: expired waits dropped, failures forgotten after the quiet period, stale reservations settled. */
export function currentAccountState(state: AccountThrottle, now: Date): AccountThrottle {
  if (state.lockedUntil !== null && state.lockedUntil > now) return state;
  let s: AccountThrottle = { ...state, lockedUntil: null };
  if (s.forgetAt <= now) {
    s = { ...s, failures: 0, pending: 0, lastFailureAt: null, lastReservedAt: null };
  }
  if (s.pending > 0 && s.lastReservedAt !== null && addSeconds(s.lastReservedAt, RESERVATION_TIMEOUT_SECONDS) <= now) {
    s = { ...s, pending: 0 };
  }
  return s;
}

/**
 * May one more attempt on this account key reach the password check? Refused during a wait, and whenever the
 * attempts already reserved could bring on a wait (the first failureFactor attempts, then one at a time).
 * An allowed attempt is reserved: counted as a failure until it reports success.
 */
export function decideAccountAttempt(state: AccountThrottle, now: Date, config: BruteForceConfig): Decision<AccountThrottle> {
  if (state.lockedUntil !== null && state.lockedUntil > now) {
    return { allowed: false, retryAfterSeconds: seconds(state.lockedUntil.getTime() - now.getTime()) };
  }
  const s = currentAccountState(state, now);
  if (s.failures >= config.failureFactor && s.pending > 0) {
    // The attempts in flight decide whether a wait starts; this one may retry once they have.
    return { allowed: false, retryAfterSeconds: 1 };
  }
  const next = { ...s, failures: s.failures + 1, pending: s.pending + 1, lastReservedAt: now };
  return { allowed: true, next: withForgetAt(next, config, now) };
}

/** The wait a failure brings on: none below failureFactor, then progressive, at least the quick-login wait for rapid failures. */
export function waitSecondsAfterFailure(failures: number, sincePreviousFailureMs: number | null, config: BruteForceConfig): number {
  if (failures < config.failureFactor) return 0;
  const progressive = Math.min(config.maxWaitSeconds, config.waitIncrementSeconds * Math.floor(failures / config.failureFactor));
  const quick = sincePreviousFailureMs !== null && sincePreviousFailureMs < config.quickLoginCheckMillis;
  return quick ? Math.max(progressive, config.minimumQuickLoginWaitSeconds) : progressive;
}

/** A reserved attempt had the wrong password: its reservation becomes a failure and may start a wait. */
export function recordAccountFailure(state: AccountThrottle, now: Date, config: BruteForceConfig): AccountThrottle {
  const since = state.lastFailureAt === null ? null : now.getTime() - state.lastFailureAt.getTime();
  const wait = waitSecondsAfterFailure(state.failures, since, config);
  const running = state.lockedUntil !== null && state.lockedUntil > now ? state.lockedUntil : null;
  const next: AccountThrottle = {
    ...state,
    pending: Math.max(0, state.pending - 1),
    lastFailureAt: now,
    lockedUntil: wait > 0 ? later(running, addSeconds(now, wait)) : running,
  };
  return withForgetAt(next, config, now);
}

/** A reserved attempt had the right password: failures reset (Keycloak), other attempts still in flight stay reserved. */
export function recordAccountSuccess(state: AccountThrottle, now: Date, config: BruteForceConfig): AccountThrottle {
  const pending = Math.max(0, state.pending - 1);
  return withForgetAt({ ...state, failures: pending, pending, lastFailureAt: null, lockedUntil: null }, config, now);
}

/**
 * May one more attempt from this IP reach the password check? Refused once ipMaxFailures failures (reserved
 * attempts included) are in the current window, until it ends. A window opens at the first counted attempt.
 */
export function decideIpAttempt(state: IpThrottle, now: Date, config: BruteForceConfig): Decision<IpThrottle> {
  const s = state.failures === 0 || state.windowEnd <= now
    ? { ...state, failures: 0, windowStart: now, windowEnd: addSeconds(now, config.ipWindowSeconds) }
    : state;
  if (s.failures >= config.ipMaxFailures) {
    return { allowed: false, retryAfterSeconds: seconds(s.windowEnd.getTime() - now.getTime()) };
  }
  return { allowed: true, next: { ...s, failures: s.failures + 1 } };
}
