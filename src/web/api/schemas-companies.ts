// The shapes of the companies part of the Account API (/me/companies..., /me/join-requests...) and of the
// company objects the Admin API shows, written once: routes validate with them and openapi.ts documents them.
// The company service re-checks every value (tax ID format, role keys, permission catalogue); these bound
// sizes and types at the boundary so a malformed request is a 400 before any rule runs.
import { z } from 'zod';

const timestamp = z.string().describe('ISO 8601 date-time');
const nullableTimestamp = timestamp.nullable();
const uuid = z.string().regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'must be an id such as 123e4567-e89b-12d3-a456-426614174000');
const country = z.string().regex(/^[A-Za-z]{2}$/, 'must be an ISO 3166-1 alpha-2 country code such as CZ').describe('ISO 3166-1 alpha-2');
const taxId = z.string().min(1).max(50).describe('as typed; spaces, dots and dashes are ignored when matching');
const key = z.string().min(1).max(40).regex(/^[a-z0-9][a-z0-9_:-]*$/, 'must be a lower-case key');
const reason = z.string().max(500);

export const companyKind = z.enum(['legal_entity', 'sole_trader']);
export const companyStatus = z.enum(['pending', 'approved', 'rejected', 'suspended']);
export const joinRequestStatus = z.enum(['pending', 'approved', 'rejected', 'cancelled']);
export const joinDecision = z.enum(['approve', 'reject']);

export const companyAddress = z.strictObject({
  street_address: z.string().max(200).nullable().optional(),
  locality: z.string().max(100).nullable().optional(),
  postal_code: z.string().max(20).nullable().optional(),
  region: z.string().max(100).nullable().optional(),
  country: z.string().max(2).nullable().optional().describe('ISO 3166-1 alpha-2'),
}).meta({ id: 'CompanyAddress' });

export const company = z.object({
  id: z.string(),
  kind: companyKind,
  name: z.string(),
  country: z.string(),
  tax_id: z.string(),
  vat_id: z.string().nullable(),
  address: companyAddress.nullable(),
  status: companyStatus,
  status_reason: z.string().nullable().describe('why it was rejected or suspended'),
  created_at: timestamp,
  updated_at: timestamp,
  decided_at: nullableTimestamp,
}).meta({ id: 'Company' });

export const myCompany = z.object({
  company,
  roles: z.array(z.string()).describe('my roles in the company (owner, admin, member, accountant, contact, or its own roles)'),
  permissions: z.array(z.string()).describe('my permissions there: the union over my roles'),
}).meta({ id: 'MyCompany' });

export const myCompanyList = z.object({ companies: z.array(myCompany) }).meta({ id: 'MyCompanyList' });

/** POST /me/companies: the other fields are filled from the company registry when left out. */
export const companyRegistration = z.strictObject({
  kind: companyKind,
  country,
  tax_id: taxId,
  name: z.string().min(1).max(200).optional().describe('default: the registry\'s name for the tax ID (required when the registry does not know it)'),
  vat_id: z.string().max(50).nullable().optional(),
  address: companyAddress.nullable().optional(),
}).meta({ id: 'CompanyRegistration' });

/** PATCH company data (company:manage); tax ID and country only while pending (staff: always). */
export const companyChanges = z.strictObject({
  kind: companyKind.optional(),
  name: z.string().min(1).max(200).optional(),
  country: country.optional(),
  tax_id: taxId.optional(),
  vat_id: z.string().max(50).nullable().optional(),
  address: companyAddress.nullable().optional(),
}).meta({ id: 'CompanyChanges' });

/** ?country=&tax_id= of the registry lookup and the join lookup. */
export const taxIdQuery = z.strictObject({ country, tax_id: taxId });

export const registryEntry = z.object({
  country: z.string(),
  tax_id: z.string(),
  kind: companyKind.nullable(),
  name: z.string(),
  vat_id: z.string().nullable(),
  address: companyAddress.nullable(),
  source: z.string().describe('registry (the imported table), customers (the customer directory), or a network registry'),
}).meta({ id: 'RegistryEntry' });

export const companyForJoin = z.object({
  id: z.string(),
  name: z.string(),
  country: z.string(),
  tax_id: z.string(),
}).meta({ id: 'CompanyForJoin', description: 'An approved company found by its tax ID (nothing else is revealed)' });

