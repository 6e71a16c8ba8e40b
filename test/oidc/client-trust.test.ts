// What Latchkey trusts a client with depends on who registered it: operator-registered clients (CLI, staff)
// may be first-party and introspect any token; dynamically registered ones (RFC 7591) never. And in
// production every URI a client registers (redirect, post-logout, back-channel) must be https.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { databaseKinds } from '../support/databases.js';
import { startTestLatchkey, type TestLatchkey } from '../support/latchkey.js';
import { login, oidc, REDIRECT_URI, relyingParty } from '../support/relying-party.js';
import { UserAgent } from '../support/user-agent.js';

async function register(issuer: string, token: string, metadata: Record<string, unknown>, headers: Record<string, string> = {}) {
  const response = await fetch(`${issuer}/reg`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(metadata),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe.each(databaseKinds)('client trust (%s)', (kind) => {
  let t: TestLatchkey;
  const user = { email: 'grace@example.com', password: 'a long enough password' };

  beforeAll(async () => {
    t = await startTestLatchkey(kind);
    await t.latchkey.services.accounts.create({ ...user, emailVerified: true });
  });
  afterAll(async () => t?.close());

  it('marks CLI-created clients operator-registered and dynamically registered ones dynamic, whatever they ask', async () => {
    const { client } = await t.latchkey.clients.create({ name: 'Shop', type: 'web', redirectUris: [REDIRECT_URI] });
    expect(client.registeredBy).toBe('operator');
    const token = await t.latchkey.clients.issueInitialAccessToken(600);
    const reg = await register(t.issuer, token, { redirect_uris: [REDIRECT_URI], registered_by: 'operator', first_party: true });
    expect(reg.status).toBe(201);
    expect(reg.body).toMatchObject({ registered_by: 'dynamic', first_party: false });
    expect((await t.latchkey.clients.show(String(reg.body.client_id))).registeredBy).toBe('dynamic');
  });

  it('lets operator-registered clients introspect any token, and a dynamic client only its own', async () => {
    const web = await t.latchkey.clients.create({ name: 'Shop', type: 'web', redirectUris: [REDIRECT_URI], firstParty: true });
    const api = await t.latchkey.clients.create({ name: 'Orders API', type: 'service', redirectUris: [] });
    const token = await t.latchkey.clients.issueInitialAccessToken(600);
    const reg = await register(t.issuer, token, { redirect_uris: [REDIRECT_URI], client_name: 'Partner' });
    const partner = await relyingParty(t.issuer, String(reg.body.client_id), String(reg.body.client_secret));

    const webConfig = await relyingParty(t.issuer, web.client.clientId, web.clientSecret);
    const { tokens } = await login(webConfig, new UserAgent(), user);
    const byApi = await oidc.tokenIntrospection(await relyingParty(t.issuer, api.client.clientId, api.clientSecret), tokens.access_token);
    expect(byApi).toMatchObject({ active: true, client_id: web.client.clientId });
    const byPartner = await oidc.tokenIntrospection(partner, tokens.access_token);
    expect(byPartner).toEqual({ active: false });

    const own = await oidc.clientCredentialsGrant(partner).catch(() => undefined);
    expect(own).toBeUndefined(); // a dynamic web client has no client credentials grant either
  });
});

describe('client URIs in production', () => {
  let t: TestLatchkey;
  beforeAll(async () => {
    t = await startTestLatchkey('pglite', { production: true, issuer: 'https://login.example.test' }, { LATCHKEY_TRUST_PROXY: 'true' });
  });
  afterAll(async () => t?.close());

  it('refuses http back-channel and post-logout URIs, even on loopback', async () => {
    await expect(t.latchkey.clients.create({ name: 'A', type: 'web', redirectUris: ['https://a.example.com/cb'], backchannelLogoutUri: 'http://127.0.0.1:9/logout' }))
      .rejects.toMatchObject({ code: 'invalid_request', message: expect.stringContaining('backchannel_logout_uri') });
    await expect(t.latchkey.clients.create({ name: 'A', type: 'web', redirectUris: ['https://a.example.com/cb'], postLogoutRedirectUris: ['http://a.example.com/bye'] }))
      .rejects.toMatchObject({ code: 'invalid_request', message: expect.stringContaining('post_logout_redirect_uris') });
    const ok = await t.latchkey.clients.create({ name: 'A', type: 'web', redirectUris: ['https://a.example.com/cb'], postLogoutRedirectUris: ['https://a.example.com/bye'], backchannelLogoutUri: 'https://a.example.com/logout' });
    expect(ok.client.backchannelLogoutUri).toBe('https://a.example.com/logout');
  });

  it('refuses the same through dynamic registration', async () => {
    const token = await t.latchkey.clients.issueInitialAccessToken(600);
    // Through the TLS-terminating proxy's eyes: the public https issuer maps to the loopback server.
    const local = `http://127.0.0.1:${t.latchkey.config.port}`;
    const reg = await register(local, token, { redirect_uris: ['https://a.example.com/cb'], post_logout_redirect_uris: ['http://a.example.com/bye'] }, { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'login.example.test' });
    expect(reg.status).toBe(400);
    expect(reg.body.error).toBe('invalid_client_metadata');
  });
});
