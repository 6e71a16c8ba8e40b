// The Account API for company admins (issue 5, items 4, 5, 8): members and their roles, the company's join
// requests (decided as 'company-admin'), invitations, the company's own roles and ownership transfer. Each
// route is one service call; services.companies enforces who may do what (OWASP ASVS V4.1.3/V4.2: nobody
// grants a permission they do not hold, only owners touch `owner`, the last owner stays) and audits it.
import type { Router } from '@koa/router';
import type { Middleware } from 'koa';
import type { z } from 'zod';
import { CompanyNotFound, JoinRequestNotFound } from '../../services/companies/index.js';
import { NotFound } from '../../services/errors.js';
import type { RouteDeps } from '../route-deps.js';
import { memberActor, pathParam } from './companies-actor.js';
import { invitationView, joinRequestView, memberView, roleView } from './companies-views.js';
import { bodyOf, jsonBody, queryOf } from './input.js';
import * as c from './schemas-companies.js';

const base = '/api/v1/me/companies/:id';

/** Adds the company-admin routes under /api/v1/me/companies/:id (behind the Account API's token check `auth`). */
export function companyAdminRoutes(router: Router, deps: RouteDeps, auth: Middleware) {
  const companies = deps.services.companies;

  router.get(`${base}/members`, auth, async function listMembers(ctx) {
    ctx.body = { members: (await companies.listMembers(memberActor(ctx), pathParam(ctx, 'id'))).map(memberView) };
  });

  router.delete(`${base}/members/:account_id`, auth, async function removeMember(ctx) {
    await companies.removeMember(memberActor(ctx), pathParam(ctx, 'id'), pathParam(ctx, 'account_id'));
    ctx.status = 204;
  });

  router.post(`${base}/members/:account_id/roles`, auth, jsonBody(c.roleGrant), async function grantRole(ctx) {
    const body = bodyOf<z.infer<typeof c.roleGrant>>(ctx);
    const member = await companies.grantRole(memberActor(ctx), pathParam(ctx, 'id'), pathParam(ctx, 'account_id'), body.role, { contactPermissions: body.contact_permissions });
    ctx.body = memberView(member);
  });

  router.delete(`${base}/members/:account_id/roles/:role`, auth, async function revokeRole(ctx) {
    const member = await companies.revokeRole(memberActor(ctx), pathParam(ctx, 'id'), pathParam(ctx, 'account_id'), pathParam(ctx, 'role'));
    ctx.body = memberView(member);
  });

  router.get(`${base}/join-requests`, auth, queryOf(c.joinRequestQuery), async function listCompanyJoinRequests(ctx) {
    const query = ctx.state.query as z.infer<typeof c.joinRequestQuery>;
    ctx.body = { join_requests: (await companies.listJoinRequests(memberActor(ctx), pathParam(ctx, 'id'), { status: query.status })).map(joinRequestView) };
  });

  router.post(`${base}/join-requests/:request_id/decision`, auth, jsonBody(c.decision), async function decideJoinRequest(ctx) {
    const actor = memberActor(ctx);
    const companyId = pathParam(ctx, 'id');
    const requestId = pathParam(ctx, 'request_id');
    // The request must belong to the company in the path (getJoinRequest also checks the caller may see it).
    if ((await companies.getJoinRequest(actor, requestId)).companyId !== companyId) throw new JoinRequestNotFound();
    const body = bodyOf<z.infer<typeof c.decision>>(ctx);
    const decided = await companies.decideJoin(actor, requestId, { as: 'company-admin', decision: body.decision, reason: body.reason ?? null });
    deps.mailer.notify();
    ctx.body = joinRequestView(decided);
  });

  router.get(`${base}/invitations`, auth, async function listInvitations(ctx) {
    ctx.body = { invitations: (await companies.listInvitations(memberActor(ctx), pathParam(ctx, 'id'))).map(invitationView) };
  });

  router.post(`${base}/invitations`, auth, jsonBody(c.invitationRequest), async function invite(ctx) {
    const body = bodyOf<z.infer<typeof c.invitationRequest>>(ctx);
    const invitation = await companies.invite(memberActor(ctx), pathParam(ctx, 'id'), { email: body.email, roles: body.roles ?? ['member'], contactPermissions: body.contact_permissions });
    deps.mailer.notify();
    ctx.status = 201;
    ctx.body = invitationView(invitation);
  });

  router.delete(`${base}/invitations/:invitation_id`, auth, async function revokeInvitation(ctx) {
    if (!(await companies.revokeInvitation(memberActor(ctx), pathParam(ctx, 'id'), pathParam(ctx, 'invitation_id')))) {
      throw new NotFound('No open invitation with this id.');
    }
    ctx.status = 204;
  });

  router.get(`${base}/roles`, auth, async function listRoles(ctx) {
    const companyId = pathParam(ctx, 'id');
    // Only members see a company's roles.
    const mine = (await companies.listMyCompanies(memberActor(ctx).accountId)).some((m) => m.company.id === companyId);
    if (!mine) throw new CompanyNotFound();
    const { catalogue, management } = companies.permissionCatalogue();
    ctx.body = { roles: (await companies.listRoles(companyId)).map(roleView), catalogue, management };
  });

  router.post(`${base}/roles`, auth, jsonBody(c.roleDefinition), async function defineRole(ctx) {
    const body = bodyOf<z.infer<typeof c.roleDefinition>>(ctx);
    ctx.body = roleView(await companies.defineRole(memberActor(ctx), pathParam(ctx, 'id'), body));
  });

  router.delete(`${base}/roles/:key`, auth, async function deleteRole(ctx) {
    await companies.deleteRole(memberActor(ctx), pathParam(ctx, 'id'), pathParam(ctx, 'key'));
    ctx.status = 204;
  });

  router.post(`${base}/transfer-ownership`, auth, jsonBody(c.ownershipTransfer), async function transferOwnership(ctx) {
    const body = bodyOf<z.infer<typeof c.ownershipTransfer>>(ctx);
    ctx.body = memberView(await companies.transferOwnership(memberActor(ctx), pathParam(ctx, 'id'), body.account_id));
  });
}
