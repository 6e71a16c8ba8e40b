// The shapes of the Admin API (/api/v1/admin/...): what the staff console does, as JSON. Written once: routes
// validate with them and openapi.ts documents them. Company objects come from schemas-companies.ts.
import { z } from 'zod';
import { STAFF_ACTIONS, STAFF_ROLES } from '../../services/staff/index.js';
import { company, companyStatus, joinRequest, member, myCompany } from './schemas-companies.js';

const timestamp = z.string().describe('ISO 8601 date-time');
const uuid = z.string().regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'must be an id such as 123e4567-e89b-12d3-a456-426614174000');
const limit = (max: number) => z.coerce.number().int().min(1).max(max).optional();
const offset = z.coerce.number().int().min(0).max(100_000).optional();

export const staffSelf = z.object({
  sub: z.string(),
  staff_roles: z.array(z.enum(STAFF_ROLES)),
  allowed_actions: z.array(z.enum(STAFF_ACTIONS)).describe('what these roles may do (the staff matrix)'),
}).meta({ id: 'StaffSelf' });

export const pageQuery = z.strictObject({ limit: limit(200).describe('default 50'), offset });

export const moderationQueue = z.object({
  companies: z.array(company).describe('pending companies, oldest first'),
  join_requests: z.array(joinRequest).describe("pending join requests still waiting for a moderator's decision"),
}).meta({ id: 'ModerationQueue' });

export const companySearchQuery = z.strictObject({
  q: z.string().max(200).optional().describe('name, tax ID, VAT ID or id; empty: every company'),
  status: companyStatus.optional(),
  limit: limit(200).describe('default 50'),
  offset,
});

export const companySearchResult = z.object({ companies: z.array(company), total: z.number().int() }).meta({ id: 'CompanySearchResult' });

export const companyDetail = z.object({
  company,
  members: z.array(member),
  join_requests: z.array(joinRequest),
}).meta({ id: 'CompanyDetail' });

export const suspension = z.strictObject({ reason: z.string().min(1).max(500) }).meta({ id: 'Suspension' });

export const staffOwnershipTransfer = z.strictObject({
  account_id: uuid.describe('the new owner (made a member if needed)'),
  from_account_id: uuid.optional().describe('the owner whose role moves; default: every current owner'),
}).meta({ id: 'StaffOwnershipTransfer' });

export const accountSearchQuery = z.strictObject({
  q: z.string().max(320).optional().describe('part of an email or name, or an account id'),
  limit: limit(100).describe('default 25'),
  offset,
});

export const accountSummary = z.object({
  id: z.string(),
  email: z.string(),
  email_verified: z.boolean(),
  name: z.string().nullable(),
  status: z.enum(['active', 'blocked', 'locked']),
  has_password: z.boolean(),
  locale: z.string().nullable(),
  created_at: timestamp,
  blocked_at: timestamp.nullable(),
}).meta({ id: 'AccountSummary' });

export const accountSearchResult = z.object({ accounts: z.array(accountSummary), total: z.number().int() }).meta({ id: 'AccountSearchResult' });

export const auditEvent = z.object({
  id: z.string(),
  type: z.string().describe('e.g. staff.account-blocked, company.approved, company.role_granted'),
  at: timestamp,
  account_id: z.string().nullable().describe('the account the event is about (or that acted)'),
  client_id: z.string().nullable(),
  ip: z.string().nullable(),
  data: z.record(z.string(), z.unknown()).describe('details; actorId names the acting staff member, companyId the company'),
}).meta({ id: 'AuditEvent' });

export const customerLink = z.object({
  customer_id: z.string(),
  company_name: z.string(),
  tax_id: z.string().nullable(),
  country: z.string().nullable(),
  linked_at: timestamp,
  linked_by: z.string(),
}).meta({ id: 'CustomerLink' });

export const accountDetail = z.object({
  account: accountSummary,
  staff_roles: z.array(z.enum(STAFF_ROLES)),
  customer_links: z.array(customerLink),
  companies: z.array(myCompany),
  recent_audit: z.array(auditEvent),
}).meta({ id: 'AccountDetail' });

export const blockRequest = z.strictObject({ reason: z.string().max(500).optional() }).meta({ id: 'BlockRequest' });

export const blocked = z.object({
  account: accountSummary,
  revoked: z.number().int().describe('sessions, grants and tokens ended'),
}).meta({ id: 'Blocked' });

export const customerLinkRequest = z.strictObject({ customer_id: z.string().min(1).max(100) }).meta({ id: 'CustomerLinkRequest' });

export const customerLinked = z.object({ linked: z.boolean().describe('false: it already was') }).meta({ id: 'CustomerLinked' });

export const auditQuery = z.strictObject({
  account: z.string().max(320).optional().describe('an account id or email: events about or by it'),
  company_id: z.string().max(36).optional(),
  type: z.string().max(100).optional().describe('a type or its start, e.g. staff. or company.join'),
  from: z.string().max(40).optional().describe('ISO date or date-time (inclusive)'),
  to: z.string().max(40).optional().describe('ISO date or date-time (exclusive)'),
  before: z.string().max(20).regex(/^\d+$/, 'must be the next_before of the previous page').optional(),
  limit: limit(200).describe('default 50'),
});

export const auditPage = z.object({
  events: z.array(auditEvent),
  next_before: z.string().nullable().describe('pass as ?before= for the next (older) page; null on the last page'),
}).meta({ id: 'AuditPage' });
