// Latchkey's own client metadata and the per-type defaults. Client types:
// web (confidential, code), native and spa (public, PKCE mandatory), service (client credentials only).
import { errors } from 'oidc-provider';
import { redirectUriProblem, type ClientType, CLIENT_TYPES } from '../services/clients/redirect-uris.js';

/** Extra client metadata properties oidc-provider accepts and stores. */
// registered_by: 'operator' (CLI, admin) or 'dynamic' (RFC 7591). Only operator-registered clients are
// trusted with first-party status and with back-channel logout URIs on private networks.
export const EXTRA_CLIENT_PROPERTIES = ['latchkey_type', 'first_party', 'require_pkce', 'require_customer_link', 'registered_by'] as const;

export interface ClientMetadataInput {
  name: string;
  type: ClientType;
  redirectUris: string[];
  postLogoutRedirectUris?: string[];
  backchannelLogoutUri?: string;
  firstParty?: boolean;
  requirePkce?: boolean;
  requireCustomerLink?: boolean;
  logoUri?: string;
  clientUri?: string;
  scope?: string;
}

/** The oidc-provider metadata for a client of the given type, with sensible defaults. */
export function clientMetadataFor(input: ClientMetadataInput): Record<string, unknown> {
  const base: Record<string, unknown> = {
    client_name: input.name,
    latchkey_type: input.type,
    registered_by: 'operator',
    first_party: input.firstParty ?? false,
    require_customer_link: input.requireCustomerLink ?? false,
    ...(input.logoUri ? { logo_uri: input.logoUri } : {}),
    ...(input.clientUri ? { client_uri: input.clientUri } : {}),
    ...(input.scope ? { scope: input.scope } : {}),
  };
  const logout = {
    ...(input.postLogoutRedirectUris?.length ? { post_logout_redirect_uris: input.postLogoutRedirectUris } : {}),
    ...(input.backchannelLogoutUri ? { backchannel_logout_uri: input.backchannelLogoutUri, backchannel_logout_session_required: true } : {}),
  };
  switch (input.type) {
    case 'web':
      return { ...base, ...logout, application_type: 'web', redirect_uris: input.redirectUris, response_types: ['code'], grant_types: ['authorization_code', 'refresh_token'], token_endpoint_auth_method: 'client_secret_basic', require_pkce: input.requirePkce ?? true };
    case 'spa':
      return { ...base, ...logout, application_type: 'web', redirect_uris: input.redirectUris, response_types: ['code'], grant_types: ['authorization_code', 'refresh_token'], token_endpoint_auth_method: 'none', require_pkce: true };
    case 'native':
      return { ...base, ...logout, application_type: 'native', redirect_uris: input.redirectUris, response_types: ['code'], grant_types: ['authorization_code', 'refresh_token'], token_endpoint_auth_method: 'none', require_pkce: true };
    case 'service':
      return { ...base, application_type: 'web', redirect_uris: [], response_types: [], grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_basic', require_pkce: false };
  }
}

/** The type of stored metadata (clients registered dynamically without latchkey_type are inferred). */
export function clientTypeOf(metadata: Record<string, unknown>): ClientType {
  const declared = metadata.latchkey_type;
  if (typeof declared === 'string' && (CLIENT_TYPES as readonly string[]).includes(declared)) return declared as ClientType;
  const grants = Array.isArray(metadata.grant_types) ? metadata.grant_types : ['authorization_code'];
  if (grants.length === 1 && grants[0] === 'client_credentials') return 'service';
  if (metadata.token_endpoint_auth_method === 'none') return metadata.application_type === 'native' ? 'native' : 'spa';
  return 'web';
}

/** Validates Latchkey's metadata rules; oidc-provider calls it for every extra property. */
export function createClientMetadataValidator(production: boolean) {
  return function validateClientMetadata(_ctx: unknown, key: string, value: unknown, metadata: Record<string, unknown>): void {
    switch (key) {
      case 'latchkey_type': {
        if (value !== undefined && !(CLIENT_TYPES as readonly unknown[]).includes(value)) {
          throw new errors.InvalidClientMetadata(`latchkey_type must be one of ${CLIENT_TYPES.join(', ')}`);
        }
        const type = clientTypeOf(metadata);
        metadata.latchkey_type = type;
        for (const uri of (metadata.redirect_uris as string[] | undefined) ?? []) {
          const problem = redirectUriProblem(uri, type, production);
          if (problem) throw new errors.InvalidRedirectUri(problem);
        }
        // Logout URIs follow the same rules as redirect URIs (RFC 9700 §2.1 applies to every URI a browser is sent to).
        for (const uri of (metadata.post_logout_redirect_uris as string[] | undefined) ?? []) {
          const problem = redirectUriProblem(uri, type === 'service' ? 'web' : type, production);
          if (problem) throw new errors.InvalidClientMetadata(`post_logout_redirect_uris: ${problem}`);
        }
        if (typeof metadata.backchannel_logout_uri === 'string') {
          // Server-to-server: https, or http on loopback outside production.
          const problem = redirectUriProblem(metadata.backchannel_logout_uri, 'web', production);
          if (problem) throw new errors.InvalidClientMetadata(`backchannel_logout_uri: ${problem}`);
        }
        if (type !== 'web' && type !== 'service' && metadata.token_endpoint_auth_method !== 'none') {
          throw new errors.InvalidClientMetadata(`${type} clients are public: token_endpoint_auth_method must be none`);
        }
        break;
      }
      case 'registered_by':
        if (value !== undefined && value !== 'operator' && value !== 'dynamic') throw new errors.InvalidClientMetadata("registered_by must be 'operator' or 'dynamic'");
        if (value === undefined) metadata.registered_by = 'dynamic';
        break;
      case 'first_party':
      case 'require_customer_link':
        if (value !== undefined && typeof value !== 'boolean') throw new errors.InvalidClientMetadata(`${key} must be a boolean`);
        if (value === undefined) metadata[key] = false;
        break;
      case 'require_pkce':
        if (value !== undefined && typeof value !== 'boolean') throw new errors.InvalidClientMetadata('require_pkce must be a boolean');
        if (value === undefined || metadata.token_endpoint_auth_method === 'none') metadata.require_pkce = value ?? true;
        if (metadata.token_endpoint_auth_method === 'none') metadata.require_pkce = true;
        break;
      default:
        break;
    }
  };
}
