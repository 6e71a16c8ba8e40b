// The admin console as staff see it, in headless Chromium: a moderator signs in to /admin through the login
// page, sees the moderation queue and approves a pending company; an account without a staff role gets the
// "Not allowed" page; a sign-in older than 15 minutes sends the moderator through the password page again.
// The pages fit a 375 px phone screen and cause no CSP violation. Real Latchkey (PGlite), real browser.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import { desktop, fillSignIn, launchChromium, pageProblems, Screenshots, scrollsSideways, watchedPage } from '../support/browser.js';
import { startTestLatchkey, type TestLatchkey } from '../support/latchkey.js';
import { ageSignIn, pendingCompany, person, type Person } from '../web/admin/helpers.js';

const screenshots = new Screenshots('admin');

describe('admin console in a browser', () => {
  let t: TestLatchkey;
  let browser: Browser;
  let moderator: Person;
  let company: { companyId: string };
  const problems = pageProblems();
  const signIn = (p: Page, who: Person) => fillSignIn(p, who.email, who.password);

  beforeAll(async () => {
    t = await startTestLatchkey('pglite', {}, { LATCHKEY_BRUTE_FORCE_QUICK_LOGIN_MS: '0' });
    moderator = await person(t.latchkey, 'moderator', ['moderator']);
    company = await pendingCompany(t.latchkey, 'Globex Trading s.r.o.', 'CZ27082440');
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('signs a moderator in, shows the queue, and approves a company', async () => {
    const context = await browser.newContext(desktop);
    const page = await watchedPage(context, problems);
    await page.goto(`${t.issuer}/admin`);
    await signIn(page, moderator);
    await page.waitForURL(`${t.issuer}/admin/queue`);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Staff console');
    await expect(page.locator('[aria-current="page"]').textContent()).resolves.toBe('Moderation queue');
    const item = page.locator(`[data-company-id="${company.companyId}"]`);
    await expect(item.textContent()).resolves.toContain('Globex Trading s.r.o.');
    await expect(item.textContent()).resolves.toContain('CZ CZ27082440');
    await screenshots.take(page, 'queue');

    // Rejecting without a reason: a message next to the field, nothing decided.
    await item.getByRole('button', { name: 'Reject' }).click();
    await expect(page.locator('.field-error').first().textContent()).resolves.toContain('Give a reason');
    expect((await t.latchkey.services.companies.getCompany(company.companyId))?.status).toBe('pending');

    await page.locator(`[data-company-id="${company.companyId}"]`).getByRole('button', { name: 'Approve' }).click();
    await page.waitForURL(/\/admin\/queue\?done=company-approved$/);
    await expect(page.getByRole('status').textContent()).resolves.toContain('The company is approved.');
    await expect(page.locator(`[data-company-id="${company.companyId}"]`).count()).resolves.toBe(0);
    expect((await t.latchkey.services.companies.getCompany(company.companyId))?.status).toBe('approved');

    // The company page shows it approved; the audit log lists the approval.
    await page.goto(`${t.issuer}/admin/companies/${company.companyId}`);
    await expect(page.locator('[data-company-status]').first().textContent()).resolves.toBe('Approved');
    await page.getByRole('link', { name: 'All events of this company' }).click();
    await expect(page.locator('[data-audit-type="company.approved"]').count()).resolves.toBe(1);

    // A phone screen: no sideways scrolling.
    await page.setViewportSize({ width: 375, height: 700 });
    await page.goto(`${t.issuer}/admin/queue`);
    expect(await scrollsSideways(page)).toBe(false);
    await context.close();
  });

  it('refuses an account without a staff role', async () => {
    const visitor = await person(t.latchkey, 'visitor');
    const context = await browser.newContext(desktop);
    const page = await watchedPage(context, problems);
    await page.goto(`${t.issuer}/admin/queue`);
    // After the login page, the browser comes back to the page it asked for.
    const response = page.waitForResponse((r) => r.url() === `${t.issuer}/admin/queue`);
    await signIn(page, visitor);
    expect((await response).status()).toBe(403);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Not allowed');
    await expect(page.locator('main').textContent()).resolves.toContain(`You are signed in as ${visitor.email}, which has no staff role.`);
    await expect(page.getByRole('link', { name: 'Sign out to use another account' }).isVisible()).resolves.toBe(true);
    await screenshots.take(page, 'forbidden');
    await context.close();
  });

  it('asks for the password again when the sign-in is stale', async () => {
    const context = await browser.newContext(desktop);
    const page = await watchedPage(context, problems);
    await page.goto(`${t.issuer}/admin/accounts`);
    await signIn(page, moderator);
    await page.waitForURL(`${t.issuer}/admin/accounts`);

    await ageSignIn(t.latchkey, moderator.id, 20 * 60);
    await page.goto(`${t.issuer}/admin/companies`);
    await page.waitForURL(/\/interaction\//);
    await expect(page.getByLabel('Password').isVisible()).resolves.toBe(true);
    await screenshots.take(page, 'reauth');
    await signIn(page, moderator);
    await page.waitForURL(`${t.issuer}/admin/companies`);
    await expect(page.getByRole('heading', { level: 2 }).first().textContent()).resolves.toBe('Companies');
    await context.close();
  });

  it('caused no CSP violation and no script error', () => {
    expect(problems.cspViolations).toEqual([]);
    expect(problems.pageErrors).toEqual([]);
  });
});
