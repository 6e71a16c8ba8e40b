// Access tokens for Latchkey's own API (RFC 8707 resource indicators, RFC 6750 bearer errors): a client asking
// for scope `account` gets a token whose audience is the API without sending `resource`; openid-only requests
// keep userinfo tokens; the API refuses every token that is not a live, unexpired token for it with the scope.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { databaseKinds } from '../support/databases.js';
import { startTestLatchkey, type TestLatchkey } from '../support/latchkey.js';
import { discoveryDocument, isConsentPage, oauthError, oidc, REDIRECT_URI, relyingParty, startAuthorization, submitForm, visit } from '../support/relying-party.js';
import { UserAgent } from '../support/user-agent.js';
import { api, NATIVE_REDIRECT_URI, nativeApp, signIn } from '../web/api/api-client.js';

const ADA = { email: 'ada@example.com', password: 'correct horse battery' };

describe.each(databaseKinds)('access tokens for the Account API (%s)', (kind) => {
  let t: TestLatchkey;
  let adaId: string;
  let app: Awaited<ReturnType<typeof nativeApp>>;
  let apiAudience: string;

  beforeAll(async () => {
    t = await startTestLatchkey(kind);
    adaId = (await t.latchkey.services.accounts.create({ ...ADA, name: 'Ada', emailVerified: true })).id;
    app = await nativeApp(t);
    apiAudience = `${t.issuer}/api/v1`;
  });
  afterAll(async () => t?.close());

  it('advertises the API scopes in discovery', async () => {
    const meta = await discoveryDocument(t.issuer);
    expect(meta.scopes_supported).toEqual(expect.arrayContaining(['openid', 'account', 'accounts:provision']));
  });

  it('gives a mobile app asking for `account` an API token without a resource parameter; the ID token still names the user', async () => {
    const tokens = await signIn(app.config, ADA);
    expect(tokens.claims()).toMatchObject({ sub: adaId, email: ADA.email });
    expect(tokens.scope?.split(' ')).toContain('account');
    const info = await oidc.tokenIntrospection(await introspector(), tokens.access_token);
    expect(info).toMatchObject({ active: true, aud: apiAudience, sub: adaId, client_id: app.clientId });
    const me = await api(t, 'GET', '/me', { token: tokens.access_token });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ sub: adaId, email: ADA.email });
  });

  it('names the account scope in plain words on the consent page of a third-party app', async () => {
    const { client } = await t.latchkey.clients.create({ name: 'Partner app', type: 'native', redirectUris: [NATIVE_REDIRECT_URI] });
    const config = await relyingParty(t.issuer, client.clientId);
    const start = await startAuthorization(config, { redirect_uri: NATIVE_REDIRECT_URI, scope: 'openid account' });
    const ua = new UserAgent();
    const loginPage = await visit(ua, start.url, {}, NATIVE_REDIRECT_URI);
    const consent = await submitForm(ua, loginPage.page!, '/login', ADA, NATIVE_REDIRECT_URI);
    expect(isConsentPage(consent.page)).toBe(true);
    expect(consent.page!.html).toContain('Manage your account in the app');
    const back = await submitForm(ua, consent.page!, '/confirm', {}, NATIVE_REDIRECT_URI);
    const tokens = await oidc.authorizationCodeGrant(config, back.callback!, { pkceCodeVerifier: start.verifier, expectedState: start.state, expectedNonce: start.nonce });
    expect((await api(t, 'GET', '/me', { token: tokens.access_token })).status).toBe(200);

  });

  it("remembers a third-party web app's consent to the account scope: a later sign-in asks nothing and reaches the API", async () => {
    const created = await t.latchkey.clients.create({ name: 'Partner portal', type: 'web', redirectUris: [REDIRECT_URI] });
    const config = await relyingParty(t.issuer, created.client.clientId, created.clientSecret);
    const first = await startAuthorization(config, { scope: 'openid account' });
    const ua = new UserAgent();
    const consent = await submitForm(ua, (await visit(ua, first.url)).page!, '/login', ADA);
    expect(isConsentPage(consent.page)).toBe(true);
    expect(consent.page!.html).toContain('Manage your account in the app');
    expect((await submitForm(ua, consent.page!, '/confirm')).callback).toBeDefined();

    // Another browser, a new session: the remembered consent covers the API scope too.
    const again = await startAuthorization(config, { scope: 'openid account' });
    const ua2 = new UserAgent();
    const returned = await submitForm(ua2, (await visit(ua2, again.url)).page!, '/login', ADA);
    expect(isConsentPage(returned.page)).toBe(false);
    const tokens = await oidc.authorizationCodeGrant(config, returned.callback!, { pkceCodeVerifier: again.verifier, expectedState: again.state, expectedNonce: again.nonce });
    expect(tokens.scope?.split(' ')).toContain('account');
    expect((await api(t, 'GET', '/me', { token: tokens.access_token })).status).toBe(200);
  });

  it('keeps the API audience on refreshed tokens', async () => {
    const tokens = await signIn(app.config, ADA, 'openid account offline_access');
    expect(tokens.refresh_token).toEqual(expect.any(String));
    const refreshed = await oidc.refreshTokenGrant(app.config, tokens.refresh_token!);
    expect((await api(t, 'GET', '/me', { token: refreshed.access_token })).status).toBe(200);
  });

  it('still issues userinfo tokens for openid-only requests, and the API refuses them (wrong audience)', async () => {
    const tokens = await signIn(app.config, ADA, 'openid email');
    const info = await oidc.fetchUserInfo(app.config, tokens.access_token, adaId);
    expect(info).toMatchObject({ sub: adaId, email: ADA.email });
    const me = await api(t, 'GET', '/me', { token: tokens.access_token });
    expect(me.status).toBe(401);
    expect(me.body).toEqual({ error: 'invalid_token', error_description: expect.stringMatching(/not for this API/) });
    expect(me.headers.get('www-authenticate')).toMatch(/^Bearer realm="latchkey", error="invalid_token"/);
  });

  it('refuses requests without a token (401, a bare Bearer challenge) and with a garbage token', async () => {
    const none = await api(t, 'GET', '/me');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="latchkey"');
    expect(none.body).toEqual({ error: 'invalid_token', error_description: expect.any(String) });
    for (const header of ['Bearer nonsense-token', 'Basic dXNlcjpwYXNz', 'Bearer', 'Bearer a b']) {
      const answer = await api(t, 'GET', '/me', { headers: { authorization: header } });
      expect({ header, status: answer.status, error: answer.body.error }).toEqual({ header, status: 401, error: 'invalid_token' });
      expect(answer.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
    }
  });

  it('refuses a revoked token and an expired one', async () => {
    const revoked = await signIn(app.config, ADA);
    await oidc.tokenRevocation(app.config, revoked.access_token);
    expect((await api(t, 'GET', '/me', { token: revoked.access_token })).status).toBe(401);

    const expired = await signIn(app.config, ADA);
    expect((await api(t, 'GET', '/me', { token: expired.access_token })).status).toBe(200);
    // Its lifetime ends (the stored expiry moves into the past, as time passing would do).
    await t.latchkey.db.query(
      `UPDATE oidc_payloads SET expires_at = now() - interval '1 minute', payload = jsonb_set(payload, '{exp}', to_jsonb(extract(epoch from now())::int - 60))
       WHERE model = 'AccessToken' AND id = $1`,
      [expired.access_token],
    );
    const answer = await api(t, 'GET', '/me', { token: expired.access_token });
    expect(answer.status).toBe(401);
    expect(answer.body.error).toBe('invalid_token');
  });

  it('refuses tokens of a blocked account, and works again after unblocking with a new sign-in', async () => {
    const bob = { email: 'bob@example.com', password: 'another long password' };
    await t.latchkey.services.accounts.create({ ...bob, emailVerified: true });
    const tokens = await signIn(app.config, bob);
    expect((await api(t, 'GET', '/me', { token: tokens.access_token })).status).toBe(200);
    await t.latchkey.services.accounts.block(bob.email, 'test');
    const answer = await api(t, 'GET', '/me', { token: tokens.access_token });
    expect(answer.status).toBe(401);
    expect(answer.body.error).toBe('invalid_token');
    await t.latchkey.services.accounts.unblock(bob.email);
    expect((await api(t, 'GET', '/me', { token: (await signIn(app.config, bob)).access_token })).status).toBe(200);
  });

  it('answers 403 insufficient_scope to an API token without `account` (a client credentials token)', async () => {
    const svc = await t.latchkey.clients.create({ name: 'Nightly job', type: 'service', redirectUris: [] });
    const config = await relyingParty(t.issuer, svc.client.clientId, svc.clientSecret);
    const tokens = await oidc.clientCredentialsGrant(config, { resource: apiAudience });
    const answer = await api(t, 'GET', '/me', { token: tokens.access_token });
    expect(answer.status).toBe(403);
    expect(answer.body.error).toBe('insufficient_scope');
    expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="latchkey", error="insufficient_scope", scope="account"');
  });

  it('refuses an unknown resource indicator at the authorization server', async () => {
    const svc = await t.latchkey.clients.create({ name: 'Other job', type: 'service', redirectUris: [] });
    const config = await relyingParty(t.issuer, svc.client.clientId, svc.clientSecret);
    expect(await oauthError(oidc.clientCredentialsGrant(config, { resource: 'https://elsewhere.example.com/api' }))).toMatchObject({ error: 'invalid_target', status: 400 });
  });

  /** A confidential operator client that may introspect any token (a resource server). */
  async function introspector() {
    const rs = await t.latchkey.clients.create({ name: 'Introspector', type: 'web', redirectUris: ['https://rs.example.com/cb'], firstParty: true });
    return relyingParty(t.issuer, rs.client.clientId, rs.clientSecret);
  }
});
