// The Security page: password change, email change, active sessions and connected apps.
// Password and email changes re-check the current password (services/account-center/password.ts).
import type Koa from 'koa';
import type { Middleware } from 'koa';
import { NotFound } from '../../services/errors.js';
import type { RouteDeps } from '../route-deps.js';
import { accountPageLocals } from './profile.js';
import { field, formErrorOf, originOf, signedIn, type FormError } from './page.js';

const DONE = new Set(['password', 'email', 'email-cancelled', 'session', 'sessions', 'app']);

/** Renders the security page; `form` names the form an error belongs to. */
async function showSecurity(deps: RouteDeps, ctx: Koa.ParameterizedContext, options: { form?: 'password' | 'email'; error?: FormError; values?: Record<string, string>; status?: number } = {}) {
  const { account, session } = signedIn(ctx);
  const center = deps.services.accountCenter;
  const done = typeof ctx.query.done === 'string' && DONE.has(ctx.query.done) ? ctx.query.done : undefined;
  deps.render(ctx, 'account/security', {
    ...accountPageLocals(deps, ctx, 'security'),
    email: account.email,
    passwordChangedAt: account.password_changed_at,
    minPasswordLength: deps.services.accounts.passwordMinLength,
    pendingEmail: await center.openEmailChange(account.id),
    sessions: await center.listSessions(account.id, session.sessionUid),
    apps: await center.listApps(account.id),
    done,
    form: options.form,
    error: options.error,
    values: options.values ?? {},
  }, options.status ?? 200);
}

const redirectDone = (deps: RouteDeps, ctx: Koa.ParameterizedContext, done: string) => {
  ctx.status = 303;
  ctx.redirect(`${deps.config.mountPath}/account/security?done=${done}`);
};

/** GET /account/security */
export function securityPage(deps: RouteDeps): Middleware {
  return async function renderSecurity(ctx) {
    await showSecurity(deps, ctx);
  };
}

/** POST /account/password: current password, new password, "sign out everywhere else". */
export function passwordSubmission(deps: RouteDeps): Middleware {
  return async function changePassword(ctx) {
    const { account, session } = signedIn(ctx);
    try {
      await deps.services.accountCenter.changePassword(account.id, {
        currentPassword: field(ctx, 'current_password', 4096),
        newPassword: field(ctx, 'new_password', 4096),
        signOutOthers: field(ctx, 'sign_out_others') === 'on',
        currentSessionUid: session.sessionUid,
      }, originOf(ctx));
    } catch (err) {
      const error = formErrorOf(err, deps.render.translator(ctx), 'new_password', deps.services.accounts.passwordMinLength);
      if (!error) throw err;
      await showSecurity(deps, ctx, { form: 'password', error, status: (err as { status?: number }).status ?? 400 });
      return;
    }
    deps.mailer.notify();
    redirectDone(deps, ctx, 'password');
  };
}

/** POST /account/email: new address and current password; mails the verification and the notice. */
export function emailSubmission(deps: RouteDeps): Middleware {
  return async function requestEmailChange(ctx) {
    const { account } = signedIn(ctx);
    const newEmail = field(ctx, 'new_email', 320);
    try {
      await deps.services.accountCenter.requestEmailChange(account.id, { newEmail, currentPassword: field(ctx, 'current_password', 4096) }, originOf(ctx));
    } catch (err) {
      const error = formErrorOf(err, deps.render.translator(ctx), 'new_email');
      if (!error) throw err;
      await showSecurity(deps, ctx, { form: 'email', error, values: { new_email: newEmail }, status: (err as { status?: number }).status ?? 400 });
      return;
    }
    deps.mailer.notify();
    redirectDone(deps, ctx, 'email');
  };
}

/** POST /account/email/cancel: withdraws the open email change. */
export function emailCancelSubmission(deps: RouteDeps): Middleware {
  return async function cancelEmailChange(ctx) {
    await deps.services.accountCenter.cancelEmailChange(signedIn(ctx).account.id, originOf(ctx));
    redirectDone(deps, ctx, 'email-cancelled');
  };
}

/** POST /account/sessions/sign-out: one session (field `session`: its uid) of the signed-in account. */
export function sessionSignOutSubmission(deps: RouteDeps): Middleware {
  return async function signOutSession(ctx) {
    const { account, session } = signedIn(ctx);
    const uid = field(ctx, 'session', 200);
    // Another account's session uid is "no such session" (NotFound from the service).
    await deps.services.accountCenter.signOutSession(account.id, uid, originOf(ctx));
    if (uid === session.sessionUid) {
      ctx.status = 303;
      ctx.redirect(`${deps.config.mountPath}/account`);
      return;
    }
    redirectDone(deps, ctx, 'session');
  };
}

/** POST /account/sessions/sign-out-others */
export function otherSessionsSignOutSubmission(deps: RouteDeps): Middleware {
  return async function signOutOthers(ctx) {
    const { account, session } = signedIn(ctx);
    await deps.services.accountCenter.signOutOtherSessions(account.id, session.sessionUid, originOf(ctx));
    redirectDone(deps, ctx, 'sessions');
  };
}

/** POST /account/apps/revoke (field `client_id`) */
export function appRevokeSubmission(deps: RouteDeps): Middleware {
  return async function revokeApp(ctx) {
    const clientId = field(ctx, 'client_id', 200);
    if (!clientId) throw new NotFound('No such app.');
    await deps.services.accountCenter.revokeApp(signedIn(ctx).account.id, clientId, originOf(ctx));
    redirectDone(deps, ctx, 'app');
  };
}
