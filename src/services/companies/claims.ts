// What an account's companies mean for tokens and pages (issue 5, item 6): the `organizations` claim holds
// only ACTIVE memberships of APPROVED companies, read fresh on each call, so a suspended company or a
// removed member disappears at the next token issue or refresh.
import { createCompanyQueries } from '../../queries/companies.js';
import { createCompanyMemberQueries } from '../../queries/companies-members.js';
import { toCompany, type CompanyContext } from './context.js';
import { permissionsOfMember, type CustomRole } from './permissions.js';
import type { MyCompany, OrganizationClaim } from './types.js';

/** Memberships as pages and tokens see them. */
export function createCompanyClaims(ctx: CompanyContext) {
  const { db } = ctx.deps;

  async function memberships(accountId: string): Promise<MyCompany[]> {
    if (!/^[0-9a-f-]{36}$/i.test(accountId)) return [];
    const q = createCompanyMemberQueries(db);
    const rows = await q.listForAccount(accountId);
    const custom = new Map<string, Map<string, CustomRole>>();
    for (const r of await q.customRolesOf(rows.map((m) => m.company_id))) {
      if (!custom.has(r.company_id)) custom.set(r.company_id, new Map());
      custom.get(r.company_id)!.set(r.key, r);
    }
    return rows.map((m) => ({
      company: toCompany(m.company),
      roles: m.roles,
      permissions: permissionsOfMember({ roles: m.roles, contactPermissions: m.contact_permissions }, ctx.catalogue, custom.get(m.company_id) ?? new Map()),
    }));
  }

  return {
    /** Every company the account belongs to, whatever its status, with the account's roles and permissions. */
    listMyCompanies: memberships,

    /** The `organizations` claim: approved companies only. */
    async claimsFor(accountId: string): Promise<OrganizationClaim[]> {
      return (await memberships(accountId))
        .filter((m) => m.company.status === 'approved')
        .map((m) => ({ id: m.company.id, name: m.company.name, tax_id: m.company.taxId, roles: m.roles, permissions: m.permissions }));
    },

    /** The account's permissions in an approved company it belongs to; undefined otherwise. */
    async permissionsOf(accountId: string, companyId: string): Promise<string[] | undefined> {
      if (!/^[0-9a-f-]{36}$/i.test(companyId) || !/^[0-9a-f-]{36}$/i.test(accountId)) return undefined;
      const company = await createCompanyQueries(db).find(companyId);
      if (company?.status !== 'approved') return undefined;
      const member = await ctx.member(db, companyId, accountId);
      return member?.permissions;
    },
  };
}
