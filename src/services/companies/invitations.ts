// Invitations by email (issue 5, item 4): an owner or admin (members:manage, and for each role the
// anti-escalation rule of permissions.ts) invites an address with roles; the mailed link works once, for
// 7 days, for the account with that address. OWASP ASVS V2.5/V3.5: 256-bit random tokens, stored only as
// SHA-256, consumed atomically exactly once.
import { createHash, randomBytes } from 'node:crypto';
import type { Queryable } from '../../db/types.js';
import { createAccountQueries } from '../../queries/accounts.js';
import { createCompanyMemberQueries } from '../../queries/companies-members.js';
import { createCompanyRequestQueries } from '../../queries/companies-requests.js';
import { isPlausibleEmail, normalizeEmail } from '../accounts/email.js';
import { isStaff, toCompany, toInvitation, type CompanyContext } from './context.js';
import { AlreadyMember, CompanyNotActive, CompanyNotFound, InvalidCompanyInput, InvitationEmailMismatch, InvitationInvalid, NotPermitted, RoleNotFound } from './errors.js';
import { isBuiltInRole, permissionsOfMember, permissionsOfRole, refuseRoleChange } from './permissions.js';
import { companyInvitationLink } from './links.js';
import type { Actor, CompanyInvitation, InviteInput, MyCompany, StaffActor } from './types.js';

/** How long an invitation link works. */
export const INVITATION_DAYS = 7;
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;
const hashToken = (token: string) => createHash('sha256').update(token, 'utf8').digest();

