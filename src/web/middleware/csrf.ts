// CSRF protection for Latchkey's own forms (OWASP CSRF Prevention Cheat Sheet: signed double-submit
// cookie, plus the SameSite cookie attribute and an Origin check as defence in depth).
// The token is an HMAC of a random per-browser secret held in a signed, HttpOnly, SameSite cookie.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Middleware } from 'koa';
import { CsrfRejected } from '../errors.js';

const COOKIE = 'lk_csrf';

export interface CsrfOptions {
  /** Key for the token HMAC (the newest cookie key). */
  key: string;
  /** Origin of the issuer; form posts carrying another Origin header are refused. */
  origin: string;
  secure: boolean;
  cookiePath: string;
}

function tokenFor(key: string, secret: string): string {
  return createHmac('sha256', key).update(`csrf:${secret}`).digest('base64url');
}

/** Ensures the browser has a CSRF secret and exposes the matching token as ctx.state.csrfToken. */
export function csrfToken(options: CsrfOptions): Middleware {
  return async function csrfTokenMiddleware(ctx, next) {
    // A Secure cookie cannot be set on a plain-http request (an https issuer reached directly, or behind a
    // proxy that is not trusted): such requests get no token, so their form posts are refused, instead
    // of every endpoint failing with a 500.
    if (options.secure && !ctx.secure) return next();
    let secret = ctx.cookies.get(COOKIE, { signed: true });
    if (!secret || !/^[A-Za-z0-9_-]{43}$/.test(secret)) {
      secret = randomBytes(32).toString('base64url');
      ctx.cookies.set(COOKIE, secret, { signed: true, httpOnly: true, sameSite: 'lax', secure: options.secure, path: options.cookiePath || '/', overwrite: true });
    }
    ctx.state.csrfSecret = secret;
    ctx.state.csrfToken = tokenFor(options.key, secret);
    await next();
  };
}

/** Rejects a form post whose _csrf field does not match the browser's secret (runs after parseForm). */
export function verifyCsrf(options: CsrfOptions): Middleware {
  return async function verifyCsrfMiddleware(ctx, next) {
    const origin = ctx.get('origin');
    if (origin && origin !== 'null' && origin !== options.origin) throw new CsrfRejected();
    const secret = ctx.cookies.get(COOKIE, { signed: true });
    const sent = String((ctx.state.form as Record<string, string> | undefined)?._csrf ?? '');
    if (!secret) throw new CsrfRejected();
    const expected = Buffer.from(tokenFor(options.key, secret));
    const actual = Buffer.from(sent);
    if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) throw new CsrfRejected();
    await next();
  };
}
