// The oidc-provider configuration: which flows exist and their security settings.
// RFC 9700 (OAuth 2.0 Security BCP): code flow only (no implicit, no password grant), PKCE S256
// (mandatory for public clients, per-client for confidential ones), exact redirect URIs, refresh token
// rotation with reuse detection (a reused refresh token revokes the grant), RFC 9207 `iss` in responses.
import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { LatchkeyConfig } from '../config/index.js';
import type { AccountRow } from '../queries/accounts.js';
import { createClientMetadataValidator, EXTRA_CLIENT_PROPERTIES } from './client-metadata.js';
import { newClientId } from '../services/clients/index.js';
import { accountClaims, CLAIMS_BY_SCOPE } from './claims.js';
import { createGrantLoader, type ConsentStore } from './consent.js';
import type { ProviderPages } from './pages.js';
import { API_SCOPES, apiResourceIndicators } from './resource-server.js';
import { customerClaims, latchkeyInteractionPolicy } from './customer-prompt.js';
import { organizationClaims, organizationParams, organizationPrompt, organizationsClaim, organizationTokenClaims, useOrganizationStore } from './organization-prompt.js';

export interface OidcProviderDeps {
  config: LatchkeyConfig;
  adapter: NonNullable<Configuration['adapter']>;
  jwks: { keys: object[] };
  cookieKeys: string[];
  findAccount(id: string): Promise<AccountRow | undefined>;
  consents: ConsentStore;
  pages: ProviderPages;
  /** True for a back-channel logout URI of an operator-registered client (may be on a private network). */
  isTrustedBackchannelUri(uri: string): Promise<boolean>;
}

const operatorRegistered = (client: unknown) => (client as { registered_by?: string }).registered_by === 'operator';

