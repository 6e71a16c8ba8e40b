// The pages oidc-provider renders itself (logout confirmation, signed out, errors), drawn with Latchkey's views.
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Renderer } from '../web/render.js';
import { sharedRequestState } from '../web/request-state.js';

export interface ProviderPages {
  logoutSource(ctx: KoaContextWithOIDC, form: string): Promise<void>;
  postLogoutSuccessSource(ctx: KoaContextWithOIDC): Promise<void>;
  renderError(ctx: KoaContextWithOIDC, out: { error: string; error_description?: string }, error: Error): Promise<void>;
}

const titleKeyByError: Record<string, string> = {
  server_error: 'error.server',
  temporarily_unavailable: 'error.unavailable',
  invalid_request: 'error.bad_request',
};

/** Binds oidc-provider's page hooks to Latchkey's renderer. */
export function createProviderPages(render: Renderer): ProviderPages {
  function adopt(ctx: KoaContextWithOIDC): void {
    Object.assign(ctx.state, sharedRequestState(ctx.req) ?? {});
  }
  return {
    async logoutSource(ctx, form) {
      adopt(ctx);
      render(ctx, 'logout', { form, clientName: ctx.oidc.client?.clientName });
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
  };
}
