// Authentication request parameters a relying party relies on (OIDC Core §3.1.2.1): prompt=none, prompt=login,
// max_age with auth_time; and consent for third-party clients: a page naming the app and the scopes,
// deny gives access_denied, the answer is remembered per account, a new scope asks again.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { databaseKinds } from '../support/databases.js';
import { startTestLatchkey, type TestLatchkey } from '../support/latchkey.js';
import {
  immediateCallback,
  isConsentPage,
  isLoginPage,
  login,
  oauthError,
  oidc,
  REDIRECT_URI,
  relyingParty,
  startAuthorization,
  submitForm,
  visit,
  type AuthorizationStart,
  type Page,
} from '../support/relying-party.js';
import { UserAgent } from '../support/user-agent.js';

describe.each(databaseKinds)('prompts, max_age and consent (%s)', (kind) => {
  let t: TestLatchkey;
  let shop: oidc.Configuration;
  let partner: oidc.Configuration;
  let partnerId: string;
  let counter = 0;

  beforeAll(async () => {
    t = await startTestLatchkey(kind);
    const first = await t.latchkey.clients.create({ name: 'Shop', type: 'web', redirectUris: [REDIRECT_URI], firstParty: true });
    shop = await relyingParty(t.issuer, first.client.clientId, first.clientSecret);
    const third = await t.latchkey.clients.create({ name: 'Partner Portal', type: 'web', redirectUris: [REDIRECT_URI], firstParty: false });
    partnerId = third.client.clientId;
    partner = await relyingParty(t.issuer, partnerId, third.clientSecret);
  });
  afterAll(async () => t?.close());

  /** A fresh account per test, so sessions, grants and consents never leak between tests. */
  async function newAccount() {
    const credentials = { email: `user${++counter}@example.com`, password: 'a long enough password' };
    const account = await t.latchkey.services.accounts.create({ ...credentials, name: `User ${counter}`, emailVerified: true });
    return { ...credentials, id: account.id };
  }

  const redeem = (config: oidc.Configuration, callback: URL, start: AuthorizationStart) =>
    oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: start.verifier, expectedState: start.state, expectedNonce: start.nonce });

  /** Opens the authorization URL, which must show the login page, and signs in; returns where that led. */
  async function signIn(ua: UserAgent, start: AuthorizationStart, credentials: { email: string; password: string }) {
    const opened = await visit(ua, start.url);
    expect(isLoginPage(opened.page)).toBe(true);
    return submitForm(ua, opened.page!, '/login', { email: credentials.email, password: credentials.password });
  }

  describe('prompt and max_age', () => {
    it('prompt=none without a session returns login_required to the client', async () => {
      const start = await startAuthorization(shop, { prompt: 'none' });
      const callback = await immediateCallback(new UserAgent(), start.url);
      expect(await oauthError(redeem(shop, callback, start))).toMatchObject({ error: 'login_required', status: undefined });
      expect(callback.searchParams.get('state')).toBe(start.state);
    });

    it('prompt=none with a session returns a code without showing any page', async () => {
      const user = await newAccount();
      const ua = new UserAgent();
      await login(shop, ua, user);
      const start = await startAuthorization(shop, { prompt: 'none' });
      const callback = await immediateCallback(ua, start.url);
      const tokens = await redeem(shop, callback, start);
      expect(tokens.claims()!.sub).toBe(user.id);
    });

    it('prompt=login shows the login page again despite the session', async () => {
      const user = await newAccount();
      const ua = new UserAgent();
      const before = (await login(shop, ua, user)).tokens.claims()!;
      await sleep(1100); // auth_time has a one-second resolution
      const start = await startAuthorization(shop, { prompt: 'login', max_age: '3600' });
      const step = await signIn(ua, start, user);
      const tokens = await redeem(shop, step.callback!, start);
      expect(tokens.claims()!.sub).toBe(user.id);
      expect(tokens.claims()!.auth_time).toBeGreaterThan(before.auth_time ?? 0);
    });

    it('max_age: a session older than max_age means signing in again; auth_time is in the ID token', async () => {
      const user = await newAccount();
      const ua = new UserAgent();
      const before = Math.floor(Date.now() / 1000);
      const { tokens } = await login(shop, ua, user, { max_age: '60' });
      const first = tokens.claims()!;
      expect(first.auth_time).toEqual(expect.any(Number));
      expect(first.auth_time).toBeGreaterThanOrEqual(before - 1);

      // Within max_age the session is reused silently.
      const fresh = await startAuthorization(shop, { max_age: '60', prompt: 'none' });
      expect((await redeem(shop, await immediateCallback(ua, fresh.url), fresh)).claims()!.auth_time).toBe(first.auth_time);

      await sleep(2100);
      // Too old for prompt=none ...
      const silent = await startAuthorization(shop, { max_age: '1', prompt: 'none' });
      expect(await oauthError(redeem(shop, await immediateCallback(ua, silent.url), silent))).toMatchObject({ error: 'login_required' });
      // ... and the login page for a normal request.
      const start = await startAuthorization(shop, { max_age: '1' });
      const step = await signIn(ua, start, user);
      const again = (await redeem(shop, step.callback!, start)).claims()!;
      expect(again.auth_time).toBeGreaterThanOrEqual(first.auth_time! + 2);
    });
  });

  describe('first-party clients', () => {
    it('never show a consent page: not for prompt=consent, not for a scope wider than the session already has, not even with prompt=none', async () => {
      const user = await newAccount();
      const ua = new UserAgent();
      await login(shop, ua, user, { scope: 'openid email' });
      const requests: Record<string, string>[] = [
        { scope: 'openid email', prompt: 'consent' },
        { scope: 'openid email profile phone' },
        { scope: 'openid email profile phone address', prompt: 'none' },
      ];
      for (const params of requests) {
        const start = await startAuthorization(shop, params);
        const callback = await immediateCallback(ua, start.url);
        const tokens = await redeem(shop, callback, start);
        expect(tokens.scope?.split(' ').sort()).toEqual(params.scope!.split(' ').sort());
        expect(tokens.claims()!.sub).toBe(user.id);
      }
    });
  });

  describe('consent for third-party clients', () => {
    async function consentPage(ua: UserAgent, user: { email: string; password: string }, scope: string) {
      const start = await startAuthorization(partner, { scope });
      const step = await signIn(ua, start, user);
      expect(isConsentPage(step.page)).toBe(true);
      return { start, page: step.page! };
    }

    const listedScopes = (page: Page) => [...page.html.matchAll(/data-scope="([^"]+)"/g)].map((m) => m[1]);

    it('names the app and the scopes in plain words', async () => {
      const user = await newAccount();
      const { page } = await consentPage(new UserAgent(), user, 'openid email profile');
      expect(page.status).toBe(200);
      expect(page.html).toContain('Partner Portal wants to access your account');
      expect(page.html).toContain(`Signed in as ${user.email}`);
      expect(listedScopes(page)).toEqual(expect.arrayContaining(['email', 'profile']));
      expect(page.html).toContain('See your email address');
      expect(page.html).toContain('See your name and preferred language');
      expect(page.forms.map((f) => new URL(f.action).pathname.split('/').pop())).toEqual(['confirm', 'abort']);
    });

    it('deny sends access_denied back to the client and grants nothing', async () => {
      const user = await newAccount();
      const ua = new UserAgent();
      const { start, page } = await consentPage(ua, user, 'openid email');
      const step = await submitForm(ua, page, '/abort');
      expect(await oauthError(redeem(partner, step.callback!, start))).toMatchObject({ error: 'access_denied' });
      expect(step.callback!.searchParams.get('iss')).toBe(t.issuer);
      // Nothing was remembered: the next authorization asks again.
      const next = await startAuthorization(partner, { scope: 'openid email' });
      const again = await visit(ua, next.url);
      expect(isConsentPage(again.page)).toBe(true);
    });

    it('allow issues a code; a later sign-in (new browser session) does not ask again; a new scope does', async () => {
      const user = await newAccount();
      const ua = new UserAgent();
      const { start, page } = await consentPage(ua, user, 'openid email');
      const allowed = await submitForm(ua, page, '/confirm');
      const tokens = await redeem(partner, allowed.callback!, start);
      expect(tokens.claims()).toMatchObject({ sub: user.id, email: user.email });

      // Another browser, same account: login page only, straight back to the client.
      const laterUa = new UserAgent();
      const later = await startAuthorization(partner, { scope: 'openid email' });
      const step = await signIn(laterUa, later, user);
      expect(step.callback).toBeDefined();
      expect((await redeem(partner, step.callback!, later)).claims()!.email).toBe(user.email);

      // A scope never granted: the consent page again, asking only for what is new.
      const wider = await startAuthorization(partner, { scope: 'openid email phone' });
      const asked = await visit(laterUa, wider.url);
      expect(isConsentPage(asked.page)).toBe(true);
      expect(listedScopes(asked.page!)).toEqual(['phone']);
      const granted = await submitForm(laterUa, asked.page!, '/confirm');
      expect((await redeem(partner, granted.callback!, wider)).scope?.split(' ')).toEqual(expect.arrayContaining(['openid', 'email', 'phone']));
    });

    it('prompt=none for a third-party client without consent gives consent_required', async () => {
      const user = await newAccount();
      const ua = new UserAgent();
      await login(shop, ua, user); // a session, but no consent for Partner Portal
      const start = await startAuthorization(partner, { prompt: 'none', scope: 'openid email' });
      const callback = await immediateCallback(ua, start.url);
      expect(await oauthError(redeem(partner, callback, start))).toMatchObject({ error: 'consent_required' });
    });

    it('asks for offline_access in plain words', async () => {
      const user = await newAccount();
      const ua = new UserAgent();
      const start = await startAuthorization(partner, { scope: 'openid offline_access', prompt: 'consent' });
      const step = await signIn(ua, start, user);
      expect(isConsentPage(step.page)).toBe(true);
      expect(listedScopes(step.page!)).toContain('offline_access');
      expect(step.page!.html).toContain('Stay signed in to the app when you are not using it');
      const allowed = await submitForm(ua, step.page!, '/confirm');
      expect((await redeem(partner, allowed.callback!, start)).refresh_token).toEqual(expect.any(String));
    });
  });
});
