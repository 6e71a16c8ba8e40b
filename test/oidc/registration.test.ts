// Dynamic client registration (RFC 7591) gated by initial access tokens, and client management with the
// registration access token (RFC 7592): what a developer's tooling relies on, and the rules it cannot bend
// (third-party status, redirect URI rules).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { databaseKinds } from '../support/databases.js';
import { startTestLatchkey, type TestLatchkey } from '../support/latchkey.js';
import {
  discoveryDocument,
  immediateCallback,
  isConsentPage,
  isLoginPage,
  oauthError,
  oidc,
  REDIRECT_URI,
  relyingParty,
  startAuthorization,
  submitForm,
  visit,
} from '../support/relying-party.js';
import { UserAgent } from '../support/user-agent.js';

interface Registered {
  client_id: string;
  client_secret?: string;
  registration_access_token: string;
  registration_client_uri: string;
  [member: string]: unknown;
}

describe.each(databaseKinds)('dynamic client registration (%s)', (kind) => {
  let t: TestLatchkey;
  let registrationEndpoint: string;
  let initialAccessToken: string;
  const user = { email: 'margaret@example.com', password: 'a long enough password' };

  beforeAll(async () => {
    t = await startTestLatchkey(kind);
    await t.latchkey.services.accounts.create({ ...user, emailVerified: true });
    registrationEndpoint = String((await discoveryDocument(t.issuer)).registration_endpoint);
    initialAccessToken = await t.latchkey.clients.issueInitialAccessToken(3600);
  });
  afterAll(async () => t?.close());

  async function call(url: string, method: string, token: string | undefined, body?: unknown) {
    const response = await fetch(url, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, wwwAuthenticate: response.headers.get('www-authenticate'), body: (text ? JSON.parse(text) : undefined) as Record<string, unknown> | undefined };
  }

  /** POST to the registration endpoint; token null sends no Authorization header. */
  const register = (metadata: Record<string, unknown>, token: string | null = initialAccessToken) => call(registrationEndpoint, 'POST', token ?? undefined, metadata);

  const metadata = { client_name: 'Partner Shop', redirect_uris: [REDIRECT_URI], first_party: true };

  it('refuses registration without an initial access token (401 invalid_token)', async () => {
    const response = await register(metadata, null);
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ error: 'invalid_token' });
    expect(response.wwwAuthenticate).toMatch(/^Bearer /);
  });

  it('refuses registration with an unknown initial access token (401 invalid_token)', async () => {
    for (const token of ['not-a-token', `${initialAccessToken}x`]) {
      const response = await register(metadata, token);
      expect(response.status).toBe(401);
      expect(response.body).toMatchObject({ error: 'invalid_token' });
    }
  });

  it('refuses an expired initial access token (401 invalid_token)', async () => {
    const shortLived = await t.latchkey.clients.issueInitialAccessToken(1);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const response = await register(metadata, shortLived);
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ error: 'invalid_token' });
  });

  it('registers a client (201) that can log users in, always as a third-party client with a consent page', async () => {
    const response = await register(metadata);
    expect(response.status).toBe(201);
    const client = response.body as Registered;
    expect(client).toMatchObject({ client_name: 'Partner Shop', redirect_uris: [REDIRECT_URI], first_party: false, token_endpoint_auth_method: 'client_secret_basic', require_pkce: true });
    expect(client.client_secret).toEqual(expect.any(String));
    expect(client.registration_access_token).toEqual(expect.any(String));
    expect(client.registration_client_uri).toBe(`${registrationEndpoint}/${client.client_id}`);
    expect(await t.latchkey.clients.show(client.client_id)).toMatchObject({ name: 'Partner Shop', firstParty: false, type: 'web' });

    const config = await relyingParty(t.issuer, client.client_id, client.client_secret);
    const start = await startAuthorization(config, { scope: 'openid email' });
    const ua = new UserAgent();
    const loginPage = await visit(ua, start.url);
    expect(isLoginPage(loginPage.page)).toBe(true);
    const consent = await submitForm(ua, loginPage.page!, '/login', user);
    expect(isConsentPage(consent.page)).toBe(true);
    expect(consent.page!.html).toContain('Partner Shop wants to access your account');
    const back = await submitForm(ua, consent.page!, '/confirm');
    const tokens = await oidc.authorizationCodeGrant(config, back.callback!, { pkceCodeVerifier: start.verifier, expectedState: start.state, expectedNonce: start.nonce });
    expect(tokens.claims()!.email).toBe(user.email);
  });

  it('registers with openid-client\'s own registration call', async () => {
    const config = await oidc.dynamicClientRegistration(new URL(t.issuer), { client_name: 'CLI-made', redirect_uris: [REDIRECT_URI] }, undefined, { initialAccessToken, execute: [oidc.allowInsecureRequests] });
    expect(config.clientMetadata().client_id).toEqual(expect.any(String));
    expect(config.clientMetadata().first_party).toBe(false);
  });

  it.each([
    ['http:// on a public host', 'http://rp.example.com/callback', 'invalid_redirect_uri'],
    ['a fragment', `${REDIRECT_URI}#section`, 'invalid_redirect_uri'],
    ['a relative URI', '/callback', 'invalid_redirect_uri'],
    ['user information', 'https://user:pass@rp.example.com/callback', 'invalid_redirect_uri'],
    ['a custom scheme for a web client', 'com.example.app:/callback', 'invalid_redirect_uri'],
  ])('refuses a redirect URI with %s (400 %s)', async (_label, uri, error) => {
    const response = await register({ ...metadata, redirect_uris: [REDIRECT_URI, uri] });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error });
  });

  it('accepts http on loopback outside production (local development)', async () => {
    expect((await register({ ...metadata, redirect_uris: ['http://127.0.0.1:8080/callback'] })).status).toBe(201);
  });

  it('refuses the implicit flow and malformed metadata (400 invalid_client_metadata)', async () => {
    const refused: Record<string, unknown>[] = [
      { response_types: ['id_token token'], grant_types: ['implicit'] },
      { grant_types: ['password'] },
      { require_pkce: 'yes' },
      { token_endpoint_auth_method: 'magic' },
      { latchkey_type: 'admin' },
    ];
    for (const bad of refused) {
      const response = await register({ ...metadata, ...bad });
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ error: 'invalid_client_metadata' });
    }
  });

  describe('management with the registration access token (RFC 7592)', () => {
    it('reads, updates (rotating the token, never becoming first-party) and deletes the client', async () => {
      const client = (await register(metadata)).body as Registered;
      const uri = client.registration_client_uri;

      // GET
      expect((await call(uri, 'GET', undefined)).status).toBe(401);
      expect((await call(uri, 'GET', 'wrong-token')).status).toBe(401);
      const read = await call(uri, 'GET', client.registration_access_token);
      expect(read.status).toBe(200);
      expect(read.body).toMatchObject({ client_id: client.client_id, client_name: 'Partner Shop', client_secret: client.client_secret });

      // PUT replaces the metadata and rotates the registration access token.
      const put = await call(uri, 'PUT', client.registration_access_token, {
        client_id: client.client_id,
        client_name: 'Partner Shop (renamed)',
        redirect_uris: [REDIRECT_URI, 'https://rp.example.com/other'],
        first_party: true,
      });
      expect(put.status).toBe(200);
      const updated = put.body as Registered;
      expect(updated).toMatchObject({ client_name: 'Partner Shop (renamed)', redirect_uris: [REDIRECT_URI, 'https://rp.example.com/other'], first_party: false, client_secret: client.client_secret });
      expect(updated.registration_access_token).not.toBe(client.registration_access_token);
      expect(await call(uri, 'GET', client.registration_access_token)).toMatchObject({ status: 401, body: { error: 'invalid_token' } });
      expect((await call(uri, 'GET', updated.registration_access_token)).body).toMatchObject({ client_name: 'Partner Shop (renamed)' });

      // The update's rules are the registration's: no fragment, no bad redirect URI.
      const refused = await call(uri, 'PUT', updated.registration_access_token, { client_id: client.client_id, client_name: 'x', redirect_uris: [`${REDIRECT_URI}#x`] });
      expect(refused).toMatchObject({ status: 400, body: { error: 'invalid_redirect_uri' } });

      // DELETE
      expect((await call(uri, 'DELETE', updated.registration_access_token)).status).toBe(204);
      expect((await call(uri, 'GET', updated.registration_access_token)).status).toBe(401);
      await expect(t.latchkey.clients.show(client.client_id)).rejects.toThrow(/No client/);

      // The deleted client can no longer start an authorization nor use its secret.
      const config = await relyingParty(t.issuer, client.client_id, client.client_secret);
      const start = await startAuthorization(config);
      const response = await new UserAgent().request(start.url);
      expect(response.status).toBe(400);
      expect(response.headers.get('location')).toBeNull();
      expect(await response.text()).toContain('invalid_client');
      expect(await oauthError(oidc.refreshTokenGrant(config, 'any'))).toMatchObject({ error: 'invalid_client', status: 401 });
    });

    it('refuses a registration access token presented for another client, and burns it', async () => {
      const mine = (await register(metadata)).body as Registered;
      const other = (await register(metadata)).body as Registered;
      expect(await call(other.registration_client_uri, 'GET', mine.registration_access_token)).toMatchObject({ status: 401, body: { error: 'invalid_token' } });
      expect(await call(other.registration_client_uri, 'DELETE', mine.registration_access_token)).toMatchObject({ status: 401 });
      expect((await call(other.registration_client_uri, 'GET', other.registration_access_token)).status).toBe(200);
      // oidc-provider treats the misuse as a leak: the token no longer manages its own client either.
      expect((await call(mine.registration_client_uri, 'GET', mine.registration_access_token)).status).toBe(401);
    });

    it('keeps a deleted client\'s users out even with a session (prompt=none)', async () => {
      const client = (await register(metadata)).body as Registered;
      const config = await relyingParty(t.issuer, client.client_id, client.client_secret);
      const ua = new UserAgent();
      const start = await startAuthorization(config);
      const loginPage = await visit(ua, start.url);
      const consent = await submitForm(ua, loginPage.page!, '/login', user);
      await submitForm(ua, consent.page!, '/confirm');
      const again = await startAuthorization(config, { prompt: 'none' });
      expect((await immediateCallback(ua, again.url)).searchParams.get('code')).toBeTruthy();

      expect((await call(client.registration_client_uri, 'DELETE', client.registration_access_token)).status).toBe(204);
      const after = await startAuthorization(config, { prompt: 'none' });
      const response = await ua.request(after.url);
      expect(response.status).toBe(400);
      expect(response.headers.get('location')).toBeNull();
    });
  });
});