export const joinRequest = z.object({
  id: z.string(),
  company_id: z.string(),
  company_name: z.string(),
  account_id: z.string().describe('the requester'),
  email: z.string(),
  name: z.string().nullable(),
  status: joinRequestStatus,
  moderator_decision: joinDecision.nullable(),
  moderator_at: nullableTimestamp,
  admin_decision: joinDecision.nullable().describe("the company admin's decision"),
  admin_at: nullableTimestamp,
  reason: z.string().nullable().describe('the reason of a rejection'),
  created_at: timestamp,
  decided_at: nullableTimestamp,
}).meta({ id: 'JoinRequest', description: 'Needs the approval of a moderator AND of a company admin, in either order; either rejection ends it' });

export const joinRequestList = z.object({ join_requests: z.array(joinRequest) }).meta({ id: 'JoinRequestList' });

export const joinRequestCreation = z.strictObject({ company_id: uuid.describe('from GET /me/companies/lookup') }).meta({ id: 'JoinRequestCreation' });

export const joinRequestQuery = z.strictObject({ status: joinRequestStatus.optional().describe('default: every status') });

/** A decision on a join request (or, in the Admin API, on a pending company). A rejection needs a reason. */
export const decision = z.strictObject({
  decision: joinDecision,
  reason: reason.optional().describe('required to reject; mailed to the requester'),
}).refine((d) => d.decision === 'approve' || (d.reason ?? '').trim() !== '', { message: 'a rejection needs a reason', path: ['reason'] }).meta({ id: 'Decision' });

export const member = z.object({
  account_id: z.string(),
  email: z.string(),
  name: z.string().nullable(),
  joined_at: timestamp,
  roles: z.array(z.string()),
  permissions: z.array(z.string()),
  contact_permissions: z.array(z.string()).nullable().describe('the chosen subset of the contact role'),
}).meta({ id: 'Member' });

export const memberList = z.object({ members: z.array(member) }).meta({ id: 'MemberList' });

/** POST .../members/{account_id}/roles. Granting needs roles:manage and every permission of the role; owner only by owners. */
export const roleGrant = z.strictObject({
  role: key,
  contact_permissions: z.array(key).max(50).optional().describe('for the contact role: which catalogue permissions'),
}).meta({ id: 'RoleGrant' });

export const role = z.object({
  key: z.string(),
  name: z.string(),
  permissions: z.array(z.string()).describe('for contact: empty (each contact has their own subset)'),
  built_in: z.boolean(),
}).meta({ id: 'Role' });

export const roleList = z.object({
  roles: z.array(role),
  catalogue: z.array(z.string()).describe('the configurable permissions (LATCHKEY_COMPANY_PERMISSIONS)'),
  management: z.array(z.string()).describe('members:manage, roles:manage, company:manage'),
}).meta({ id: 'RoleList' });

/** POST .../roles: defines or redefines one of the company's own roles. */
export const roleDefinition = z.strictObject({
  key,
  name: z.string().min(1).max(100),
  permissions: z.array(key).max(50),
}).meta({ id: 'RoleDefinition' });

export const invitationRequest = z.strictObject({
  email: z.string().min(3).max(254),
  roles: z.array(key).max(20).optional().describe('default: member; owner cannot be invited (transfer ownership instead)'),
  contact_permissions: z.array(key).max(50).optional(),
}).meta({ id: 'InvitationRequest' });

export const invitation = z.object({
  id: z.string(),
  company_id: z.string(),
  email: z.string(),
  roles: z.array(z.string()),
  contact_permissions: z.array(z.string()).nullable(),
  created_at: timestamp,
  expires_at: timestamp,
  accepted_at: nullableTimestamp,
}).meta({ id: 'Invitation' });

export const invitationList = z.object({ invitations: z.array(invitation) }).meta({ id: 'InvitationList' });

export const invitationAcceptance = z.strictObject({
  token: z.string().min(1).max(200).describe('the token of the mailed link (/company-invitation?token=...)'),
}).meta({ id: 'InvitationAcceptance' });

export const ownershipTransfer = z.strictObject({
  account_id: uuid.describe('the member who becomes owner'),
}).meta({ id: 'OwnershipTransfer' });
