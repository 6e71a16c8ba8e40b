// SQL for oidc_payloads: oidc-provider's short-lived state. Rows are checked against the schema, never cast.
// Expired rows are invisible to every lookup (expires_at compared with now() in SQL) until purged.
import { z } from 'zod';
import type { Queryable } from '../db/types.js';

const payloadSchema = z.record(z.string(), z.unknown());

const storedRow = z
  .object({
    payload: payloadSchema,
    // whole epoch seconds, the unit oidc-provider uses for `consumed`
    consumed: z.number().int().nullable(),
  })
  .transform((r) => ({ payload: r.payload, consumedAt: r.consumed ?? undefined }));

/** A payload as stored, with the time it was consumed (epoch seconds) if it was. */
export type StoredOidcPayload = z.infer<typeof storedRow>;

/** What upsert writes: the payload plus the columns it is looked up and expired by. */
export interface OidcPayloadWrite {
  model: string;
  id: string;
  payload: Record<string, unknown>;
  grantId: string | null;
  uid: string | null;
  userCode: string | null;
  /** Seconds from now until the row expires; null for never. */
  expiresIn: number | null;
  /** Epoch seconds the row was already consumed at (never un-consumes an existing row). */
  consumedAt: number | null;
}

const LIVE = '(expires_at IS NULL OR expires_at > now())';
const SELECT_STORED = 'SELECT payload, floor(extract(epoch FROM consumed_at))::bigint AS consumed FROM oidc_payloads';

// PostgreSQL text cannot hold NUL, so no stored key contains one; looking one up would be a database error.
const representable = (...keys: string[]) => keys.every((k) => !k.includes('\0'));

const one = (rows: unknown[]) => (rows[0] === undefined ? undefined : storedRow.parse(rows[0]));

