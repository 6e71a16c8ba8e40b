// SQL for the brute-force protection state (login_throttling_accounts, login_throttling_ips).
// The lock* functions lock the row they return until the surrounding transaction ends, so the caller can
// decide and save without a concurrent writer in between. Rows are checked against the schema, never cast.
import { z } from 'zod';
import type { Queryable } from '../db/types.js';

const count = z.number().int().nonnegative();

const accountThrottleRow = z
  .object({
    account_key: z.string(),
    failures: count,
    pending: count,
    last_failure_at: z.date().nullable(),
    last_reserved_at: z.date().nullable(),
    locked_until: z.date().nullable(),
    forget_at: z.date(),
  })
  .transform((r) => ({
    accountKey: r.account_key,
    failures: r.failures,
    pending: r.pending,
    lastFailureAt: r.last_failure_at,
    lastReservedAt: r.last_reserved_at,
    lockedUntil: r.locked_until,
    forgetAt: r.forget_at,
  }));
/** The throttling state of one account key (a normalised email, known or not). */
export type AccountThrottle = z.output<typeof accountThrottleRow>;

const ipThrottleRow = z
  .object({ ip: z.string(), failures: count, window_start: z.date(), window_end: z.date() })
  .transform((r) => ({ ip: r.ip, failures: r.failures, windowStart: r.window_start, windowEnd: r.window_end }));
/** The failures one client IP has in its current fixed window. */
export type IpThrottle = z.output<typeof ipThrottleRow>;

const purged = z.object({ n: count });

const oneAccount = (rows: unknown[]) => (rows[0] === undefined ? undefined : accountThrottleRow.parse(rows[0]));
const oneIp = (rows: unknown[]) => (rows[0] === undefined ? undefined : ipThrottleRow.parse(rows[0]));

function required<T>(row: T | undefined, what: string): T {
  if (row === undefined) throw new Error(`${what} returned no row`);
  return row;
}

/** Typed access to the brute-force protection tables. */
export function createLoginThrottlingQueries(db: Queryable) {
  return {
    async findAccount(accountKey: string): Promise<AccountThrottle | undefined> {
      return oneAccount((await db.query('SELECT * FROM login_throttling_accounts WHERE account_key = $1', [accountKey])).rows);
    },

    /** Returns the account key's row, created empty if missing, locked until the transaction ends. */
    async lockOrCreateAccount(accountKey: string, now: Date): Promise<AccountThrottle> {
      // DO UPDATE (a no-op) rather than DO NOTHING: it locks the existing row and returns its newest version.
      const { rows } = await db.query(
        `INSERT INTO login_throttling_accounts (account_key, forget_at) VALUES ($1, $2)
         ON CONFLICT (account_key) DO UPDATE SET account_key = EXCLUDED.account_key
         RETURNING *`,
        [accountKey, now],
      );
      return required(oneAccount(rows), 'lockOrCreateAccount');
    },

    /** Returns the account key's row locked until the transaction ends; undefined when there is none. */
    async lockAccount(accountKey: string): Promise<AccountThrottle | undefined> {
      return oneAccount((await db.query('SELECT * FROM login_throttling_accounts WHERE account_key = $1 FOR UPDATE', [accountKey])).rows);
    },

    async saveAccount(state: AccountThrottle): Promise<void> {
      await db.query(
        `UPDATE login_throttling_accounts
         SET failures = $2, pending = $3, last_failure_at = $4, last_reserved_at = $5, locked_until = $6, forget_at = $7
         WHERE account_key = $1`,
        [state.accountKey, state.failures, state.pending, state.lastFailureAt, state.lastReservedAt, state.lockedUntil, state.forgetAt],
      );
    },

    /** Forgets everything about the account key; true when there was something to forget. */
    async deleteAccount(accountKey: string): Promise<boolean> {
      const { rowCount } = await db.query('DELETE FROM login_throttling_accounts WHERE account_key = $1', [accountKey]);
      return rowCount > 0;
    },

    /** Returns the IP's row, created with an empty window if missing, locked until the transaction ends. */
    async lockOrCreateIp(ip: string, now: Date): Promise<IpThrottle> {
      const { rows } = await db.query(
        `INSERT INTO login_throttling_ips (ip, window_start, window_end) VALUES ($1, $2, $2)
         ON CONFLICT (ip) DO UPDATE SET ip = EXCLUDED.ip
         RETURNING *`,
        [ip, now],
      );
      return required(oneIp(rows), 'lockOrCreateIp');
    },

    async saveIp(state: IpThrottle): Promise<void> {
      await db.query(
        'UPDATE login_throttling_ips SET failures = $2, window_start = $3, window_end = $4 WHERE ip = $1',
        [state.ip, state.failures, state.windowStart, state.windowEnd],
      );
    },

    /** Gives back one reserved attempt, atomically, if the IP is still in the window it was reserved in. */
    async releaseIpReservation(ip: string, windowStart: Date): Promise<void> {
      await db.query(
        'UPDATE login_throttling_ips SET failures = failures - 1 WHERE ip = $1 AND window_start = $2 AND failures > 0',
        [ip, windowStart],
      );
    },

    /** Deletes rows that carry no information at `now`; returns how many of each kind went. */
    async purge(now: Date): Promise<{ accounts: number; ips: number }> {
      const accounts = await db.query(
        `WITH gone AS (
           DELETE FROM login_throttling_accounts
           WHERE forget_at <= $1 OR (failures = 0 AND (locked_until IS NULL OR locked_until <= $1))
           RETURNING 1
         ) SELECT count(*)::int AS n FROM gone`,
        [now],
      );
      const ips = await db.query(
        `WITH gone AS (
           DELETE FROM login_throttling_ips WHERE window_end <= $1 OR failures = 0 RETURNING 1
         ) SELECT count(*)::int AS n FROM gone`,
        [now],
      );
      return { accounts: purged.parse(accounts.rows[0]).n, ips: purged.parse(ips.rows[0]).n };
    },
  };
}
export type LoginThrottlingQueries = ReturnType<typeof createLoginThrottlingQueries>;
