// What every part of the company service shares: its dependencies, row-to-domain mapping, loading a
// member's roles and permissions, and the audit/mail helpers (mail queued in the caller's transaction).
import type { Database, Queryable } from '../../db/types.js';
import { createAccountQueries } from '../../queries/accounts.js';
import { createCompanyMemberQueries, type MemberRow } from '../../queries/companies-members.js';
import { createCompanyQueries, type CompanyRow } from '../../queries/companies.js';
import type { JoinRequestRow, InvitationRow } from '../../queries/companies-requests.js';
import type { AuditLog } from '../audit/index.js';
import { enqueueMail, type MailData, type MailTemplate } from '../mail/index.js';
import { CompanyNotFound } from './errors.js';
import { permissionsOfMember, type CustomRole } from './permissions.js';
import type { Actor, Company, CompanyInvitation, CompanyRegistry, JoinRequest, Member, StaffActor } from './types.js';

export interface CompanyServiceDeps {
  db: Database;
  issuer: string;
  audit: AuditLog;
  /** The permission catalogue (config.companies.permissions). */
  permissions: readonly string[];
  /** Network registries asked after the built-in one (plugged in by configuration). */
  registries?: readonly CompanyRegistry[];
}

export const toCompany = (r: CompanyRow): Company => ({
  id: r.id,
  kind: r.kind,
  name: r.name,
  country: r.country,
  taxId: r.tax_id,
  vatId: r.vat_id,
  address: r.address,
  status: r.status,
  statusReason: r.status_reason,
  createdBy: r.created_by,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  decidedAt: r.decided_at,
  decidedBy: r.decided_by,
});

export const toJoinRequest = (r: JoinRequestRow): JoinRequest => ({
  id: r.id,
  companyId: r.company_id,
  companyName: r.company_name,
  accountId: r.account_id,
  email: r.email,
  name: r.name,
  status: r.status,
  moderatorDecision: r.moderator_decision,
  moderatorId: r.moderator_id,
  moderatorAt: r.moderator_at,
  adminDecision: r.admin_decision,
  adminId: r.admin_id,
  adminAt: r.admin_at,
  reason: r.reason,
  createdAt: r.created_at,
  decidedAt: r.decided_at,
});

export const toInvitation = (r: InvitationRow): CompanyInvitation => ({
  id: r.id,
  companyId: r.company_id,
  companyName: r.company_name,
  email: r.email,
  roles: r.roles,
  contactPermissions: r.contact_permissions,
  invitedBy: r.invited_by,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  acceptedAt: r.accepted_at,
  acceptedBy: r.accepted_by,
});

/** A member's roles and resulting permissions. */
export interface Standing {
  roles: string[];
  permissions: string[];
}

/** True when the actor carries one of these staff roles. */
export function isStaff(actor: Actor | StaffActor, ...roles: string[]): actor is StaffActor {
  return 'staffRoles' in actor && Array.isArray(actor.staffRoles) && actor.staffRoles.some((r) => roles.includes(r));
}

/** The audit fields of an actor. */
export const origin = (actor: Actor) => ({ ip: actor.ip ?? null, userAgent: actor.userAgent ?? null });

/** Shared helpers bound to one service's dependencies. */
export function createCompanyContext(deps: CompanyServiceDeps) {
  const catalogue = [...deps.permissions];

  async function customRoles(tx: Queryable, companyId: string): Promise<Map<string, CustomRole>> {
    return new Map((await createCompanyMemberQueries(tx).customRoles(companyId)).map((r) => [r.key, r]));
  }

  function toMember(row: MemberRow, roles: ReadonlyMap<string, CustomRole>): Member {
    return {
      accountId: row.account_id,
      email: row.email,
      name: row.name,
      joinedAt: row.joined_at,
      roles: row.roles,
      permissions: permissionsOfMember({ roles: row.roles, contactPermissions: row.contact_permissions }, catalogue, roles),
      contactPermissions: row.contact_permissions,
    };
  }

  return {
    deps,
    catalogue,
    customRoles,
    toMember,

    /** The company row, or CompanyNotFound. Pass lock to hold it until the transaction ends. */
    async company(tx: Queryable, companyId: string, lock = false): Promise<CompanyRow> {
      if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(companyId)) throw new CompanyNotFound();
      const q = createCompanyQueries(tx);
      const row = lock ? await q.lock(companyId) : await q.find(companyId);
      if (!row) throw new CompanyNotFound();
      return row;
    },

    /** The member as shown, or undefined for a non-member. */
    async member(tx: Queryable, companyId: string, accountId: string): Promise<Member | undefined> {
      const row = await createCompanyMemberQueries(tx).find(companyId, accountId);
      return row && toMember(row, await customRoles(tx, companyId));
    },

    /** The roles and permissions of an account in a company (empty for a non-member). */
    async standing(tx: Queryable, companyId: string, accountId: string): Promise<Standing & { isMember: boolean }> {
      const row = await createCompanyMemberQueries(tx).find(companyId, accountId);
      if (!row) return { roles: [], permissions: [], isMember: false };
      const m = toMember(row, await customRoles(tx, companyId));
      return { roles: m.roles, permissions: m.permissions, isMember: true };
    },

    /** The accounts of the company's members holding a permission (e.g. the admins: members:manage). */
    async membersWith(tx: Queryable, companyId: string, permission: string): Promise<string[]> {
      const roles = await customRoles(tx, companyId);
      const rows = await createCompanyMemberQueries(tx).list(companyId);
      return rows.map((row) => toMember(row, roles)).filter((m) => m.permissions.includes(permission)).map((m) => m.accountId);
    },

    /** Records an audit event about a company, in tx. */
    async audit(tx: Queryable, actor: Actor, type: string, companyId: string, data: Record<string, unknown> = {}): Promise<void> {
      await deps.audit.record({ accountId: actor.accountId, type, ...origin(actor), data: { companyId, ...data, ...('staffRoles' in actor ? { staff: true } : {}) } }, tx);
    },

    /** Queues a mail to an account in its language (nothing for an unknown account), in tx. */
    async mailAccount<T extends MailTemplate>(tx: Queryable, accountId: string, template: T, data: (name: string | null) => MailData<T>): Promise<void> {
      const account = await createAccountQueries(tx).findById(accountId);
      if (!account) return;
      await enqueueMail(tx, { to: account.email, template, locale: account.locale ?? 'en', data: data(account.name) });
    },

    /** Queues a mail to an address, in tx. */
    mailAddress<T extends MailTemplate>(tx: Queryable, to: string, locale: string, template: T, data: MailData<T>): Promise<string> {
      return enqueueMail(tx, { to, template, locale, data });
    },
  };
}
export type CompanyContext = ReturnType<typeof createCompanyContext>;
