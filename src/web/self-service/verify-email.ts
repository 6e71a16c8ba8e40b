// Email verification pages (issue 3, item 1). The mailed link's GET only shows a confirm button and its POST
// verifies: mail scanners that prefetch links must not use them up. The code form (email + 6 digits) fails
// the same way for a wrong, unknown or expired code and for an unknown email.
import type { Middleware, ParameterizedContext } from 'koa';
import type { VerifiedEmail } from '../../services/signup/index.js';
import type { RouteDeps } from '../route-deps.js';
import { findInteraction, formField, loginPageUrl, originOf, queryString } from './context.js';
import { renderCheckEmail } from './register.js';

/** The page for a link that is bad, used up or expired, with a way to get a new one. */
export function renderDeadLink(deps: RouteDeps, ctx: ParameterizedContext, kind: 'verify' | 'reset' | 'invitation') {
  const t = deps.render.translator(ctx);
  const mountPath = String(ctx.state.mountPath ?? '');
  const next = kind === 'verify'
    ? { href: `${mountPath}/account`, label: t('signup.dead_link.verify_action'), hint: t('signup.dead_link.verify_hint') }
    : { href: `${mountPath}/forgot-password`, label: t('signup.dead_link.reset_action'), hint: kind === 'reset' ? t('signup.dead_link.reset_hint') : t('signup.dead_link.invitation_hint') };
  ctx.set('Cache-Control', 'no-store');
  deps.render(ctx, 'link-expired', { ...next }, 410);
}

/** Renders "email verified" with the way to continue: back to the sign-in it started from, or the account center. */
export async function renderVerified(deps: RouteDeps, ctx: ParameterizedContext, verified: VerifiedEmail) {
  const interaction = await findInteraction(deps.provider, verified.interactionUid);
  deps.render(ctx, 'email-verified', {
    continueUrl: interaction ? loginPageUrl(ctx, interaction.uid, 'verified', verified.email) : `${ctx.state.mountPath}/account`,
    clientName: interaction?.clientName,
  });
}

/** GET /verify-email?token=T: a confirm button (nothing is used up yet). */
export function showVerification(deps: RouteDeps): Middleware {
  return async function showVerificationConfirm(ctx) {
    const token = queryString(ctx, 'token');
    const account = await deps.services.signup.peekVerification(token);
    if (!account) return renderDeadLink(deps, ctx, 'verify');
    ctx.set('Cache-Control', 'no-store');
    deps.render(ctx, 'verify-email', { action: `${ctx.state.mountPath}/verify-email`, token, email: account.email });
  };
}

/** POST /verify-email: [parseForm, csrf, verify] */
export function submitVerification(deps: RouteDeps): Middleware {
  return async function verifyByLink(ctx) {
    const verified = await deps.services.signup.verifyByLink(formField(ctx, 'token', 128), originOf(ctx));
    if (!verified) return renderDeadLink(deps, ctx, 'verify');
    await renderVerified(deps, ctx, verified);
  };
}

/** POST /verify-email/code: [parseForm, csrf, verify] (the "check your email" page's form). */
export function submitVerificationCode(deps: RouteDeps): Middleware {
  return async function verifyByCode(ctx) {
    const email = formField(ctx, 'email', 320).trim();
    const verified = await deps.services.signup.verifyByCode({ email }, formField(ctx, 'code', 32), originOf(ctx));
    if (!verified) return renderCheckEmail(deps, ctx, email, deps.render.translator(ctx)('signup.code.invalid'));
    await renderVerified(deps, ctx, verified);
  };
}
