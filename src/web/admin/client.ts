// The admin console's built-in OIDC client `latchkey-admin`: first-party, registered by the operator,
// ensured at every start (the issuer may change). Staff sign in to /admin through the same authorization
// endpoint as every app, with max_age so that the console always sees a recent password entry.
import { STAFF_CONSOLE_CLIENT_ID } from '../../services/staff/index.js';

export const ADMIN_CONSOLE_CLIENT_ID = STAFF_CONSOLE_CLIENT_ID;

/** Where the authorization answers the admin console. */
export const adminCallbackUri = (issuer: string) => `${issuer}/admin/callback`;

/** The client's metadata for this issuer. */
export function adminConsoleClientMetadata(issuer: string): Record<string, unknown> {
  return {
    client_id: ADMIN_CONSOLE_CLIENT_ID,
    client_name: 'Latchkey admin console',
    application_type: 'web',
    redirect_uris: [adminCallbackUri(issuer)],
    post_logout_redirect_uris: [`${issuer}/admin`],
    response_types: ['code'],
    grant_types: ['authorization_code'],
    // A public client with PKCE: the console never redeems its codes (it reads the provider session).
    token_endpoint_auth_method: 'none',
    first_party: true,
    registered_by: 'operator',
  };
}
