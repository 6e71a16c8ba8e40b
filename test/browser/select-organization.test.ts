// The company picker in headless Chromium (issue 5, item 6): an app acting for one company (scope
// `organization`) sends a person with several companies to "Which company are you signing in for?" after
// login; each company is a button named after it; the pick returns to the app with org_id and that company's
// permissions; Cancel returns access_denied. Also in Czech, and on a phone-sized screen without sideways
// scrolling. Real Latchkey (PGlite), real RP library, real browser, no CSP violation.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import { englishSignIn, fillSignIn, launchChromium, pageProblems, scrollsSideways, watchedPage, type SignInLabels } from '../support/browser.js';
import { startTestLatchkey, type TestLatchkey } from '../support/latchkey.js';
import { relyingParty } from '../support/relying-party.js';
import { escapeHtml, SiblingApp } from './sibling-app.js';
import { companyFixtures, PASSWORD, type Person } from '../oidc/company-fixtures.js';

describe('the company picker in Chromium', () => {
  let t: TestLatchkey;
  let rp: SiblingApp;
  let browser: Browser;
  let owner: Person;
  let accountant: Person;
  let acme: { id: string; taxId: string };
  let beta: { id: string; taxId: string };
  const problems = pageProblems();

  beforeAll(async () => {
    t = await startTestLatchkey('pglite');
    const fx = companyFixtures(t, 'picker');
    owner = await fx.person('Owner');
    accountant = await fx.person('Accountant');
    acme = await fx.company(owner, 'Acme s.r.o.');
    beta = await fx.company(owner, 'Beta a.s.');
    await fx.join(accountant, acme, owner, ['accountant']);
    await fx.join(accountant, beta, owner, ['accountant']);
    // The Company Portal: acts for one company (scope organization) and shows org_id and org_permissions.
    rp = new SiblingApp();
    await rp.listen();
    const { client, clientSecret } = await t.latchkey.clients.create({ name: 'Company Portal', type: 'web', firstParty: true, redirectUris: [rp.callback('portal')] });
    rp.apps.set('portal', {
      name: 'Company Portal', config: await relyingParty(t.issuer, client.clientId, clientSecret), scope: 'openid email organization',
      show: (tokens) => {
        const claims = tokens.claims()!;
        return `<p id="org">${escapeHtml(String(claims.org_id))}</p><p id="permissions">${escapeHtml((claims.org_permissions as string[]).join(','))}</p>`;
      },
    });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await rp?.close();
    await t?.close();
  });

  async function signIn(who: Person, options: { locale?: string; viewport?: { width: number; height: number }; labels?: SignInLabels; heading?: string } = {}): Promise<Page> {
    const context = await browser.newContext({ locale: options.locale ?? 'en-US', ...(options.viewport ? { viewport: options.viewport } : {}) });
    const page = await watchedPage(context, problems);
    await page.goto(`${rp.origin}/login/portal`);
    await fillSignIn(page, who.email, PASSWORD, options.labels ?? englishSignIn);
    await page.getByRole('heading', { name: options.heading ?? 'Which company are you signing in for?' }).waitFor();
    return page;
  }

  it('lists the companies with their tax IDs and returns to the app with the chosen one', async () => {
    const page = await signIn(owner);
    const list = page.getByRole('list', { name: 'Your companies' });
    expect(await list.getByRole('listitem').count()).toBe(2);
    expect(await list.innerText()).toContain(`Tax ID ${beta.taxId}`);
    await page.getByRole('button', { name: 'Choose Beta a.s.' }).click();
    await page.waitForURL(new RegExp(`^${rp.origin}/callback`));
    expect(await page.locator('#org').innerText()).toBe(beta.id);
    expect((await page.locator('#permissions').innerText()).split(',')).toEqual(expect.arrayContaining(['invoices', 'orders', 'members:manage']));
    expect(problems.cspViolations).toEqual([]);
    expect(problems.pageErrors).toEqual([]);
  });

  it('gives an accountant only invoices for the company picked', async () => {
    const page = await signIn(accountant);
    await page.getByRole('button', { name: 'Choose Acme s.r.o.' }).click();
    await page.waitForURL(new RegExp(`^${rp.origin}/callback`));
    expect(await page.locator('#org').innerText()).toBe(acme.id);
    expect(await page.locator('#permissions').innerText()).toBe('invoices');
  });

  it('returns access_denied to the app on Cancel', async () => {
    const page = await signIn(owner);
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.waitForURL(new RegExp(`^${rp.origin}/callback`));
    expect(await page.locator('#error').innerText()).toBe('access_denied');
  });

  it('speaks Czech to a Czech browser and fits a phone screen', async () => {
    const page = await signIn(owner, { locale: 'cs-CZ', viewport: { width: 360, height: 740 }, labels: { email: 'E-mail', password: 'Heslo', submit: 'Přihlásit se' }, heading: 'Za kterou firmu se přihlašujete?' });
    await page.getByRole('button', { name: 'Vybrat Acme s.r.o.' }).waitFor();
    expect(await scrollsSideways(page)).toBe(false);
    await page.getByRole('button', { name: 'Vybrat Acme s.r.o.' }).click();
    await page.waitForURL(new RegExp(`^${rp.origin}/callback`));
    expect(await page.locator('#org').innerText()).toBe(acme.id);
    expect(problems.cspViolations).toEqual([]);
    expect(problems.pageErrors).toEqual([]);
  });
});
