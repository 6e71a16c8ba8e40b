// The oidc-provider configuration: which flows exist and their security settings.
// RFC 9700 (OAuth 2.0 Security BCP): code flow only (no implicit, no password grant), PKCE S256
// (mandatory for public clients, per-client for confidential ones), exact redirect URIs, refresh token
// rotation with reuse detection (a reused refresh token revokes the grant), RFC 9207 `iss` in responses.
import Provider, { interactionPolicy, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { LatchkeyConfig } from '../config/index.js';
import type { AccountRow } from '../queries/accounts.js';
import { createClientMetadataValidator, EXTRA_CLIENT_PROPERTIES } from './client-metadata.js';
import { accountClaims, CLAIMS_BY_SCOPE } from './claims.js';
import { createGrantLoader, type ConsentStore } from './consent.js';
import type { ProviderPages } from './pages.js';

export interface OidcProviderDeps {
  config: LatchkeyConfig;
  adapter: NonNullable<Configuration['adapter']>;
  jwks: { keys: object[] };
  cookieKeys: string[];
  findAccount(id: string): Promise<AccountRow | undefined>;
  consents: ConsentStore;
  pages: ProviderPages;
}

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
      long: cookieOptions,
      short: cookieOptions,
      names: { session: 'lk_session', interaction: 'lk_interaction', resume: 'lk_resume' },
    },
    scopes: ['openid', 'offline_access', ...Object.keys(CLAIMS_BY_SCOPE)],
    claims: { openid: ['sub'], ...CLAIMS_BY_SCOPE },
    async findAccount(_ctx, sub) {
      const account = await deps.findAccount(sub);
      if (!account || account.status !== 'active') return undefined;
      return { accountId: account.id, claims: () => accountClaims(account) };
    },
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
      introspection: { enabled: true },
      revocation: { enabled: true },
      userinfo: { enabled: true },
      clientCredentials: { enabled: true },
      backchannelLogout: { enabled: true },
      registration: {
        enabled: true,
        initialAccessToken: true,
        // Dynamically registered clients are always third-party: they get the consent page.
        policies: {
          'latchkey-third-party': (_ctx, properties) => {
            properties.first_party = false;
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
      policy: interactionPolicy.base(),
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
  };

  const provider = new Provider(config.issuer, configuration);
  provider.proxy = config.trustProxy;
  return provider;
}

export type { KoaContextWithOIDC };
