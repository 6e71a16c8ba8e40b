// Security rule (issue 4, item 5; OWASP ASVS V2.5, V3.x): the held first sign-in with a password from a
// legacy source that never verified addresses. After the RIGHT password (so the page reveals nothing to someone
// guessing), the login waits on the "verify your email" page for the mailed code, or for the mailed link opened
// in the same browser. The hold lives server-side (src/services/legacy/mailbox-proof.ts); this browser holds
// only a random secret in a signed, HttpOnly cookie scoped to the interaction. No session, profile or token
// exists until the proof locks the password in.
import type { Middleware, ParameterizedContext } from 'koa';
import type Provider from 'oidc-provider';
import type { LatchkeyServices } from '../../services/index.js';
import type { PendingLegacyLockIn } from '../../services/legacy/lock-in.js';
import { HOLD_SECONDS, type ProofResult } from '../../services/legacy/mailbox-proof.js';
import { clientView, loadInteraction, type InteractionState } from '../interactions/details.js';
import type { Renderer } from '../render.js';
import type { RouteDeps } from '../route-deps.js';
import { formField, originOf, queryString } from './context.js';

const COOKIE = 'lk_legacy_sign_in';

const cookiePath = (ctx: ParameterizedContext, uid: string) => `${ctx.state.mountPath ?? ''}/interaction/${uid}`;
const cookieOptions = (ctx: ParameterizedContext, uid: string, maxAge: number) => ({
  signed: true, httpOnly: true, sameSite: 'lax' as const, secure: ctx.secure, path: cookiePath(ctx, uid), maxAge, overwrite: true,
});

/** The browser secret of this interaction's hold, if the cookie is there. */
const browserSecret = (ctx: ParameterizedContext): string | undefined => ctx.cookies.get(COOKIE, { signed: true }) || undefined;
const forget = (ctx: ParameterizedContext, uid: string) => ctx.cookies.set(COOKIE, '', cookieOptions(ctx, uid, 0));

const originFor = (ctx: ParameterizedContext, interaction: InteractionState) =>
  originOf(ctx, { uid: interaction.uid, clientId: interaction.client.clientId, clientName: interaction.client.name });

type PageState = { kind: 'code'; email: string; error?: string; info?: string } | { kind: 'restart'; error: string } | { kind: 'elsewhere' };

/** The held-login page (shared with the verified-email gate): code form and resend, or why to start again. */
function renderLegacyGate(render: Renderer, ctx: ParameterizedContext, interaction: InteractionState, state: PageState) {
  const t = render.translator(ctx);
  const base = `${ctx.state.mountPath ?? ''}/interaction/${interaction.uid}`;
  ctx.set('Cache-Control', 'no-store');
  const common = { client: clientView(interaction.client), email: '', codeAction: `${base}/verify-email/code`, resendAction: `${base}/verify-email/resend` };
  if (state.kind === 'code') {
    return render(ctx, 'verify-before-login', {
      ...common, email: state.email, error: state.error, info: state.info,
      intro: t('legacy_sign_in.gate.text', { email: state.email, client: interaction.client.name }),
    }, state.error ? 400 : 200);
  }
  if (state.kind === 'restart') return render(ctx, 'verify-before-login', { ...common, error: state.error, restartUrl: base }, 400);
  return render(ctx, 'verify-before-login', { ...common, noForms: true, intro: t('legacy_sign_in.link.elsewhere') }, 400);
}

/**
 * Called by the login step when the right password came from an unverified legacy source: stores the hold,
 * mails the code and link, and shows the code page. Nothing else happens until the proof.
 */
export async function holdLegacySignIn(deps: { services: LatchkeyServices; render: Renderer }, ctx: ParameterizedContext, interaction: InteractionState, pending: PendingLegacyLockIn): Promise<void> {
  const { browserSecret: secret } = await deps.services.legacyMailboxProof.hold(pending, interaction.uid, originFor(ctx, interaction));
  // Rate limited (no hold): the same page; a cookie-less code post falls to the verified-email gate, which sends it back to the sign-in.
  if (secret) ctx.cookies.set(COOKIE, secret, cookieOptions(ctx, interaction.uid, HOLD_SECONDS * 1000));
  renderLegacyGate(deps.render, ctx, interaction, { kind: 'code', email: pending.email });
}

