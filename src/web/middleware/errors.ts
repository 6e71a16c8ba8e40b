// The one error middleware: renders any error as OAuth-style JSON ({ error, error_description }) for
// API and JSON callers, or as the error page for browsers. Unexpected errors become a generic 500
// (logged with the request id; never a stack trace to the user).
import type { Middleware, ParameterizedContext } from 'koa';
import { DatabaseUnavailable } from '../../db/errors.js';
import { LatchkeyError } from '../../services/errors.js';
import type { Renderer } from '../render.js';

interface Rendered {
  status: number;
  code: string;
  message: string | undefined; // undefined: use the translated generic text
}

function describe(err: unknown): Rendered {
  if (err instanceof LatchkeyError && err.expose) return { status: err.status, code: err.code, message: err.message };
  if (err instanceof DatabaseUnavailable) return { status: 503, code: 'temporarily_unavailable', message: undefined };
  const e = err as { status?: unknown; expose?: unknown; message?: unknown };
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500 && e.expose === true) {
    return { status: e.status, code: e.status === 404 ? 'not_found' : 'invalid_request', message: typeof e.message === 'string' ? e.message : undefined };
  }
  return { status: 500, code: 'server_error', message: undefined };
}

const errorKey = (status: number, code: string) =>
  code === 'csrf_rejected' ? 'error.csrf' : code === 'session_expired' ? 'error.session_expired'
    : status === 404 ? 'error.not_found' : status === 403 ? 'error.forbidden' : status === 429 ? 'error.too_many_requests'
      : status === 503 ? 'error.unavailable' : status >= 500 ? 'error.server' : 'error.bad_request';

/** Wants JSON: API routes, or a client that prefers JSON over HTML. */
function wantsJson(ctx: ParameterizedContext): boolean {
  return ctx.path.startsWith('/api/') || ctx.accepts('html', 'json') === 'json';
}

/** Catches everything thrown below it and answers in the caller's format. */
export function errorHandler(render: Renderer): Middleware {
  return async function errorHandlerMiddleware(ctx, next) {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined && ctx.respond !== false) {
        const t = render.translator(ctx);
        if (wantsJson(ctx)) {
          ctx.status = 404;
          ctx.body = { error: 'not_found', error_description: 'No such resource.' };
        } else render(ctx, 'error', { title: t('error.not_found.title'), message: t('error.not_found'), status: 404 }, 404);
      }
    } catch (err) {
      const out = describe(err);
      if (out.status >= 500) ctx.state.log?.error({ err }, 'request failed');
      else ctx.state.log?.info({ code: out.code, status: out.status }, 'request rejected');
      const t = render.translator(ctx);
      const key = errorKey(out.status, out.code);
      const message = out.message ?? t(key);
      if (out.status === 503) ctx.set('Retry-After', '5');
      if (wantsJson(ctx)) {
        ctx.status = out.status;
        ctx.body = { error: out.code, error_description: message };
      } else {
        // Pages speak the user's language: known situations use their translated text.
        const localized = out.message === undefined || key === 'error.csrf' || key === 'error.session_expired' ? t(key) : out.message;
        render(ctx, 'error', { title: t(`${key}.title`), message: localized, status: out.status }, out.status);
      }
    }
  };
}
