// The pages as a person sees them, in headless Chromium: a real relying party (a small HTTP server using
// openid-client) sends the browser to Latchkey; the login page names the app and has labelled fields with
// the right autocomplete hints; a wrong password shows the generic error and keeps the email; the right
// one returns to the app signed in. The page fits a 375 px phone screen. A third-party app gets the
// consent page (Allow), and RP-initiated logout without id_token_hint asks for confirmation (Sign out).
// Nothing is mocked: real Latchkey (PGlite), real RP library, real browser, no CSP violation.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startTestLatchkey, type TestLatchkey } from '../support/latchkey.js';
import { oidc, relyingParty } from '../support/relying-party.js';

const EMAIL = 'ada@example.com';
const PASSWORD = 'correct horse battery staple';
const SHOP = 'Analytical Shop';
const PARTNER = 'Partner Insights';
/** An app name with no place to break a line: it must wrap, not widen the page. */
const LONG_NAME = 'SupercalifragilisticexpialidociousEnterpriseResourcePlanningPortal';

const screenshots = mkdtempSync(path.join(os.tmpdir(), 'latchkey-browser-'));

interface RegisteredClient {
  name: string;
  config: oidc.Configuration;
  scope: string;
}

/**
 * A sibling app in ~40 lines: /login/:app starts a code + PKCE authorization, /callback/:app exchanges the
 * code and shows who signed in, /logout/:app starts RP-initiated logout (without id_token_hint), and
 * /logged-out shows where the browser came back to.
 */
