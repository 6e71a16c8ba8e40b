// The Admin API's accounts and audit log (issue 5, item 7): search and read accounts, block and unblock
// (sessions, grants and refresh tokens end at once), provision a person verified in the office (set-password
// link mailed), resend that link, link and unlink customer IDs, search the audit log. Each route is one call
// of services.staff, which checks the staff matrix again and writes the 'staff.*' audit event.
import type { Router } from '@koa/router';
import type { Middleware } from 'koa';
import type { z } from 'zod';
import { NotFound } from '../../services/errors.js';
import type { StaffAction } from '../../services/staff/index.js';
import type { RouteDeps } from '../route-deps.js';
import { staffOf } from './admin-guard.js';
import { accountDetailView, accountSummaryView, auditEventView } from './admin-views.js';
import { pathParam } from './companies-actor.js';
import { bodyOf, jsonBody, queryOf } from './input.js';
import { provisionRequest } from './schemas.js';
import * as a from './schemas-admin.js';

/** Adds the /api/v1/admin/accounts and /api/v1/admin/audit routes behind `auth` (the staff token check). */
export function adminAccountRoutes(router: Router, deps: RouteDeps, auth: Middleware[], may: (action: StaffAction) => Middleware) {
  const { staff, companies } = deps.services;

  router.get('/api/v1/admin/accounts', ...auth, may('accounts.read'), queryOf(a.accountSearchQuery), async function searchAccounts(ctx) {
    const query = ctx.state.query as z.infer<typeof a.accountSearchQuery>;
    const found = await staff.searchAccounts(staffOf(ctx), { query: query.q, limit: query.limit, offset: query.offset });
    ctx.body = { accounts: found.accounts.map(accountSummaryView), total: found.total };
  });

  router.post('/api/v1/admin/accounts', ...auth, may('accounts.provision'), jsonBody(provisionRequest), async function provisionAccount(ctx) {
    const result = await staff.provision(staffOf(ctx), bodyOf<z.infer<typeof provisionRequest>>(ctx));
    if (result.created) deps.mailer.notify();
    ctx.status = result.created ? 201 : 200;
    ctx.body = { sub: result.sub, created: result.created };
  });

  router.get('/api/v1/admin/accounts/:id', ...auth, may('accounts.read'), async function showAccount(ctx) {
    const detail = await staff.accountDetail(staffOf(ctx), pathParam(ctx, 'id'));
    ctx.body = accountDetailView(detail, await companies.listMyCompanies(detail.account.id));
  });

  router.post('/api/v1/admin/accounts/:id/block', ...auth, may('accounts.block'), jsonBody(a.blockRequest), async function blockAccount(ctx) {
    const result = await staff.blockAccount(staffOf(ctx), pathParam(ctx, 'id'), bodyOf<z.infer<typeof a.blockRequest>>(ctx).reason);
    ctx.body = { account: accountSummaryView(result.account), revoked: result.revoked };
  });

  router.post('/api/v1/admin/accounts/:id/unblock', ...auth, may('accounts.block'), async function unblockAccount(ctx) {
    ctx.body = accountSummaryView(await staff.unblockAccount(staffOf(ctx), pathParam(ctx, 'id')));
  });

  router.post('/api/v1/admin/accounts/:id/invitation', ...auth, may('mail.resend'), async function resendInvitation(ctx) {
    await staff.resendInvitation(staffOf(ctx), pathParam(ctx, 'id'));
    deps.mailer.notify();
    ctx.status = 202;
  });

  router.post('/api/v1/admin/accounts/:id/customers', ...auth, may('customers.link'), jsonBody(a.customerLinkRequest), async function linkCustomer(ctx) {
    const linked = await staff.linkCustomer(staffOf(ctx), pathParam(ctx, 'id'), bodyOf<z.infer<typeof a.customerLinkRequest>>(ctx).customer_id);
    ctx.body = { linked };
  });

  router.delete('/api/v1/admin/accounts/:id/customers/:customer_id', ...auth, may('customers.link'), async function unlinkCustomer(ctx) {
    if (!(await staff.unlinkCustomer(staffOf(ctx), pathParam(ctx, 'id'), pathParam(ctx, 'customer_id')))) {
      throw new NotFound('The account is not linked to this customer ID.');
    }
    ctx.status = 204;
  });

  router.get('/api/v1/admin/audit', ...auth, may('audit.read'), queryOf(a.auditQuery), async function searchAudit(ctx) {
    const query = ctx.state.query as z.infer<typeof a.auditQuery>;
    const page = await staff.searchAudit(staffOf(ctx), {
      account: query.account, companyId: query.company_id, type: query.type, from: query.from, to: query.to, before: query.before, limit: query.limit,
    });
    ctx.body = { events: page.events.map(auditEventView), next_before: page.nextBefore === null ? null : String(page.nextBefore) };
  });
}
