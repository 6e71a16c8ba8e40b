// Forgotten password and invitation pages (issue 3, items 2, 10). /forgot-password answers the same page for
// any address (no enumeration). /reset-password and /invitation: GET looks at the link without using it and
// shows the new-password form; POST checks the policy first (a refused password keeps the link usable), then
// uses the link and sets the password in one transaction.
import type { Middleware, ParameterizedContext } from 'koa';
import type { OpenLink, PasswordSet } from '../../services/recovery/index.js';
import type { RouteDeps } from '../route-deps.js';
import { findInteraction, formField, loginPageUrl, originOf, queryString } from './context.js';
import { fieldErrorOf, type FieldError } from './messages.js';
import { renderDeadLink } from './verify-email.js';

const MAX_EMAIL = 320;

/** GET /forgot-password[?interaction=uid] */
export function showForgotPassword(deps: RouteDeps): Middleware {
  return async function showForgotPasswordForm(ctx) {
    const interaction = await findInteraction(deps.provider, queryString(ctx, 'interaction'));
    deps.render(ctx, 'forgot-password', {
      action: `${ctx.state.mountPath}/forgot-password`,
      interaction: interaction?.uid ?? '',
      backUrl: interaction ? `${ctx.state.mountPath}/interaction/${interaction.uid}` : undefined,
      email: queryString(ctx, 'email').slice(0, MAX_EMAIL),
    });
  };
}

/** POST /forgot-password: [parseForm, csrf, request] — the same "check your email" page whatever happened. */
export function submitForgotPassword(deps: RouteDeps): Middleware {
  return async function requestReset(ctx) {
    const interaction = await findInteraction(deps.provider, formField(ctx, 'interaction', 64));
    const email = formField(ctx, 'email', MAX_EMAIL).trim();
    await deps.services.recovery.requestReset(email, originOf(ctx, interaction));
    deps.mailer.notify();
    deps.render(ctx, 'forgot-password-sent', { email });
  };
}

type LinkKind = 'reset' | 'invitation';

/** Renders the new-password form of a live link (with the refused value's message next to its field). */
function renderSetPassword(deps: RouteDeps, ctx: ParameterizedContext, kind: LinkKind, token: string, open: OpenLink, values: { name: string }, error?: FieldError) {
  ctx.set('Cache-Control', 'no-store');
  deps.render(ctx, kind === 'reset' ? 'reset-password' : 'invitation', {
    action: `${ctx.state.mountPath}/${kind === 'reset' ? 'reset-password' : 'invitation'}`,
    token,
    email: open.account.email,
    askName: kind === 'invitation' && !open.account.name,
    name: values.name,
    minLength: deps.services.accounts.passwordMinLength,
    error,
  }, error ? 400 : 200);
}

/** Renders "your password is set" with the way on: back to the sign-in it started from, or the account center. */
async function renderPasswordSet(deps: RouteDeps, ctx: ParameterizedContext, kind: LinkKind, done: PasswordSet) {
  const interaction = await findInteraction(deps.provider, done.interactionUid);
  deps.render(ctx, 'password-set', {
    kind,
    continueUrl: interaction ? loginPageUrl(ctx, interaction.uid, 'password-set', done.email) : `${ctx.state.mountPath}/account`,
    clientName: interaction?.clientName,
  });
}

const peek = (deps: RouteDeps, kind: LinkKind, token: string) =>
  kind === 'reset' ? deps.services.recovery.peekReset(token) : deps.services.recovery.peekInvitation(token);

/** GET /reset-password?token=T or /invitation?token=T: the form, if the link is alive. */
export function showSetPassword(deps: RouteDeps, kind: LinkKind): Middleware {
  return async function showSetPasswordForm(ctx) {
    const token = queryString(ctx, 'token');
    const open = await peek(deps, kind, token);
    if (!open) return renderDeadLink(deps, ctx, kind);
    renderSetPassword(deps, ctx, kind, token, open, { name: '' });
  };
}

/** POST /reset-password or /invitation: [parseForm, csrf, set] */
export function submitSetPassword(deps: RouteDeps, kind: LinkKind): Middleware {
  return async function setPassword(ctx) {
    const token = formField(ctx, 'token', 128);
    const password = formField(ctx, 'password', 4096);
    const name = formField(ctx, 'name', 400);
    let done: PasswordSet | undefined;
    try {
      done = kind === 'reset'
        ? await deps.services.recovery.resetPassword(token, password, originOf(ctx))
        : await deps.services.recovery.acceptInvitation(token, { password, name }, originOf(ctx));
    } catch (err) {
      const error = fieldErrorOf(err, deps.render.translator(ctx), deps.services.accounts.passwordMinLength);
      const open = error && (await peek(deps, kind, token));
      if (!error) throw err;
      if (!open) return renderDeadLink(deps, ctx, kind);
      return renderSetPassword(deps, ctx, kind, token, open, { name }, error);
    }
    if (!done) return renderDeadLink(deps, ctx, kind);
    deps.mailer.notify();
    await renderPasswordSet(deps, ctx, kind, done);
  };
}
