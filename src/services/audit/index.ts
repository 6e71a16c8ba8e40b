// The audit log: who did what to which account, from where. Append-only.
import type { Queryable } from '../../db/types.js';
import { createAuditQueries, type NewAuditEvent } from '../../queries/audit.js';

export type AuditEvent = NewAuditEvent;

/** Records audit events; pass a transaction to record an event atomically with the change it describes. */
export function createAuditLog(db: Queryable) {
  return {
    record(event: AuditEvent, tx: Queryable = db): Promise<void> {
      return createAuditQueries(tx).insert(event);
    },
    list(accountId: string, limit?: number, beforeId?: number) {
      return createAuditQueries(db).listForAccount(accountId, limit, beforeId);
    },
  };
}
export type AuditLog = ReturnType<typeof createAuditLog>;
