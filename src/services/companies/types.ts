// The company domain as the web pages, the admin console, the APIs and the token claims see it (issue 5).
// Field names follow the design in the issue-5 model; timestamps are Dates.

export type CompanyKind = 'legal_entity' | 'sole_trader';
export const companyKinds: readonly CompanyKind[] = ['legal_entity', 'sole_trader'];
export type CompanyStatus = 'pending' | 'approved' | 'rejected' | 'suspended';
export const companyStatuses: readonly CompanyStatus[] = ['pending', 'approved', 'rejected', 'suspended'];

/** Who acts: a signed-in account (ip and user agent go to the audit log). */
export interface Actor {
  accountId: string;
  ip?: string | null;
  userAgent?: string | null;
}
/** A staff member acting with their staff roles ('moderator' | 'support' | 'admin'). */
export interface StaffActor extends Actor {
  staffRoles: string[];
}

/** A postal address (OIDC address claim member names). */
export interface CompanyAddress {
  street_address?: string | null;
  locality?: string | null;
  postal_code?: string | null;
  region?: string | null;
  country?: string | null;
}

export interface Company {
  id: string;
  kind: CompanyKind;
  name: string;
  country: string;
  /** As typed (trimmed). */
  taxId: string;
  vatId: string | null;
  address: CompanyAddress | null;
  status: CompanyStatus;
  statusReason: string | null;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
  decidedAt: Date | null;
  decidedBy: string | null;
}

/** What a registry knows about a tax ID (the registration form is prefilled from it). */
export interface RegistryEntry {
  country: string;
  taxId: string;
  kind: CompanyKind | null;
  name: string;
  vatId: string | null;
  address: CompanyAddress | null;
  /** 'registry' (the company_registry table), 'customers' (the customer directory), or a network registry's name. */
  source: string;
}

/** A company registry: the built-in one, or a network registry plugged in by configuration. */
export interface CompanyRegistry {
  lookup(country: string, taxId: string): Promise<RegistryEntry | undefined>;
}

export interface RegisterCompanyInput {
  kind: CompanyKind;
  country: string;
  taxId: string;
  name?: string | undefined;
  vatId?: string | null | undefined;
  address?: CompanyAddress | null | undefined;
}

/** Changes to a company's data; taxId/country only by staff once the company is approved. */
export interface CompanyPatch {
  kind?: CompanyKind | undefined;
  name?: string | undefined;
  country?: string | undefined;
  taxId?: string | undefined;
  vatId?: string | null | undefined;
  address?: CompanyAddress | null | undefined;
}

/** What a person typing a tax ID may learn about an approved company. */
export interface CompanyForJoin {
  id: string;
  name: string;
  country: string;
  taxId: string;
}

export type JoinRequestStatus = 'pending' | 'approved' | 'rejected' | 'cancelled';
export type JoinDecision = 'approve' | 'reject';
/** Which side decides: a staff moderator, or an admin of the company (members:manage). */
export type JoinDecider = 'moderator' | 'company-admin';

export interface JoinRequest {
  id: string;
  companyId: string;
  companyName: string;
  accountId: string;
  /** The requester's email and name (for the admin's list). */
  email: string;
  name: string | null;
  status: JoinRequestStatus;
  moderatorDecision: JoinDecision | null;
  moderatorId: string | null;
  moderatorAt: Date | null;
  adminDecision: JoinDecision | null;
  adminId: string | null;
  adminAt: Date | null;
  reason: string | null;
  createdAt: Date;
  decidedAt: Date | null;
}

export interface DecideJoinInput {
  as: JoinDecider;
  decision: JoinDecision;
  reason?: string | null | undefined;
}

export interface ModerateCompanyInput {
  decision: JoinDecision;
  reason?: string | null | undefined;
}

export interface Member {
  accountId: string;
  email: string;
  name: string | null;
  joinedAt: Date;
  roles: string[];
  permissions: string[];
  contactPermissions: string[] | null;
}

/** A role: built-in (owner, admin, member, accountant, contact) or defined by the company. */
export interface RoleDefinition {
  key: string;
  name: string;
  /** For 'contact': empty here; each member's own subset applies. */
  permissions: string[];
  builtIn: boolean;
}

export interface DefineRoleInput {
  key: string;
  name: string;
  permissions: string[];
}

export interface MyCompany {
  company: Company;
  roles: string[];
  permissions: string[];
}

/** One entry of the `organizations` claim. */
export interface OrganizationClaim {
  id: string;
  name: string;
  tax_id: string;
  roles: string[];
  permissions: string[];
}

export interface InviteInput {
  email: string;
  roles: string[];
  contactPermissions?: string[] | undefined;
}

export interface CompanyInvitation {
  id: string;
  companyId: string;
  companyName: string;
  email: string;
  roles: string[];
  contactPermissions: string[] | null;
  invitedBy: string | null;
  createdAt: Date;
  expiresAt: Date;
  acceptedAt: Date | null;
  acceptedBy: string | null;
}

export interface GrantRoleOptions {
  /** For the 'contact' role: which catalogue permissions this member gets. */
  contactPermissions?: string[] | undefined;
}

export interface TransferOptions {
  /** Staff only: whose owner role moves (default: every current owner's). */
  fromAccountId?: string | undefined;
}

export interface SearchCompaniesOptions {
  status?: CompanyStatus | undefined;
  limit?: number | undefined;
  offset?: number | undefined;
}

export interface ListJoinRequestsOptions {
  status?: JoinRequestStatus | undefined;
}

export interface ModerationQueue {
  companies: Company[];
  /** Pending join requests still waiting for the moderator's decision. */
  joinRequests: JoinRequest[];
}

export type RegistryImportFormat = 'csv' | 'ndjson';

export interface RegistryImportSummary {
  file: string;
  rows: number;
  inserted: number;
  updated: number;
  rejected: number;
  /** Line number and reason of each rejected row (at most the first 100). */
  errors: { line: number; reason: string }[];
}
