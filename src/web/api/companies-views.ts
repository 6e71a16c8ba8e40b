// The company service's objects as the JSON API shows them: snake_case names, ISO dates. Each view matches
// its schema in schemas-companies.ts (the OpenAPI document). Used by the Account API and the Admin API.
import type {
  Company, CompanyForJoin, CompanyInvitation, JoinRequest, Member, MyCompany, RegistryEntry, RoleDefinition,
} from '../../services/companies/index.js';

const iso = (d: Date) => d.toISOString();
const isoOrNull = (d: Date | null | undefined) => (d ? d.toISOString() : null);

/** A company. */
export const companyView = (c: Company) => ({
  id: c.id,
  kind: c.kind,
  name: c.name,
  country: c.country,
  tax_id: c.taxId,
  vat_id: c.vatId,
  address: c.address,
  status: c.status,
  status_reason: c.statusReason,
  created_at: iso(c.createdAt),
  updated_at: iso(c.updatedAt),
  decided_at: isoOrNull(c.decidedAt),
});

/** One of my companies with my roles and permissions there. */
export const myCompanyView = (m: MyCompany) => ({ company: companyView(m.company), roles: m.roles, permissions: m.permissions });

/** What a registry knows about a tax ID. */
export const registryEntryView = (r: RegistryEntry) => ({
  country: r.country, tax_id: r.taxId, kind: r.kind, name: r.name, vat_id: r.vatId, address: r.address, source: r.source,
});

/** An approved company found for joining. */
export const companyForJoinView = (c: CompanyForJoin) => ({ id: c.id, name: c.name, country: c.country, tax_id: c.taxId });

/** A join request with both sides' decisions. */
export const joinRequestView = (r: JoinRequest) => ({
  id: r.id,
  company_id: r.companyId,
  company_name: r.companyName,
  account_id: r.accountId,
  email: r.email,
  name: r.name,
  status: r.status,
  moderator_decision: r.moderatorDecision,
  moderator_at: isoOrNull(r.moderatorAt),
  admin_decision: r.adminDecision,
  admin_at: isoOrNull(r.adminAt),
  reason: r.reason,
  created_at: iso(r.createdAt),
  decided_at: isoOrNull(r.decidedAt),
});

/** A member with roles and permissions. */
export const memberView = (m: Member) => ({
  account_id: m.accountId,
  email: m.email,
  name: m.name,
  joined_at: iso(m.joinedAt),
  roles: m.roles,
  permissions: m.permissions,
  contact_permissions: m.contactPermissions,
});

/** A role definition. */
export const roleView = (r: RoleDefinition) => ({ key: r.key, name: r.name, permissions: r.permissions, built_in: r.builtIn });

/** An invitation (never its token). */
export const invitationView = (i: CompanyInvitation) => ({
  id: i.id,
  company_id: i.companyId,
  email: i.email,
  roles: i.roles,
  contact_permissions: i.contactPermissions,
  created_at: iso(i.createdAt),
  expires_at: iso(i.expiresAt),
  accepted_at: isoOrNull(i.acceptedAt),
});