/** Invitations: issue, inspect, accept, list and withdraw. */
export function createCompanyInvitations(ctx: CompanyContext) {
  const { db, issuer } = ctx.deps;
  const catalogue = ctx.catalogue;

  async function requireInviter(actor: Actor | StaffActor, companyId: string, tx: Queryable, lock: boolean) {
    const company = await ctx.company(tx, companyId, lock);
    if (isStaff(actor, 'admin')) return { company, me: { roles: ['owner'], permissions: [...catalogue, 'members:manage', 'roles:manage', 'company:manage'] }, staff: true };
    const me = await ctx.standing(tx, company.id, actor.accountId);
    if (!me.isMember) throw new CompanyNotFound();
    if (!me.permissions.includes('members:manage')) throw new NotPermitted('You need the members:manage permission to invite people.');
    return { company, me, staff: false };
  }

  return {
    /** Invites an email address with roles (default: member); mails the single-use link. */
    async invite(actor: Actor | StaffActor, companyId: string, input: InviteInput): Promise<CompanyInvitation> {
      const email = normalizeEmail(typeof input.email === 'string' ? input.email : '');
      if (!isPlausibleEmail(email)) throw new InvalidCompanyInput('Enter a valid email address.', 'email');
      const roles = [...new Set(Array.isArray(input.roles) && input.roles.length ? input.roles : ['member'])];
      if (roles.includes('owner')) throw new InvalidCompanyInput('Ownership is handed over with a transfer, not by invitation.', 'roles');
      let contact: string[] | null = null;
      if (roles.includes('contact')) {
        const list = input.contactPermissions ?? [];
        const unknown = list.filter((p) => !catalogue.includes(p));
        if (list.length === 0 || unknown.length) throw new InvalidCompanyInput(`Choose the contact's permissions from: ${catalogue.join(', ')}.`, 'permissions');
        contact = catalogue.filter((p) => list.includes(p));
      }
      return db.transaction(async (tx) => {
        const { company, me, staff } = await requireInviter(actor, companyId, tx, true);
        if (company.status !== 'approved') throw new CompanyNotActive('Invitations can be sent once the company is approved.');
        const custom = await ctx.customRoles(tx, company.id);
        for (const role of roles) {
          if (!isBuiltInRole(role) && !custom.has(role)) throw new RoleNotFound(`No such role in this company: ${role}.`);
          const refusal = staff || role === 'member' ? undefined : refuseRoleChange(me, role, permissionsOfRole(role, catalogue, custom, contact));
          if (refusal) throw new NotPermitted(refusal);
        }
        const accounts = createAccountQueries(tx);
        const existing = await accounts.findByEmail(email);
        if (existing && (await createCompanyMemberQueries(tx).find(company.id, existing.id))) throw new AlreadyMember('This person is already a member of the company.');
        const token = randomBytes(32).toString('base64url');
        const row = await createCompanyRequestQueries(tx).insertInvitation({
          companyId: company.id, email, roles, contactPermissions: contact, tokenHash: hashToken(token), invitedBy: actor.accountId, ttlSeconds: INVITATION_DAYS * 86400,
        });
        const inviter = await accounts.findById(actor.accountId);
        await ctx.mailAddress(tx, email, existing?.locale ?? inviter?.locale ?? 'en', 'company-invitation', {
          name: existing?.name ?? null, companyName: company.name, inviterName: inviter?.name ?? inviter?.email ?? null, link: companyInvitationLink(issuer, token), days: INVITATION_DAYS,
        });
        await ctx.audit(tx, actor, 'company.invited', company.id, { invitationId: row.id, email, roles, contactPermissions: contact });
        return toInvitation(row);
      });
    },

    /** What a live invitation link offers, without using it; undefined for unknown, used or expired links. */
    async peekInvitation(token: string): Promise<CompanyInvitation | undefined> {
      if (!TOKEN_SHAPE.test(token)) return undefined;
      const row = await createCompanyRequestQueries(db).findLiveInvitation(hashToken(token));
      return row && toInvitation(row);
    },

    /** Accepts an invitation as the signed-in account (its email must be the invited one); grants the roles. */
    async acceptInvitation(actor: Actor, token: string): Promise<MyCompany> {
      if (typeof token !== 'string' || !TOKEN_SHAPE.test(token)) throw new InvitationInvalid();
      return db.transaction(async (tx) => {
        const requests = createCompanyRequestQueries(tx);
        const live = await requests.findLiveInvitation(hashToken(token));
        if (!live) throw new InvitationInvalid();
        const account = await createAccountQueries(tx).findById(actor.accountId);
        if (!account || normalizeEmail(account.email) !== live.email) throw new InvitationEmailMismatch();
        const company = await ctx.company(tx, live.company_id, true);
        if (company.status !== 'approved') throw new CompanyNotActive();
        const invitation = await requests.consumeInvitation(hashToken(token), actor.accountId);
        if (!invitation) throw new InvitationInvalid();
        const members = createCompanyMemberQueries(tx);
        await members.insert(company.id, actor.accountId);
        const custom = await ctx.customRoles(tx, company.id);
        const roles = invitation.roles.filter((r) => isBuiltInRole(r) || custom.has(r));
        if (invitation.contact_permissions && roles.includes('contact')) await members.setContactPermissions(company.id, actor.accountId, invitation.contact_permissions);
        for (const role of roles) await members.grant(company.id, actor.accountId, role, invitation.invited_by);
        await requests.cancelPending(company.id, actor.accountId);
        await ctx.audit(tx, actor, 'company.invitation_accepted', company.id, { invitationId: invitation.id, roles });
        const row = (await members.find(company.id, actor.accountId))!;
        return { company: toCompany(company), roles: row.roles, permissions: permissionsOfMember({ roles: row.roles, contactPermissions: row.contact_permissions }, catalogue, custom) };
      });
    },

    /** A company's invitations, newest first (members:manage). */
    async listInvitations(actor: Actor | StaffActor, companyId: string): Promise<CompanyInvitation[]> {
      const { company } = await requireInviter(actor, companyId, db, false);
      return (await createCompanyRequestQueries(db).listInvitations(company.id)).map(toInvitation);
    },

    /** Withdraws an unused invitation (members:manage); false when it was used, expired or unknown. */
    async revokeInvitation(actor: Actor | StaffActor, companyId: string, invitationId: string): Promise<boolean> {
      if (!/^[0-9a-f-]{36}$/i.test(invitationId)) return false;
      return db.transaction(async (tx) => {
        const { company } = await requireInviter(actor, companyId, tx, true);
        const revoked = await createCompanyRequestQueries(tx).revokeInvitation(company.id, invitationId);
        if (revoked) await ctx.audit(tx, actor, 'company.invitation_revoked', company.id, { invitationId });
        return revoked;
      });
    },
  };
}