/** What a proof's outcome shows: the login finishes, the code page again, or "sign in again". */
async function answer(deps: RouteDeps, ctx: ParameterizedContext, interaction: InteractionState, result: ProofResult, email: string): Promise<void> {
  const t = deps.render.translator(ctx);
  if (result.outcome === 'wrong') return renderLegacyGate(deps.render, ctx, interaction, { kind: 'code', email, error: t('signup.code.invalid') });
  forget(ctx, interaction.uid);
  if (result.outcome === 'start-again') return renderLegacyGate(deps.render, ctx, interaction, { kind: 'restart', error: t('legacy_sign_in.gate.expired') });
  if (result.outcome === 'password-set') return renderLegacyGate(deps.render, ctx, interaction, { kind: 'restart', error: t('legacy_sign_in.gate.password_set') });
  await deps.services.audit.record({
    accountId: result.accountId, type: 'login.succeeded', clientId: interaction.client.clientId, ip: ctx.ip, userAgent: ctx.get('user-agent'),
    data: { after: 'legacy-mailbox-proof', source: result.source },
  });
  await deps.provider.interactionFinished(ctx.req, ctx.res, { login: { accountId: result.accountId, amr: ['pwd'], remember: true } }, { mergeWithLastSubmission: false });
  ctx.respond = false;
}

/** Runs `handle` when this browser holds a first sign-in in this interaction; otherwise the verified-email gate's steps. */
function whenLegacyHold(deps: RouteDeps, handle: (ctx: ParameterizedContext, interaction: InteractionState, secret: string, email: string) => Promise<void>): Middleware {
  return async function legacyHoldFirst(ctx, next) {
    const interaction = ctx.state.interaction as InteractionState;
    const secret = browserSecret(ctx);
    if (!secret) return next();
    const held = interaction.prompt === 'login' ? await deps.services.legacyMailboxProof.held(secret, interaction.uid) : undefined;
    if (!held) {
      forget(ctx, interaction.uid);
      return renderLegacyGate(deps.render, ctx, interaction, { kind: 'restart', error: deps.render.translator(ctx)('legacy_sign_in.gate.expired') });
    }
    await handle(ctx, interaction, secret, held.email);
  };
}

/** POST /interaction/:uid/verify-email/code with a legacy hold: the mailed code proves the mailbox. */
export function legacyCode(deps: RouteDeps): Middleware {
  return whenLegacyHold(deps, async (ctx, interaction, secret, email) => {
    const result = await deps.services.legacyMailboxProof.proveByCode(secret, interaction.uid, formField(ctx, 'code', 32), originFor(ctx, interaction));
    await answer(deps, ctx, interaction, result, email);
  });
}

/** POST /interaction/:uid/verify-email/resend with a legacy hold: a new code and link (rate limited, same answer). */
export function legacyResend(deps: RouteDeps): Middleware {
  return whenLegacyHold(deps, async (ctx, interaction, secret, email) => {
    await deps.services.legacyMailboxProof.resend(secret, interaction.uid, originFor(ctx, interaction));
    deps.mailer.notify();
    renderLegacyGate(deps.render, ctx, interaction, { kind: 'code', email, info: deps.render.translator(ctx)('signup.gate.resent', { email }) });
  });
}

/**
 * GET /interaction/:uid/verify-email/link?token=: the mailed link. In the browser that typed the password it
 * finishes the sign-in; anywhere else it changes nothing and says where to use it (so a victim clicking the
 * link of an attacker's attempt does not let the attacker in).
 */
export function legacyLink(deps: RouteDeps & { provider: Provider }): Middleware[] {
  const interaction = loadInteraction(deps.provider);
  const elsewhere: Middleware = async function linkOnlyInItsBrowser(ctx, next) {
    const uid = String((ctx.params as { uid?: string }).uid ?? '');
    const secret = browserSecret(ctx);
    if (secret && (await deps.services.legacyMailboxProof.held(secret, uid))) return next();
    ctx.set('Cache-Control', 'no-store');
    const t = deps.render.translator(ctx);
    deps.render(ctx, 'verify-before-login', {
      client: { name: t('app.name') }, email: '', codeAction: '', resendAction: '', noForms: true, intro: t('legacy_sign_in.link.elsewhere'),
    }, 400);
  };
  const finishWithLink: Middleware = async function finishWithLink(ctx) {
    const interaction = ctx.state.interaction as InteractionState;
    const secret = browserSecret(ctx)!;
    const held = await deps.services.legacyMailboxProof.held(secret, interaction.uid);
    if (!held || interaction.prompt !== 'login') return renderLegacyGate(deps.render, ctx, interaction, { kind: 'restart', error: deps.render.translator(ctx)('legacy_sign_in.gate.expired') });
    const result = await deps.services.legacyMailboxProof.proveByLink(secret, interaction.uid, queryString(ctx, 'token').slice(0, 128), originFor(ctx, interaction));
    await answer(deps, ctx, interaction, result.outcome === 'wrong' ? { outcome: 'wrong' } : result, held.email);
  };
  return [elsewhere, interaction, finishWithLink];
}
