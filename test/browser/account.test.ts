// The account center as a person sees it, in headless Chromium: sign in to /account through the login
// page, edit the profile (a bad phone number shows a message next to the field), see the session with its
// device and the activity, change the password with "sign out everywhere else", sign out. The pages fit a
// 375 px phone screen and cause no CSP violation. Real Latchkey (PGlite), real browser, nothing mocked.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { desktop, fillSignIn, launchChromium, pageProblems, phone, Screenshots, scrollsSideways, watchedPage } from '../support/browser.js';
import { startTestLatchkey, type TestLatchkey } from '../support/latchkey.js';

const EMAIL = 'marie@example.com';
const PASSWORD = 'radium and polonium 1898';
const NEW_PASSWORD = 'two nobel prizes 1911';
const screenshots = new Screenshots('account');

describe('account center in a browser', () => {
  let t: TestLatchkey;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const problems = pageProblems();

  beforeAll(async () => {
    t = await startTestLatchkey('pglite', {}, { LATCHKEY_PROFILE_EDITABLE: 'name,given_name,phone_number,address,locale', LATCHKEY_BRUTE_FORCE_QUICK_LOGIN_MS: '0' });
    await t.latchkey.services.accounts.create({ email: EMAIL, password: PASSWORD, name: 'Marie Curie', emailVerified: true });
    browser = await launchChromium();
    context = await browser.newContext(desktop);
    page = await watchedPage(context, problems);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('signs in to /account through the login page and lands on the profile', async () => {
    await page.goto(`${t.issuer}/account`);
    await fillSignIn(page, EMAIL, PASSWORD);
    await page.waitForURL(`${t.issuer}/account`);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Your account');
    await expect(page.getByRole('navigation', { name: 'Account', exact: true }).textContent()).resolves.toContain(EMAIL);
    await expect(page.locator('[aria-current="page"]').textContent()).resolves.toBe('Profile');
  });

  it('edits the profile: a bad phone number is shown next to the field with the input kept, then saved', async () => {
    await page.getByLabel('Given name').fill('Marie');
    await page.getByLabel('Phone').fill('not a number');
    await page.getByLabel('City').fill('Paris');
    await page.getByRole('button', { name: 'Save profile' }).click();
    await expect(page.locator('#phone_number-error').textContent()).resolves.toContain('phone number');
    await expect(page.getByLabel('Phone').getAttribute('aria-invalid')).resolves.toBe('true');
    await expect(page.getByLabel('City').inputValue()).resolves.toBe('Paris');
    await page.getByLabel('Phone').fill('+33 1 23 45 67 89');
    await page.getByRole('combobox', { name: 'Language' }).selectOption('cs');
    await page.getByRole('button', { name: 'Save profile' }).click();
    await expect(page.getByRole('status').first().textContent()).resolves.toContain('Your profile has been saved.');
    await expect(page.getByLabel('Phone').inputValue()).resolves.toBe('+33 1 23 45 67 89');
    // Family name is support-only here: shown, not editable.
    await expect(page.getByLabel('Family name').count()).resolves.toBe(0);
    await expect(page.getByText('To change this, contact support.').first().isVisible()).resolves.toBe(true);
    await screenshots.take(page, 'profile');
  });

  it('shows this session with its device and the sign-in in the activity', async () => {
    await page.getByRole('link', { name: 'Security' }).click();
    const sessions = page.getByRole('region', { name: 'Where you are signed in' });
    await expect(sessions.textContent()).resolves.toContain('This device');
    await expect(sessions.textContent()).resolves.toMatch(/Chrome on Linux/);
    await page.getByRole('link', { name: 'Activity' }).click();
    const list = page.locator('.activity-list');
    await expect(list.textContent()).resolves.toContain('Signed in');
    await expect(list.textContent()).resolves.toContain('Profile changed');
    await screenshots.take(page, 'activity');
  });

  it('changes the password with "sign out everywhere else"; another browser is signed out, this one is not', async () => {
    const other = await browser.newContext(desktop);
    const otherPage = await watchedPage(other, problems);
    await otherPage.goto(`${t.issuer}/account`);
    await fillSignIn(otherPage, EMAIL, PASSWORD);
    await otherPage.waitForURL(`${t.issuer}/account`);

    await page.getByRole('link', { name: 'Security' }).click();
    await page.getByLabel('Current password').first().fill('wrong password entirely');
    await page.getByLabel('New password').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Change password' }).click();
    await expect(page.locator('#current_password-error').textContent()).resolves.toBe('The current password is not correct.');

    await page.getByLabel('Current password').first().fill(PASSWORD);
    await page.getByLabel('New password').fill(NEW_PASSWORD);
    await page.getByLabel('Sign out everywhere else').check();
    await page.getByRole('button', { name: 'Change password' }).click();
    await expect(page.getByRole('status').first().textContent()).resolves.toContain('Your password has been changed.');
    await expect(page.locator('[data-session]').count()).resolves.toBe(1);

    await otherPage.goto(`${t.issuer}/account`);
    await expect(otherPage.getByLabel('Password').isVisible()).resolves.toBe(true);
    await other.close();
  });

  it('fits a 375 px phone screen', async () => {
    const phoneContext = await browser.newContext(phone);
    const p = await watchedPage(phoneContext, problems);
    await p.goto(`${t.issuer}/account`);
    await fillSignIn(p, EMAIL, NEW_PASSWORD);
    await p.waitForURL(`${t.issuer}/account`);
    for (const section of ['', '/security', '/activity', '/data']) {
      await p.goto(`${t.issuer}/account${section}`);
      expect(await scrollsSideways(p)).toBe(false);
    }
    await screenshots.take(p, 'phone-security');
    await phoneContext.close();
  });

  it('signs out through the provider and comes back to the sign-in page', async () => {
    await page.goto(`${t.issuer}/account`);
    await page.getByRole('navigation', { name: 'Account', exact: true }).getByRole('link', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: /sign out/i }).click();
    await expect(page.getByLabel('Password').isVisible()).resolves.toBe(true);
    expect(new URL(page.url()).pathname).toMatch(/^\/interaction\//);
  });

  it('caused no CSP violation and no script error', () => {
    expect(problems.cspViolations).toEqual([]);
    expect(problems.pageErrors).toEqual([]);
  });
});
