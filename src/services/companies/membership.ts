// Delegated administration (issue 5, items 4-5): members, roles granted and revoked, company-defined
// roles, leaving, removal and ownership transfer. Enforces OWASP ASVS V4.1.3/V4.2 (no privilege
// escalation: see permissions.ts) and the last-owner rule. Each change locks the company row first, so
// concurrent changes (two owners revoking each other) run one after the other and the rules hold.
import type { Queryable } from '../../db/types.js';
import { createAccountQueries } from '../../queries/accounts.js';
import { createCompanyMemberQueries } from '../../queries/companies-members.js';
import type { CompanyRow } from '../../queries/companies.js';
import { isStaff, type CompanyContext, type Standing } from './context.js';
import { CompanyNotActive, CompanyNotFound, InvalidCompanyInput, LastOwner, MemberNotFound, NotPermitted, RoleNotFound } from './errors.js';
import { allPermissions, BUILT_IN_ROLES, isBuiltInRole, isRoleKey, permissionsOfRole, refuseRemoval, refuseRoleChange } from './permissions.js';
import type { Actor, DefineRoleInput, GrantRoleOptions, Member, RoleDefinition, StaffActor, TransferOptions } from './types.js';

const BUILT_IN_NAMES: Record<string, string> = { owner: 'Owner', admin: 'Administrator', member: 'Member', accountant: 'Accountant', contact: 'Contact' };