/** Builds the oidc-provider instance for the configured issuer. */
export function createOidcProvider(deps: OidcProviderDeps): Provider {
  const { config, pages } = deps;
  const secure = config.issuer.startsWith('https://');
  const cookieOptions = { httpOnly: true, sameSite: 'lax' as const, secure, signed: true, overwrite: true };

  const configuration: Configuration = {
    adapter: deps.adapter,
    jwks: deps.jwks as Configuration['jwks'],
    cookies: {
      keys: deps.cookieKeys,
      // The session cookie stays under the issuer's path, so a host app embedding Latchkey never receives it.
      long: { ...cookieOptions, path: config.mountPath || '/' },
      short: cookieOptions,
      names: { session: 'lk_session', interaction: 'lk_interaction', resume: 'lk_resume' },
    },
    scopes: ['openid', 'offline_access', ...Object.keys(CLAIMS_BY_SCOPE), ...API_SCOPES],
    claims: { openid: ['sub'], ...CLAIMS_BY_SCOPE },
    async findAccount(ctx, sub, token) {
      const account = await deps.findAccount(sub);
      if (!account || account.status !== 'active') return undefined;
      // Checked before any token is issued: a grant whose picked company is no longer valid fails here.
      const organization = await organizationClaims(ctx, account.id, token);
      return {
        accountId: account.id,
        claims: async (_use, scope) => ({ ...accountClaims(account), ...(await customerClaims(provider, account.id)), ...organization, ...(await organizationsClaim(provider, account.id, scope)) }),
      };
    },
    // Access tokens for one company carry it (introspection shows org_id and org_permissions).
    extraTokenClaims: organizationTokenClaims,
    extraParams: organizationParams,
    // Like Keycloak and Auth0: the ID token carries the claims of the granted scopes, so sibling apps
    // need no userinfo call to learn the email and name.
    conformIdTokenClaims: false,
    responseTypes: ['code'],
    pkce: {
      // Public clients always; confidential ones unless their metadata says require_pkce: false.
      required: (_ctx, client) => client.clientAuthMethod === 'none' || (client as unknown as { require_pkce?: boolean }).require_pkce !== false,
    },
    rotateRefreshToken: true,
    clientDefaults: {
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'ES256',
    },
    enabledJWA: {
      idTokenSigningAlgValues: ['ES256', 'RS256'],
      userinfoSigningAlgValues: ['ES256', 'RS256'],
      introspectionSigningAlgValues: ['ES256', 'RS256'],
      authorizationSigningAlgValues: ['ES256', 'RS256'],
      requestObjectSigningAlgValues: ['ES256', 'RS256'],
    },
    extraClientMetadata: {
      properties: [...EXTRA_CLIENT_PROPERTIES],
      validator: createClientMetadataValidator(config.production) as NonNullable<Configuration['extraClientMetadata']>['validator'],
    },
    features: {
      devInteractions: { enabled: false },
      introspection: {
        enabled: true,
        // Confidential clients may introspect their own tokens; operator-registered ones (resource servers
        // of the company) any token. Dynamically registered clients learn nothing about others' tokens.
        allowedPolicy: (_ctx, client, token) => client.clientAuthMethod !== 'none' && (token.clientId === client.clientId || operatorRegistered(client)),
      },
      // Default policy: a client revokes only its own tokens (RFC 7009 §2.1).
      revocation: { enabled: true },
      userinfo: { enabled: true },
      clientCredentials: { enabled: true },
      // Latchkey's own API is a resource server (src/oidc/resource-server.ts).
      resourceIndicators: apiResourceIndicators({ issuer: config.issuer, accessTokenSeconds: config.ttl.accessTokenSeconds }),
      backchannelLogout: { enabled: true },
      registration: {
        enabled: true,
        initialAccessToken: true,
        idFactory: () => newClientId(),
        // Dynamically registered clients are always third-party: they get the consent page.
        policies: {
          'latchkey-third-party': (_ctx, properties) => {
            properties.first_party = false;
            properties.registered_by = 'dynamic';
          },
        },
      },
      registrationManagement: { enabled: true, rotateRegistrationAccessToken: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: pages.logoutSource,
        postLogoutSuccessSource: pages.postLogoutSuccessSource,
      },
    },
    loadExistingGrant: createGrantLoader(deps.consents),
    interactions: {
      policy: withOrganizationPrompt(latchkeyInteractionPolicy()),
      url: (_ctx, interaction) => `${config.mountPath}/interaction/${interaction.uid}`,
    },
    renderError: pages.renderError,
    clientBasedCORS: (_ctx, origin, client) => {
      // Browser-based clients may call the token endpoint from the origins of their redirect URIs.
      return (client.redirectUris ?? []).some((uri) => {
        try {
          return new URL(uri).origin === origin;
        } catch {
          return false;
        }
      });
    },
    ttl: {
      AccessToken: config.ttl.accessTokenSeconds,
      AuthorizationCode: 60,
      ClientCredentials: config.ttl.accessTokenSeconds,
      IdToken: config.ttl.idTokenSeconds,
      RefreshToken: config.ttl.refreshTokenSeconds,
      Interaction: config.ttl.interactionSeconds,
      Session: config.ttl.sessionSeconds,
      Grant: config.ttl.grantSeconds,
    },
    allowOmittingSingleRegisteredRedirectUri: false,
    // oidc-provider refuses outgoing requests to loopback and private addresses (SSRF protection). Sibling
    // apps inside the company network register back-channel logout URIs there, so for the exact URIs of
    // operator-registered clients that protection is lifted; everything else keeps it.
    fetch: async (url, options) => {
      const init = options as RequestInit & { dispatcher?: unknown };
      if (init.dispatcher && (await deps.isTrustedBackchannelUri(String(url)))) delete init.dispatcher;
      return globalThis.fetch(url, init);
    },
  };

  const provider = new Provider(config.issuer, configuration);
  useOrganizationStore(provider, deps.adapter);
  provider.proxy = config.trustProxy;
  return provider;
}

/** Adds the company picker after consent: the grant it is remembered with exists by then. */
function withOrganizationPrompt(policy: ReturnType<typeof latchkeyInteractionPolicy>) {
  policy.add(organizationPrompt());
  return policy;
}

export type { KoaContextWithOIDC };
