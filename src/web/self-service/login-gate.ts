// The verified-email gate of the login (issue 3, item 1; LATCHKEY_REQUIRE_VERIFIED_EMAIL): after a CORRECT
// password for an unverified address the login is held, and the page offers the mailed code and a new link.
// Shown only after the password was right, so it reveals nothing to someone guessing emails. That the
// password was proven is remembered in a signed, HttpOnly cookie bound to the interaction and the account,
// so the code form finishes the login only for the browser that typed the password (password + mailbox).
// The same page and posts serve a first sign-in held for a mailbox proof (issue 4, item 5: ./legacy-gate.ts).
import type { Middleware, ParameterizedContext } from 'koa';
import type Provider from 'oidc-provider';
import type { AccountRow } from '../../services/accounts/index.js';
import type { LatchkeyServices } from '../../services/index.js';
import type { InteractionState } from '../interactions/details.js';
import { clientView } from '../interactions/details.js';
import type { Renderer } from '../render.js';
import type { RouteDeps } from '../route-deps.js';
import { formField, originOf } from './context.js';
import { legacyCode, legacyLink, legacyResend } from './legacy-gate.js';

const COOKIE = 'lk_pending_verification';
/** How long the held login waits for the code (the interaction itself may end sooner). */
const HOLD_SECONDS = 3600;

const cookiePath = (ctx: ParameterizedContext, uid: string) => `${ctx.state.mountPath ?? ''}/interaction/${uid}`;

function remember(ctx: ParameterizedContext, uid: string, accountId: string) {
  const until = Math.floor(Date.now() / 1000) + HOLD_SECONDS;
  ctx.cookies.set(COOKIE, `${uid}.${accountId}.${until}`, {
    signed: true, httpOnly: true, sameSite: 'lax', secure: ctx.secure, path: cookiePath(ctx, uid), maxAge: HOLD_SECONDS * 1000, overwrite: true,
  });
}

/** The account whose password this browser proved in this interaction, if any. */
function heldAccount(ctx: ParameterizedContext, uid: string): string | undefined {
  const value = ctx.cookies.get(COOKIE, { signed: true });
  const [cookieUid, accountId, until] = (value ?? '').split('.');
  if (cookieUid !== uid || !accountId || !(Number(until) > Date.now() / 1000)) return undefined;
  return accountId;
}

function forget(ctx: ParameterizedContext, uid: string) {
  ctx.cookies.set(COOKIE, '', { signed: true, httpOnly: true, sameSite: 'lax', secure: ctx.secure, path: cookiePath(ctx, uid), maxAge: 0, overwrite: true });
}

/** The held-login page: code form, resend button, and an optional message (sent again, or a wrong code). */
function renderGate(render: Renderer, ctx: ParameterizedContext, interaction: InteractionState, email: string, message?: { kind: 'error' | 'info'; text: string }) {
  const base = `${ctx.state.mountPath}/interaction/${interaction.uid}/verify-email`;
  ctx.set('Cache-Control', 'no-store');
  render(ctx, 'verify-before-login', {
    client: clientView(interaction.client),
    email,
    codeAction: `${base}/code`,
    resendAction: `${base}/resend`,
    error: message?.kind === 'error' ? message.text : undefined,
    info: message?.kind === 'info' ? message.text : undefined,
  }, message?.kind === 'error' ? 400 : 200);
}

/**
 * Called by the login step after a correct password: true when the login must wait for the email to be
 * verified (the page has been rendered), false to finish the login now.
 */
export async function holdUnverifiedLogin(deps: { services: LatchkeyServices; render: Renderer }, ctx: ParameterizedContext, interaction: InteractionState, account: AccountRow): Promise<boolean> {
  if (!deps.services.signup.mustVerifyBeforeLogin(account)) return false;
  remember(ctx, interaction.uid, account.id);
  await deps.services.audit.record({ accountId: account.id, type: 'login.unverified_email', clientId: interaction.client.clientId, ip: ctx.ip, userAgent: ctx.get('user-agent') });
  renderGate(deps.render, ctx, interaction, account.email);
  return true;
}

/** Loads the account this browser proved the password of in ctx.state.interaction; otherwise back to the login page. */
function requireHeldAccount(deps: RouteDeps): Middleware {
  return async function requireHeldAccountMiddleware(ctx, next) {
    const interaction = ctx.state.interaction as InteractionState;
    const accountId = heldAccount(ctx, interaction.uid);
    const account = accountId && interaction.prompt === 'login' ? await deps.services.accounts.findById(accountId) : undefined;
    if (!account || account.status !== 'active') {
      ctx.redirect(`${ctx.state.mountPath}/interaction/${interaction.uid}`);
      return;
    }
    ctx.state.heldAccount = account;
    await next();
  };
}

/** POST /interaction/:uid/verify-email/code: the code finishes the held login. */
function submitGateCode(deps: RouteDeps & { provider: Provider }): Middleware {
  return async function finishWithCode(ctx) {
    const interaction = ctx.state.interaction as InteractionState;
    const account = ctx.state.heldAccount as AccountRow;
    const verified = await deps.services.signup.verifyByCode({ accountId: account.id }, formField(ctx, 'code', 32), originOf(ctx, {
      uid: interaction.uid, clientId: interaction.client.clientId, clientName: interaction.client.name,
    }));
    if (!verified) return renderGate(deps.render, ctx, interaction, account.email, { kind: 'error', text: deps.render.translator(ctx)('signup.code.invalid') });
    forget(ctx, interaction.uid);
    await deps.services.audit.record({ accountId: account.id, type: 'login.succeeded', clientId: interaction.client.clientId, ip: ctx.ip, userAgent: ctx.get('user-agent'), data: { after: 'email-verification' } });
    await deps.provider.interactionFinished(ctx.req, ctx.res, {
      login: { accountId: account.id, amr: ['pwd'], remember: true },
    }, { mergeWithLastSubmission: false });
    ctx.respond = false;
  };
}

/** POST /interaction/:uid/verify-email/resend: a new link and code (the old ones die), rate limited. */
function submitGateResend(deps: RouteDeps): Middleware {
  return async function resendVerification(ctx) {
    const interaction = ctx.state.interaction as InteractionState;
    const account = ctx.state.heldAccount as AccountRow;
    await deps.services.signup.resendVerification(account.id, originOf(ctx, {
      uid: interaction.uid, clientId: interaction.client.clientId, clientName: interaction.client.name,
    }));
    deps.mailer.notify();
    // The same answer when rate limited: the mail may just be slow; the message says to wait before retrying.
    renderGate(deps.render, ctx, interaction, account.email, { kind: 'info', text: deps.render.translator(ctx)('signup.gate.resent', { email: account.email }) });
  };
}

/**
 * The two posts of the held-login page, each after [parseForm, csrf, loadInteraction], and the mailed link of a
 * held first sign-in (after noStore). A legacy first sign-in's hold (./legacy-gate.ts) is handled first.
 */
export function loginGateHandlers(deps: RouteDeps) {
  return {
    code: [legacyCode(deps), requireHeldAccount(deps), submitGateCode(deps)],
    resend: [legacyResend(deps), requireHeldAccount(deps), submitGateResend(deps)],
    link: legacyLink(deps),
  };
}
