// Signing in to the admin console and who may use it (issue 5, item 7). Sign-in is an authorization request
// of the built-in first-party client `latchkey-admin` (code flow with PKCE and state, RFC 9700 §2.1) carrying
// max_age, so the login page asks for the password again when the last entry is older than that (OIDC Core
// §3.1.2.1; OWASP ASVS 4.0 V3.7.1: re-authenticate before sensitive operations). Every console request then
// checks: a live provider session, an active account, a password entered within ADMIN_REAUTH_SECONDS, and at
// least one staff role read from the database now (a revoked role stops working at the next request).
import type Koa from 'koa';
import type { Middleware } from 'koa';
import { readAccountSession, type AccountSession } from '../../oidc/account-session.js';
import { firstPartySignIn } from '../first-party-sign-in.js';
import type { StaffAction, StaffActor } from '../../services/staff/index.js';
import type { AccountRow } from '../../queries/accounts.js';
import type { RouteDeps } from '../route-deps.js';
import { ADMIN_CONSOLE_CLIENT_ID, adminCallbackUri } from './client.js';

/**
 * How recent the staff member's password entry must be, in seconds. Older sign-ins are sent through the
 * login page again (max_age). A constant on purpose: a shorter window is safer and nobody needs a longer one.
 */
export const ADMIN_REAUTH_SECONDS = 15 * 60;

/** What requireStaff puts in ctx.state.staff. */
export interface StaffSignedIn {
  session: AccountSession;
  account: AccountRow;
  actor: StaffActor;
}

/** The signed-in staff member of a request that passed requireStaff. */
export const staffOf = (ctx: Koa.ParameterizedContext): StaffSignedIn => ctx.state.staff as StaffSignedIn;

// Leave a margin so that a sign-in just completed counts as recent for the whole window.
const signIn = firstPartySignIn({
  clientId: ADMIN_CONSOLE_CLIENT_ID, area: '/admin', callbackUri: adminCallbackUri, cookie: 'lk_admin_signin', failedView: 'admin/signin-failed',
  maxAge: ADMIN_REAUTH_SECONDS - 60,
});

/** Sends the browser to the authorization endpoint (password asked again when stale); it comes back to /admin/callback. */
export const startStaffSignIn = signIn.start;

/** GET /admin/callback. */
export const staffSignInCallback = signIn.callback;

/** True when the session's password entry is within the re-authentication window. */
export function isRecent(session: AccountSession, now = Date.now()): boolean {
  return session.loginTs !== undefined && now / 1000 - session.loginTs < ADMIN_REAUTH_SECONDS;
}

/**
 * Lets the request through only for a recently signed-in, active staff account (ctx.state.staff). Otherwise a
 * page view starts the sign-in (asking for the password again) and comes back; a form post goes to /admin,
 * which does the same. Signed-in accounts without a staff role get the 403 page.
 */
export function requireStaff(deps: RouteDeps): Middleware {
  return async function requireRecentStaffSignIn(ctx, next) {
    ctx.set('Cache-Control', 'no-store');
    const session = await readAccountSession(deps.provider, ctx);
    const account = session && await deps.services.accounts.findById(session.accountId);
    if (!session || !account || account.status !== 'active' || !isRecent(session)) {
      if (ctx.method === 'GET' || ctx.method === 'HEAD') return startStaffSignIn(deps, ctx, ctx.path);
      ctx.status = 303;
      return ctx.redirect(`${deps.config.mountPath}/admin`);
    }
    const actor = await deps.services.staff.actorFor(account.id, { ip: ctx.ip, userAgent: ctx.get('user-agent') || null });
    if (!actor) {
      deps.render(ctx, 'admin/forbidden', { email: account.email, signOutUrl: staffSignOutUrl(deps), notStaff: true }, 403);
      return;
    }
    ctx.state.staff = { session, account, actor } satisfies StaffSignedIn;
    await next();
  };
}

/** Lets the request through only when the staff member's roles allow the action (the matrix); else the 403 page. */
export function requireAction(deps: RouteDeps, action: StaffAction): Middleware {
  return async function requireStaffAction(ctx, next) {
    const { actor, account } = staffOf(ctx);
    if (!deps.services.staff.can(actor.staffRoles, action)) {
      deps.render(ctx, 'admin/forbidden', { email: account.email, signOutUrl: staffSignOutUrl(deps), notStaff: false, homeUrl: `${deps.config.mountPath}/admin` }, 403);
      return;
    }
    await next();
  };
}

/** RP-initiated logout of the console's client; oidc-provider asks to confirm, then comes back to /admin. */
export function staffSignOutUrl(deps: RouteDeps): string {
  const params = new URLSearchParams({ client_id: ADMIN_CONSOLE_CLIENT_ID, post_logout_redirect_uri: `${deps.config.issuer}/admin` });
  return `${deps.config.mountPath}/session/end?${params.toString()}`;
}
