// The authorization code flow as a relying party sees it (OIDC Core §3.1, RFC 9700): code + PKCE S256,
// ID token and userinfo claims, RFC 9207 `iss`, discovery and JWKS, PKCE enforcement, single-use codes
// (RFC 6749 §4.1.2) and exact redirect URI matching.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { databaseKinds } from '../support/databases.js';
import { startTestLatchkey, type TestLatchkey } from '../support/latchkey.js';
import {
  authorizeThroughForms,
  discoveryDocument,
  immediateCallback,
  oauthError,
  oidc,
  REDIRECT_URI,
  relyingParty,
  startAuthorization,
  verifyWithJwks,
} from '../support/relying-party.js';
import { UserAgent } from '../support/user-agent.js';

const ADA = { email: 'ada@example.com', password: 'correct horse battery' };

describe.each(databaseKinds)('authorization code flow (%s)', (kind) => {
  let t: TestLatchkey;
  let adaId: string;
  let web: { clientId: string; secret: string; config: oidc.Configuration };

  beforeAll(async () => {
    t = await startTestLatchkey(kind);
    adaId = (await t.latchkey.services.accounts.create({ ...ADA, name: 'Ada Lovelace', emailVerified: true })).id;
    const { client, clientSecret } = await t.latchkey.clients.create({ name: 'Shop', type: 'web', redirectUris: [REDIRECT_URI], firstParty: true });
    web = { clientId: client.clientId, secret: clientSecret!, config: await relyingParty(t.issuer, client.clientId, clientSecret) };
  });
  afterAll(async () => t?.close());

  describe('code + PKCE happy path', () => {
    it('logs a first-party user in without a consent page and issues an ID token the RP can trust', async () => {
      const start = await startAuthorization(web.config);
      // consent: false makes the helper fail if a consent page shows up.
      const callback = await authorizeThroughForms(new UserAgent(), start, ADA, { consent: false });
      expect(callback.searchParams.get('iss')).toBe(t.issuer); // RFC 9207
      expect(callback.searchParams.get('state')).toBe(start.state);
      expect(callback.searchParams.get('code')).toBeTruthy();

      const tokens = await oidc.authorizationCodeGrant(web.config, callback, { pkceCodeVerifier: start.verifier, expectedState: start.state, expectedNonce: start.nonce });
      expect(tokens.token_type.toLowerCase()).toBe('bearer');
      expect(tokens.refresh_token).toBeUndefined(); // no offline_access asked

      const { payload, protectedHeader } = await verifyWithJwks(t.issuer, tokens.id_token!, { audience: web.clientId });
      expect(protectedHeader.alg).toBe('ES256');
      expect(payload).toMatchObject({ iss: t.issuer, sub: adaId, nonce: start.nonce, email: 'ada@example.com', email_verified: true, name: 'Ada Lovelace' });
      expect([payload.aud].flat()).toEqual([web.clientId]);

      const info = await oidc.fetchUserInfo(web.config, tokens.access_token, adaId);
      expect(info).toMatchObject({ sub: adaId, email: 'ada@example.com', email_verified: true, name: 'Ada Lovelace' });
    });

    it('returns `iss` with error responses too (RFC 9207)', async () => {
      const start = await startAuthorization(web.config, { prompt: 'none' });
      const callback = await immediateCallback(new UserAgent(), start.url);
      expect(callback.searchParams.get('error')).toBe('login_required');
      expect(callback.searchParams.get('iss')).toBe(t.issuer);
      expect(callback.searchParams.get('state')).toBe(start.state);
    });
  });

  describe('discovery and keys', () => {
    it('advertises only the code flow with S256 PKCE and the RFC 9207 iss parameter', async () => {
      const meta = await discoveryDocument(t.issuer);
      expect(meta.issuer).toBe(t.issuer);
      expect(meta.response_types_supported).toEqual(['code']);
      expect(meta.code_challenge_methods_supported).toEqual(['S256']);
      expect(meta.authorization_response_iss_parameter_supported).toBe(true);
      const grants = meta.grant_types_supported as string[];
      expect(grants).toEqual(expect.arrayContaining(['authorization_code', 'refresh_token', 'client_credentials']));
      expect(grants).not.toContain('implicit');
      expect(grants).not.toContain('password');
      expect(meta.id_token_signing_alg_values_supported).toEqual(expect.arrayContaining(['ES256', 'RS256']));
      expect(meta.id_token_signing_alg_values_supported).not.toContain('none');
      for (const endpoint of ['authorization_endpoint', 'token_endpoint', 'userinfo_endpoint', 'jwks_uri', 'end_session_endpoint', 'introspection_endpoint', 'revocation_endpoint', 'registration_endpoint']) {
        expect(String(meta[endpoint])).toMatch(new RegExp(`^${t.issuer}/`));
      }
    });

    it('refuses the password grant with unsupported_grant_type', async () => {
      const failure = await oauthError(oidc.genericGrantRequest(web.config, 'password', { username: ADA.email, password: ADA.password, scope: 'openid' }));
      expect(failure).toMatchObject({ error: 'unsupported_grant_type', status: 400 });
    });

    it('refuses the implicit flow (response_type=id_token token) at the authorization endpoint', async () => {
      const url = oidc.buildAuthorizationUrl(web.config, { redirect_uri: REDIRECT_URI, scope: 'openid', response_type: 'id_token token', nonce: oidc.randomNonce(), state: 'xyz' });
      const callback = await immediateCallback(new UserAgent(), url);
      // The error comes back in the fragment (the default response mode of that response type), without tokens.
      const response = new URLSearchParams(callback.hash.slice(1));
      expect(response.get('error')).toBe('unsupported_response_type');
      expect(response.get('iss')).toBe(t.issuer);
      expect(response.get('access_token')).toBeNull();
      expect(response.get('id_token')).toBeNull();
      expect(callback.searchParams.get('code')).toBeNull();
    });

    it('publishes an ES256 and an RS256 public key, without private parts', async () => {
      const { keys } = (await (await fetch((await discoveryDocument(t.issuer)).jwks_uri)).json()) as { keys: Record<string, unknown>[] };
      const es = keys.find((k) => k.alg === 'ES256');
      const rs = keys.find((k) => k.alg === 'RS256');
      expect(es).toMatchObject({ kty: 'EC', crv: 'P-256', use: 'sig' });
      expect(rs).toMatchObject({ kty: 'RSA', use: 'sig' });
      for (const key of keys) {
        expect(typeof key.kid).toBe('string');
        for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(key).not.toHaveProperty(secret);
      }
    });

    it('signs ID tokens with RS256 for a client registered with id_token_signed_response_alg RS256', async () => {
      const initialAccessToken = await t.latchkey.clients.issueInitialAccessToken(600);
      const legacy = await oidc.dynamicClientRegistration(
        new URL(t.issuer),
        { client_name: 'Legacy CRM', redirect_uris: [REDIRECT_URI], id_token_signed_response_alg: 'RS256' },
        undefined,
        { initialAccessToken, execute: [oidc.allowInsecureRequests] },
      );
      expect(legacy.clientMetadata().id_token_signed_response_alg).toBe('RS256');
      const start = await startAuthorization(legacy);
      const callback = await authorizeThroughForms(new UserAgent(), start, ADA);
      const tokens = await oidc.authorizationCodeGrant(legacy, callback, { pkceCodeVerifier: start.verifier, expectedState: start.state, expectedNonce: start.nonce });
      const { protectedHeader, payload } = await verifyWithJwks(t.issuer, tokens.id_token!, { audience: legacy.clientMetadata().client_id });
      expect(protectedHeader.alg).toBe('RS256');
      expect(payload.sub).toBe(adaId);
    });
  });

  describe('PKCE (RFC 7636, S256 only)', () => {
    it.each(['spa', 'native'] as const)('refuses a %s client that sends no code_challenge with invalid_request', async (type) => {
      const { client } = await t.latchkey.clients.create({ name: `Public ${type}`, type, redirectUris: [REDIRECT_URI], firstParty: true });
      const config = await relyingParty(t.issuer, client.clientId);
      const url = oidc.buildAuthorizationUrl(config, { redirect_uri: REDIRECT_URI, scope: 'openid', state: 'st', nonce: 'n' });
      const callback = await immediateCallback(new UserAgent(), url);
      expect(callback.searchParams.get('error')).toBe('invalid_request');
      expect(callback.searchParams.get('error_description')).toMatch(/PKCE/);
      expect(callback.searchParams.get('code')).toBeNull();
    });

    it('logs a public client in with PKCE and no client secret', async () => {
      const { client, clientSecret } = await t.latchkey.clients.create({ name: 'Mobile', type: 'native', redirectUris: ['com.example.app:/callback'], firstParty: true });
      expect(clientSecret).toBeUndefined();
      const config = await relyingParty(t.issuer, client.clientId);
      const start = await startAuthorization(config, { redirect_uri: 'com.example.app:/callback' });
      const callback = await authorizeThroughForms(new UserAgent(), start, ADA, { redirectUri: 'com.example.app:/callback' });
      const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: start.verifier, expectedState: start.state, expectedNonce: start.nonce });
      expect(tokens.claims()!.sub).toBe(adaId);
    });

    it('refuses the plain code_challenge_method', async () => {
      const verifier = oidc.randomPKCECodeVerifier();
      const url = oidc.buildAuthorizationUrl(web.config, { redirect_uri: REDIRECT_URI, scope: 'openid', state: 'st', nonce: 'n', code_challenge: verifier, code_challenge_method: 'plain' });
      const callback = await immediateCallback(new UserAgent(), url);
      expect(callback.searchParams.get('error')).toBe('invalid_request');
      expect(callback.searchParams.get('error_description')).toMatch(/code_challenge_method/);
    });

    it('refuses a wrong code_verifier at the token endpoint with invalid_grant', async () => {
      const start = await startAuthorization(web.config);
      const callback = await authorizeThroughForms(new UserAgent(), start, ADA);
      const failure = await oauthError(oidc.authorizationCodeGrant(web.config, callback, { pkceCodeVerifier: oidc.randomPKCECodeVerifier(), expectedState: start.state, expectedNonce: start.nonce }));
      expect(failure).toMatchObject({ error: 'invalid_grant', status: 400 });
    });

    it('requires PKCE from a web client by default', async () => {
      const url = oidc.buildAuthorizationUrl(web.config, { redirect_uri: REDIRECT_URI, scope: 'openid', state: 'st', nonce: 'n' });
      const callback = await immediateCallback(new UserAgent(), url);
      expect(callback.searchParams.get('error')).toBe('invalid_request');
    });

    it('lets a web client registered with requirePkce false omit PKCE, but still checks a challenge it did send', async () => {
      const { client, clientSecret } = await t.latchkey.clients.create({ name: 'Old PHP shop', type: 'web', redirectUris: [REDIRECT_URI], firstParty: true, requirePkce: false });
      const config = await relyingParty(t.issuer, client.clientId, clientSecret);

      const state = oidc.randomState();
      const nonce = oidc.randomNonce();
      const url = oidc.buildAuthorizationUrl(config, { redirect_uri: REDIRECT_URI, scope: 'openid email', state, nonce });
      const callback = await authorizeThroughForms(new UserAgent(), { url, state, nonce, verifier: '' }, ADA);
      const tokens = await oidc.authorizationCodeGrant(config, callback, { expectedState: state, expectedNonce: nonce });
      expect(tokens.claims()!.sub).toBe(adaId);

      // A code bound to a challenge cannot be redeemed without its verifier (no downgrade).
      const start = await startAuthorization(config);
      const bound = await authorizeThroughForms(new UserAgent(), start, ADA);
      const failure = await oauthError(oidc.authorizationCodeGrant(config, bound, { expectedState: start.state, expectedNonce: start.nonce }));
      expect(failure).toMatchObject({ error: 'invalid_grant', status: 400 });
    });
  });

  describe('authorization codes are single-use', () => {
    it('refuses a reused code with invalid_grant and revokes the tokens of its first use', async () => {
      const start = await startAuthorization(web.config, { scope: 'openid email offline_access', prompt: 'consent' });
      const callback = await authorizeThroughForms(new UserAgent(), start, ADA);
      const checks = { pkceCodeVerifier: start.verifier, expectedState: start.state, expectedNonce: start.nonce };
      const first = await oidc.authorizationCodeGrant(web.config, callback, checks);
      expect(first.refresh_token).toBeTruthy();
      expect((await oidc.tokenIntrospection(web.config, first.access_token)).active).toBe(true);

      const failure = await oauthError(oidc.authorizationCodeGrant(web.config, callback, checks));
      expect(failure).toMatchObject({ error: 'invalid_grant', status: 400 });

      expect((await oidc.tokenIntrospection(web.config, first.access_token)).active).toBe(false);
      expect((await oidc.tokenIntrospection(web.config, first.refresh_token!)).active).toBe(false);
      expect(await oauthError(oidc.refreshTokenGrant(web.config, first.refresh_token!))).toMatchObject({ error: 'invalid_grant' });
      await expect(oidc.fetchUserInfo(web.config, first.access_token, adaId)).rejects.toThrow();
    });

    it('lets exactly one of two parallel redemptions of the same code succeed', async () => {
      for (let round = 0; round < 3; round++) {
        const start = await startAuthorization(web.config);
        const callback = await authorizeThroughForms(new UserAgent(), start, ADA);
        const checks = { pkceCodeVerifier: start.verifier, expectedState: start.state, expectedNonce: start.nonce };
        const results = await Promise.allSettled([
          oidc.authorizationCodeGrant(web.config, callback, checks),
          oidc.authorizationCodeGrant(web.config, callback, checks),
        ]);
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')!;
        expect(await oauthError(Promise.reject(rejected.reason))).toMatchObject({ error: 'invalid_grant', status: 400 });
      }
    });

    it('refuses a code redeemed by another client with invalid_grant', async () => {
      const { client, clientSecret } = await t.latchkey.clients.create({ name: 'Other app', type: 'web', redirectUris: [REDIRECT_URI], firstParty: true });
      const other = await relyingParty(t.issuer, client.clientId, clientSecret);
      const start = await startAuthorization(web.config);
      const callback = await authorizeThroughForms(new UserAgent(), start, ADA);
      const failure = await oauthError(oidc.authorizationCodeGrant(other, callback, { pkceCodeVerifier: start.verifier, expectedState: start.state, expectedNonce: start.nonce }));
      expect(failure).toMatchObject({ error: 'invalid_grant', status: 400 });
      // The rightful client can still redeem it.
      const tokens = await oidc.authorizationCodeGrant(web.config, callback, { pkceCodeVerifier: start.verifier, expectedState: start.state, expectedNonce: start.nonce });
      expect(tokens.claims()!.sub).toBe(adaId);
    });
  });

  describe('redirect URIs are matched exactly', () => {
    const variants: [string, string][] = [
      ['an extra query parameter', `${REDIRECT_URI}?next=/admin`],
      ['a trailing slash', `${REDIRECT_URI}/`],
      ['another host', 'https://attacker.example.net/callback'],
      ['a sub-domain of the registered host', 'https://evil.rp.example.com/callback'],
      ['another scheme', REDIRECT_URI.replace('https:', 'http:')],
      ['a different path case', REDIRECT_URI.replace('/callback', '/Callback')],
      ['another port', REDIRECT_URI.replace('rp.example.com', 'rp.example.com:8443')],
    ];

    it.each(variants)('shows an error page, never redirecting, for %s', async (_label, redirectUri) => {
      const start = await startAuthorization(web.config, { redirect_uri: redirectUri });
      const response = await new UserAgent().request(start.url);
      expect(response.status).toBe(400);
      expect(response.headers.get('location')).toBeNull();
      expect(response.headers.get('content-type')).toMatch(/text\/html/);
      const html = await response.text();
      expect(html).toContain('invalid_redirect_uri');
      expect(html).not.toContain(start.state);
    });

    it('still redirects for the registered URI (control)', async () => {
      const start = await startAuthorization(web.config, { prompt: 'none' });
      const callback = await immediateCallback(new UserAgent(), start.url);
      expect(`${callback.origin}${callback.pathname}`).toBe(REDIRECT_URI);
    });
  });
});
