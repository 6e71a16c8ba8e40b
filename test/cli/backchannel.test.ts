// Back-channel logout from a real server process, where oidc-provider's SSRF protection is active (it is
// not under Jest's module sandbox): sibling apps on the company network, registered by an operator, receive
// logout tokens on loopback/private addresses; a dynamically registered client's private address does not.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startLogoutReceiver, type LogoutReceiver } from '../support/logout-receiver.js';
import { authorizeThroughForms, oidc, REDIRECT_URI, relyingParty, startAuthorization, visit } from '../support/relying-party.js';
import { UserAgent } from '../support/user-agent.js';
import { createSandbox, eventually, expectSuccess, freePort, latchkey, startServer, type Sandbox, type ServerProcess } from './helpers.js';

describe('back-channel logout from a server process', () => {
  let sandbox: Sandbox;
  let server: ServerProcess | undefined;
  let receiver: LogoutReceiver;
  let issuer: string;
  const user = { email: 'barbara@example.com', password: 'a long enough password' };

  beforeAll(async () => {
    const port = await freePort();
    issuer = `http://127.0.0.1:${port}`;
    sandbox = await createSandbox({ PORT: String(port), LATCHKEY_ISSUER: issuer });
    receiver = await startLogoutReceiver();
    server = await startServer(sandbox.env);
  }, 120_000);
  afterAll(async () => {
    server?.kill();
    await server?.exited;
    await receiver?.close();
    await sandbox?.remove();
  });

  it('delivers to the operator-registered client on loopback and not to a dynamic client there', async () => {
    const run = (args: string[], input?: string) => latchkey(args, { env: sandbox.env, input });
    expectSuccess(await run(['users', 'create', '--email', user.email, '--password-stdin', '--verified'], user.password));
    const created = await run(['clients', 'create', '--json', '--name', 'Shop', '--first-party', '--redirect-uri', REDIRECT_URI, '--backchannel-logout-uri', `${receiver.url}/operator`]);
    expectSuccess(created);
    const shop = created.json<{ client_id: string; client_secret: string }>();
    const iat = await run(['clients', 'initial-access-token', '--json']);
    expectSuccess(iat);
    const reg = await fetch(`${issuer}/reg`, {
      method: 'POST',
      headers: { authorization: `Bearer ${iat.json<{ initial_access_token: string }>().initial_access_token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ redirect_uris: [REDIRECT_URI], client_name: 'Partner', backchannel_logout_uri: `${receiver.url}/dynamic`, backchannel_logout_session_required: true }),
    });
    expect(reg.status).toBe(201);
    const partner = (await reg.json()) as { client_id: string; client_secret: string };

    // One browser session signed in to both apps.
    const ua = new UserAgent();
    const shopConfig = await relyingParty(issuer, shop.client_id, shop.client_secret);
    const partnerConfig = await relyingParty(issuer, partner.client_id, partner.client_secret);
    const start = await startAuthorization(shopConfig);
    const shopTokens = await oidc.authorizationCodeGrant(shopConfig, await authorizeThroughForms(ua, start, user), { pkceCodeVerifier: start.verifier, expectedState: start.state, expectedNonce: start.nonce });
    const start2 = await startAuthorization(partnerConfig);
    await oidc.authorizationCodeGrant(partnerConfig, await authorizeThroughForms(ua, start2, user), { pkceCodeVerifier: start2.verifier, expectedState: start2.state, expectedNonce: start2.nonce });

    const page = (await visit(ua, oidc.buildEndSessionUrl(shopConfig, { id_token_hint: shopTokens.id_token! }))).page!;
    const form = page.forms.find((f) => f.action.endsWith('/session/end/confirm'))!;
    await visit(ua, form.action, { form: { ...form.fields, logout: 'yes' } });

    await eventually(async () => receiver.received.some((r) => r.path === '/operator'), 10_000, 'logout token at the operator client');
    // Give the dynamic client's delivery the same chance before asserting it never came.
    await new Promise((r) => setTimeout(r, 1000));
    expect(receiver.received.map((r) => r.path)).toEqual(['/operator']);
    expect(server!.output().stdout).toMatch(/back-channel logout delivery failed/);
  }, 120_000);
});
