// The pages oidc-provider renders itself (logout confirmation, signed out, errors, not found), drawn with Latchkey's views.
import type { Middleware, ParameterizedContext } from 'koa';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Renderer } from '../web/render.js';
import { sharedRequestState } from '../web/request-state.js';

export interface ProviderPages {
  logoutSource(ctx: KoaContextWithOIDC, form: string): Promise<void>;
  postLogoutSuccessSource(ctx: KoaContextWithOIDC): Promise<void>;
  renderError(ctx: KoaContextWithOIDC, out: { error: string; error_description?: string }, error: Error): Promise<void>;
  /** oidc-provider middleware: a path no route answered gets the 404 page (or JSON for API callers), not plain text. */
  notFound: Middleware;
}

const titleKeyByError: Record<string, string> = {
  server_error: 'error.server',
  temporarily_unavailable: 'error.unavailable',
  invalid_request: 'error.bad_request',
};

/**
 * RP-initiated logout asks the user to confirm unless the client proved which session it ends: an
 * id_token_hint (signature checked by oidc-provider before this hook runs) naming the signed-in account.
 */
function hintNamesSessionAccount(ctx: KoaContextWithOIDC): boolean {
  const hint = ctx.oidc.entities.IdTokenHint as { payload?: { sub?: unknown } } | undefined;
  const accountId = ctx.oidc.session?.accountId;
  return typeof accountId === 'string' && hint?.payload?.sub === accountId;
}

/** Binds oidc-provider's page hooks to Latchkey's renderer. */
export function createProviderPages(render: Renderer): ProviderPages {
  function adopt(ctx: ParameterizedContext): void {
    Object.assign(ctx.state, sharedRequestState(ctx.req) ?? {});
  }
  return {
    async logoutSource(ctx, form) {
      adopt(ctx);
      render(ctx, 'logout', { form, clientName: ctx.oidc.client?.clientName, automatic: hintNamesSessionAccount(ctx) });
    },
    async postLogoutSuccessSource(ctx) {
      adopt(ctx);
      render(ctx, 'logged-out', { clientName: ctx.oidc.client?.clientName });
    },
    async renderError(ctx, out) {
      adopt(ctx);
      const status = ctx.status >= 400 ? ctx.status : 400;
      const t = render.translator(ctx);
      const key = titleKeyByError[out.error] ?? 'error.bad_request';
      const message = out.error === 'server_error' || out.error === 'temporarily_unavailable' ? t(key) : (out.error_description ?? out.error);
      render(ctx, 'error', { title: t(`${key}.title`), message, status, code: out.error }, status);
    },
    async notFound(ctx, next) {
      await next();
      if (ctx.status !== 404 || ctx.body != null) return;
      adopt(ctx);
      const t = render.translator(ctx);
      if (ctx.accepts('html', 'json') === 'json') {
        ctx.status = 404;
        ctx.body = { error: 'not_found', error_description: 'No such resource.' };
        return;
      }
      render(ctx, 'error', { title: t('error.not_found.title'), message: t('error.not_found'), status: 404 }, 404);
    },
  };
}