class RelyingPartyServer {
  readonly server = http.createServer((req, res) => {
    this.handle(req, res).catch((err: Error) => {
      res.statusCode = 500;
      res.setHeader('content-type', 'text/plain');
      res.end(`RP error: ${err.message}`);
    });
  });
  readonly apps = new Map<string, RegisteredClient>();
  private readonly pending = new Map<string, { app: string; verifier: string; nonce: string }>();
  origin = '';

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private page(res: http.ServerResponse, body: string) {
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>RP</title></head><body>${body}</body></html>`);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const url = new URL(req.url!, this.origin);
    const [, action, app = 'shop'] = url.pathname.split('/');
    const client = this.apps.get(app);
    if (action === '') return this.page(res, `<h1>The shop</h1><a id="sign-in" href="/login/shop">Sign in</a>`);
    if (action === 'logged-out') return this.page(res, '<h1 id="rp-logged-out">You left the shop</h1>');
    if (!client) {
      res.statusCode = 404;
      return res.end();
    }
    if (action === 'login') {
      const verifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const nonce = oidc.randomNonce();
      this.pending.set(state, { app, verifier, nonce });
      const target = oidc.buildAuthorizationUrl(client.config, {
        redirect_uri: `${this.origin}/callback/${app}`, scope: client.scope, state, nonce,
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
      });
      res.writeHead(302, { location: target.href });
      return res.end();
    }
    if (action === 'callback') {
      const state = url.searchParams.get('state') ?? '';
      const pending = this.pending.get(state);
      if (!pending || pending.app !== app) throw new Error('unknown state');
      this.pending.delete(state);
      const tokens = await oidc.authorizationCodeGrant(client.config, url, { pkceCodeVerifier: pending.verifier, expectedState: state, expectedNonce: pending.nonce });
      const info = await oidc.fetchUserInfo(client.config, tokens.access_token, tokens.claims()!.sub);
      const email = String(info.email).replace(/[<>&"]/g, '');
      return this.page(res, `<h1>${client.name}</h1><p id="signed-in-as">Signed in as ${email}</p>`);
    }
    if (action === 'logout') {
      const target = oidc.buildEndSessionUrl(client.config, { client_id: client.config.clientMetadata().client_id, post_logout_redirect_uri: `${this.origin}/logged-out` });
      res.writeHead(302, { location: target.href });
      return res.end();
    }
    res.statusCode = 404;
    res.end();
  }

  async close() {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

describe('the pages in Chromium', () => {
  let t: TestLatchkey;
  let rp: RelyingPartyServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const cspViolations: string[] = [];
  const pageErrors: string[] = [];

  async function newPage(ctx: BrowserContext): Promise<Page> {
    const p = await ctx.newPage();
    p.on('console', (msg) => {
      if (/Content Security Policy|Refused to/i.test(msg.text())) cspViolations.push(msg.text());
    });
    p.on('pageerror', (err) => pageErrors.push(err.message));
    return p;
  }

  const shot = (p: Page, name: string) => p.screenshot({ path: path.join(screenshots, `${name}.png`), fullPage: true });

  /**
   * True when the page is wider than the screen (the person would have to scroll sideways). Compared with the
   * configured width, not window.innerWidth: a mobile browser zooms out to fit wide content, growing innerWidth.
   */
  const scrollsSideways = async (p: Page) => {
    const width = p.viewportSize()!.width;
    const [doc, body, inner] = await p.evaluate<number[]>('[document.documentElement.scrollWidth, document.body.scrollWidth, window.innerWidth]');
    return doc! > width || body! > width || inner! > width;
  };

  beforeAll(async () => {
    t = await startTestLatchkey('pglite');
    rp = new RelyingPartyServer();
    await rp.listen();
    await t.latchkey.services.accounts.create({ email: EMAIL, password: PASSWORD, name: 'Ada Lovelace', emailVerified: true });
    for (const [key, name, firstParty] of [['shop', SHOP, true], ['partner', PARTNER, false], ['erp', LONG_NAME, false]] as const) {
      const { client, clientSecret } = await t.latchkey.clients.create({
        name, type: 'web', firstParty,
        redirectUris: [`${rp.origin}/callback/${key}`], postLogoutRedirectUris: [`${rp.origin}/logged-out`],
      });
      rp.apps.set(key, { name, config: await relyingParty(t.issuer, client.clientId, clientSecret), scope: 'openid email profile' });
    }
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    context = await browser.newContext({ viewport: { width: 1024, height: 768 }, locale: 'en-US' });
    page = await newPage(context);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await rp?.close();
    await t?.close();
  });

  it('sends the person from the app to a login page that names the app, with labelled, autocomplete-ready fields', async () => {
    await page.goto(`${rp.origin}/`);
    await page.click('#sign-in');
    await page.waitForURL(new RegExp(`^${t.issuer}/interaction/`));
    await shot(page, '01-login');

    await expect(page.title()).resolves.toMatch(/Sign in/);
    expect(await page.locator('h1').innerText()).toContain(SHOP);
    expect(await page.getAttribute('html', 'lang')).toBe('en');

    // The fields are found by their visible labels, as a screen reader would announce them.
    const email = page.getByLabel('Email', { exact: true });
    const password = page.getByLabel('Password', { exact: true });
    expect(await email.getAttribute('autocomplete')).toBe('username');
    expect(await email.getAttribute('type')).toBe('email');
    expect(await password.getAttribute('autocomplete')).toBe('current-password');
    expect(await password.getAttribute('type')).toBe('password');
    expect(await page.locator('label[for="email"]').count()).toBe(1);
    expect(await page.locator('label[for="password"]').count()).toBe(1);
    expect(await page.locator('#email').getAttribute('required')).not.toBeNull();
    // The stylesheet is the project's own, served by Latchkey and applied.
    const sheets = await page.evaluate<string[]>('[...document.styleSheets].map((s) => s.href)');
    expect(sheets).toEqual([`${t.issuer}/assets/latchkey.css`]);
    // Applied, not just linked: the card has the stylesheet's look (a background other than the page's).
    expect(await page.evaluate<boolean>("getComputedStyle(document.querySelector('.card')).backgroundColor !== getComputedStyle(document.body).backgroundColor")).toBe(true);
    expect(await page.getByRole('alert').count()).toBe(0);
  });

  it('shows the generic error in the alert region after a wrong password, keeping the email', async () => {
    await page.getByLabel('Email', { exact: true }).fill(EMAIL);
    await page.getByLabel('Password', { exact: true }).fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    await shot(page, '02-wrong-password');
    expect(await alert.innerText()).toBe('Incorrect email or password.');
    expect(await page.getByLabel('Email', { exact: true }).inputValue()).toBe(EMAIL);
    expect(await page.getByLabel('Password', { exact: true }).inputValue()).toBe('');
    expect(await page.locator('#password').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#password').getAttribute('aria-describedby')).toBe('login-error');
    // The password field has the focus, so the person can type again right away.
    expect(await page.evaluate<string | undefined>('document.activeElement?.id')).toBe('password');
  });

  it('fits a 375 px wide phone screen without sideways scrolling, also with the error shown, and its consent page, for an app with a long name', async () => {
    const phone = await browser.newContext({ viewport: { width: 375, height: 667 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    try {
      const p = await newPage(phone);
      await p.goto(`${rp.origin}/login/erp`);
      await p.waitForURL(new RegExp(`^${t.issuer}/interaction/`));
      expect(await p.locator('h1').innerText()).toContain(LONG_NAME.slice(0, 20));
      expect(await scrollsSideways(p)).toBe(false);
      await shot(p, '03-login-375px');
      await p.getByLabel('Email', { exact: true }).fill(`a.very.long.address.that.might.overflow@${'sub.'.repeat(6)}example.com`);
      await p.getByLabel('Password', { exact: true }).fill('wrong');
      await p.getByRole('button', { name: 'Sign in' }).click();
      await p.getByRole('alert').waitFor();
      expect(await scrollsSideways(p)).toBe(false);
      await shot(p, '04-login-error-375px');
      // The submit button is fully on screen.
      const box = (await p.getByRole('button', { name: 'Sign in' }).boundingBox())!;
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(375);

      // The consent page for the same (third-party) app fits too.
      await p.getByLabel('Email', { exact: true }).fill(EMAIL);
      await p.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await p.getByRole('button', { name: 'Sign in' }).click();
      await p.getByRole('button', { name: 'Allow' }).waitFor();
      expect(await scrollsSideways(p)).toBe(false);
      await shot(p, '05-consent-375px');
      await p.getByRole('button', { name: 'Allow' }).click();
      await p.waitForURL(new RegExp(`^${rp.origin}/callback/erp`));
      expect(await p.locator('#signed-in-as').innerText()).toBe(`Signed in as ${EMAIL}`);
    } finally {
      await phone.close();
    }
  });

  it('signs in with the right password and lands back on the app, signed in', async () => {
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(new RegExp(`^${rp.origin}/callback/shop`));
    await shot(page, '06-signed-in');
    expect(await page.locator('#signed-in-as').innerText()).toBe(`Signed in as ${EMAIL}`);
  });

  it('asks for consent for a third-party app, naming it and the scopes in plain words, and continues on Allow', async () => {
    await page.goto(`${rp.origin}/login/partner`);
    await page.waitForURL(new RegExp(`^${t.issuer}/interaction/`));
    await shot(page, '07-consent');
    expect(await page.locator('h1').innerText()).toContain(PARTNER);
    const scopes = await page.locator('.scope-list li').allInnerTexts();
    expect(scopes).toEqual(expect.arrayContaining(['See your email address', 'See your name and preferred language']));
    expect(await page.getByText(`Signed in as ${EMAIL}`).count()).toBe(1);
    expect(await scrollsSideways(page)).toBe(false);
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(new RegExp(`^${rp.origin}/callback/partner`));
    expect(await page.locator('h1').innerText()).toBe(PARTNER);
    expect(await page.locator('#signed-in-as').innerText()).toBe(`Signed in as ${EMAIL}`);

    // The answer is remembered: the next sign-in to the same app goes straight through.
    await page.goto(`${rp.origin}/login/partner`);
    await page.waitForURL(new RegExp(`^${rp.origin}/callback/partner`));
    expect(await page.locator('#signed-in-as').innerText()).toBe(`Signed in as ${EMAIL}`);
  });

  it('asks to confirm a logout requested without id_token_hint, and signs out on "Sign out"', async () => {
    await page.goto(`${rp.origin}/logout/shop`);
    await page.waitForURL(new RegExp(`^${t.issuer}/session/end`));
    await shot(page, '08-logout-confirm');
    expect(await page.locator('h1').innerText()).toMatch(/sign out/i);
    expect(await page.getByText(SHOP).count()).toBeGreaterThan(0);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${rp.origin}/logged-out`);
    await shot(page, '09-logged-out');
    expect(await page.locator('#rp-logged-out').count()).toBe(1);

    // The Latchkey session is over: the app's next sign-in shows the login page again.
    await page.goto(`${rp.origin}/login/shop`);
    await page.waitForURL(new RegExp(`^${t.issuer}/interaction/`));
    expect(await page.getByLabel('Password', { exact: true }).count()).toBe(1);
  });

  it('never violated the Content Security Policy or threw a script error', () => {
    expect(cspViolations).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
