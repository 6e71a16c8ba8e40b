// The consent step for third-party clients: names the app and the scopes in plain words; the answer is
// remembered per account. First-party clients never see the page: their consent is implied (oidc/consent.ts
// grants them what they ask, and a consent prompt they still meet, e.g. prompt=consent for offline_access
// per OIDC Core §11, is granted here without a page), except where oidc-provider demands user interaction
// for a native app (RFC 8252 §8.6: a native client's identity cannot be assured).
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

/** True when the consent prompt needs no page: a first-party client, unless it is a native app oidc-provider wants a person to confirm. */
export function consentIsImplied(interaction: InteractionState): boolean {
  return interaction.client.firstParty && !interaction.reasons.includes('native_client_prompt');
}

/** Grants the scopes and claims the consent prompt found missing and finishes the interaction; remembers an explicit answer. */
export async function grantConsent(deps: { provider: Provider; services: LatchkeyServices }, ctx: Parameters<Middleware>[0], interaction: InteractionState & { accountId: string }, how: 'explicit' | 'implied') {
  const { provider, services } = deps;
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  const grant = interaction.grantId
    ? (await provider.Grant.find(interaction.grantId)) ?? new provider.Grant({ accountId: interaction.accountId, clientId: interaction.client.clientId })
    : new provider.Grant({ accountId: interaction.accountId, clientId: interaction.client.clientId });
  const missing = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[]; missingResourceScopes?: Record<string, string[]> };
  if (missing.missingOIDCScope?.length) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims?.length) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '));
  const grantId = await grant.save();
  if (how === 'explicit') {
    const answered = [...(missing.missingOIDCScope ?? []), ...Object.values(missing.missingResourceScopes ?? {}).flat()];
    await services.consents.remember(interaction.accountId, interaction.client.clientId, answered);
    await services.audit.record({ accountId: interaction.accountId, type: 'consent.granted', clientId: interaction.client.clientId, ip: ctx.ip, userAgent: ctx.get('user-agent'), data: { scopes: answered } });
  }
  await provider.interactionFinished(ctx.req, ctx.res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  ctx.respond = false;
}

/** POST /interaction/:uid/confirm: grants the missing scopes and claims, remembers the consent. */
export function consentSubmission(deps: { provider: Provider; services: LatchkeyServices }): Middleware {
  return async function grantConsentSubmission(ctx) {
    const interaction = ctx.state.interaction as InteractionState;
    if (interaction.prompt !== 'consent' || !interaction.accountId) {
      ctx.redirect(`${ctx.state.mountPath}/interaction/${interaction.uid}`);
      return;
    }
    await grantConsent(deps, ctx, { ...interaction, accountId: interaction.accountId }, 'explicit');
  };
}
