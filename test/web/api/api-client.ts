// Test helpers for Latchkey's JSON API: a mobile-style app's sign-in through the real code flow
// (openid-client, PKCE, no client secret) and plain fetch calls with a bearer token.
import type { TestLatchkey } from '../../support/latchkey.js';
import { authorizeThroughForms, oidc, relyingParty, startAuthorization } from '../../support/relying-party.js';
import { UserAgent } from '../../support/user-agent.js';

export const NATIVE_REDIRECT_URI = 'com.example.shop:/callback';

/** A native (mobile) client: first-party, public, PKCE. */
export async function nativeApp(t: TestLatchkey, name = 'Shop app') {
  const { client } = await t.latchkey.clients.create({ name, type: 'native', redirectUris: [NATIVE_REDIRECT_URI], firstParty: true });
  return { clientId: client.clientId, config: await relyingParty(t.issuer, client.clientId) };
}

/** Signs in through the login (and consent) pages and redeems the code, as the mobile app does. */
export async function signIn(config: oidc.Configuration, credentials: { email: string; password: string }, scope = 'openid email profile account', ua = new UserAgent()) {
  const start = await startAuthorization(config, { redirect_uri: NATIVE_REDIRECT_URI, scope, ...(scope.includes('offline_access') ? { prompt: 'consent' } : {}) });
  const callback = await authorizeThroughForms(ua, start, credentials, { redirectUri: NATIVE_REDIRECT_URI });
  return oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: start.verifier, expectedState: start.state, expectedNonce: start.nonce });
}

export interface ApiAnswer {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** Calls the API; `body` objects are sent as JSON, strings as they are (for malformed-body tests). */
export async function api(t: TestLatchkey, method: string, path: string, options: { token?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<ApiAnswer> {
  const headers: Record<string, string> = { ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) };
  let body: string | undefined;
  if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  }
  const response = await fetch(`${t.issuer}/api/v1${path}`, { method, headers: { ...headers, ...options.headers }, body });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text so the assertion shows it
  }
  return { status: response.status, headers: response.headers, body: parsed };
}
