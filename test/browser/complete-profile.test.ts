// Profile completion in headless Chromium (issue 4, item 8): an app that requires a customer link sends an
// unlinked person to "Complete your profile"; a wrong pair shows the error with the input kept, the right one
// returns to the app with customer_id in the ID token. "I have no customer ID yet" registers a known licence
// and returns with a new customer ID. Real Latchkey (PGlite), real RP library, real browser, no CSP violation.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import { fillSignIn, launchChromium, pageProblems, watchedPage } from '../support/browser.js';
import { startTestLatchkey, type TestLatchkey } from '../support/latchkey.js';
import { relyingParty } from '../support/relying-party.js';
import { escapeHtml, SiblingApp } from './sibling-app.js';

const PASSWORD = 'correct horse battery staple';

describe('profile completion in Chromium', () => {
  let t: TestLatchkey;
  let rp: SiblingApp;
  let browser: Browser;
  let dir: string;
  const problems = pageProblems();

  beforeAll(async () => {
    t = await startTestLatchkey('pglite');
    dir = await mkdtemp(path.join(os.tmpdir(), 'latchkey-complete-profile-'));
    const file = path.join(dir, 'customers.ndjson');
    await writeFile(file, [
      JSON.stringify({ customer_id: 'C-200', company_name: 'Globex GmbH', tax_id: 'DE999', licence_numbers: ['LIC-GLOBEX'] }),
      JSON.stringify({ licence_numbers: ['LIC-FRESH'] }),
    ].join('\n'));
    await t.latchkey.services.customers.importFile({ file });
    for (const email of ['linker@example.com', 'registrant@example.com']) await t.latchkey.services.accounts.create({ email, password: PASSWORD, emailVerified: true });
    // The Support Portal: asks for the customer scope and shows the customer ID it gets.
    rp = new SiblingApp();
    await rp.listen();
    const { client, clientSecret } = await t.latchkey.clients.create({ name: 'Support Portal', type: 'web', firstParty: true, requireCustomerLink: true, redirectUris: [rp.callback('portal')] });
    rp.apps.set('portal', {
      name: 'Support Portal', config: await relyingParty(t.issuer, client.clientId, clientSecret), scope: 'openid email customer',
      show: (tokens) => `<p id="customer">${escapeHtml(String(tokens.claims()!.customer_id))}</p>`,
    });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await rp?.close();
    await t?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function signIn(email: string): Promise<Page> {
    const page = await watchedPage(await browser.newContext({ locale: 'en-US' }), problems);
    await page.goto(`${rp.origin}/login/portal`);
    await fillSignIn(page, email, PASSWORD);
    await page.getByRole('heading', { name: 'Complete your profile' }).waitFor();
    return page;
  }

  it('links with a customer ID and tax ID after a wrong try, and returns to the app with the customer ID', async () => {
    const page = await signIn('linker@example.com');
    await page.getByLabel('Customer ID').fill('C-200');
    await page.getByLabel('Tax ID or licence number').fill('DE000');
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect(page.getByText('do not match').innerText()).resolves.toContain('do not match');
    expect(await page.getByLabel('Customer ID').inputValue()).toBe('C-200');
    await page.getByLabel('Tax ID or licence number').fill('DE999');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(new RegExp(`^${rp.origin}/callback`));
    expect(await page.locator('#customer').innerText()).toBe('C-200');
    expect(problems.cspViolations).toEqual([]);
    expect(problems.pageErrors).toEqual([]);
  });

  it('registers a product when the person has no customer ID yet', async () => {
    const page = await signIn('registrant@example.com');
    await page.getByRole('link', { name: 'I have no customer ID yet' }).click();
    await page.getByLabel('Licence number').fill('LIC-FRESH');
    await page.getByLabel('Company name').fill('Initech Ltd');
    await page.getByLabel('Country (two-letter code, optional)').fill('HR');
    await page.getByRole('button', { name: 'Register' }).click();
    await page.waitForURL(new RegExp(`^${rp.origin}/callback`));
    expect(await page.locator('#customer').innerText()).toMatch(/^LK\d{10}$/);
    expect(problems.cspViolations).toEqual([]);
    expect(problems.pageErrors).toEqual([]);
  });
});
