// The account center's built-in OIDC client: first-party, registered by the operator, ensured at every
// start (the issuer may have changed). It signs people in to /account through the same authorization
// endpoint as every sibling app, so single sign-on works both ways.
import { ACCOUNT_CENTER_CLIENT_ID } from '../../services/account-center/index.js';

export { ACCOUNT_CENTER_CLIENT_ID };

/** Where the authorization answers the account center. */
export const accountCallbackUri = (issuer: string) => `${issuer}/account/callback`;

/** The client's metadata for this issuer. */
export function accountCenterClientMetadata(issuer: string): Record<string, unknown> {
  return {
    client_id: ACCOUNT_CENTER_CLIENT_ID,
    client_name: 'Latchkey account',
    application_type: 'web',
    redirect_uris: [accountCallbackUri(issuer)],
    post_logout_redirect_uris: [`${issuer}/account`],
    response_types: ['code'],
    grant_types: ['authorization_code'],
    // A public client with PKCE: the account center never redeems its codes (it reads the session).
    token_endpoint_auth_method: 'none',
    first_party: true,
    registered_by: 'operator',
  };
}
