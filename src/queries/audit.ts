// SQL for the audit log (append-only).
import { z } from 'zod';
import type { Queryable } from '../db/types.js';

export const auditRow = z.object({
  id: z.coerce.number(),
  account_id: z.string().nullable(),
  type: z.string(),
  client_id: z.string().nullable(),
  ip: z.string().nullable(),
  user_agent: z.string().nullable(),
  data: z.record(z.string(), z.unknown()),
  created_at: z.date(),
});
export type AuditRow = z.infer<typeof auditRow>;

export interface NewAuditEvent {
  accountId?: string | null;
  type: string;
  clientId?: string | null;
  ip?: string | null;
  userAgent?: string | null;
  data?: Record<string, unknown>;
}

/** Typed access to audit_events. */
export function createAuditQueries(db: Queryable) {
  return {
    async insert(e: NewAuditEvent): Promise<void> {
      await db.query(
        'INSERT INTO audit_events (account_id, type, client_id, ip, user_agent, data) VALUES ($1, $2, $3, $4, $5, $6)',
        [e.accountId ?? null, e.type, e.clientId ?? null, e.ip ?? null, e.userAgent?.slice(0, 512) ?? null, JSON.stringify(e.data ?? {})],
      );
    },
    async listForAccount(accountId: string, limit = 50, beforeId?: number): Promise<AuditRow[]> {
      const { rows } = await db.query(
        `SELECT * FROM audit_events WHERE account_id = $1 AND ($2::bigint IS NULL OR id < $2) ORDER BY id DESC LIMIT $3`,
        [accountId, beforeId ?? null, limit],
      );
      return rows.map((r) => auditRow.parse(r));
    },
    /**
     * The staff console's audit search (newest first, keyset-paginated by id): events about or by an account
     * (account_id or data.actorId), of a company (data.companyId), whose type starts with `type`, in [from, to).
     */
    async search(filter: AuditSearch): Promise<AuditRow[]> {
      const type = filter.type ? `${filter.type.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
      const { rows } = await db.query(
        `SELECT * FROM audit_events
          WHERE ($1::uuid IS NULL OR account_id = $1::uuid OR data->>'actorId' = $1::text)
            AND ($2::text IS NULL OR data->>'companyId' = $2::text)
            AND ($3::text IS NULL OR type LIKE $3::text)
            AND ($4::timestamptz IS NULL OR created_at >= $4::timestamptz)
            AND ($5::timestamptz IS NULL OR created_at < $5::timestamptz)
            AND ($6::bigint IS NULL OR id < $6::bigint)
          ORDER BY id DESC LIMIT $7`,
        [filter.accountId ?? null, filter.companyId ?? null, type, filter.from ?? null, filter.to ?? null, filter.beforeId ?? null, filter.limit],
      );
      return rows.map((r) => auditRow.parse(r));
    },
  };
}

/** What the audit search filters on (all optional but the page size). */
export interface AuditSearch {
  accountId?: string | undefined;
  companyId?: string | undefined;
  /** A type or the start of one ('company.' finds every company event). */
  type?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  /** The next page starts below this id. */
  beforeId?: number | undefined;
  limit: number;
}
export type AuditQueries = ReturnType<typeof createAuditQueries>;
