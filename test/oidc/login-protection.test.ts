// The login form under attack and blocked accounts, through the real pages (OWASP ASVS V2.2.1, V3.2):
// progressive waits after failureFactor wrong passwords during which even the right one gets the same
// generic answer; unknown emails answer exactly like wrong passwords; blocking ends sessions and refresh
// tokens at once and makes the right password fail generically until unblocked.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../../src/config/index.js';
import { databaseKinds } from '../support/databases.js';
import { startTestLatchkey, type TestLatchkey } from '../support/latchkey.js';
import {
  immediateCallback,
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

// Keycloak-like defaults (failure factor 5), with short waits so the test can outlast one: the wait
// increment from the environment, and the quick-login minimum wait (60 s, not an environment setting)
// lowered through the embedding overrides.
const WAIT_SECONDS = 2;
const env = { LATCHKEY_BRUTE_FORCE_WAIT_INCREMENT: String(WAIT_SECONDS) };
const bruteForce = { ...loadConfig(env).bruteForce, minimumQuickLoginWaitSeconds: WAIT_SECONDS };

describe.each(databaseKinds)('login protection (%s)', (kind) => {
  let t: TestLatchkey;
  let config: oidc.Configuration;
  let counter = 0;

  beforeAll(async () => {
    t = await startTestLatchkey(kind, { bruteForce }, env);
    expect(t.latchkey.config.bruteForce.failureFactor).toBe(5);
    const { client, clientSecret } = await t.latchkey.clients.create({ name: 'Shop', type: 'web', redirectUris: [REDIRECT_URI], firstParty: true });
    config = await relyingParty(t.issuer, client.clientId, clientSecret);
  });
  afterAll(async () => t?.close());

  async function newAccount() {
    const credentials = { email: `member${++counter}@example.com`, password: 'the right password' };
    const id = (await t.latchkey.services.accounts.create({ ...credentials, emailVerified: true })).id;
    return { ...credentials, id };
  }

  /** Opens a fresh authorization in a fresh browser: the login page. */
  async function loginPage() {
    const ua = new UserAgent();
    const start = await startAuthorization(config);
    const opened = await visit(ua, start.url);
    expect(isLoginPage(opened.page)).toBe(true);
    return { ua, start, page: opened.page! };
  }

  /** Submits email and password on the login page; a failure stays on the (re-rendered) login page. */
  const attempt = (ua: UserAgent, page: Page, email: string, password: string) => submitForm(ua, page, '/login', { email, password });

  const errorText = (page: Page) => /<div id="login-error"[^>]*>\s*<p>([^<]*)<\/p>/.exec(page.html)?.[1];

  /** The page without what legitimately differs between two answers: the email typed in. */
  const normalized = (page: Page, email: string) => page.html.replaceAll(`value="${email}"`, 'value="EMAIL"');

  const redeem = (callback: URL, start: AuthorizationStart) =>
    oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: start.verifier, expectedState: start.state, expectedNonce: start.nonce });

  describe('wrong password and unknown email', () => {
    it('answer exactly alike: same status, same message, same form', async () => {
      const user = await newAccount();
      const { ua, page } = await loginPage();
      const wrong = (await attempt(ua, page, user.email, 'not the password')).page!;
      const unknownEmail = 'nobody-here@example.com';
      const unknown = (await attempt(ua, wrong, unknownEmail, 'not the password')).page!;

      expect(wrong.status).toBe(400);
      expect(unknown.status).toBe(wrong.status);
      expect(errorText(wrong)).toBe('Incorrect email or password.');
      expect(errorText(unknown)).toBe(errorText(wrong));
      expect(isLoginPage(unknown)).toBe(true);
      expect(normalized(unknown, unknownEmail)).toBe(normalized(wrong, user.email));
    });
  });

  describe('brute-force lockout', () => {
    it('after five wrong passwords refuses even the right one with the wrong-password answer, until the wait ends', async () => {
      const user = await newAccount();
      const { ua, start, page } = await loginPage();
      let current = page;
      const failures: Page[] = [];
      for (let i = 0; i < 5; i++) {
        current = (await attempt(ua, current, user.email, `wrong password ${i}`)).page!;
        failures.push(current);
      }
      expect(await t.latchkey.services.bruteForce.status(user.email)).toMatchObject({ failures: 5, lockedUntil: expect.any(Date) });

      // The right password during the wait: the very same answer as a wrong one.
      const locked = await attempt(ua, current, user.email, user.password);
      expect(locked.callback).toBeUndefined();
      expect(locked.page!.status).toBe(failures[0]!.status);
      expect(errorText(locked.page!)).toBe(errorText(failures[0]!));
      expect(normalized(locked.page!, user.email)).toBe(normalized(failures[4]!, user.email));
      // A fresh browser does not get around it.
      const elsewhere = await loginPage();
      const lockedElsewhere = await attempt(elsewhere.ua, elsewhere.page, user.email, user.password);
      expect(errorText(lockedElsewhere.page!)).toBe('Incorrect email or password.');

      // Other accounts are not affected.
      const bystander = await newAccount();
      expect((await login(config, new UserAgent(), bystander)).tokens.claims()!.sub).toBe(bystander.id);

      await sleep(WAIT_SECONDS * 1000 + 300);
      const after = await attempt(ua, locked.page!, user.email, user.password);
      expect(after.callback).toBeDefined();
      expect((await redeem(after.callback!, start)).claims()!.sub).toBe(user.id);
      expect(await t.latchkey.services.bruteForce.status(user.email)).toMatchObject({ failures: 0, lockedUntil: null });
    });
  });

  describe('blocked accounts', () => {
    it('lose their refresh tokens and sessions at once and cannot sign in until unblocked', async () => {
      const user = await newAccount();
      const ua = new UserAgent();
      const { tokens } = await login(config, ua, user, { scope: 'openid email offline_access', prompt: 'consent' });
      expect(tokens.refresh_token).toEqual(expect.any(String));
      // Before blocking, the session signs in silently and the refresh token works.
      const before = await startAuthorization(config, { prompt: 'none' });
      expect((await immediateCallback(ua, before.url)).searchParams.get('code')).toBeTruthy();
      const rotated = await oidc.refreshTokenGrant(config, tokens.refresh_token!);

      await t.latchkey.services.accounts.block(user.email, 'test');

      expect(await oauthError(oidc.refreshTokenGrant(config, rotated.refresh_token!))).toMatchObject({ error: 'invalid_grant', status: 400 });
      expect((await oidc.tokenIntrospection(config, rotated.access_token)).active).toBe(false);
      expect(await oauthError(oidc.fetchUserInfo(config, rotated.access_token, user.id))).toMatchObject({ error: 'invalid_token', status: 401 });
      const silent = await startAuthorization(config, { prompt: 'none' });
      expect(await oauthError(redeem(await immediateCallback(ua, silent.url), silent))).toMatchObject({ error: 'login_required' });

      // The right password gets the generic wrong-password answer.
      const { ua: browser, start, page } = await loginPage();
      const refused = (await attempt(browser, page, user.email, user.password)).page!;
      const wrong = (await attempt(browser, refused, user.email, 'not the password')).page!;
      expect(refused.status).toBe(400);
      expect(errorText(refused)).toBe('Incorrect email or password.');
      expect(normalized(refused, user.email)).toBe(normalized(wrong, user.email));

      await t.latchkey.services.accounts.unblock(user.email);
      const allowed = await attempt(browser, wrong, user.email, user.password);
      expect(allowed.callback).toBeDefined();
      expect((await redeem(allowed.callback!, start)).claims()!.sub).toBe(user.id);
    });
  });
});
