// SQL for company join requests and invitations (migrations/0010_companies.sql).
import { z } from 'zod';
import type { Queryable } from '../db/types.js';

const decision = z.enum(['approve', 'reject']).nullable();

export const joinRequestRow = z.object({
  id: z.string().uuid(),
  company_id: z.string().uuid(),
  account_id: z.string().uuid(),
  status: z.enum(['pending', 'approved', 'rejected', 'cancelled']),
  moderator_decision: decision,
  moderator_id: z.string().uuid().nullable(),
  moderator_at: z.date().nullable(),
  admin_decision: decision,
  admin_id: z.string().uuid().nullable(),
  admin_at: z.date().nullable(),
  reason: z.string().nullable(),
  created_at: z.date(),
  decided_at: z.date().nullable(),
  // joined for display
  company_name: z.string(),
  email: z.string(),
  name: z.string().nullable(),
});
export type JoinRequestRow = z.infer<typeof joinRequestRow>;

export const invitationRow = z.object({
  id: z.string().uuid(),
  company_id: z.string().uuid(),
  email: z.string(),
  roles: z.array(z.string()),
  contact_permissions: z.array(z.string()).nullable(),
  invited_by: z.string().uuid().nullable(),
  created_at: z.date(),
  expires_at: z.date(),
  accepted_at: z.date().nullable(),
  accepted_by: z.string().uuid().nullable(),
  company_name: z.string(),
});
export type InvitationRow = z.infer<typeof invitationRow>;

const REQUEST_SELECT = `SELECT j.*, c.name AS company_name, a.email, a.name FROM company_join_requests j
  JOIN companies c ON c.id = j.company_id JOIN accounts a ON a.id = j.account_id`;
const INVITATION_SELECT = `SELECT i.id, i.company_id, i.email, i.roles, i.contact_permissions, i.invited_by, i.created_at,
  i.expires_at, i.accepted_at, i.accepted_by, c.name AS company_name FROM company_invitations i JOIN companies c ON c.id = i.company_id`;

const oneRequest = (rows: unknown[]) => (rows[0] === undefined ? undefined : joinRequestRow.parse(rows[0]));
const oneInvitation = (rows: unknown[]) => (rows[0] === undefined ? undefined : invitationRow.parse(rows[0]));