/** Typed access to oidc_payloads. */
export function createOidcPayloadQueries(db: Queryable) {
  return {
    /** Inserts or replaces a payload; a consumed row stays consumed. */
    async upsert(w: OidcPayloadWrite): Promise<void> {
      await db.query(
        `INSERT INTO oidc_payloads (model, id, payload, account_id, grant_id, uid, user_code, expires_at, consumed_at)
         VALUES ($1, $2, $3::jsonb, $3::jsonb ->> 'accountId', $4, $5, $6,
                 now() + $7::double precision * interval '1 second',
                 to_timestamp($8::double precision))
         ON CONFLICT (model, id) DO UPDATE SET
           payload = EXCLUDED.payload,
           account_id = EXCLUDED.account_id,
           grant_id = EXCLUDED.grant_id,
           uid = EXCLUDED.uid,
           user_code = EXCLUDED.user_code,
           expires_at = EXCLUDED.expires_at,
           consumed_at = COALESCE(oidc_payloads.consumed_at, EXCLUDED.consumed_at)`,
        [w.model, w.id, JSON.stringify(w.payload), w.grantId, w.uid, w.userCode, w.expiresIn, w.consumedAt],
      );
    },
    /** The live (unexpired) payload of model with this id. */
    async find(model: string, id: string): Promise<StoredOidcPayload | undefined> {
      if (!representable(model, id)) return undefined;
      return one((await db.query(`${SELECT_STORED} WHERE model = $1 AND id = $2 AND ${LIVE}`, [model, id])).rows);
    },
    /** The live payload of model whose uid is uid (sessions). */
    async findByUid(model: string, uid: string): Promise<StoredOidcPayload | undefined> {
      if (!representable(model, uid)) return undefined;
      return one((await db.query(`${SELECT_STORED} WHERE model = $1 AND uid = $2 AND ${LIVE} LIMIT 1`, [model, uid])).rows);
    },
    /** The live payload of model whose user code is userCode (device flow). */
    async findByUserCode(model: string, userCode: string): Promise<StoredOidcPayload | undefined> {
      if (!representable(model, userCode)) return undefined;
      return one((await db.query(`${SELECT_STORED} WHERE model = $1 AND user_code = $2 AND ${LIVE} LIMIT 1`, [model, userCode])).rows);
    },
    /** Marks the row consumed; true only for the one caller that changed it (atomic under races). */
    async consume(model: string, id: string): Promise<boolean> {
      if (!representable(model, id)) return false;
      const { rowCount } = await db.query(
        'UPDATE oidc_payloads SET consumed_at = now() WHERE model = $1 AND id = $2 AND consumed_at IS NULL',
        [model, id],
      );
      return rowCount === 1;
    },
    /** Deletes one row; true when it existed. */
    async destroy(model: string, id: string): Promise<boolean> {
      if (!representable(model, id)) return false;
      const { rowCount } = await db.query('DELETE FROM oidc_payloads WHERE model = $1 AND id = $2', [model, id]);
      return rowCount > 0;
    },
    /** Deletes every row bound to the grant, whatever its model; returns how many. */
    async deleteByGrantId(grantId: string): Promise<number> {
      if (!representable(grantId)) return 0;
      const { rowCount } = await db.query('DELETE FROM oidc_payloads WHERE grant_id = $1', [grantId]);
      return rowCount;
    },
    /** Deletes every session, grant, code and token of an account; returns how many. */
    async destroyByAccountId(accountId: string): Promise<number> {
      if (!representable(accountId)) return 0;
      const { rowCount } = await db.query('DELETE FROM oidc_payloads WHERE account_id = $1', [accountId]);
      return rowCount;
    },
    /** Ends one session of the account and deletes the codes and tokens issued in it; returns how many rows went. */
    async destroySession(accountId: string, sessionUid: string): Promise<number> {
      if (!representable(accountId, sessionUid)) return 0;
      const { rowCount } = await db.query(
        `DELETE FROM oidc_payloads WHERE account_id = $1
           AND ((model = 'Session' AND uid = $2) OR (model <> 'Session' AND payload ->> 'sessionUid' = $2))`,
        [accountId, sessionUid],
      );
      return rowCount;
    },
    /**
     * Ends every session of the account except keepSessionUid (all when undefined) and deletes every code
     * and token not issued in the kept session (refresh tokens included); grants stay. Returns how many rows went.
     */
    async destroyOtherSessions(accountId: string, keepSessionUid: string | undefined): Promise<number> {
      if (!representable(accountId, keepSessionUid ?? '')) return 0;
      const { rowCount } = await db.query(
        `DELETE FROM oidc_payloads WHERE account_id = $1 AND (
           (model = 'Session' AND uid IS DISTINCT FROM $2::text)
           OR (model IN ('AccessToken', 'RefreshToken', 'AuthorizationCode', 'DeviceCode', 'BackchannelAuthenticationRequest')
               AND payload ->> 'sessionUid' IS DISTINCT FROM $2::text))`,
        [accountId, keepSessionUid ?? null],
      );
      return rowCount;
    },
    /** The live grants of an account (payloads: clientId, openid.scope, iat...). */
    async listGrants(accountId: string): Promise<{ id: string; payload: Record<string, unknown> }[]> {
      if (!representable(accountId)) return [];
      const { rows } = await db.query(
        `SELECT id, payload FROM oidc_payloads WHERE model = 'Grant' AND account_id = $1 AND ${LIVE} ORDER BY id`,
        [accountId],
      );
      return rows.map((r) => z.object({ id: z.string(), payload: payloadSchema }).parse(r));
    },
    /** Deletes the account's grants for one client and everything issued under them; returns how many rows went. */
    async destroyClientGrants(accountId: string, clientId: string): Promise<number> {
      if (!representable(accountId, clientId)) return 0;
      const { rowCount } = await db.query(
        `WITH grants AS (
           SELECT id FROM oidc_payloads WHERE model = 'Grant' AND account_id = $1 AND payload ->> 'clientId' = $2)
         DELETE FROM oidc_payloads WHERE (model = 'Grant' AND id IN (SELECT id FROM grants))
           OR (grant_id IN (SELECT id FROM grants))
           OR (account_id = $1 AND model <> 'Session' AND payload ->> 'clientId' = $2)`,
        [accountId, clientId],
      );
      return rowCount;
    },
    /** Deletes up to batchSize expired rows, skipping rows other transactions hold; returns how many. */
    async deleteExpiredBatch(batchSize: number): Promise<number> {
      const { rowCount } = await db.query(
        `DELETE FROM oidc_payloads WHERE (model, id) IN (
           SELECT model, id FROM oidc_payloads
           WHERE expires_at <= now()
           ORDER BY expires_at
           LIMIT $1
           FOR UPDATE SKIP LOCKED)`,
        [batchSize],
      );
      return rowCount;
    },
  };
}
export type OidcPayloadQueries = ReturnType<typeof createOidcPayloadQueries>;
