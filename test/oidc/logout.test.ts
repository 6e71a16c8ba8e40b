// Logout as relying parties rely on it: RP-Initiated Logout 1.0 (confirmation without id_token_hint,
// post_logout_redirect_uri only when registered, state passed back) and Back-Channel Logout 1.0 (a signed
// logout token to every client of the session, verifiable against the JWKS).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { decodeProtectedHeader } from 'jose';
import { databaseKinds } from '../support/databases.js';
import { startTestLatchkey, type TestLatchkey } from '../support/latchkey.js';
import { startLogoutReceiver, type LogoutReceiver } from '../support/logout-receiver.js';
import { immediateCallback, login, oauthError, oidc, REDIRECT_URI, relyingParty, startAuthorization, verifyWithJwks, visit, type Page } from '../support/relying-party.js';
import { UserAgent } from '../support/user-agent.js';

const POST_LOGOUT_URI = 'https://rp.example.com/logged-out';
const BACKCHANNEL_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

describe.each(databaseKinds)('logout (%s)', (kind) => {
  let t: TestLatchkey;
  let receiver: LogoutReceiver;
  let shop: { id: string; config: oidc.Configuration };
  let center: { id: string; config: oidc.Configuration };
  let plain: { id: string; config: oidc.Configuration };
  let counter = 0;

  beforeAll(async () => {
    receiver = await startLogoutReceiver();
    t = await startTestLatchkey(kind);
    const create = async (name: string, backchannelPath?: string) => {
      const { client, clientSecret } = await t.latchkey.clients.create({
        name,
        type: 'web',
        redirectUris: [REDIRECT_URI],
        firstParty: true,
        postLogoutRedirectUris: [POST_LOGOUT_URI],
        ...(backchannelPath ? { backchannelLogoutUri: `${receiver.url}${backchannelPath}` } : {}),
      });
      return { id: client.clientId, config: await relyingParty(t.issuer, client.clientId, clientSecret) };
    };
    shop = await create('Shop', '/shop');
    center = await create('Customer Center', '/center');
    plain = await create('Blog');
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  async function signedIn() {
    const user = { email: `person${++counter}@example.com`, password: 'a long enough password' };
    const id = (await t.latchkey.services.accounts.create({ ...user, emailVerified: true })).id;
    const ua = new UserAgent();
    const { tokens } = await login(shop.config, ua, user);
    return { user, id, ua, tokens };
  }

  /** prompt=none for the client: 'code' while the Latchkey session lives, else the error the RP receives. */
  async function silentAuthorization(ua: UserAgent, config = shop.config): Promise<string> {
    const start = await startAuthorization(config, { prompt: 'none' });
    const callback = await immediateCallback(ua, start.url);
    return callback.searchParams.get('error') ?? (callback.searchParams.get('code') ? 'code' : 'nothing');
  }

  const logoutForm = (page: Page) => page.forms.find((f) => f.action.endsWith('/session/end/confirm'));

  describe('RP-initiated logout', () => {
    it('without id_token_hint asks the user to confirm; confirming ends the session', async () => {
      const { ua } = await signedIn();
      const asked = await visit(ua, oidc.buildEndSessionUrl(shop.config, {}));
      const page = asked.page!;
      expect(page.status).toBe(200);
      expect(page.html).toContain('Do you want to sign out of Latchkey?');
      expect(page.html).toContain('Shop asked to sign you out.');
      expect(page.html).toMatch(/<button[^>]*form="op.logoutForm"[^>]*name="logout"[^>]*value="yes"/);
      const form = logoutForm(page)!;
      expect(form.fields.xsrf).toEqual(expect.any(String));

      // Nothing happened yet: the session lives until the user confirms.
      expect(await silentAuthorization(ua)).toBe('code');

      // The "Sign out" button submits the form with logout=yes.
      const done = await visit(ua, form.action, { form: { ...form.fields, logout: 'yes' } });
      expect(done.page?.status).toBe(200);
      expect(new URL(done.page!.url).pathname).toBe('/session/end/success');
      expect(await silentAuthorization(ua)).toBe('login_required');
    });

    it('refuses a confirmation without the page\'s xsrf token (no logout by cross-site POST)', async () => {
      const { ua } = await signedIn();
      const page = (await visit(ua, oidc.buildEndSessionUrl(shop.config, {}))).page!;
      const form = logoutForm(page)!;
      const forged = await ua.request(form.action, { form: { logout: 'yes', xsrf: 'forged' } });
      expect(forged.status).toBe(400);
      expect(await silentAuthorization(ua)).toBe('code');
    });

    it('with id_token_hint and a registered post_logout_redirect_uri, ends the session and returns there with state', async () => {
      const { ua, tokens } = await signedIn();
      const url = oidc.buildEndSessionUrl(shop.config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: POST_LOGOUT_URI, state: 'bye-123' });
      let step = await visit(ua, url, {}, POST_LOGOUT_URI);
      if (step.page) {
        // No question to the user: at most a page that submits the logout itself (only a form can POST the
        // confirmation), carrying logout=yes; the browser's script submits it, as this test does.
        const { html } = step.page;
        expect(html).not.toContain('Do you want to sign out');
        expect(html).not.toContain('Stay signed in');
        expect(html).toMatch(/<input type="hidden" name="logout" value="yes" form="op.logoutForm">/);
        expect(html).toMatch(/<script nonce="[^"]+">document.getElementById\('op.logoutForm'\).submit\(\);<\/script>/);
        const form = logoutForm(step.page)!;
        step = await visit(ua, form.action, { form: { ...form.fields, logout: 'yes' } }, POST_LOGOUT_URI);
      }
      expect(step.callback).toBeDefined();
      expect(`${step.callback!.origin}${step.callback!.pathname}`).toBe(POST_LOGOUT_URI);
      expect(step.callback!.searchParams.get('state')).toBe('bye-123');
      expect(await silentAuthorization(ua)).toBe('login_required');
    });

    it('asks to confirm when the id_token_hint names another account than the signed-in one', async () => {
      const { ua } = await signedIn();
      const other = await signedIn();
      const page = (await visit(ua, oidc.buildEndSessionUrl(shop.config, { id_token_hint: other.tokens.id_token!, post_logout_redirect_uri: POST_LOGOUT_URI }), {}, POST_LOGOUT_URI)).page!;
      expect(page.html).toContain('Do you want to sign out of Latchkey?');
      expect(page.html).not.toContain('name="logout" value="yes" form=');
      expect(await silentAuthorization(ua)).toBe('code');
    });

    it.each([
      ['an unregistered URI', 'https://attacker.example.net/logged-out'],
      ['a registered URI with extra query', `${POST_LOGOUT_URI}?next=https://attacker.example.net`],
      ['the redirect URI (registered for login, not for logout)', REDIRECT_URI],
    ])('refuses %s as post_logout_redirect_uri with an error page and keeps the session', async (_label, uri) => {
      const { ua, tokens } = await signedIn();
      const requests: Record<string, string>[] = [{ id_token_hint: tokens.id_token!, post_logout_redirect_uri: uri }, { post_logout_redirect_uri: uri }];
      for (const params of requests) {
        const response = await ua.request(oidc.buildEndSessionUrl(shop.config, params));
        expect(response.status).toBe(400);
        expect(response.headers.get('location')).toBeNull();
        const html = await response.text();
        expect(html).toContain('invalid_request');
        expect(html).toContain('post_logout_redirect_uri not registered');
      }
      expect(await silentAuthorization(ua)).toBe('code');
    });

    it('refuses an id_token_hint that Latchkey did not sign', async () => {
      const { ua, tokens } = await signedIn();
      const [header, payload] = tokens.id_token!.split('.');
      const tampered = `${header}.${payload}.${'A'.repeat(86)}`;
      const response = await ua.request(oidc.buildEndSessionUrl(shop.config, { id_token_hint: tampered, post_logout_redirect_uri: POST_LOGOUT_URI }));
      expect(response.status).toBe(400);
      expect(response.headers.get('location')).toBeNull();
      expect(await silentAuthorization(ua)).toBe('code');
    });
  });

  describe('back-channel logout', () => {
    // The RP endpoint listens on loopback. A standalone Latchkey process would refuse that delivery:
    // oidc-provider's SSRF guard drops outgoing requests to special-use addresses (loopback, private
    // networks). Jest's VM sandbox hides the undici dispatcher that guard hooks into, so here it is off.
    it('sends a verifiable logout token to every client of the session', async () => {
      const { ua, id, tokens: shopTokens } = await signedIn();
      // The same browser session signs in to two more clients (first-party: no page).
      const centerStart = await startAuthorization(center.config);
      const centerTokens = await oidc.authorizationCodeGrant(center.config, await immediateCallback(ua, centerStart.url), { pkceCodeVerifier: centerStart.verifier, expectedState: centerStart.state, expectedNonce: centerStart.nonce });
      const plainStart = await startAuthorization(plain.config);
      await immediateCallback(ua, plainStart.url);

      const sids = { '/shop': shopTokens.claims()!.sid, '/center': centerTokens.claims()!.sid };
      expect(sids['/shop']).toEqual(expect.any(String));
      expect(sids['/center']).toEqual(expect.any(String));
      expect(await oidc.tokenIntrospection(center.config, centerTokens.access_token)).toMatchObject({ active: true });

      receiver.clear();
      const page = (await visit(ua, oidc.buildEndSessionUrl(shop.config, {}))).page!;
      const form = logoutForm(page)!;
      await visit(ua, form.action, { form: { ...form.fields, logout: 'yes' } });

      // Delivery is part of the logout request: both tokens have arrived when it answers.
      expect(receiver.received.map((r) => r.path).sort()).toEqual(['/center', '/shop']);
      for (const delivery of receiver.received) {
        expect(delivery.contentType).toMatch(/^application\/x-www-form-urlencoded/);
        const clientId = delivery.path === '/shop' ? shop.id : center.id;
        const token = delivery.logoutToken!;
        expect(decodeProtectedHeader(token).typ).toBe('logout+jwt');
        const { payload } = await verifyLogoutToken(token, clientId);
        expect(payload.sub).toBe(id);
        expect(payload.sid).toBe(sids[delivery.path as keyof typeof sids]);
        expect(payload.events).toEqual({ [BACKCHANNEL_EVENT]: {} });
        expect(payload).not.toHaveProperty('nonce');
        expect(payload.jti).toEqual(expect.any(String));
        expect(payload.iat).toEqual(expect.any(Number));
      }
      expect(new Set(receiver.received.map((r) => r.logoutToken)).size).toBe(2);

      // The RPs' tokens from that session are gone too.
      expect(await oidc.tokenIntrospection(center.config, centerTokens.access_token)).toMatchObject({ active: false });
      expect(await oauthError(oidc.fetchUserInfo(shop.config, shopTokens.access_token, id))).toMatchObject({ error: 'invalid_token' });
    });

    async function verifyLogoutToken(token: string, audience: string) {
      return verifyWithJwks(t.issuer, token, { audience, typ: 'logout+jwt', requiredClaims: ['iat', 'jti', 'events', 'sub', 'sid'] });
    }
  });
});