/** Typed access to company_join_requests and company_invitations. */
export function createCompanyRequestQueries(db: Queryable) {
  return {
    async find(id: string): Promise<JoinRequestRow | undefined> {
      return oneRequest((await db.query(`${REQUEST_SELECT} WHERE j.id = $1`, [id])).rows);
    },

    /** Locks the request row until the transaction ends (two deciders run one after the other). */
    async lock(id: string): Promise<boolean> {
      return (await db.query('SELECT 1 FROM company_join_requests WHERE id = $1 FOR UPDATE', [id])).rows.length > 0;
    },

    async findPending(companyId: string, accountId: string): Promise<JoinRequestRow | undefined> {
      return oneRequest((await db.query(`${REQUEST_SELECT} WHERE j.company_id = $1 AND j.account_id = $2 AND j.status = 'pending'`, [companyId, accountId])).rows);
    },

    /** Inserts a pending request; undefined when one is already pending for this company and account. */
    async insert(companyId: string, accountId: string): Promise<string | undefined> {
      const { rows } = await db.query(
        `INSERT INTO company_join_requests (company_id, account_id) VALUES ($1, $2)
         ON CONFLICT (company_id, account_id) WHERE status = 'pending' DO NOTHING RETURNING id`,
        [companyId, accountId],
      );
      return rows[0] === undefined ? undefined : z.string().parse(rows[0].id);
    },

    /** Records one side's decision. */
    async decide(id: string, side: 'moderator' | 'admin', decision: 'approve' | 'reject', by: string, reason: string | null): Promise<void> {
      await db.query(
        `UPDATE company_join_requests SET ${side}_decision = $2, ${side}_id = $3, ${side}_at = now(), reason = coalesce($4, reason) WHERE id = $1`,
        [id, decision, by, reason],
      );
    },

    async setStatus(id: string, status: 'approved' | 'rejected' | 'cancelled'): Promise<void> {
      await db.query('UPDATE company_join_requests SET status = $2, decided_at = now() WHERE id = $1', [id, status]);
    },

    /** Cancels every pending request of the account for the company (e.g. when they join by invitation). */
    async cancelPending(companyId: string, accountId: string): Promise<number> {
      const { rowCount } = await db.query(
        "UPDATE company_join_requests SET status = 'cancelled', decided_at = now() WHERE company_id = $1 AND account_id = $2 AND status = 'pending'",
        [companyId, accountId],
      );
      return rowCount;
    },

    async listForCompany(companyId: string, status: JoinRequestRow['status'] | undefined): Promise<JoinRequestRow[]> {
      const { rows } = await db.query(`${REQUEST_SELECT} WHERE j.company_id = $1 AND ($2::text IS NULL OR j.status = $2) ORDER BY j.created_at DESC, j.id`, [companyId, status ?? null]);
      return rows.map((r) => joinRequestRow.parse(r));
    },

    async listForAccount(accountId: string): Promise<JoinRequestRow[]> {
      const { rows } = await db.query(`${REQUEST_SELECT} WHERE j.account_id = $1 ORDER BY j.created_at DESC, j.id`, [accountId]);
      return rows.map((r) => joinRequestRow.parse(r));
    },

    /** Pending requests still waiting for the moderator, of approved companies, oldest first. */
    async listAwaitingModerator(limit: number, offset: number): Promise<JoinRequestRow[]> {
      const { rows } = await db.query(
        `${REQUEST_SELECT} WHERE j.status = 'pending' AND j.moderator_decision IS NULL AND c.status = 'approved'
         ORDER BY j.created_at, j.id LIMIT $1 OFFSET $2`,
        [limit, offset],
      );
      return rows.map((r) => joinRequestRow.parse(r));
    },

    async insertInvitation(i: { companyId: string; email: string; roles: readonly string[]; contactPermissions: readonly string[] | null; tokenHash: Buffer; invitedBy: string; ttlSeconds: number }): Promise<InvitationRow> {
      const { rows } = await db.query(
        `INSERT INTO company_invitations (company_id, email, roles, contact_permissions, token_hash, invited_by, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(secs => $7)) RETURNING id`,
        [i.companyId, i.email, i.roles, i.contactPermissions, i.tokenHash, i.invitedBy, i.ttlSeconds],
      );
      const id = z.string().parse(rows[0]?.id);
      return invitationRow.parse((await db.query(`${INVITATION_SELECT} WHERE i.id = $1`, [id])).rows[0]);
    },

    /** The live (unused, unexpired) invitation with this token hash. */
    async findLiveInvitation(tokenHash: Buffer): Promise<InvitationRow | undefined> {
      return oneInvitation((await db.query(`${INVITATION_SELECT} WHERE i.token_hash = $1 AND i.accepted_at IS NULL AND i.expires_at > now()`, [tokenHash])).rows);
    },

    /** Uses a live invitation up, exactly once; undefined when it is unknown, used or expired. */
    async consumeInvitation(tokenHash: Buffer, acceptedBy: string): Promise<InvitationRow | undefined> {
      const { rows } = await db.query(
        `UPDATE company_invitations SET accepted_at = now(), accepted_by = $2
         WHERE token_hash = $1 AND accepted_at IS NULL AND expires_at > now() RETURNING id`,
        [tokenHash, acceptedBy],
      );
      if (rows[0] === undefined) return undefined;
      return oneInvitation((await db.query(`${INVITATION_SELECT} WHERE i.id = $1`, [z.string().parse(rows[0].id)])).rows);
    },

    async listInvitations(companyId: string): Promise<InvitationRow[]> {
      const { rows } = await db.query(`${INVITATION_SELECT} WHERE i.company_id = $1 ORDER BY i.created_at DESC`, [companyId]);
      return rows.map((r) => invitationRow.parse(r));
    },

    /** Withdraws an unused invitation (it expires now); false when there is no such live invitation. */
    async revokeInvitation(companyId: string, id: string): Promise<boolean> {
      const { rowCount } = await db.query(
        'UPDATE company_invitations SET expires_at = now() WHERE company_id = $1 AND id = $2 AND accepted_at IS NULL AND expires_at > now()',
        [companyId, id],
      );
      return rowCount === 1;
    },
  };
}
export type CompanyRequestQueries = ReturnType<typeof createCompanyRequestQueries>;
