// SQL for the devices of an account's sessions (account_sessions) read together with the sessions
// themselves (oidc_payloads rows of model 'Session'). The provider's sessions are the truth: a device row
// without a live session is not shown; a live session without a device row shows with what is known.
import { z } from 'zod';
import type { Queryable } from '../db/types.js';

const sessionRow = z.object({
  session_uid: z.string(),
  ip: z.string().nullable(),
  user_agent: z.string().nullable(),
  // epoch seconds of the login (oidc-provider's loginTs)
  login_ts: z.coerce.number().nullable(),
  created_at: z.date().nullable(),
  last_seen_at: z.date().nullable(),
  expires_at: z.date().nullable(),
});

/** A live session of an account with the device it was started from (when recorded). */
export interface AccountSessionRow {
  sessionUid: string;
  ip: string | null;
  userAgent: string | null;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date | null;
}

const toSession = (raw: unknown): AccountSessionRow => {
  const r = sessionRow.parse(raw);
  const login = r.login_ts === null ? null : new Date(r.login_ts * 1000);
  const createdAt = r.created_at ?? login ?? new Date(0);
  return { sessionUid: r.session_uid, ip: r.ip, userAgent: r.user_agent, createdAt, lastSeenAt: r.last_seen_at ?? createdAt, expiresAt: r.expires_at };
};

/** Typed access to account_sessions. */
export function createAccountSessionQueries(db: Queryable) {
  return {
    /** Records (or refreshes) the device a session was used from. */
    async touch(input: { sessionUid: string; accountId: string; ip: string | null; userAgent: string | null }): Promise<void> {
      await db.query(
        `INSERT INTO account_sessions (session_uid, account_id, ip, user_agent) VALUES ($1, $2, $3, $4)
         ON CONFLICT (session_uid) DO UPDATE SET
           ip = EXCLUDED.ip, user_agent = EXCLUDED.user_agent, last_seen_at = now()
         WHERE account_sessions.account_id = EXCLUDED.account_id`,
        [input.sessionUid, input.accountId, input.ip, input.userAgent?.slice(0, 512) ?? null],
      );
    },
    /** The account's live sessions, most recently used first. */
    async listLive(accountId: string): Promise<AccountSessionRow[]> {
      const { rows } = await db.query(
        `SELECT p.uid AS session_uid, s.ip, s.user_agent, (p.payload ->> 'loginTs')::bigint AS login_ts,
                s.created_at, s.last_seen_at, p.expires_at
         FROM oidc_payloads p
         LEFT JOIN account_sessions s ON s.session_uid = p.uid AND s.account_id::text = p.account_id
         WHERE p.model = 'Session' AND p.account_id = $1 AND p.uid IS NOT NULL
           AND (p.expires_at IS NULL OR p.expires_at > now())
         ORDER BY COALESCE(s.last_seen_at, to_timestamp((p.payload ->> 'loginTs')::double precision)) DESC NULLS LAST, p.uid`,
        [accountId],
      );
      return rows.map(toSession);
    },
    /** Forgets the device of one session. */
    async remove(accountId: string, sessionUid: string): Promise<void> {
      await db.query('DELETE FROM account_sessions WHERE account_id = $1 AND session_uid = $2', [accountId, sessionUid]);
    },
    /** Forgets the devices of every session of the account except keepUid (all when undefined). */
    async removeOthers(accountId: string, keepUid: string | undefined): Promise<void> {
      await db.query('DELETE FROM account_sessions WHERE account_id = $1 AND ($2::text IS NULL OR session_uid <> $2)', [accountId, keepUid ?? null]);
    },
  };
}
export type AccountSessionQueries = ReturnType<typeof createAccountSessionQueries>;
