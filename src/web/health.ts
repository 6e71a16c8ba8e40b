// Liveness (/healthz: the process serves) and readiness (/readyz: the database answers).
import type { Middleware } from 'koa';
import type { Database } from '../db/types.js';

/** Answers /healthz and /readyz; passes every other request on. */
export function healthRoutes(db: Database): Middleware {
  return async function healthMiddleware(ctx, next) {
    if (ctx.path === '/healthz' && (ctx.method === 'GET' || ctx.method === 'HEAD')) {
      ctx.set('Cache-Control', 'no-store');
      ctx.body = { status: 'ok' };
      return;
    }
    if (ctx.path === '/readyz' && (ctx.method === 'GET' || ctx.method === 'HEAD')) {
      ctx.set('Cache-Control', 'no-store');
      try {
        await Promise.race([db.ping(), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 3000).unref())]);
        ctx.body = { status: 'ready', database: 'ok' };
      } catch {
        ctx.status = 503;
        ctx.body = { status: 'unavailable', database: 'unreachable' };
      }
      return;
    }
    await next();
  };
}
