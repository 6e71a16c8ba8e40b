// Sign-up and password reset as a person sees them in headless Chromium on a 375 px phone screen: the
// "Create account" link on the app's login page, the live strength hint (external script, CSP-safe,
// announced politely), a weak password refused next to its field, the mailed link confirmed with a button,
// back to the sign-in with the email filled in, and a password reset. Real Latchkey (PGlite), a real SMTP
// server and openid-client; the app's callback is answered by the browser's request routing.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { answerAppCallback, launchChromium, pageProblems, phone, Screenshots, scrollsSideways, watchedPage } from '../support/browser.js';
import { startTestLatchkey, type TestLatchkey } from '../support/latchkey.js';
import { linkTo, startMailbox, type Mailbox } from '../support/mailbox.js';
import { oidc, REDIRECT_URI, relyingParty, startAuthorization } from '../support/relying-party.js';

const SHOP = 'Corner Shop';
const EMAIL = 'grace.signup@example.com';
const PASSWORD = 'harbour lighthouse violin 1906';
const NEW_PASSWORD = 'copper kettle meadow 77';
const screenshots = new Screenshots('self-service');

describe('sign-up and password reset in Chromium', () => {
  let t: TestLatchkey;
  let mailbox: Mailbox;
  let rp: oidc.Configuration;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const problems = pageProblems();
  const shot = (name: string) => screenshots.take(page, name);

  beforeAll(async () => {
    mailbox = await startMailbox();
    t = await startTestLatchkey('pglite', {}, mailbox.env);
    const { client, clientSecret } = await t.latchkey.clients.create({ name: SHOP, type: 'web', redirectUris: [REDIRECT_URI], firstParty: true });
    rp = await relyingParty(t.issuer, client.clientId, clientSecret);
    browser = await launchChromium();
    context = await browser.newContext(phone);
    await answerAppCallback(context, REDIRECT_URI);
    page = await watchedPage(context, problems);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await mailbox?.close();
  });

  it('signs up from the app\'s login page with a live strength hint, a weak password refused next to the field, and the mailed link', async () => {
    const start = await startAuthorization(rp);
    await page.goto(start.url.href);
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.waitForURL(/\/register\?interaction=/);
    expect(await page.locator('h1').innerText()).toBe(`Create an account to continue to ${SHOP}`);

    await page.getByLabel('Name').fill('Grace Hopper');
    await page.getByLabel('Email').fill(EMAIL);
    const password = page.getByLabel('Password');
    const hint = page.locator('#password-strength');
    expect(await hint.isVisible()).toBe(false);
    await password.fill('abc');
    expect(await hint.isVisible()).toBe(true);
    expect(await hint.getAttribute('aria-live')).toBe('polite');
    expect(await hint.innerText()).toContain('Too short');
    await password.fill('grace.signup2024');
    expect(await hint.innerText()).toContain('Contains your email address');
    await password.fill(PASSWORD);
    expect(await hint.innerText()).toBe('Strength: strong');
    expect(await scrollsSideways(page)).toBe(false);
    await shot('01-register-strength');

    // The hint is only a hint: the server refuses a common password, next to the field.
    await password.fill('password123');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.locator('#password-error').waitFor();
    expect(await page.locator('#password-error').innerText()).toContain('one of the most common');
    expect(await password.getAttribute('aria-invalid')).toBe('true');
    expect(await password.getAttribute('aria-describedby')).toContain('password-error');
    expect(await password.inputValue()).toBe('');
    expect(await page.getByLabel('Email').inputValue()).toBe(EMAIL);
    expect(await scrollsSideways(page)).toBe(false);
    await shot('02-register-refused');

    await password.fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'Check your email' }).waitFor();
    expect(await page.getByLabel('6-digit code').getAttribute('autocomplete')).toBe('one-time-code');
    expect(await scrollsSideways(page)).toBe(false);
    await shot('03-check-email');

    const mail = await mailbox.next(t.latchkey, EMAIL);
    await page.goto(linkTo(mail, '/verify-email').href);
    await page.getByRole('button', { name: 'Confirm email address' }).click();
    await page.getByRole('heading', { name: 'Email address verified' }).waitFor();
    await shot('04-verified');
    await page.getByRole('link', { name: `Continue to ${SHOP}` }).click();
    await page.getByRole('status').waitFor();
    expect(await page.getByRole('status').innerText()).toContain('Your email address is verified');
    expect(await page.getByLabel('Email', { exact: true }).inputValue()).toBe(EMAIL);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(new RegExp(`^${REDIRECT_URI}`));
    const tokens = await oidc.authorizationCodeGrant(rp, new URL(page.url()), { pkceCodeVerifier: start.verifier, expectedState: start.state, expectedNonce: start.nonce });
    expect(tokens.claims()).toMatchObject({ email: EMAIL, email_verified: true });
  });

  it('resets a forgotten password through the mailed link', async () => {
    await context.clearCookies();
    await page.goto(`${t.issuer}/forgot-password`);
    await page.getByLabel('Email').fill(EMAIL);
    await page.getByRole('button', { name: 'Send reset link' }).click();
    await page.getByRole('heading', { name: 'Check your email' }).waitFor();
    expect(await scrollsSideways(page)).toBe(false);

    const mail = await mailbox.next(t.latchkey, EMAIL, { subject: /Reset your password/ });
    await page.goto(linkTo(mail, '/reset-password').href);
    await page.getByLabel('Password').fill(NEW_PASSWORD);
    expect(await page.locator('#password-strength').isVisible()).toBe(true);
    expect(await scrollsSideways(page)).toBe(false);
    await shot('05-reset');
    await page.getByRole('button', { name: 'Set new password' }).click();
    await page.getByRole('heading', { name: 'Your password is set' }).waitFor();
    await shot('06-password-set');
    expect((await t.latchkey.services.accounts.authenticate(EMAIL, NEW_PASSWORD)).account?.email).toBe(EMAIL);
    expect((await t.latchkey.services.accounts.authenticate(EMAIL, PASSWORD)).account).toBeUndefined();
  });

  it('never violated the Content Security Policy or threw a script error', () => {
    expect(problems.cspViolations).toEqual([]);
    expect(problems.pageErrors).toEqual([]);
  });
});
