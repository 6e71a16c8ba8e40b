// The company picker of the `select_organization` prompt (issue 5, item 6; src/oidc/organization-prompt.ts):
// an app acting for one company learns which one. Only the account's active memberships (approved companies)
// are offered, and the POSTed choice is checked against them again, so a tampered form gets nothing more
// (OWASP ASVS V4.2.1: no access to another party's data by changing an identifier).
import type { Middleware } from 'koa';
import type Provider from 'oidc-provider';
import type { LatchkeyServices } from '../../services/index.js';
import { isOrganizationId, membershipsOf, SELECT_ORGANIZATION_PROMPT, type OrganizationMembership } from '../../oidc/organization-prompt.js';
import type { Renderer } from '../render.js';
import { clientView, type InteractionState } from './details.js';

type Ctx = Parameters<Middleware>[0];
export interface SelectOrganizationDeps {
  provider: Provider;
  services: LatchkeyServices;
  render: Renderer;
}

const base = (ctx: Ctx, uid: string) => `${ctx.state.mountPath}/interaction/${uid}`;

/** Ends the authorization with access_denied when the account has no company left to act for. */
async function denyWithoutMembership(deps: SelectOrganizationDeps, ctx: Ctx) {
  await deps.provider.interactionFinished(ctx.req, ctx.res, { error: 'access_denied', error_description: 'the account is not an active member of any organization' }, { mergeWithLastSubmission: false });
  ctx.respond = false;
}

/** Renders the picker: one button per active membership. */
export async function renderOrganizationPicker(deps: SelectOrganizationDeps, ctx: Ctx, interaction: InteractionState & { accountId: string }, options: { organizations?: OrganizationMembership[]; error?: string; status?: number } = {}) {
  const organizations = options.organizations ?? (await membershipsOf(deps.provider, interaction.accountId));
  if (organizations.length === 0) return denyWithoutMembership(deps, ctx);
  const account = await deps.services.accounts.findById(interaction.accountId);
  const url = base(ctx, interaction.uid);
  deps.render(ctx, 'select-organization', {
    client: clientView(interaction.client),
    accountEmail: account?.email ?? '',
    organizations: organizations.map((o) => ({ id: o.id, name: o.name, taxId: o.tax_id })),
    error: options.error,
    action: `${url}/organization`,
    abortAction: `${url}/abort`,
  }, options.status ?? 200);
}

/** The interaction when it waits for the picker with a signed-in account; otherwise redirects to its page. */
function pending(ctx: Ctx): (InteractionState & { accountId: string }) | undefined {
  const interaction = ctx.state.interaction as InteractionState;
  if (interaction.prompt === SELECT_ORGANIZATION_PROMPT && interaction.accountId) return { ...interaction, accountId: interaction.accountId };
  ctx.redirect(base(ctx, interaction.uid));
  return undefined;
}

/** POST /interaction/:uid/organization: [parseForm, csrf, loadInteraction, checkMembership, finish]. */
export function organizationSubmission(deps: SelectOrganizationDeps): Middleware {
  return async function selectOrganization(ctx) {
    const interaction = pending(ctx);
    if (!interaction) return;
    const chosen = (ctx.state.form as Record<string, unknown>).organization;
    const organizations = await membershipsOf(deps.provider, interaction.accountId);
    const audit = { accountId: interaction.accountId, clientId: interaction.client.clientId, ip: ctx.ip, userAgent: ctx.get('user-agent') };
    const organization = isOrganizationId(chosen) ? organizations.find((o) => o.id === chosen.toLowerCase()) : undefined;
    if (!organization) {
      // Not one of the account's companies (a tampered form, or a membership that just ended).
      await deps.services.audit.record({ ...audit, type: 'organization.select-refused', data: { organization: typeof chosen === 'string' ? chosen.slice(0, 64) : null } });
      const t = deps.render.translator(ctx);
      return renderOrganizationPicker(deps, ctx, interaction, { organizations, error: t('organization.select.not_member'), status: 400 });
    }
    await deps.services.audit.record({ ...audit, type: 'organization.selected', data: { organization: organization.id } });
    await deps.provider.interactionFinished(ctx.req, ctx.res, { [SELECT_ORGANIZATION_PROMPT]: { organizationId: organization.id } }, { mergeWithLastSubmission: true });
    ctx.respond = false;
  };
}
