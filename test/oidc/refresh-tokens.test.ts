// Refresh tokens as a relying party uses them: issued only for offline_access (OIDC Core §11, which asks
// for prompt=consent with it; first-party clients still see no page), rotated on every use, and a reused
// rotated token revokes the whole grant (RFC 9700 §4.14.2).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { databaseKinds } from '../support/databases.js';
import { startTestLatchkey, type TestLatchkey } from '../support/latchkey.js';
import { authorizeThroughForms, login, oauthError, oidc, REDIRECT_URI, relyingParty, startAuthorization } from '../support/relying-party.js';
import { UserAgent } from '../support/user-agent.js';

const OFFLINE = { scope: 'openid email offline_access', prompt: 'consent' };

describe.each(databaseKinds)('refresh tokens (%s)', (kind) => {
  let t: TestLatchkey;
  let config: oidc.Configuration;
  let accountId: string;
  const grace = { email: 'grace@example.com', password: 'hopper-compiler-1952' };

  beforeAll(async () => {
    t = await startTestLatchkey(kind);
    accountId = (await t.latchkey.services.accounts.create({ ...grace, name: 'Grace Hopper', emailVerified: true })).id;
    const { client, clientSecret } = await t.latchkey.clients.create({ name: 'Shop', type: 'web', redirectUris: [REDIRECT_URI], firstParty: true });
    config = await relyingParty(t.issuer, client.clientId, clientSecret);
  });
  afterAll(async () => t?.close());

  async function offlineLogin() {
    const start = await startAuthorization(config, OFFLINE);
    // consent: false: a first-party client gets no consent page, not even for offline_access.
    const callback = await authorizeThroughForms(new UserAgent(), start, grace, { consent: false });
    return oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: start.verifier, expectedState: start.state, expectedNonce: start.nonce });
  }

  const introspect = async (token: string) => (await oidc.tokenIntrospection(config, token)).active;

  it('issues a refresh token for offline_access to a first-party client, without a consent page', async () => {
    const tokens = await offlineLogin();
    expect(tokens.refresh_token).toEqual(expect.any(String));
    expect(tokens.scope?.split(' ')).toEqual(expect.arrayContaining(['openid', 'email', 'offline_access']));
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.claims()!.sub).toBe(accountId);
    expect(await oidc.fetchUserInfo(config, refreshed.access_token, accountId)).toMatchObject({ sub: accountId, email: grace.email });
  });

  it('issues no refresh token without offline_access', async () => {
    const { tokens } = await login(config, new UserAgent(), grace, { scope: 'openid email' });
    expect(tokens.refresh_token).toBeUndefined();
  });

  it('ignores offline_access without prompt=consent (OIDC Core §11)', async () => {
    const { tokens } = await login(config, new UserAgent(), grace, { scope: 'openid email offline_access' });
    expect(tokens.refresh_token).toBeUndefined();
    expect(tokens.scope?.split(' ')).not.toContain('offline_access');
  });

  it('rotates the refresh token on every use; each new one works', async () => {
    const tokens = await offlineLogin();
    const seen = new Set([tokens.refresh_token!]);
    let current = tokens.refresh_token!;
    for (let i = 0; i < 3; i++) {
      const next = await oidc.refreshTokenGrant(config, current);
      expect(next.refresh_token).toEqual(expect.any(String));
      expect(seen.has(next.refresh_token!)).toBe(false);
      seen.add(next.refresh_token!);
      expect(await introspect(next.access_token)).toBe(true);
      expect(await introspect(current)).toBe(false); // the rotated token is spent
      current = next.refresh_token!;
    }
  });

  it('treats reuse of a rotated refresh token as theft: invalid_grant and the whole grant is revoked', async () => {
    const tokens = await offlineLogin();
    const first = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    const second = await oidc.refreshTokenGrant(config, first.refresh_token!);
    expect(await introspect(second.access_token)).toBe(true);

    // An attacker (or a confused client) replays the first, already rotated refresh token.
    expect(await oauthError(oidc.refreshTokenGrant(config, tokens.refresh_token!))).toMatchObject({ error: 'invalid_grant', status: 400 });

    // The legitimate client's newest refresh token and every access token of the grant are dead too.
    expect(await oauthError(oidc.refreshTokenGrant(config, second.refresh_token!))).toMatchObject({ error: 'invalid_grant', status: 400 });
    for (const token of [tokens.access_token, first.access_token, second.access_token, second.refresh_token!]) {
      expect(await introspect(token)).toBe(false);
    }
    expect(await oauthError(oidc.fetchUserInfo(config, second.access_token, accountId))).toMatchObject({ error: 'invalid_token', status: 401 });
  });

  it('lets exactly one of two parallel uses of the same refresh token succeed', async () => {
    const tokens = await offlineLogin();
    const results = await Promise.allSettled([oidc.refreshTokenGrant(config, tokens.refresh_token!), oidc.refreshTokenGrant(config, tokens.refresh_token!)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')!;
    expect(await oauthError(Promise.reject(rejected.reason))).toMatchObject({ error: 'invalid_grant' });
  });

  it('refuses a refresh token presented by another client with invalid_grant', async () => {
    const tokens = await offlineLogin();
    const { client, clientSecret } = await t.latchkey.clients.create({ name: 'Other', type: 'web', redirectUris: [REDIRECT_URI], firstParty: true });
    const other = await relyingParty(t.issuer, client.clientId, clientSecret);
    expect(await oauthError(oidc.refreshTokenGrant(other, tokens.refresh_token!))).toMatchObject({ error: 'invalid_grant', status: 400 });
    // The owner's token is untouched.
    expect((await oidc.refreshTokenGrant(config, tokens.refresh_token!)).access_token).toEqual(expect.any(String));
  });

  it('refuses an unknown refresh token with invalid_grant', async () => {
    expect(await oauthError(oidc.refreshTokenGrant(config, 'not-a-refresh-token'))).toMatchObject({ error: 'invalid_grant', status: 400 });
  });
});
