// Organizations in tokens (issue 5, item 6), modelled on Auth0 Organizations and Keycloak's `organization` scope:
// - scope `organizations`: claim `organizations` = every active membership (approved companies only);
// - scope `organization` (singular): the app acts for ONE company. After login and consent the prompt
//   `select_organization` asks the person to pick one of their companies (one company: picked without a page;
//   the `organization` authorization parameter names one up front; `prompt=select_organization` forces the page).
//   The pick is kept server-side beside the grant (adapter model `GrantOrganization`, same lifetime as the grant),
//   so refreshed tokens keep it, and tokens carry `org_id`, `org_name`, `org_roles`, `org_permissions`.
// - No active membership, or a named organization the account is not a member of: access_denied to the client.
// - Claims are computed from the database at every issuance; a grant whose company was suspended or whose
//   membership ended fails at the next refresh (invalid_grant) and at userinfo (invalid_token).
import type Provider from 'oidc-provider';
import { errors, interactionPolicy, type Adapter, type AdapterConstructor, type AdapterFactory, type KoaContextWithOIDC } from 'oidc-provider';

/** Scope of the `organizations` claim (every membership). */
export const ORGANIZATIONS_SCOPE = 'organizations';
/** Scope of an app acting for one company, picked during login. */
export const ORGANIZATION_SCOPE = 'organization';
/** The prompt (and interaction result key) of the company picker. */
export const SELECT_ORGANIZATION_PROMPT = 'select_organization';
/** Authorization parameter naming the company up front (Auth0's `organization`). */
export const ORGANIZATION_PARAM = 'organization';
/** Claims of the picked company, released with scope `organization`. */
export const ORGANIZATION_CLAIMS = ['org_id', 'org_name', 'org_roles', 'org_permissions'] as const;

/** One active membership as tokens show it (services.companies.claimsFor). */
export interface OrganizationMembership {
  id: string;
  name: string;
  tax_id: string;
  roles: string[];
  permissions: string[];
}
export type MembershipLookup = (accountId: string) => Promise<OrganizationMembership[]>;

interface StoredSelection {
  accountId: string;
  organizationId: string;
}

const memberships = new WeakMap<Provider, MembershipLookup>();
const stores = new WeakMap<Provider, Adapter>();
const SELECTION_MODEL = 'GrantOrganization';
const ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Tells the provider how to find an account's active memberships (services.companies.claimsFor). */
export function useOrganizationMemberships(provider: Provider, lookup: MembershipLookup): void {
  memberships.set(provider, lookup);
}

/** Gives the provider the store of per-grant picks: the same oidc-provider adapter as every other model. */
export function useOrganizationStore(provider: Provider, adapter: AdapterConstructor | AdapterFactory): void {
  // A class has a prototype; oidc-provider's factory form is an arrow function, which has none.
  const store = adapter.prototype ? new (adapter as AdapterConstructor)(SELECTION_MODEL) : (adapter as AdapterFactory)(SELECTION_MODEL);
  stores.set(provider, store);
}

/** The active memberships of an account; empty when no lookup is registered. */
export async function membershipsOf(provider: Provider, accountId: string): Promise<OrganizationMembership[]> {
  const lookup = memberships.get(provider);
  return lookup ? lookup(accountId) : [];
}

/** True for a value shaped like an organization id (a UUID); anything else is never looked up. */
export const isOrganizationId = (value: unknown): value is string => typeof value === 'string' && ID_PATTERN.test(value);

const scopesOf = (scope: unknown) => new Set(String(scope ?? '').split(' ').filter(Boolean));

async function storedSelection(provider: Provider, grantId: string | undefined): Promise<StoredSelection | undefined> {
  const store = stores.get(provider);
  if (!store || !grantId) return undefined;
  const payload = await store.find(grantId);
  if (!payload || typeof payload.accountId !== 'string' || !isOrganizationId(payload.organizationId)) return undefined;
  return { accountId: payload.accountId, organizationId: payload.organizationId };
}

/** Keeps the pick beside the grant, for as long as the grant lives. */
async function rememberSelection(ctx: KoaContextWithOIDC, accountId: string, organizationId: string): Promise<void> {
  const store = stores.get(ctx.oidc.provider);
  const grant = ctx.oidc.grant;
  if (!store || !grant) throw new Error('organization selection store or grant missing');
  if (!grant.jti) await grant.save();
  const now = Math.floor(Date.now() / 1000);
  const expiresIn = typeof grant.exp === 'number' ? Math.max(grant.exp - now, 1) : undefined;
  // accountId fills the row's account column: blocking or deleting the account removes the pick with its tokens.
  await store.upsert(grant.jti, { accountId, organizationId, grantId: grant.jti }, expiresIn);
}

/**
 * The company an authorization acts for, in this order: the `organization` parameter (must be a membership),
 * a fresh pick from the page, the page when forced with prompt=select_organization, the grant's earlier pick
 * (still valid), the only membership. Undefined: the person must pick on the page.
 */
