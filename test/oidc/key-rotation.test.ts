// Signing key rotation as relying parties see it: after `keys rotate` new ID tokens carry the new kid,
// and the JWKS keeps publishing the old keys, so tokens signed before the rotation still verify.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { decodeProtectedHeader } from 'jose';
import { databaseKinds } from '../support/databases.js';
import { startTestLatchkey, type TestLatchkey } from '../support/latchkey.js';
import { authorizeThroughForms, discoveryDocument, login, oidc, REDIRECT_URI, relyingParty, startAuthorization, verifyWithJwks } from '../support/relying-party.js';
import { UserAgent } from '../support/user-agent.js';

describe.each(databaseKinds)('signing key rotation (%s)', (kind) => {
  let t: TestLatchkey;
  let es: { id: string; config: oidc.Configuration };
  let rs: { id: string; config: oidc.Configuration };
  const user = { email: 'katherine@example.com', password: 'a long enough password' };

  beforeAll(async () => {
    t = await startTestLatchkey(kind);
    await t.latchkey.services.accounts.create({ ...user, emailVerified: true });
    const { client, clientSecret } = await t.latchkey.clients.create({ name: 'Shop', type: 'web', redirectUris: [REDIRECT_URI], firstParty: true });
    es = { id: client.clientId, config: await relyingParty(t.issuer, client.clientId, clientSecret) };
    const legacy = await oidc.dynamicClientRegistration(
      new URL(t.issuer),
      { client_name: 'Legacy CRM', redirect_uris: [REDIRECT_URI], id_token_signed_response_alg: 'RS256' },
      undefined,
      { initialAccessToken: await t.latchkey.clients.issueInitialAccessToken(600), execute: [oidc.allowInsecureRequests] },
    );
    rs = { id: legacy.clientMetadata().client_id, config: legacy };
  });
  afterAll(async () => t?.close());

  const publishedKids = async () => {
    const { keys } = (await (await fetch((await discoveryDocument(t.issuer)).jwks_uri)).json()) as { keys: { kid: string; alg: string }[] };
    return keys;
  };

  async function idToken(client: { config: oidc.Configuration }, ua = new UserAgent()) {
    const start = await startAuthorization(client.config);
    const callback = await authorizeThroughForms(ua, start, user);
    const tokens = await oidc.authorizationCodeGrant(client.config, callback, { pkceCodeVerifier: start.verifier, expectedState: start.state, expectedNonce: start.nonce });
    return tokens;
  }

  it('signs with the new keys after a rotation and keeps the old ones published', async () => {
    const ua = new UserAgent();
    const before = await login(es.config, ua, user, { scope: 'openid email offline_access', prompt: 'consent' });
    const beforeRs = await idToken(rs, ua);
    const oldEs = decodeProtectedHeader(before.tokens.id_token!);
    const oldRs = decodeProtectedHeader(beforeRs.id_token!);
    expect(oldEs.alg).toBe('ES256');
    expect(oldRs.alg).toBe('RS256');
    const kidsBefore = (await publishedKids()).map((k) => k.kid);
    expect(kidsBefore).toEqual(expect.arrayContaining([oldEs.kid, oldRs.kid]));

    const { created } = await t.latchkey.services.keys.rotate();
    expect(created.map((k) => k.alg).sort()).toEqual(['ES256', 'RS256']);
    expect(await t.latchkey.reloadKeys()).toBe(true);
    expect(await t.latchkey.reloadKeys()).toBe(false); // nothing new the second time

    const keys = await publishedKids();
    const newEsKid = created.find((k) => k.alg === 'ES256')!.kid;
    const newRsKid = created.find((k) => k.alg === 'RS256')!.kid;
    expect(keys.map((k) => k.kid)).toEqual(expect.arrayContaining([oldEs.kid, oldRs.kid, newEsKid, newRsKid]));
    expect(keys.filter((k) => k.alg === 'ES256')).toHaveLength(2);
    expect(keys.filter((k) => k.alg === 'RS256')).toHaveLength(2);

    // New ID tokens (a fresh login, a silent one with the surviving session, a refresh) use the new kids.
    const fresh = await login(es.config, new UserAgent(), user);
    expect(decodeProtectedHeader(fresh.tokens.id_token!)).toMatchObject({ alg: 'ES256', kid: newEsKid });
    const silent = await login(es.config, ua, user);
    expect(decodeProtectedHeader(silent.tokens.id_token!).kid).toBe(newEsKid);
    const refreshed = await oidc.refreshTokenGrant(es.config, before.tokens.refresh_token!);
    expect(decodeProtectedHeader(refreshed.id_token!).kid).toBe(newEsKid);
    expect(decodeProtectedHeader((await idToken(rs, ua)).id_token!)).toMatchObject({ alg: 'RS256', kid: newRsKid });

    // Tokens signed before the rotation still verify against the published JWKS; new ones too.
    await expect(verifyWithJwks(t.issuer, before.tokens.id_token!, { audience: es.id })).resolves.toBeDefined();
    await expect(verifyWithJwks(t.issuer, beforeRs.id_token!, { audience: rs.id })).resolves.toBeDefined();
    await expect(verifyWithJwks(t.issuer, fresh.tokens.id_token!, { audience: es.id })).resolves.toBeDefined();

    // An old ID token still works as id_token_hint for logout.
    const logout = await new UserAgent().request(oidc.buildEndSessionUrl(es.config, { id_token_hint: before.tokens.id_token! }));
    expect(logout.status).toBeLessThan(400);
  });
});
