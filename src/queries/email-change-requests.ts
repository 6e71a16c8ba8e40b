// SQL for email_change_requests: requested -> verified by the new address -> applied, or held for staff
// approval, or cancelled / rejected / superseded. Rows are checked against the schema, never cast.
import { z } from 'zod';
import type { Queryable } from '../db/types.js';

export const EMAIL_CHANGE_STATUSES = ['awaiting-verification', 'awaiting-approval', 'applied', 'cancelled', 'rejected', 'superseded'] as const;
export type EmailChangeStatus = (typeof EMAIL_CHANGE_STATUSES)[number];

export const emailChangeRow = z.object({
  id: z.string().uuid(),
  account_id: z.string().uuid(),
  old_email: z.string(),
  new_email: z.string(),
  status: z.enum(EMAIL_CHANGE_STATUSES),
  created_at: z.date(),
  verified_at: z.date().nullable(),
  decided_at: z.date().nullable(),
  decided_by: z.string().nullable(),
  reason: z.string().nullable(),
});
export type EmailChangeRow = z.infer<typeof emailChangeRow>;

const one = (rows: unknown[]) => (rows[0] === undefined ? undefined : emailChangeRow.parse(rows[0]));
const isUuid = (id: string) => z.string().uuid().safeParse(id).success;

/** Typed access to email_change_requests. */
export function createEmailChangeQueries(db: Queryable) {
  return {
    /** Marks the account's open request (if any) superseded; returns its id. */
    async supersedeOpen(accountId: string): Promise<string | undefined> {
      const { rows } = await db.query<{ id: string }>(
        `UPDATE email_change_requests SET status = 'superseded', decided_at = now(), decided_by = 'user'
         WHERE account_id = $1 AND status IN ('awaiting-verification', 'awaiting-approval') RETURNING id`,
        [accountId],
      );
      return rows[0]?.id;
    },
    async insert(accountId: string, oldEmail: string, newEmail: string): Promise<EmailChangeRow> {
      const { rows } = await db.query(
        'INSERT INTO email_change_requests (account_id, old_email, new_email) VALUES ($1, $2, $3) RETURNING *',
        [accountId, oldEmail, newEmail],
      );
      return emailChangeRow.parse(rows[0]);
    },
    /** The request, locked for the rest of the transaction. */
    async lock(id: string): Promise<EmailChangeRow | undefined> {
      if (!isUuid(id)) return undefined;
      return one((await db.query('SELECT * FROM email_change_requests WHERE id = $1 FOR UPDATE', [id])).rows);
    },
    async find(id: string): Promise<EmailChangeRow | undefined> {
      if (!isUuid(id)) return undefined;
      return one((await db.query('SELECT * FROM email_change_requests WHERE id = $1', [id])).rows);
    },
    /** The account's open request (awaiting verification or approval), if any. */
    async findOpen(accountId: string): Promise<EmailChangeRow | undefined> {
      return one((await db.query(
        `SELECT * FROM email_change_requests WHERE account_id = $1 AND status IN ('awaiting-verification', 'awaiting-approval')`,
        [accountId],
      )).rows);
    },
    /** Moves a request to a new status, recording when it was verified or decided, by whom and why. */
    async setStatus(id: string, status: EmailChangeStatus, change: { verified?: boolean; decidedBy?: string; reason?: string | null } = {}): Promise<EmailChangeRow> {
      const { rows } = await db.query(
        `UPDATE email_change_requests SET status = $2,
           verified_at = CASE WHEN $3 THEN now() ELSE verified_at END,
           decided_at = CASE WHEN $4::text IS NULL THEN decided_at ELSE now() END,
           decided_by = COALESCE($4, decided_by),
           reason = COALESCE($5, reason)
         WHERE id = $1 RETURNING *`,
        [id, status, change.verified ?? false, change.decidedBy ?? null, change.reason ?? null],
      );
      return emailChangeRow.parse(rows[0]);
    },
    /** The account's requests, newest first. */
    async listForAccount(accountId: string): Promise<EmailChangeRow[]> {
      const { rows } = await db.query('SELECT * FROM email_change_requests WHERE account_id = $1 ORDER BY created_at DESC, id', [accountId]);
      return rows.map((r) => emailChangeRow.parse(r));
    },
    /** Every request (or only those awaiting staff approval), oldest first. */
    async list(options: { pendingOnly?: boolean; limit?: number } = {}): Promise<EmailChangeRow[]> {
      const { rows } = await db.query(
        `SELECT * FROM email_change_requests WHERE ($1::boolean IS FALSE OR status = 'awaiting-approval')
         ORDER BY created_at, id LIMIT $2`,
        [options.pendingOnly ?? false, options.limit ?? 1000],
      );
      return rows.map((r) => emailChangeRow.parse(r));
    },
  };
}
export type EmailChangeQueries = ReturnType<typeof createEmailChangeQueries>;
