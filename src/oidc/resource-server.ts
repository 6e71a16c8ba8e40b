// Latchkey's own JSON API as an OAuth resource server (RFC 8707 resource indicators, RFC 9068 audience
// rules): access tokens for it are opaque, bound to the audience `${issuer}/api/v1`, and checked in-process.
// Scope `account` (a user's own account) and `accounts:provision` (client credentials of an operator-
// registered service client whose `scope` metadata lists it) exist only for this resource.
import { errors, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';

/** The path of the JSON API, relative to the issuer. */
export const API_PATH = '/api/v1';
/** Scope of the Account API: the signed-in user's own account. */
export const ACCOUNT_SCOPE = 'account';
/** Scope of the provisioning API: create or look up accounts by email (service clients only). */
export const PROVISION_SCOPE = 'accounts:provision';
/** Every scope Latchkey's API knows. */
export const API_SCOPES = [ACCOUNT_SCOPE, PROVISION_SCOPE] as const;

/** The resource indicator (and token audience) of Latchkey's API for an issuer. */
export function apiResourceIndicator(issuer: string): string {
  return `${issuer}${API_PATH}`;
}

interface ClientLike {
  clientId: string;
  scope?: string | undefined;
  grantTypeAllowed(type: string): boolean;
}

/**
 * True when a client may hold `accounts:provision`: registered by the operator (CLI, never RFC 7591), allowed
 * the client_credentials grant, and the scope listed in its `scope` metadata.
 */
export function mayProvisionAccounts(client: ClientLike): boolean {
  const meta = client as unknown as { registered_by?: unknown };
  return meta.registered_by === 'operator'
    && client.grantTypeAllowed('client_credentials')
    && (client.scope ?? '').split(' ').includes(PROVISION_SCOPE);
}

const requestedScopes = (ctx: KoaContextWithOIDC) => new Set(String(ctx.oidc.params?.scope ?? '').split(' ').filter(Boolean));
const asksForApi = (scopes: Set<string>) => API_SCOPES.some((s) => scopes.has(s));

type ResourceIndicators = NonNullable<NonNullable<Configuration['features']>['resourceIndicators']>;

/** The oidc-provider `features.resourceIndicators` configuration for Latchkey's API. */
export function apiResourceIndicators(options: { issuer: string; accessTokenSeconds: number }): ResourceIndicators {
  const indicator = apiResourceIndicator(options.issuer);
  return {
    enabled: true,
    // A client asking for an API scope gets the API as audience without a `resource` parameter, so a
    // mobile app needs nothing beyond `scope=openid account`. Other requests keep userinfo-only tokens.
    async defaultResource(ctx, _client, oneOf) {
      if (oneOf) return oneOf;
      return asksForApi(requestedScopes(ctx as KoaContextWithOIDC)) ? indicator : undefined;
    },
    // When the code or refresh token was granted for the API (scope `account`), the access token is for
    // the API even though `openid` is present too (oidc-provider would otherwise issue a userinfo token).
    async useGrantedResource(_ctx, model) {
      const scopes = (model as { scopes?: Set<string> }).scopes;
      return !!scopes && asksForApi(scopes);
    },
    async getResourceServerInfo(ctx, resourceIndicator, client) {
      if (resourceIndicator !== indicator) throw new errors.InvalidTarget();
      const provisioning = mayProvisionAccounts(client as unknown as ClientLike);
      if (!provisioning && requestedScopes(ctx as KoaContextWithOIDC).has(PROVISION_SCOPE)) {
        throw new errors.InvalidScope('requested scope is not allowed', PROVISION_SCOPE);
      }
      return {
        scope: provisioning ? `${ACCOUNT_SCOPE} ${PROVISION_SCOPE}` : ACCOUNT_SCOPE,
        audience: indicator,
        accessTokenFormat: 'opaque',
        accessTokenTTL: options.accessTokenSeconds,
      };
    },
  };
}
