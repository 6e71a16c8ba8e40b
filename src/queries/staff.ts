// SQL for staff roles (migrations/0011_staff.sql) and the staff console's account search. Rows are checked
// against schemas, never cast.
import { z } from 'zod';
import type { Queryable } from '../db/types.js';
import { accountRow, type AccountRow } from './accounts.js';

export const STAFF_ROLES = ['moderator', 'support', 'admin'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

export const staffRoleRow = z.object({
  account_id: z.string().uuid(),
  role: z.enum(STAFF_ROLES),
  granted_at: z.date(),
  granted_by: z.string().uuid().nullable(),
});
export type StaffRoleRow = z.infer<typeof staffRoleRow>;

/** A staff role with the holder's email and name (for `latchkey staff list` and the console). */
export const staffMemberRow = staffRoleRow.extend({
  email: z.string(),
  name: z.string().nullable(),
  status: z.string(),
});
export type StaffMemberRow = z.infer<typeof staffMemberRow>;

/** `%` and `_` in user input match themselves in LIKE patterns. */
export const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** Typed access to staff_roles. */
export function createStaffQueries(db: Queryable) {
  return {
    /** Grants a role; false when the account already held it. */
    async grant(accountId: string, role: StaffRole, grantedBy: string | null): Promise<boolean> {
      const { rowCount } = await db.query(
        'INSERT INTO staff_roles (account_id, role, granted_by) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
        [accountId, role, grantedBy],
      );
      return rowCount === 1;
    },

    /** Revokes a role; false when the account did not hold it. */
    async revoke(accountId: string, role: StaffRole): Promise<boolean> {
      const { rowCount } = await db.query('DELETE FROM staff_roles WHERE account_id = $1 AND role = $2', [accountId, role]);
      return rowCount === 1;
    },

    async rolesOf(accountId: string): Promise<StaffRole[]> {
      if (!z.string().uuid().safeParse(accountId).success) return [];
      const { rows } = await db.query('SELECT role FROM staff_roles WHERE account_id = $1 ORDER BY role', [accountId]);
      return rows.map((r) => z.enum(STAFF_ROLES).parse(r.role));
    },

    /** Every staff role held, with the holder's email; ordered by email, then role. */
    async list(): Promise<StaffMemberRow[]> {
      const { rows } = await db.query(
        `SELECT s.*, a.email, a.name, a.status FROM staff_roles s JOIN accounts a ON a.id = s.account_id ORDER BY a.email, s.role`,
      );
      return rows.map((r) => staffMemberRow.parse(r));
    },

    /** Accounts whose email or name contains the text (case-insensitive), or whose id it is; newest first. */
    async searchAccounts(text: string, limit: number, offset: number): Promise<{ accounts: AccountRow[]; total: number }> {
      const pattern = `%${likeEscape(text.toLowerCase())}%`;
      const id = z.string().uuid().safeParse(text).success ? text : null;
      const where = `(lower(email) LIKE $1 OR lower(coalesce(name, '')) LIKE $1 OR id = $2::uuid)`;
      const { rows } = await db.query(`SELECT * FROM accounts WHERE ${where} ORDER BY created_at DESC, id LIMIT $3 OFFSET $4`, [pattern, id, limit, offset]);
      const counted = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM accounts WHERE ${where}`, [pattern, id]);
      return { accounts: rows.map((r) => accountRow.parse(r)), total: z.number().parse(counted.rows[0]?.n) };
    },
  };
}
export type StaffQueries = ReturnType<typeof createStaffQueries>;
