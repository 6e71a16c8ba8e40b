// SQL for company memberships, their roles, and company-defined roles (migrations/0010_companies.sql).
import { z } from 'zod';
import type { Queryable } from '../db/types.js';
import { companyRow, type CompanyRow } from './companies.js';

const textArray = z.array(z.string());

export const memberRow = z.object({
  company_id: z.string().uuid(),
  account_id: z.string().uuid(),
  joined_at: z.date(),
  contact_permissions: textArray.nullable(),
  roles: textArray,
  email: z.string(),
  name: z.string().nullable(),
});
export type MemberRow = z.infer<typeof memberRow>;

export const customRoleRow = z.object({
  company_id: z.string().uuid(),
  key: z.string(),
  name: z.string(),
  permissions: textArray,
  created_at: z.date(),
  updated_at: z.date(),
});
export type CustomRoleRow = z.infer<typeof customRoleRow>;

const MEMBER_SELECT = `SELECT m.company_id, m.account_id, m.joined_at, m.contact_permissions, a.email, a.name,
    coalesce((SELECT array_agg(r.role_key ORDER BY r.granted_at, r.role_key) FROM company_member_roles r
              WHERE r.company_id = m.company_id AND r.account_id = m.account_id), '{}'::text[]) AS roles
  FROM company_members m JOIN accounts a ON a.id = m.account_id`;