/** Members, roles and ownership of companies. */
export function createCompanyMembership(ctx: CompanyContext) {
  const { db } = ctx.deps;
  const catalogue = ctx.catalogue;

  /** Locks the company and returns it with the actor's standing; staff admins act with every right. */
  async function begin(tx: Queryable, actor: Actor | StaffActor, companyId: string, opts: { allowPending?: boolean } = {}): Promise<{ company: CompanyRow; me: Standing; staff: boolean }> {
    const company = await ctx.company(tx, companyId, true);
    const staff = isStaff(actor, 'admin');
    if (staff) return { company, me: { roles: ['owner'], permissions: allPermissions(catalogue) }, staff };
    const me = await ctx.standing(tx, company.id, actor.accountId);
    if (!me.isMember) throw new CompanyNotFound();
    const allowed = company.status === 'approved' || (opts.allowPending && company.status === 'pending');
    if (!allowed) throw new CompanyNotActive(`This company is ${company.status}: its members and roles cannot change now.`);
    return { company, me, staff };
  }

  async function target(tx: Queryable, companyId: string, accountId: string): Promise<Member> {
    const m = await ctx.member(tx, companyId, accountId);
    if (!m) throw new MemberNotFound();
    return m;
  }

  async function assertNotLastOwner(tx: Queryable, companyId: string, accountId: string): Promise<void> {
    const owners = await createCompanyMemberQueries(tx).holders(companyId, 'owner');
    if (owners.length === 1 && owners[0] === accountId) throw new LastOwner();
  }

  /** The permissions a role gives (for contact: the given or current subset); RoleNotFound for unknown roles. */
  async function rolePermissions(tx: Queryable, companyId: string, roleKey: string, contact: readonly string[] | null): Promise<string[]> {
    const custom = await ctx.customRoles(tx, companyId);
    if (!isBuiltInRole(roleKey) && !custom.has(roleKey)) throw new RoleNotFound();
    return permissionsOfRole(roleKey, catalogue, custom, contact);
  }

  function checkContactPermissions(list: readonly string[] | undefined): string[] {
    if (!Array.isArray(list) || list.length === 0) throw new InvalidCompanyInput('Choose at least one permission for the contact role.', 'permissions');
    const unknown = list.filter((p) => !catalogue.includes(p));
    if (unknown.length) throw new InvalidCompanyInput(`Unknown permission${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (known: ${catalogue.join(', ')}).`, 'permissions');
    return catalogue.filter((p) => list.includes(p));
  }

  return {
    /** The members with roles and permissions (members holding members:manage or roles:manage; staff). */
    async listMembers(actor: Actor | StaffActor, companyId: string): Promise<Member[]> {
      const company = await ctx.company(db, companyId);
      if (!isStaff(actor, 'moderator', 'support', 'admin')) {
        const me = await ctx.standing(db, company.id, actor.accountId);
        if (!me.isMember) throw new CompanyNotFound();
        if (!me.permissions.includes('members:manage') && !me.permissions.includes('roles:manage')) throw new NotPermitted('You need the members:manage or roles:manage permission to see the members.');
      }
      const custom = await ctx.customRoles(db, company.id);
      return (await createCompanyMemberQueries(db).list(company.id)).map((r) => ctx.toMember(r, custom));
    },

    /** Grants a role to a member; the actor must hold roles:manage and every permission of the role (owner: be an owner). */
    async grantRole(actor: Actor | StaffActor, companyId: string, accountId: string, roleKey: string, options: GrantRoleOptions = {}): Promise<Member> {
      return db.transaction(async (tx) => {
        const { company, me, staff } = await begin(tx, actor, companyId);
        const member = await target(tx, company.id, accountId);
        const contact = roleKey === 'contact' ? checkContactPermissions(options.contactPermissions) : null;
        const perms = await rolePermissions(tx, company.id, roleKey, contact);
        // Changing a contact's subset also takes away the old one: the actor must hold both.
        const old = roleKey === 'contact' && member.roles.includes('contact') ? member.contactPermissions ?? [] : [];
        const refusal = staff ? undefined : refuseRoleChange(me, roleKey, [...perms, ...old]);
        if (refusal) throw new NotPermitted(refusal);
        const q = createCompanyMemberQueries(tx);
        if (contact) await q.setContactPermissions(company.id, member.accountId, contact);
        const added = await q.grant(company.id, member.accountId, roleKey, actor.accountId);
        await ctx.audit(tx, actor, 'company.role_granted', company.id, { member: member.accountId, role: roleKey, contactPermissions: contact, added });
        return (await ctx.member(tx, company.id, member.accountId))!;
      });
    },

    /** Revokes a role from a member (same rule as granting; the last owner keeps the owner role). */
    async revokeRole(actor: Actor | StaffActor, companyId: string, accountId: string, roleKey: string): Promise<Member> {
      return db.transaction(async (tx) => {
        const { company, me, staff } = await begin(tx, actor, companyId);
        const member = await target(tx, company.id, accountId);
        if (!member.roles.includes(roleKey)) {
          if (!isBuiltInRole(roleKey) && !(await ctx.customRoles(tx, company.id)).has(roleKey)) throw new RoleNotFound();
          return member;
        }
        const perms = await rolePermissions(tx, company.id, roleKey, member.contactPermissions);
        const refusal = staff ? undefined : refuseRoleChange(me, roleKey, perms);
        if (refusal) throw new NotPermitted(refusal);
        if (roleKey === 'owner') await assertNotLastOwner(tx, company.id, member.accountId);
        const q = createCompanyMemberQueries(tx);
        await q.revoke(company.id, member.accountId, roleKey);
        if (roleKey === 'contact') await q.setContactPermissions(company.id, member.accountId, null);
        await ctx.audit(tx, actor, 'company.role_revoked', company.id, { member: member.accountId, role: roleKey });
        return (await ctx.member(tx, company.id, member.accountId))!;
      });
    },

    /** Removes another member (members:manage, holding every permission they hold; owners only by owners; never the last owner). */
    async removeMember(actor: Actor | StaffActor, companyId: string, accountId: string): Promise<void> {
      await db.transaction(async (tx) => {
        const { company, me, staff } = await begin(tx, actor, companyId, { allowPending: true });
        const member = await target(tx, company.id, accountId);
        const refusal = staff || member.accountId === actor.accountId ? undefined : refuseRemoval(me, member);
        if (refusal) throw new NotPermitted(refusal);
        if (member.roles.includes('owner')) await assertNotLastOwner(tx, company.id, member.accountId);
        await createCompanyMemberQueries(tx).remove(company.id, member.accountId);
        await ctx.audit(tx, actor, member.accountId === actor.accountId ? 'company.member_left' : 'company.member_removed', company.id, { member: member.accountId, roles: member.roles });
      });
    },

    /** Leaves a company (not as its last owner). */
    async leave(actor: Actor, companyId: string): Promise<void> {
      await db.transaction(async (tx) => {
        const company = await ctx.company(tx, companyId, true);
        const member = await ctx.member(tx, company.id, actor.accountId);
        if (!member) throw new CompanyNotFound();
        if (member.roles.includes('owner')) await assertNotLastOwner(tx, company.id, member.accountId);
        await createCompanyMemberQueries(tx).remove(company.id, member.accountId);
        await ctx.audit(tx, actor, 'company.member_left', company.id, { member: member.accountId, roles: member.roles });
      });
    },

    /**
     * Hands ownership to another member: they get owner, the old owner loses it (and stays a member).
     * Staff admins may do it for any account (added as a member if needed), from one owner or from all.
     */
    async transferOwnership(actor: Actor | StaffActor, companyId: string, toAccountId: string, options: TransferOptions = {}): Promise<Member> {
      return db.transaction(async (tx) => {
        const { company, me, staff } = await begin(tx, actor, companyId, { allowPending: true });
        const q = createCompanyMemberQueries(tx);
        let from: string[];
        if (staff) {
          if (!/^[0-9a-f-]{36}$/i.test(toAccountId) || !(await createAccountQueries(tx).findById(toAccountId))) throw new MemberNotFound('No such account.');
          await q.insert(company.id, toAccountId);
          const owners = await q.holders(company.id, 'owner');
          from = options.fromAccountId ? owners.filter((o) => o === options.fromAccountId) : owners;
          if (options.fromAccountId && from.length === 0) throw new MemberNotFound('That person is not an owner of this company.');
        } else {
          if (!me.roles.includes('owner')) throw new NotPermitted('Only an owner can transfer ownership.');
          from = [actor.accountId];
          await target(tx, company.id, toAccountId);
        }
        await q.grant(company.id, toAccountId, 'owner', actor.accountId);
        for (const old of from.filter((o) => o !== toAccountId)) await q.revoke(company.id, old, 'owner');
        await ctx.audit(tx, actor, 'company.ownership_transferred', company.id, { from, to: toAccountId });
        return (await ctx.member(tx, company.id, toAccountId))!;
      });
    },

    /** Defines (or redefines) a company role; the actor must hold roles:manage and every permission in it. */
    async defineRole(actor: Actor | StaffActor, companyId: string, input: DefineRoleInput): Promise<RoleDefinition> {
      const key = typeof input.key === 'string' ? input.key.trim() : '';
      if (!isRoleKey(key) || isBuiltInRole(key)) {
        throw new InvalidCompanyInput(`A role key has 2-40 lower-case letters, digits or dashes and is not one of ${BUILT_IN_ROLES.join(', ')}.`, 'key');
      }
      const name = typeof input.name === 'string' ? input.name.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim() : '';
      if (name.length < 1 || name.length > 100) throw new InvalidCompanyInput('Give the role a name (at most 100 characters).', 'name');
      const known = allPermissions(catalogue);
      const wanted = Array.isArray(input.permissions) ? input.permissions : [];
      const unknown = wanted.filter((p) => !known.includes(p));
      if (unknown.length) throw new InvalidCompanyInput(`Unknown permission${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (known: ${known.join(', ')}).`, 'permissions');
      const permissions = known.filter((p) => wanted.includes(p));
      return db.transaction(async (tx) => {
        const { company, me, staff } = await begin(tx, actor, companyId);
        const existing = (await ctx.customRoles(tx, company.id)).get(key);
        const refusal = staff ? undefined : refuseRoleChange(me, key, [...permissions, ...(existing?.permissions ?? [])]);
        if (refusal) throw new NotPermitted(refusal);
        await createCompanyMemberQueries(tx).upsertRole(company.id, key, name, permissions);
        await ctx.audit(tx, actor, 'company.role_defined', company.id, { role: key, name, permissions, before: existing ? [...existing.permissions] : null });
        return { key, name, permissions, builtIn: false };
      });
    },

    /** Deletes a company role; every member loses it. */
    async deleteRole(actor: Actor | StaffActor, companyId: string, key: string): Promise<void> {
      if (isBuiltInRole(key)) throw new InvalidCompanyInput('Built-in roles cannot be deleted.', 'key');
      await db.transaction(async (tx) => {
        const { company, me, staff } = await begin(tx, actor, companyId);
        const existing = (await ctx.customRoles(tx, company.id)).get(key);
        if (!existing) throw new RoleNotFound();
        const refusal = staff ? undefined : refuseRoleChange(me, key, existing.permissions);
        if (refusal) throw new NotPermitted(refusal);
        const q = createCompanyMemberQueries(tx);
        const holders = await q.revokeFromAll(company.id, key);
        await q.deleteRole(company.id, key);
        await ctx.audit(tx, actor, 'company.role_deleted', company.id, { role: key, permissions: [...existing.permissions], holders });
      });
    },

    /** The roles of a company: the built-in ones, then its own. */
    async listRoles(companyId: string): Promise<RoleDefinition[]> {
      const company = await ctx.company(db, companyId);
      const custom = await ctx.customRoles(db, company.id);
      return [
        ...BUILT_IN_ROLES.map((key) => ({ key, name: BUILT_IN_NAMES[key]!, permissions: permissionsOfRole(key, catalogue, custom, []), builtIn: true })),
        ...[...custom.values()].map((r) => ({ key: r.key, name: r.name, permissions: permissionsOfRole(r.key, catalogue, custom), builtIn: false })),
      ];
    },

    /** The permission catalogue plus the management permissions (what roles may contain). */
    permissionCatalogue(): { catalogue: string[]; management: string[] } {
      return { catalogue: [...catalogue], management: allPermissions([]) };
    },
  };
}
