// The consent step for third-party clients: names the app and the scopes in plain words; the answer is
// remembered per account (first-party clients never get here: see oidc/consent.ts).
import type { Middleware } from 'koa';
import type Provider from 'oidc-provider';
import type { LatchkeyServices } from '../../services/index.js';
import type { Renderer } from '../render.js';
import { clientView, type InteractionState } from './details.js';

/** Renders the consent page for the scopes still missing. */
export async function renderConsent(render: Renderer, ctx: Parameters<Middleware>[0], interaction: InteractionState, services: LatchkeyServices) {
  const t = render.translator(ctx);
  const base = `${ctx.state.mountPath}/interaction/${interaction.uid}`;
  const account = interaction.accountId ? await services.accounts.findById(interaction.accountId) : undefined;
  const scopes = interaction.missingScopes.length > 0 ? interaction.missingScopes : ['openid'];
  render(ctx, 'consent', {
    client: clientView(interaction.client),
    scopes: scopes.map((name) => {
      const description = t(`scope.${name}`);
      return { name, description: description === `scope.${name}` ? name : description };
    }),
    action: `${base}/confirm`,
    abortAction: `${base}/abort`,
    accountEmail: account?.email ?? '',
  });
}

/** POST /interaction/:uid/confirm: grants the missing scopes and claims, remembers the consent. */
export function consentSubmission(deps: { provider: Provider; services: LatchkeyServices }): Middleware {
  const { provider, services } = deps;
  return async function grantConsent(ctx) {
    const interaction = ctx.state.interaction as InteractionState;
    if (interaction.prompt !== 'consent' || !interaction.accountId) {
      ctx.redirect(`${ctx.state.mountPath}/interaction/${interaction.uid}`);
      return;
    }
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    const grant = interaction.grantId
      ? (await provider.Grant.find(interaction.grantId)) ?? new provider.Grant({ accountId: interaction.accountId, clientId: interaction.client.clientId })
      : new provider.Grant({ accountId: interaction.accountId, clientId: interaction.client.clientId });
    const missing = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[]; missingResourceScopes?: Record<string, string[]> };
    if (missing.missingOIDCScope?.length) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims?.length) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '));
    const grantId = await grant.save();
    await services.consents.remember(interaction.accountId, interaction.client.clientId, missing.missingOIDCScope ?? []);
    await services.audit.record({ accountId: interaction.accountId, type: 'consent.granted', clientId: interaction.client.clientId, ip: ctx.ip, userAgent: ctx.get('user-agent'), data: { scopes: missing.missingOIDCScope ?? [] } });
    await provider.interactionFinished(ctx.req, ctx.res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    ctx.respond = false;
  };
}
