// Signing in to one of Latchkey's own areas (the account center, the admin console): an ordinary
// authorization request of the area's built-in first-party client (code flow with PKCE and state, RFC 9700
// §2.1), so the person meets the unified login page, or nothing at all when already signed in (single
// sign-on). The state and return path travel in a signed, HttpOnly, SameSite cookie scoped to the area; the
// callback checks the state, discards the code and relies on the provider session, never on tokens.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type Koa from 'koa';
import type { Middleware } from 'koa';
import { discardAuthorizationCode, readAccountSession } from '../oidc/account-session.js';
import type { RouteDeps } from './route-deps.js';

export interface FirstPartySignInOptions {
  /** The area's built-in client. */
  clientId: string;
  /** The area's path ('/account', '/admin'): the cookie's path and the only place the callback returns to. */
  area: string;
  /** The redirect URI registered for the client. */
  callbackUri: (issuer: string) => string;
  cookie: string;
  /** The page shown when the callback cannot be trusted (cancelled, forged, cookies blocked). */
  failedView: string;
  /** max_age of the request (seconds): the login page asks for the password when the last entry is older. */
  maxAge?: number;
}

interface PendingSignIn {
  state: string;
  returnTo: string;
}

const COOKIE_SECONDS = 15 * 60;
const sameText = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** The sign-in start and callback of one area. */
export function firstPartySignIn(options: FirstPartySignInOptions) {
  const returnPath = new RegExp(`^${options.area}(?:/[a-z0-9-]+)*$`);
  const cookieOptions = (deps: RouteDeps) => (
    { signed: true, httpOnly: true, sameSite: 'lax' as const, secure: deps.csrf.secure, path: `${deps.config.mountPath}${options.area}`, overwrite: true }
  );

  function readPending(ctx: Koa.ParameterizedContext): PendingSignIn | undefined {
    const raw = ctx.cookies.get(options.cookie, { signed: true });
    if (!raw) return undefined;
    try {
      const value = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Partial<PendingSignIn>;
      return typeof value.state === 'string' && typeof value.returnTo === 'string' ? { state: value.state, returnTo: value.returnTo } : undefined;
    } catch {
      return undefined;
    }
  }

  return {
    /** Sends the browser to the authorization endpoint; it comes back to the area's callback, then to returnTo. */
    start(deps: RouteDeps, ctx: Koa.ParameterizedContext, returnTo: string): void {
      const state = randomBytes(32).toString('base64url');
      // PKCE is mandatory for public clients; the code is never redeemed, so the verifier is not kept.
      const challenge = createHash('sha256').update(randomBytes(32).toString('base64url')).digest('base64url');
      const pending: PendingSignIn = { state, returnTo: returnPath.test(returnTo) ? returnTo : options.area };
      ctx.cookies.set(options.cookie, Buffer.from(JSON.stringify(pending)).toString('base64url'), { ...cookieOptions(deps), maxAge: COOKIE_SECONDS * 1000 });
      const params = new URLSearchParams({
        client_id: options.clientId,
        response_type: 'code',
        redirect_uri: options.callbackUri(deps.config.issuer),
        scope: 'openid',
        state,
        code_challenge: challenge,
        code_challenge_method: 'S256',
      });
      if (options.maxAge !== undefined) params.set('max_age', String(options.maxAge));
      if (typeof ctx.state.locale === 'string') params.set('ui_locales', ctx.state.locale);
      ctx.redirect(`${deps.config.mountPath}/auth?${params.toString()}`);
    },

    /** GET <area>/callback: [checkState, discardCode, readSession, returnToPage]. */
    callback(deps: RouteDeps): Middleware {
      return async function finishSignIn(ctx) {
        const pending = readPending(ctx);
        ctx.cookies.set(options.cookie, null, cookieOptions(deps));
        const state = typeof ctx.query.state === 'string' ? ctx.query.state : '';
        const code = typeof ctx.query.code === 'string' ? ctx.query.code : '';
        const session = await readAccountSession(deps.provider, ctx);
        const ok = pending !== undefined && sameText(state, pending.state) && code !== '' && session !== undefined
          && await discardAuthorizationCode(deps.provider, code, options.clientId, session);
        if (!ok) {
          // Cancelled at the login page, an old or forged callback, or cookies blocked: offer a fresh start.
          deps.render(ctx, options.failedView, { retryUrl: `${deps.config.mountPath}${options.area}`, cancelled: ctx.query.error === 'access_denied' }, 400);
          return;
        }
        ctx.redirect(`${deps.config.mountPath}${pending.returnTo}`);
      };
    },
  };
}
