// Security headers on every response (OWASP ASVS V14.4, OWASP Secure Headers): a strict CSP with
// per-request script nonces and frame-ancestors 'none' (no clickjacking), nosniff, no referrer
// (authorization URLs carry state), HSTS when the issuer is https.
import type { Middleware } from 'koa';

/** Sets the security headers; hsts when the issuer is served over https. */
export function securityHeaders(options: { hsts: boolean }): Middleware {
  return async function securityHeadersMiddleware(ctx, next) {
    const nonce = String(ctx.state.cspNonce ?? '');
    ctx.set('Content-Security-Policy', [
      "default-src 'self'",
      `script-src 'self' 'nonce-${nonce}'`,
      "style-src 'self'",
      "img-src 'self' https: data:",
      "connect-src 'self'",
      "font-src 'self'",
      "object-src 'none'",
      "base-uri 'none'",
      "frame-ancestors 'none'",
    ].join('; '));
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('X-Frame-Options', 'DENY');
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.set('Cross-Origin-Opener-Policy', 'same-origin');
    ctx.set('Permissions-Policy', 'camera=(), microphone=(), geolocation=(), payment=()');
    if (options.hsts) ctx.set('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    await next();
  };
}
