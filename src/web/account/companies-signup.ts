// "I buy for a business" at sign-up (issue 5, item 2). The sign-up form's checkbox leaves a signed,
// HttpOnly, SameSite cookie in the browser; the first account-center visit after the account is
// verified and signed in consumes it and opens the company registration page. Nothing is stored
// server-side: the intent is a navigation hint, not a permission.
import type Koa from 'koa';
import type { Middleware } from 'koa';
import type { RouteDeps } from '../route-deps.js';

const COOKIE = 'lk_business_signup';
const COOKIE_SECONDS = 7 * 24 * 3600;

function cookieOptions(deps: RouteDeps) {
  return { signed: true, httpOnly: true, sameSite: 'lax' as const, secure: deps.csrf.secure, path: `${deps.config.mountPath}/account`, overwrite: true };
}

/** Remembers, in this browser, that the person signing up buys for a business. */
export function rememberBusinessIntent(deps: RouteDeps, ctx: Koa.ParameterizedContext): void {
  ctx.cookies.set(COOKIE, '1', { ...cookieOptions(deps), maxAge: COOKIE_SECONDS * 1000 });
}

/** GET /account (after requireAccount): a remembered business intent sends the person to company registration, once. */
export function businessSignupRedirect(deps: RouteDeps): Middleware {
  return async function continueBusinessSignup(ctx, next) {
    if (ctx.cookies.get(COOKIE, { signed: true }) !== '1') return next();
    ctx.cookies.set(COOKIE, null, cookieOptions(deps));
    ctx.redirect(`${deps.config.mountPath}/account/companies/register?welcome=1`);
  };
}
