// The companies part of the Account API in the OpenAPI document: one entry per route of companies.ts and
// companies-admin.ts, with the zod schemas those routes validate with.
import { ACCOUNT_SCOPE, API_PATH } from '../../oidc/resource-server.js';
import type { ApiOperation } from './openapi.js';
import * as c from './schemas-companies.js';

type Method = ApiOperation['method'];
type Rest = Partial<ApiOperation> & Pick<ApiOperation, 'responses'>;

const me = (method: Method, path: string, operationId: string, summary: string, rest: Rest): ApiOperation =>
  ({ method, path: `${API_PATH}/me${path}`, operationId, summary, scope: ACCOUNT_SCOPE, ...rest });

const ok = (description: string, schema?: ApiOperation['responses'][number]['schema']) => ({ 200: { description, schema } });
const company = '/companies/:id';

/** Every companies operation of the Account API. */
export const COMPANY_OPERATIONS: ApiOperation[] = [
  me('get', '/companies', 'listMyCompanies', 'My companies (any status) with my roles and permissions in each', { responses: ok('My memberships', c.myCompanyList) }),
  me('post', '/companies', 'registerCompany', 'Register a company by tax ID: pending until a moderator decides; I become its owner; fields left out come from the company registry', {
    body: c.companyRegistration, responses: { 201: { description: 'Registered (pending); a mail confirms it', schema: c.company } }, errors: [409],
  }),
  me('get', '/companies/registry', 'lookUpCompanyRegistry', 'What the company registry knows about a tax ID (to prefill the registration). Rate limited', {
    query: c.taxIdQuery, responses: ok('The registry entry', c.registryEntry), errors: [404, 429],
  }),
  me('get', '/companies/lookup', 'findCompanyToJoin', 'Find an approved company by tax ID, to ask to join it. Rate limited', {
    query: c.taxIdQuery, responses: ok('The company', c.companyForJoin), errors: [404, 429],
  }),
  me('get', company, 'getMyCompany', 'One of my companies with my roles and permissions', { responses: ok('The membership', c.myCompany), errors: [404] }),
  me('patch', company, 'updateCompany', 'Change the company\'s data (company:manage); the tax ID and country only while pending', {
    body: c.companyChanges, responses: ok('The company', c.company), errors: [404, 409],
  }),
  me('post', `${company}/leave`, 'leaveCompany', 'Leave the company (not as its last owner)', { responses: { 204: { description: 'Left' } }, errors: [404, 409] }),
  me('get', `${company}/members`, 'listMembers', 'The members with roles and permissions (members:manage or roles:manage)', { responses: ok('Members', c.memberList), errors: [404] }),
  me('delete', `${company}/members/:account_id`, 'removeMember', 'Remove a member (members:manage and every permission they hold; never the last owner)', {
    responses: { 204: { description: 'Removed' } }, errors: [404, 409],
  }),
  me('post', `${company}/members/:account_id/roles`, 'grantRole', 'Grant a role (roles:manage and every permission of the role; owner only by an owner)', {
    body: c.roleGrant, responses: ok('The member', c.member), errors: [404, 409],
  }),
  me('delete', `${company}/members/:account_id/roles/:role`, 'revokeRole', 'Revoke a role (same rule as granting; the last owner keeps owner)', {
    responses: ok('The member', c.member), errors: [404, 409],
  }),
  me('get', `${company}/join-requests`, 'listCompanyJoinRequests', 'Requests to join the company (members:manage)', {
    query: c.joinRequestQuery, responses: ok('Join requests', c.joinRequestList), errors: [404],
  }),
  me('post', `${company}/join-requests/:request_id/decision`, 'decideJoinRequest', 'Approve or reject a join request as the company admin (members:manage); the moderator decides too, in either order', {
    body: c.decision, responses: ok('The request after the decision', c.joinRequest), errors: [404, 409],
  }),
  me('get', `${company}/invitations`, 'listInvitations', 'The company\'s invitations (members:manage)', { responses: ok('Invitations', c.invitationList), errors: [404] }),
  me('post', `${company}/invitations`, 'inviteMember', 'Invite someone by email with roles; a link valid 7 days is mailed (members:manage)', {
    body: c.invitationRequest, responses: { 201: { description: 'Invited', schema: c.invitation } }, errors: [404, 409],
  }),
  me('delete', `${company}/invitations/:invitation_id`, 'revokeInvitation', 'Withdraw an unused invitation', { responses: { 204: { description: 'Withdrawn' } }, errors: [404] }),
  me('get', `${company}/roles`, 'listRoles', 'The company\'s roles (built-in and its own) and the permission catalogue', { responses: ok('Roles', c.roleList), errors: [404] }),
  me('post', `${company}/roles`, 'defineRole', 'Define or redefine one of the company\'s own roles (roles:manage and every permission in it)', {
    body: c.roleDefinition, responses: ok('The role', c.role), errors: [404, 409],
  }),
  me('delete', `${company}/roles/:key`, 'deleteRole', 'Delete one of the company\'s own roles; its holders lose it', { responses: { 204: { description: 'Deleted' } }, errors: [404, 409] }),
  me('post', `${company}/transfer-ownership`, 'transferOwnership', 'Hand ownership to another member (owners only); I stay a member', {
    body: c.ownershipTransfer, responses: ok('The new owner', c.member), errors: [404, 409],
  }),
  me('get', '/join-requests', 'listMyJoinRequests', 'My requests to join companies, with each side\'s decision', { responses: ok('My join requests', c.joinRequestList) }),
  me('post', '/join-requests', 'requestToJoin', 'Ask to join an approved company (found with /me/companies/lookup); an open request is returned as it is', {
    body: c.joinRequestCreation, responses: { 201: { description: 'Requested; a mail confirms it', schema: c.joinRequest } }, errors: [404, 409],
  }),
  me('delete', '/join-requests/:id', 'cancelJoinRequest', 'Withdraw my pending join request', { responses: ok('The cancelled request', c.joinRequest), errors: [404, 409] }),
  me('post', '/company-invitations', 'acceptCompanyInvitation', 'Accept an invitation mailed to my email address', {
    body: c.invitationAcceptance, responses: ok('My new membership', c.myCompany), errors: [409, 410],
  }),
];
