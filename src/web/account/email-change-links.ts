// The pages behind the two email-change links: /email-change/verify (sent to the new address) and
// /email-change/not-me (sent to the old one). GET only shows a confirm button (mail scanners prefetch
// links); the POST uses the single-use link. Neither needs a signed-in browser: the link is the proof.
import type Koa from 'koa';
import type { Middleware } from 'koa';
import type { RouteDeps } from '../route-deps.js';
import { field, originOf } from './page.js';

type LinkKind = 'verify' | 'not-me';

const tokenOf = (value: unknown) => (typeof value === 'string' ? value.slice(0, 200) : '');

function showDeadLink(deps: RouteDeps, ctx: Koa.ParameterizedContext, kind: LinkKind) {
  deps.render(ctx, 'account/email-change', { kind, step: 'dead', accountUrl: `${deps.config.mountPath}/account`, forgotUrl: `${deps.config.mountPath}/forgot-password` }, 400);
}

/** GET /email-change/verify and /email-change/not-me: the confirm button for a live link. */
export function emailChangeLinkPage(deps: RouteDeps, kind: LinkKind): Middleware {
  return async function confirmEmailChangeLink(ctx) {
    ctx.set('Cache-Control', 'no-store');
    const token = tokenOf(ctx.query.token);
    const link = await deps.services.accountCenter.describeEmailChangeLink(kind, token);
    if (!link) return showDeadLink(deps, ctx, kind);
    deps.render(ctx, 'account/email-change', { kind, step: 'confirm', token, newEmail: link.newEmail, action: `${deps.config.mountPath}/email-change/${kind}` });
  };
}

/** POST /email-change/verify: applies the change (or holds it for approval). */
export function emailChangeVerifySubmission(deps: RouteDeps): Middleware {
  return async function verifyEmailChange(ctx) {
    const outcome = await deps.services.accountCenter.confirmEmailChange(field(ctx, 'token', 200), originOf(ctx));
    if (outcome.result === 'invalid') return showDeadLink(deps, ctx, 'verify');
    deps.render(ctx, 'account/email-change', {
      kind: 'verify', step: outcome.result, newEmail: outcome.newEmail, accountUrl: `${deps.config.mountPath}/account`,
    }, outcome.result === 'address-taken' ? 409 : 200);
  };
}

/** POST /email-change/not-me: cancels or reverts the change and locks the account until a password reset. */
export function emailChangeNotMeSubmission(deps: RouteDeps): Middleware {
  return async function reportNotMe(ctx) {
    const outcome = await deps.services.accountCenter.reportNotMe(field(ctx, 'token', 200), originOf(ctx));
    if (outcome.result === 'invalid') return showDeadLink(deps, ctx, 'not-me');
    deps.render(ctx, 'account/email-change', { kind: 'not-me', step: 'locked', forgotUrl: `${deps.config.mountPath}/forgot-password` });
  };
}
