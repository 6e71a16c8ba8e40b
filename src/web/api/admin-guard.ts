// Who may call the Admin API (OWASP ASVS 4.0 V4.1.3 least privilege, V4.1.5 deny by default): a USER access
// token for this API with scope `admin` (client-credentials tokens are refused), issued in a sign-in session
// that is still alive and whose password entry is recent (ADMIN_REAUTH_SECONDS, as the /admin console; RFC 9470
// step-up challenge otherwise, so a long-lived refresh token is no lasting staff key), whose account holds a
// staff role NOW (services.staff.actorFor reads the roles on every request, so a revoked role or a blocked
// account stops working at once), and whose roles allow the route's action (the console's matrix).
import type { Context, Middleware } from 'koa';
import { ADMIN_SCOPE } from '../../oidc/resource-server.js';
import type { LatchkeyServices } from '../../services/index.js';
import { StaffActionForbidden, type StaffAction, type StaffActor } from '../../services/staff/index.js';
import { callerOf, requireToken, type BearerDeps } from './bearer.js';
import { ADMIN_REAUTH_SECONDS } from '../admin/sign-in.js';
import { StaffRoleRequired, StaleSignIn } from './errors.js';

/** The token check and the staff check every Admin API route starts with; the actor is in ctx.state.staff. */
export function requireStaffToken(bearer: BearerDeps, services: LatchkeyServices): Middleware[] {
  return [
    requireToken(bearer, ADMIN_SCOPE, 'user'),
    async function requireRecentSignIn(ctx, next) {
      const caller = callerOf(ctx);
      const session = caller.sessionUid ? await bearer.provider.Session.findByUid(caller.sessionUid) : undefined;
      const loginTs = session?.accountId === caller.accountId ? session?.loginTs : undefined;
      if (typeof loginTs !== 'number' || Date.now() / 1000 - loginTs >= ADMIN_REAUTH_SECONDS) {
        const error = new StaleSignIn(ADMIN_REAUTH_SECONDS);
        ctx.set('WWW-Authenticate', `Bearer realm="latchkey", error="insufficient_user_authentication", error_description="${error.message}", max_age=${ADMIN_REAUTH_SECONDS}`);
        throw error;
      }
      await next();
    },
    async function loadStaffActor(ctx, next) {
      const actor = await services.staff.actorFor(callerOf(ctx).accountId!, { ip: ctx.ip, userAgent: ctx.get('user-agent') || null });
      if (!actor) throw new StaffRoleRequired('any staff action');
      ctx.state.staff = actor;
      await next();
    },
  ];
}

/** Refuses (403) unless the caller's staff roles allow `action`. */
export function staffMay(services: LatchkeyServices, action: StaffAction): Middleware {
  return async function checkStaffAction(ctx, next) {
    if (!services.staff.can(staffOf(ctx).staffRoles, action)) throw new StaffActionForbidden(action);
    await next();
  };
}

/** The staff actor of a route guarded by requireStaffToken. */
export const staffOf = (ctx: Context): StaffActor => ctx.state.staff as StaffActor;