/** Typed access to company_members, company_member_roles and company_roles. */
export function createCompanyMemberQueries(db: Queryable) {
  return {
    async find(companyId: string, accountId: string): Promise<MemberRow | undefined> {
      const { rows } = await db.query(`${MEMBER_SELECT} WHERE m.company_id = $1 AND m.account_id = $2`, [companyId, accountId]);
      return rows[0] === undefined ? undefined : memberRow.parse(rows[0]);
    },

    /** Locks the membership row until the transaction ends; false when there is none. */
    async lock(companyId: string, accountId: string): Promise<boolean> {
      const { rows } = await db.query('SELECT 1 FROM company_members WHERE company_id = $1 AND account_id = $2 FOR UPDATE', [companyId, accountId]);
      return rows.length > 0;
    },

    async list(companyId: string): Promise<MemberRow[]> {
      const { rows } = await db.query(`${MEMBER_SELECT} WHERE m.company_id = $1 ORDER BY m.joined_at, a.email`, [companyId]);
      return rows.map((r) => memberRow.parse(r));
    },

    /** Every membership of an account with its company, oldest first. */
    async listForAccount(accountId: string): Promise<(MemberRow & { company: CompanyRow })[]> {
      const { rows } = await db.query(`${MEMBER_SELECT} WHERE m.account_id = $1 ORDER BY m.joined_at, m.company_id`, [accountId]);
      const members = rows.map((r) => memberRow.parse(r));
      if (members.length === 0) return [];
      const companies = await db.query('SELECT * FROM companies WHERE id = ANY($1::uuid[])', [members.map((m) => m.company_id)]);
      const byId = new Map(companies.rows.map((r) => companyRow.parse(r)).map((c) => [c.id, c]));
      return members.flatMap((m) => {
        const company = byId.get(m.company_id);
        return company ? [{ ...m, company }] : [];
      });
    },

    /** Adds a member (no roles); false when already a member. */
    async insert(companyId: string, accountId: string, contactPermissions: readonly string[] | null = null): Promise<boolean> {
      const { rowCount } = await db.query(
        'INSERT INTO company_members (company_id, account_id, contact_permissions) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
        [companyId, accountId, contactPermissions],
      );
      return rowCount === 1;
    },

    /** Removes a member and their roles; false when they were not a member. */
    async remove(companyId: string, accountId: string): Promise<boolean> {
      const { rowCount } = await db.query('DELETE FROM company_members WHERE company_id = $1 AND account_id = $2', [companyId, accountId]);
      return rowCount === 1;
    },

    async setContactPermissions(companyId: string, accountId: string, permissions: readonly string[] | null): Promise<void> {
      await db.query('UPDATE company_members SET contact_permissions = $3 WHERE company_id = $1 AND account_id = $2', [companyId, accountId, permissions]);
    },

    /** Grants a role; false when the member already had it. */
    async grant(companyId: string, accountId: string, roleKey: string, grantedBy: string | null): Promise<boolean> {
      const { rowCount } = await db.query(
        'INSERT INTO company_member_roles (company_id, account_id, role_key, granted_by) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
        [companyId, accountId, roleKey, grantedBy],
      );
      return rowCount === 1;
    },

    /** Revokes a role; false when the member did not have it. */
    async revoke(companyId: string, accountId: string, roleKey: string): Promise<boolean> {
      const { rowCount } = await db.query(
        'DELETE FROM company_member_roles WHERE company_id = $1 AND account_id = $2 AND role_key = $3',
        [companyId, accountId, roleKey],
      );
      return rowCount === 1;
    },

    /** The account ids holding a role in the company. */
    async holders(companyId: string, roleKey: string): Promise<string[]> {
      const { rows } = await db.query('SELECT account_id FROM company_member_roles WHERE company_id = $1 AND role_key = $2 ORDER BY granted_at', [companyId, roleKey]);
      return rows.map((r) => z.string().parse(r.account_id));
    },

    /** Companies (not rejected) where the account is the only owner: it must hand them over before it may go. */
    async solelyOwnedBy(accountId: string): Promise<{ id: string; name: string }[]> {
      const { rows } = await db.query(
        `SELECT c.id, c.name FROM company_member_roles r JOIN companies c ON c.id = r.company_id
          WHERE r.account_id = $1 AND r.role_key = 'owner' AND c.status <> 'rejected'
            AND NOT EXISTS (SELECT 1 FROM company_member_roles o WHERE o.company_id = r.company_id AND o.role_key = 'owner' AND o.account_id <> $1)
          ORDER BY c.name`,
        [accountId],
      );
      return rows.map((r) => z.object({ id: z.string(), name: z.string() }).parse(r));
    },

    /** Removes a role from every member (when a company role is deleted); returns how many lost it. */
    async revokeFromAll(companyId: string, roleKey: string): Promise<number> {
      const { rowCount } = await db.query('DELETE FROM company_member_roles WHERE company_id = $1 AND role_key = $2', [companyId, roleKey]);
      return rowCount;
    },

    async customRoles(companyId: string): Promise<CustomRoleRow[]> {
      const { rows } = await db.query('SELECT * FROM company_roles WHERE company_id = $1 ORDER BY key', [companyId]);
      return rows.map((r) => customRoleRow.parse(r));
    },

    /** Custom roles of several companies (for the claims of one account). */
    async customRolesOf(companyIds: readonly string[]): Promise<CustomRoleRow[]> {
      if (companyIds.length === 0) return [];
      const { rows } = await db.query('SELECT * FROM company_roles WHERE company_id = ANY($1::uuid[]) ORDER BY company_id, key', [companyIds]);
      return rows.map((r) => customRoleRow.parse(r));
    },

    /** Creates or redefines a company role. */
    async upsertRole(companyId: string, key: string, name: string, permissions: readonly string[]): Promise<CustomRoleRow> {
      const { rows } = await db.query(
        `INSERT INTO company_roles (company_id, key, name, permissions) VALUES ($1, $2, $3, $4)
         ON CONFLICT (company_id, key) DO UPDATE SET name = EXCLUDED.name, permissions = EXCLUDED.permissions, updated_at = now()
         RETURNING *`,
        [companyId, key, name, permissions],
      );
      return customRoleRow.parse(rows[0]);
    },

    /** Deletes a company role; false when there was none. */
    async deleteRole(companyId: string, key: string): Promise<boolean> {
      const { rowCount } = await db.query('DELETE FROM company_roles WHERE company_id = $1 AND key = $2', [companyId, key]);
      return rowCount === 1;
    },
  };
}
export type CompanyMemberQueries = ReturnType<typeof createCompanyMemberQueries>;
