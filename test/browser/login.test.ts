// The pages as a person sees them, in headless Chromium: a real relying party (a small HTTP server using
// openid-client) sends the browser to Latchkey; the login page names the app and has labelled fields with
// the right autocomplete hints; a wrong password shows the generic error and keeps the email; the right
// one returns to the app signed in. The page fits a 375 px phone screen. A third-party app gets the
// consent page (Allow), and RP-initiated logout without id_token_hint asks for confirmation (Sign out).
// Nothing is mocked: real Latchkey (PGlite), real RP library, real browser, no CSP violation.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { desktop, launchChromium, pageProblems, phone, Screenshots, scrollsSideways, watchedPage } from '../support/browser.js';
import { startTestLatchkey, type TestLatchkey } from '../support/latchkey.js';
import { oidc, relyingParty } from '../support/relying-party.js';
import { escapeHtml, SiblingApp, type SiblingClient } from './sibling-app.js';

const EMAIL = 'ada@example.com';
const PASSWORD = 'correct horse battery staple';
const SHOP = 'Analytical Shop';
const PARTNER = 'Partner Insights';
/** An app name with no place to break a line: it must wrap, not widen the page. */
const LONG_NAME = 'SupercalifragilisticexpialidociousEnterpriseResourcePlanningPortal';

const screenshots = new Screenshots('browser');

describe('the pages in Chromium', () => {
  let t: TestLatchkey;
  let rp: SiblingApp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const problems = pageProblems();

  /** What the app shows once signed in: its name and the email from the userinfo endpoint. */
  const showSignedIn = (name: string): SiblingClient['show'] => async (tokens, config) => {
    const info = await oidc.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub);
    return `<h1>${name}</h1><p id="signed-in-as">Signed in as ${escapeHtml(String(info.email))}</p>`;
  };

  beforeAll(async () => {
    t = await startTestLatchkey('pglite');
    rp = new SiblingApp();
    await rp.listen();
    await t.latchkey.services.accounts.create({ email: EMAIL, password: PASSWORD, name: 'Ada Lovelace', emailVerified: true });
    for (const [key, name, firstParty] of [['shop', SHOP, true], ['partner', PARTNER, false], ['erp', LONG_NAME, false]] as const) {
      const { client, clientSecret } = await t.latchkey.clients.create({
        name, type: 'web', firstParty,
        redirectUris: [rp.callback(key)], postLogoutRedirectUris: [`${rp.origin}/logged-out`],
      });
      rp.apps.set(key, { name, config: await relyingParty(t.issuer, client.clientId, clientSecret), scope: 'openid email profile', show: showSignedIn(name) });
    }
    browser = await launchChromium();
    context = await browser.newContext(desktop);
    page = await watchedPage(context, problems);
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
    await screenshots.take(page, '01-login');

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
    await screenshots.take(page, '02-wrong-password');
    expect(await alert.innerText()).toBe('Incorrect email or password.');
    expect(await page.getByLabel('Email', { exact: true }).inputValue()).toBe(EMAIL);
    expect(await page.getByLabel('Password', { exact: true }).inputValue()).toBe('');
    expect(await page.locator('#password').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#password').getAttribute('aria-describedby')).toBe('login-error');
    // The password field has the focus, so the person can type again right away.
    expect(await page.evaluate<string | undefined>('document.activeElement?.id')).toBe('password');
  });

  it('fits a 375 px wide phone screen without sideways scrolling, also with the error shown, and its consent page, for an app with a long name', async () => {
    const phoneContext = await browser.newContext(phone);
    try {
      const p = await watchedPage(phoneContext, problems);
      await p.goto(`${rp.origin}/login/erp`);
      await p.waitForURL(new RegExp(`^${t.issuer}/interaction/`));
      expect(await p.locator('h1').innerText()).toContain(LONG_NAME.slice(0, 20));
      expect(await scrollsSideways(p)).toBe(false);
      await screenshots.take(p, '03-login-375px');
      await p.getByLabel('Email', { exact: true }).fill(`a.very.long.address.that.might.overflow@${'sub.'.repeat(6)}example.com`);
      await p.getByLabel('Password', { exact: true }).fill('wrong');
      await p.getByRole('button', { name: 'Sign in' }).click();
      await p.getByRole('alert').waitFor();
      expect(await scrollsSideways(p)).toBe(false);
      await screenshots.take(p, '04-login-error-375px');
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
      await screenshots.take(p, '05-consent-375px');
      await p.getByRole('button', { name: 'Allow' }).click();
      await p.waitForURL(new RegExp(`^${rp.origin}/callback/erp`));
      expect(await p.locator('#signed-in-as').innerText()).toBe(`Signed in as ${EMAIL}`);
    } finally {
      await phoneContext.close();
    }
  });

  it('signs in with the right password and lands back on the app, signed in', async () => {
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(new RegExp(`^${rp.origin}/callback/shop`));
    await screenshots.take(page, '06-signed-in');
    expect(await page.locator('#signed-in-as').innerText()).toBe(`Signed in as ${EMAIL}`);
  });

  it('asks for consent for a third-party app, naming it and the scopes in plain words, and continues on Allow', async () => {
    await page.goto(`${rp.origin}/login/partner`);
    await page.waitForURL(new RegExp(`^${t.issuer}/interaction/`));
    await screenshots.take(page, '07-consent');
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
    await screenshots.take(page, '08-logout-confirm');
    expect(await page.locator('h1').innerText()).toMatch(/sign out/i);
    expect(await page.getByText(SHOP).count()).toBeGreaterThan(0);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${rp.origin}/logged-out`);
    await screenshots.take(page, '09-logged-out');
    expect(await page.locator('#rp-logged-out').count()).toBe(1);

    // The Latchkey session is over: the app's next sign-in shows the login page again.
    await page.goto(`${rp.origin}/login/shop`);
    await page.waitForURL(new RegExp(`^${t.issuer}/interaction/`));
    expect(await page.getByLabel('Password', { exact: true }).count()).toBe(1);
  });

  it('never violated the Content Security Policy or threw a script error', () => {
    expect(problems.cspViolations).toEqual([]);
    expect(problems.pageErrors).toEqual([]);
  });
});
