// The Admin API in the OpenAPI document: one entry per route of admin.ts and admin-accounts.ts. Every
// operation needs scope `admin` AND a staff role allowing its action (named in the summary).
import { ADMIN_SCOPE, API_PATH } from '../../oidc/resource-server.js';
import type { ApiOperation } from './openapi.js';
import { provisionRequest, provisionResult } from './schemas.js';
import * as a from './schemas-admin.js';
import * as c from './schemas-companies.js';

type Rest = Partial<ApiOperation> & Pick<ApiOperation, 'responses'>;

const admin = (method: ApiOperation['method'], path: string, operationId: string, summary: string, rest: Rest): ApiOperation =>
  ({ method, path: `${API_PATH}/admin${path}`, operationId, summary, scope: ADMIN_SCOPE, ...rest });

const ok = (description: string, schema?: ApiOperation['responses'][number]['schema']) => ({ 200: { description, schema } });

/** Every operation of the Admin API. */
export const ADMIN_OPERATIONS: ApiOperation[] = [
  admin('get', '/me', 'getStaffSelf', 'My staff roles and what they allow', { responses: ok('The caller', a.staffSelf) }),
  admin('get', '/moderation', 'getModerationQueue', 'The moderation queue: pending companies and join requests waiting for a moderator [moderation.decide]', {
    query: a.pageQuery, responses: ok('The queue, oldest first', a.moderationQueue),
  }),
  admin('post', '/companies/:id/decision', 'moderateCompany', 'Approve or reject (with a reason) a pending company; its owner is mailed [moderation.decide]', {
    body: c.decision, responses: ok('The company', c.company), errors: [404, 409],
  }),
  admin('post', '/join-requests/:id/decision', 'decideJoinAsModerator', 'Approve or reject a join request as the moderator; the company admin decides too, in either order [moderation.decide]', {
    body: c.decision, responses: ok('The request after the decision', c.joinRequest), errors: [404, 409],
  }),
  admin('get', '/companies', 'searchCompanies', 'Search companies by name, tax ID, VAT ID or id [companies.read]', { query: a.companySearchQuery, responses: ok('Matches, newest first', a.companySearchResult) }),
  admin('get', '/companies/:id', 'getCompany', 'A company with its members and join requests [companies.read]', { responses: ok('The company', a.companyDetail), errors: [404] }),
  admin('patch', '/companies/:id', 'editCompany', 'Change a company\'s data, the tax ID included [companies.edit]', { body: c.companyChanges, responses: ok('The company', c.company), errors: [404, 409] }),
  admin('post', '/companies/:id/suspend', 'suspendCompany', 'Suspend an approved company: it vanishes from tokens at the next refresh [companies.suspend]', {
    body: a.suspension, responses: ok('The company', c.company), errors: [404, 409],
  }),
  admin('post', '/companies/:id/restore', 'restoreCompany', 'Restore a suspended company [companies.suspend]', { responses: ok('The company', c.company), errors: [404, 409] }),
  admin('post', '/companies/:id/transfer-ownership', 'transferOwnershipAsStaff', 'Make an account the owner when the company\'s authorised person changes [companies.transfer-ownership]', {
    body: a.staffOwnershipTransfer, responses: ok('The new owner', c.member), errors: [404, 409],
  }),
  admin('get', '/accounts', 'searchAccounts', 'Search accounts by email, name or id [accounts.read]', { query: a.accountSearchQuery, responses: ok('Matches, newest first', a.accountSearchResult) }),
  admin('post', '/accounts', 'provisionVerifiedPerson', 'Create an account for a person verified in the office; a set-password link is mailed [accounts.provision]', {
    body: provisionRequest,
    responses: { 201: { description: 'Created; link mailed', schema: provisionResult }, 200: { description: 'The email already had an account; nothing changed', schema: provisionResult } },
  }),
  admin('get', '/accounts/:id', 'getAccount', 'An account with staff roles, customer links, companies and recent audit events [accounts.read]', { responses: ok('The account', a.accountDetail), errors: [404] }),
  admin('post', '/accounts/:id/block', 'blockAccount', 'Block an account: its sessions, grants and refresh tokens end at once [accounts.block]', { body: a.blockRequest, responses: ok('Blocked', a.blocked), errors: [404] }),
  admin('post', '/accounts/:id/unblock', 'unblockAccount', 'Let a blocked account sign in again [accounts.block]', { responses: ok('The account', a.accountSummary), errors: [404] }),
  admin('post', '/accounts/:id/invitation', 'resendInvitation', 'Mail a new set-password link to an account without a password [mail.resend]', { responses: { 202: { description: 'Mailed' } }, errors: [404] }),
  admin('post', '/accounts/:id/customers', 'linkCustomer', 'Link the account to a customer ID of the directory [customers.link]', { body: a.customerLinkRequest, responses: ok('Linked', a.customerLinked), errors: [404] }),
  admin('delete', '/accounts/:id/customers/:customer_id', 'unlinkCustomer', 'Remove the account\'s link to a customer ID [customers.link]', { responses: { 204: { description: 'Unlinked' } }, errors: [404] }),
  admin('get', '/audit', 'searchAuditLog', 'The audit log of staff and company-admin actions (and every other event), newest first, paged [audit.read]', {
    query: a.auditQuery, responses: ok('One page', a.auditPage),
  }),
];
