// Gives every request an id (echoed as X-Request-Id), a CSP nonce and a locale, and logs one line
// per request: method, path without query (queries carry codes and hints), status, duration.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Middleware, ParameterizedContext } from 'koa';
import type { Logger } from '../../log/logger.js';
import { shareRequestState, type RequestState } from '../request-state.js';

export interface RequestContextOptions {
  logger: Logger;
  mountPath: string;
  negotiateLocale(candidates: { uiLocales?: string; cookie?: string; acceptLanguage?: string }): string;
}

const SAFE_REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;
export const LOCALE_COOKIE = 'lk_locale';
/** When the user last picked a language with the switcher (epoch seconds): a pick made during a sign-in wins over the app's ui_locales. */
export const LOCALE_CHOSEN_AT_COOKIE = 'lk_locale_at';

/** Sets ctx.state.{requestId, cspNonce, locale, mountPath, log} and logs the request when it ends. */
export function requestContext(options: RequestContextOptions): Middleware {
  return async function requestContextMiddleware(ctx, next) {
    const started = process.hrtime.bigint();
    // Read now: once the client has gone, the socket (and with it ctx.ip) may no longer exist.
    const ip = ctx.ip;
    const inbound = ctx.get('x-request-id');
    const requestId = SAFE_REQUEST_ID.test(inbound) ? inbound : randomUUID();
    const uiLocales = typeof ctx.query.ui_locales === 'string' ? ctx.query.ui_locales : undefined;
    const state: RequestState = {
      requestId,
      cspNonce: randomBytes(16).toString('base64'),
      locale: options.negotiateLocale({ uiLocales, cookie: ctx.cookies.get(LOCALE_COOKIE), acceptLanguage: ctx.get('accept-language') }),
      negotiateLocale: options.negotiateLocale,
      mountPath: options.mountPath,
    };
    Object.assign(ctx.state, state);
    ctx.state.log = options.logger.child({ requestId });
    shareRequestState(ctx.req, ctx.state as RequestState);
    ctx.set('X-Request-Id', requestId);
    try {
      await next();
    } finally {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const status = ctx.respond === false ? ctx.res.statusCode : ctx.status;
      // A 503 is a known state (database away), not a fault of this request: warn, not error.
      ctx.state.log[status === 503 ? 'warn' : status >= 500 ? 'error' : 'info']({ method: ctx.method, path: ctx.path, status, ms: Math.round(ms * 10) / 10, ip }, 'request');
    }
  };
}

/**
 * Inside a sign-in, the app's `ui_locales` (from the authorization request) comes first, unless the user
 * picked a language with the switcher after the sign-in started (`startedAt`, epoch seconds).
 */
export function applyUiLocales(ctx: ParameterizedContext, uiLocales: unknown, startedAt: number | undefined): void {
  const negotiate = ctx.state.negotiateLocale as RequestContextOptions['negotiateLocale'] | undefined;
  if (typeof uiLocales !== 'string' || !uiLocales.trim() || !negotiate) return;
  const chosenAt = Number(ctx.cookies.get(LOCALE_CHOSEN_AT_COOKIE));
  if (Number.isFinite(chosenAt) && startedAt !== undefined && chosenAt >= startedAt && ctx.cookies.get(LOCALE_COOKIE)) return;
  ctx.state.locale = negotiate({ uiLocales, cookie: ctx.cookies.get(LOCALE_COOKIE), acceptLanguage: ctx.get('accept-language') });
}
