// The admin console at /admin (issue 5, item 7) for staff holding moderator, support or admin (granted with
// `latchkey staff grant`). Every page is [requireStaff, requireAction(action), page]; every POST is
// [parseForm, verifyCsrf, requireStaff, requireAction(action), action] (OWASP CSRF Prevention: signed
// double-submit token; ASVS 4.0 V4.1.5 deny by default via the role matrix in src/services/staff/matrix.ts).
// Staff pages need a password entry within ADMIN_REAUTH_SECONDS (./sign-in.ts).
import { Router } from '@koa/router';
import type { Middleware } from 'koa';
import type { StaffAction } from '../../services/staff/index.js';
import { verifyCsrf } from '../middleware/csrf.js';
import { parseForm } from '../middleware/form.js';
import type { RouteDeps } from '../route-deps.js';
import {
  accountPage, accountSearchPage, blockSubmission, customerLinkSubmission, customerUnlinkSubmission, provisionPage, provisionSubmission, resendInvitationSubmission, unblockSubmission,
} from './accounts.js';
import { auditPage } from './audit.js';
import { companyPage, companySearchPage, restoreSubmission, suspendSubmission, taxIdSubmission, transferSubmission } from './companies.js';
import { companyModerationSubmission, joinDecisionSubmission, queuePage } from './moderation.js';
import { requireAction, requireStaff, staffOf, staffSignInCallback } from './sign-in.js';

export { adminConsoleClientMetadata, ADMIN_CONSOLE_CLIENT_ID } from './client.js';
export { ADMIN_REAUTH_SECONDS } from './sign-in.js';

/** GET /admin: the first section the staff member's roles open (the queue for moderators). */
function home(deps: RouteDeps): Middleware {
  return async function adminHome(ctx) {
    const { actor } = staffOf(ctx);
    const base = `${deps.config.mountPath}/admin`;
    ctx.redirect(deps.services.staff.can(actor.staffRoles, 'moderation.decide') ? `${base}/queue` : `${base}/accounts`);
  };
}

/** Routes of the admin console. */
export function adminRoutes(deps: RouteDeps) {
  const router = new Router();
  const csrf = verifyCsrf(deps.csrf);
  const staff = requireStaff(deps);
  const page = (path: string, action: StaffAction, handler: Middleware) => router.get(path, staff, requireAction(deps, action), handler);
  const post = (path: string, action: StaffAction, handler: Middleware) => router.post(path, parseForm, csrf, staff, requireAction(deps, action), handler);

  router.get('/admin/callback', staffSignInCallback(deps));
  router.get('/admin', staff, home(deps));

  page('/admin/queue', 'moderation.decide', queuePage(deps));
  post('/admin/companies/:id/moderate', 'moderation.decide', companyModerationSubmission(deps));
  post('/admin/join-requests/:id/decide', 'moderation.decide', joinDecisionSubmission(deps));

  page('/admin/accounts', 'accounts.read', accountSearchPage(deps));
  page('/admin/accounts/new', 'accounts.provision', provisionPage(deps));
  post('/admin/accounts/new', 'accounts.provision', provisionSubmission(deps));
  page('/admin/accounts/:id', 'accounts.read', accountPage(deps));
  post('/admin/accounts/:id/block', 'accounts.block', blockSubmission(deps));
  post('/admin/accounts/:id/unblock', 'accounts.block', unblockSubmission(deps));
  post('/admin/accounts/:id/resend-invitation', 'mail.resend', resendInvitationSubmission(deps));
  post('/admin/accounts/:id/customers/link', 'customers.link', customerLinkSubmission(deps));
  post('/admin/accounts/:id/customers/unlink', 'customers.link', customerUnlinkSubmission(deps));

  page('/admin/companies', 'companies.read', companySearchPage(deps));
  page('/admin/companies/:id', 'companies.read', companyPage(deps));
  post('/admin/companies/:id/suspend', 'companies.suspend', suspendSubmission(deps));
  post('/admin/companies/:id/restore', 'companies.suspend', restoreSubmission(deps));
  post('/admin/companies/:id/tax-id', 'companies.edit', taxIdSubmission(deps));
  post('/admin/companies/:id/transfer', 'companies.transfer-ownership', transferSubmission(deps));

  page('/admin/audit', 'audit.read', auditPage(deps));
  return router;
}
