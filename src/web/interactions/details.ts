// Loads the pending oidc-provider interaction of a request (the sign-in in progress) into ctx.state.
import type { Middleware } from 'koa';
import type Provider from 'oidc-provider';
import { InteractionExpired } from '../errors.js';
import { applyUiLocales } from '../middleware/request-context.js';

export interface ClientSummary {
  clientId: string;
  name: string;
  logoUri?: string;
  clientUri?: string;
  policyUri?: string;
  tosUri?: string;
  firstParty: boolean;
}

export interface InteractionState {
  uid: string;
  prompt: string;
  reasons: string[];
  missingScopes: string[];
  params: Record<string, unknown>;
  accountId: string | undefined;
  grantId: string | undefined;
  client: ClientSummary;
}

/** What the pages may show about a client. */
export function clientView(client: ClientSummary) {
  return { name: client.name, logoUri: client.logoUri, clientUri: client.clientUri, policyUri: client.policyUri, tosUri: client.tosUri };
}

/** Puts the interaction named by :uid into ctx.state.interaction; an unknown or expired one is a clear error page. */
export function loadInteraction(provider: Provider): Middleware {
  return async function loadInteractionMiddleware(ctx, next) {
    let details: Awaited<ReturnType<Provider['interactionDetails']>>;
    try {
      details = await provider.interactionDetails(ctx.req, ctx.res);
    } catch (err) {
      if ((err as { name?: string }).name === 'SessionNotFound') throw new InteractionExpired();
      throw err;
    }
    const uid = (ctx.params as { uid?: string }).uid;
    if (details.uid !== uid) throw new InteractionExpired();
    const client = await provider.Client.find(String(details.params.client_id));
    if (!client) throw new InteractionExpired();
    const meta = client.metadata() as Record<string, unknown>;
    const state: InteractionState = {
      uid: details.uid,
      prompt: details.prompt.name,
      reasons: details.prompt.reasons,
      missingScopes: (details.prompt.details.missingOIDCScope as string[] | undefined) ?? [],
      params: details.params,
      accountId: details.session?.accountId,
      grantId: details.grantId,
      client: {
        clientId: client.clientId,
        name: client.clientName ?? client.clientId,
        logoUri: client.logoUri,
        clientUri: client.clientUri,
        policyUri: client.policyUri,
        tosUri: client.tosUri,
        firstParty: meta.first_party === true,
      },
    };
    ctx.state.interaction = state;
    applyUiLocales(ctx, details.params.ui_locales, details.iat);
    ctx.set('Cache-Control', 'no-store');
    await next();
  };
}
