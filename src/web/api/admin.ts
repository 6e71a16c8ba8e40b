// The Admin API (issue 5, items 7-8): what the staff console at /admin does, for staff tokens (scope `admin`,
// see admin-guard.ts). This file: who am I, the moderation queue (companies and join requests decided as
// moderator), company search and detail, company edits, suspend/restore and ownership transfer. Accounts and
// the audit log are in admin-accounts.ts. services.companies applies the rules and audits every change.
import type { Router } from '@koa/router';
import type { z } from 'zod';
import { CompanyNotFound } from '../../services/companies/index.js';
import type { RouteDeps } from '../route-deps.js';
import { adminAccountRoutes } from './admin-accounts.js';
import { requireStaffToken, staffMay, staffOf } from './admin-guard.js';
import type { BearerDeps } from './bearer.js';
import { pathParam } from './companies-actor.js';
import { companyPatch } from './companies.js';
import { companyView, joinRequestView, memberView } from './companies-views.js';
import { bodyOf, jsonBody, queryOf } from './input.js';
import * as a from './schemas-admin.js';
import * as c from './schemas-companies.js';

/** Adds the /api/v1/admin routes. */
export function adminApiRoutes(router: Router, deps: RouteDeps, bearer: BearerDeps) {
  const { companies, staff } = deps.services;
  const auth = requireStaffToken(bearer, deps.services);
  const may = (action: Parameters<typeof staffMay>[1]) => staffMay(deps.services, action);

  router.get('/api/v1/admin/me', ...auth, async function showStaffSelf(ctx) {
    const actor = staffOf(ctx);
    ctx.body = { sub: actor.accountId, staff_roles: actor.staffRoles, allowed_actions: staff.allowedActions(actor.staffRoles) };
  });

  router.get('/api/v1/admin/moderation', ...auth, may('moderation.decide'), queryOf(a.pageQuery), async function showModerationQueue(ctx) {
    const query = ctx.state.query as z.infer<typeof a.pageQuery>;
    const queue = await companies.listPendingForModeration({ limit: query.limit, offset: query.offset });
    ctx.body = { companies: queue.companies.map(companyView), join_requests: queue.joinRequests.map(joinRequestView) };
  });

  router.post('/api/v1/admin/companies/:id/decision', ...auth, may('moderation.decide'), jsonBody(c.decision), async function moderateCompany(ctx) {
    const body = bodyOf<z.infer<typeof c.decision>>(ctx);
    const company = await companies.moderateCompany(staffOf(ctx), pathParam(ctx, 'id'), { decision: body.decision, reason: body.reason ?? null });
    deps.mailer.notify();
    ctx.body = companyView(company);
  });

  router.post('/api/v1/admin/join-requests/:id/decision', ...auth, may('moderation.decide'), jsonBody(c.decision), async function decideJoinAsModerator(ctx) {
    const body = bodyOf<z.infer<typeof c.decision>>(ctx);
    const request = await companies.decideJoin(staffOf(ctx), pathParam(ctx, 'id'), { as: 'moderator', decision: body.decision, reason: body.reason ?? null });
    deps.mailer.notify();
    ctx.body = joinRequestView(request);
  });

  router.get('/api/v1/admin/companies', ...auth, may('companies.read'), queryOf(a.companySearchQuery), async function searchCompanies(ctx) {
    const query = ctx.state.query as z.infer<typeof a.companySearchQuery>;
    const found = await companies.searchCompanies(query.q ?? '', { status: query.status, limit: query.limit, offset: query.offset });
    ctx.body = { companies: found.companies.map(companyView), total: found.total };
  });

  router.get('/api/v1/admin/companies/:id', ...auth, may('companies.read'), async function showCompany(ctx) {
    const actor = staffOf(ctx);
    const company = await companies.getCompany(pathParam(ctx, 'id'));
    if (!company) throw new CompanyNotFound();
    const [members, requests] = await Promise.all([companies.listMembers(actor, company.id), companies.listJoinRequests(actor, company.id)]);
    ctx.body = { company: companyView(company), members: members.map(memberView), join_requests: requests.map(joinRequestView) };
  });

  router.patch('/api/v1/admin/companies/:id', ...auth, may('companies.edit'), jsonBody(c.companyChanges), async function updateCompany(ctx) {
    const body = bodyOf<z.infer<typeof c.companyChanges>>(ctx);
    ctx.body = companyView(await companies.updateCompany(staffOf(ctx), pathParam(ctx, 'id'), companyPatch(body)));
  });

  router.post('/api/v1/admin/companies/:id/suspend', ...auth, may('companies.suspend'), jsonBody(a.suspension), async function suspendCompany(ctx) {
    ctx.body = companyView(await companies.suspendCompany(staffOf(ctx), pathParam(ctx, 'id'), bodyOf<z.infer<typeof a.suspension>>(ctx).reason));
  });

  router.post('/api/v1/admin/companies/:id/restore', ...auth, may('companies.suspend'), async function restoreCompany(ctx) {
    ctx.body = companyView(await companies.restoreCompany(staffOf(ctx), pathParam(ctx, 'id')));
  });

  router.post('/api/v1/admin/companies/:id/transfer-ownership', ...auth, may('companies.transfer-ownership'), jsonBody(a.staffOwnershipTransfer), async function transferOwnership(ctx) {
    const body = bodyOf<z.infer<typeof a.staffOwnershipTransfer>>(ctx);
    ctx.body = memberView(await companies.transferOwnership(staffOf(ctx), pathParam(ctx, 'id'), body.account_id, { fromAccountId: body.from_account_id }));
  });

  adminAccountRoutes(router, deps, auth, may);
}