async function resolveOrganization(ctx: KoaContextWithOIDC, accountId: string, active: OrganizationMembership[]): Promise<string | undefined> {
  const { oidc } = ctx;
  const isMember = (id: unknown) => active.some((m) => m.id === id);
  const named = oidc.params?.[ORGANIZATION_PARAM];
  if (named !== undefined) {
    if (!isMember(named)) throw new errors.AccessDenied('the account is not an active member of the requested organization');
    return named as string;
  }
  const picked = (oidc.result?.[SELECT_ORGANIZATION_PROMPT] as { organizationId?: unknown } | undefined)?.organizationId;
  if (isMember(picked)) return picked as string;
  if (oidc.prompts.has(SELECT_ORGANIZATION_PROMPT) && oidc.promptPending(SELECT_ORGANIZATION_PROMPT)) return undefined;
  const earlier = await storedSelection(oidc.provider, oidc.grant?.jti);
  if (earlier && earlier.accountId === accountId && isMember(earlier.organizationId)) return earlier.organizationId;
  return active.length === 1 ? active[0]!.id : undefined;
}

/** The prompt: after consent, for requests with scope `organization`; requestable as prompt=select_organization. */
export function organizationPrompt(): InstanceType<typeof interactionPolicy.Prompt> {
  const { Prompt, Check } = interactionPolicy;
  return new Prompt(
    { name: SELECT_ORGANIZATION_PROMPT, requestable: true },
    new Check('organization_not_selected', 'the client acts for one organization and the end-user has not picked it', 'interaction_required', async (ctx: KoaContextWithOIDC) => {
      const accountId = ctx.oidc.session?.accountId;
      if (!accountId || !scopesOf(ctx.oidc.params?.scope).has(ORGANIZATION_SCOPE)) return Check.NO_NEED_TO_PROMPT;
      const active = await membershipsOf(ctx.oidc.provider, accountId);
      if (active.length === 0) throw new errors.AccessDenied('the account is not an active member of any organization');
      const organizationId = await resolveOrganization(ctx, accountId, active);
      if (!organizationId) return Check.REQUEST_PROMPT;
      await rememberSelection(ctx, accountId, organizationId);
      return Check.NO_NEED_TO_PROMPT;
    }),
  );
}

/** oidc-provider `extraParams`: `organization` must look like an organization id and comes with scope `organization`. */
export const organizationParams = {
  async [ORGANIZATION_PARAM](ctx: KoaContextWithOIDC, value: string | undefined) {
    if (value === undefined) return;
    if (!isOrganizationId(value)) throw new errors.InvalidRequest('organization must be an organization id');
    if (!scopesOf(ctx.oidc.params?.scope).has(ORGANIZATION_SCOPE)) throw new errors.InvalidRequest('the organization parameter requires the organization scope');
  },
};

type TokenLike = { grantId?: string | undefined; scope?: string | undefined } | undefined;

/** The claims of the company picked for a token's grant; undefined when the pick is gone or no longer active. */
async function pickedOrganization(provider: Provider, accountId: string, token: TokenLike): Promise<OrganizationMembership | undefined> {
  const selection = await storedSelection(provider, token?.grantId);
  if (!selection || selection.accountId !== accountId) return undefined;
  return (await membershipsOf(provider, accountId)).find((m) => m.id === selection.organizationId);
}

/**
 * For findAccount: the org_* claims of a token issued with scope `organization`. Throws when the picked company
 * is no longer an active membership: invalid_grant at the token endpoint (code or refresh), invalid_token at userinfo.
 */
export async function organizationClaims(ctx: KoaContextWithOIDC, accountId: string, token: TokenLike): Promise<Record<string, unknown>> {
  if (!token || !scopesOf(token.scope).has(ORGANIZATION_SCOPE)) return {};
  const organization = await pickedOrganization(ctx.oidc.provider, accountId, token);
  if (!organization) {
    const description = 'the organization selected for this grant is no longer available to the account';
    // oidc-provider keeps a fixed description for these errors; the client holding the grant may know why.
    const error = ctx.oidc.route === 'userinfo' ? new errors.InvalidToken(description) : new errors.InvalidGrant(description);
    throw Object.assign(error, { error_description: description });
  }
  return { org_id: organization.id, org_name: organization.name, org_roles: organization.roles, org_permissions: organization.permissions };
}

/** The `organizations` claim: computed only when the scope is granted. */
export async function organizationsClaim(provider: Provider, accountId: string, scope: string | undefined): Promise<{ organizations?: OrganizationMembership[] }> {
  if (!scopesOf(scope).has(ORGANIZATIONS_SCOPE)) return {};
  return { organizations: await membershipsOf(provider, accountId) };
}

/** oidc-provider `extraTokenClaims`: access tokens of scope `organization` carry org_id and org_permissions (shown by introspection). */
export async function organizationTokenClaims(ctx: KoaContextWithOIDC, token: { accountId?: string | undefined; grantId?: string | undefined; scope?: string | undefined }) {
  if (!token.accountId || !scopesOf(token.scope).has(ORGANIZATION_SCOPE)) return undefined;
  const organization = await pickedOrganization(ctx.oidc.provider, token.accountId, token);
  return organization ? { org_id: organization.id, org_permissions: organization.permissions } : undefined;
}
