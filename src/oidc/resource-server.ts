// Latchkey's own JSON API as an OAuth resource server (RFC 8707 resource indicators, RFC 9068 audience
// rules): access tokens for it are opaque, bound to the audience `${issuer}/api/v1`, and checked in-process.
// Scope `account` (a user's own account, including the companies it belongs to and, for company admins, their
// administration), `accounts:provision` (client credentials of an operator-registered service client whose
// `scope` metadata lists it) and `admin` (the Admin API: user tokens of first-party clients only, never client
// credentials; every call also needs a staff role of the account) exist only for this resource.
import { errors, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';

/** The path of the JSON API, relative to the issuer. */
export const API_PATH = '/api/v1';
/** Scope of the Account API: the signed-in user's own account. */
export const ACCOUNT_SCOPE = 'account';
/** Scope of the provisioning API: create or look up accounts by email (service clients only). */
export const PROVISION_SCOPE = 'accounts:provision';
/** Scope of the Admin API: staff acting through a first-party app (their staff role is checked per call). */
export const ADMIN_SCOPE = 'admin';
/** Every scope Latchkey's API knows. */
export const API_SCOPES = [ACCOUNT_SCOPE, PROVISION_SCOPE, ADMIN_SCOPE] as const;

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

/**
 * True when a token for `admin` may be issued: a first-party client acting for a signed-in user (the
 * client_credentials grant never gets it, so a leaked service secret is no staff key).
 */
export function mayAdminister(client: ClientLike, ctx: KoaContextWithOIDC): boolean {
  const meta = client as unknown as { first_party?: unknown };
  return meta.first_party === true && ctx.oidc.params?.grant_type !== 'client_credentials';
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
      const requested = requestedScopes(ctx as KoaContextWithOIDC);
      if (!provisioning && requested.has(PROVISION_SCOPE)) {
        throw new errors.InvalidScope('requested scope is not allowed', PROVISION_SCOPE);
      }
      const administering = mayAdminister(client as unknown as ClientLike, ctx as KoaContextWithOIDC);
      if (!administering && requested.has(ADMIN_SCOPE)) throw new errors.InvalidScope('requested scope is not allowed', ADMIN_SCOPE);
      return {
        scope: [ACCOUNT_SCOPE, ...(provisioning ? [PROVISION_SCOPE] : []), ...(administering ? [ADMIN_SCOPE] : [])].join(' '),
        audience: indicator,
        accessTokenFormat: 'opaque',
        accessTokenTTL: options.accessTokenSeconds,
      };
    },
  };
}
