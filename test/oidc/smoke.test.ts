import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestLatchkey, type TestLatchkey } from '../support/latchkey.js';
import { login, oidc, REDIRECT_URI, relyingParty } from '../support/relying-party.js';
import { UserAgent } from '../support/user-agent.js';

describe('smoke', () => {
  let t: TestLatchkey;
  beforeAll(async () => {
    t = await startTestLatchkey('pglite');
  });
  afterAll(async () => t?.close());

  it('logs in through the forms', async () => {
    await t.latchkey.services.accounts.create({ email: 'Ada@Example.com', password: 'correct horse battery', name: 'Ada', emailVerified: true });
    const { client, clientSecret } = await t.latchkey.clients.create({ name: 'Shop', type: 'web', redirectUris: [REDIRECT_URI], firstParty: true });
    const config = await relyingParty(t.issuer, client.clientId, clientSecret);
    const { tokens } = await login(config, new UserAgent(), { email: 'ada@example.com', password: 'correct horse battery' });
    const claims = tokens.claims()!;
    expect(claims.email).toBe('ada@example.com');
    const info = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
    expect(info.name).toBe('Ada');
  });
});
