// Signing in to the account center: an ordinary authorization request of the built-in first-party client
// (code flow with PKCE and state, RFC 9700 §2.1), so the person meets the unified login page, or nothing
// at all when already signed in (single sign-on). The state and return path travel in a signed, HttpOnly,
// SameSite cookie; the callback checks the state, discards the code and reads the provider session.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type Koa from 'koa';
import type { Middleware } from 'koa';
import { discardAuthorizationCode, readAccountSession } from '../../oidc/account-session.js';
import type { RouteDeps } from '../route-deps.js';
import { ACCOUNT_CENTER_CLIENT_ID, accountCallbackUri } from './client.js';
import { originOf, type SignedIn } from './page.js';

const COOKIE = 'lk_account_signin';
const COOKIE_SECONDS = 15 * 60;
const RETURN_PATH = /^\/account(?:\/[a-z-]+)*$/;

interface PendingSignIn {
  state: string;
  returnTo: string;
}

function cookieOptions(deps: RouteDeps) {
  return { signed: true, httpOnly: true, sameSite: 'lax' as const, secure: deps.csrf.secure, path: `${deps.config.mountPath}/account`, overwrite: true };
}

/** Sends the browser to the authorization endpoint; it comes back to /account/callback. */
export function startSignIn(deps: RouteDeps, ctx: Koa.ParameterizedContext, returnTo: string): void {
  const state = randomBytes(32).toString('base64url');
  // PKCE is mandatory for public clients; the code is never redeemed, so the verifier is not kept.
  const challenge = createHash('sha256').update(randomBytes(32).toString('base64url')).digest('base64url');
  const pending: PendingSignIn = { state, returnTo: RETURN_PATH.test(returnTo) ? returnTo : '/account' };
  ctx.cookies.set(COOKIE, Buffer.from(JSON.stringify(pending)).toString('base64url'), { ...cookieOptions(deps), maxAge: COOKIE_SECONDS * 1000 });
  const params = new URLSearchParams({
    client_id: ACCOUNT_CENTER_CLIENT_ID,
    response_type: 'code',
    redirect_uri: accountCallbackUri(deps.config.issuer),
    scope: 'openid',
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  if (typeof ctx.state.locale === 'string') params.set('ui_locales', ctx.state.locale);
  ctx.redirect(`${deps.config.mountPath}/auth?${params.toString()}`);
}

function readPending(ctx: Koa.ParameterizedContext): PendingSignIn | undefined {
  const raw = ctx.cookies.get(COOKIE, { signed: true });
  if (!raw) return undefined;
  try {
    const value = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Partial<PendingSignIn>;
    return typeof value.state === 'string' && typeof value.returnTo === 'string' ? { state: value.state, returnTo: value.returnTo } : undefined;
  } catch {
    return undefined;
  }
}

const sameText = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** GET /account/callback: [checkState, discardCode, readSession, returnToPage]. */
export function signInCallback(deps: RouteDeps): Middleware {
  return async function finishSignIn(ctx) {
    const pending = readPending(ctx);
    ctx.cookies.set(COOKIE, null, cookieOptions(deps));
    const state = typeof ctx.query.state === 'string' ? ctx.query.state : '';
    const code = typeof ctx.query.code === 'string' ? ctx.query.code : '';
    const session = await readAccountSession(deps.provider, ctx);
    const ok = pending !== undefined && sameText(state, pending.state) && code !== '' && session !== undefined
      && await discardAuthorizationCode(deps.provider, code, ACCOUNT_CENTER_CLIENT_ID, session);
    if (!ok) {
      // Cancelled at the login page, an old or forged callback, or cookies blocked: offer a fresh start.
      deps.render(ctx, 'account/signin-failed', { retryUrl: `${deps.config.mountPath}/account`, cancelled: ctx.query.error === 'access_denied' }, 400);
      return;
    }
    ctx.redirect(`${deps.config.mountPath}${pending.returnTo}`);
  };
}

/**
 * Lets the request through only for a browser signed in to an active account (ctx.state.account);
 * otherwise a page view starts the sign-in and comes back, and a form post goes to /account.
 */
export function requireAccount(deps: RouteDeps): Middleware {
  return async function requireSignedInAccount(ctx, next) {
    const session = await readAccountSession(deps.provider, ctx);
    const account = session && await deps.services.accounts.findById(session.accountId);
    if (!session || !account || account.status !== 'active') {
      if (ctx.method === 'GET' || ctx.method === 'HEAD') return startSignIn(deps, ctx, ctx.path);
      ctx.status = 303;
      return ctx.redirect(`${deps.config.mountPath}/account`);
    }
    ctx.state.account = { session, account } satisfies SignedIn;
    if (ctx.method === 'GET') await deps.services.accountCenter.recordSessionDevice(account.id, session.sessionUid, originOf(ctx));
    ctx.set('Cache-Control', 'no-store');
    await next();
  };
}
