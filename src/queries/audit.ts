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
  };
}
export type AuditQueries = ReturnType<typeof createAuditQueries>;
