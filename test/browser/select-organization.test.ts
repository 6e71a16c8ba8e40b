// The company picker in headless Chromium (issue 5, item 6): an app acting for one company (scope
// `organization`) sends a person with several companies to "Which company are you signing in for?" after
// login; each company is a button named after it; the pick returns to the app with org_id and that company's
// permissions; Cancel returns access_denied. Also in Czech, and on a phone-sized screen without sideways
// scrolling. Real Latchkey (PGlite), real RP library, real browser, no CSP violation.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startTestLatchkey, type TestLatchkey } from '../support/latchkey.js';
import { oidc, relyingParty } from '../support/relying-party.js';
import { companyFixtures, PASSWORD, type Person } from '../oidc/company-fixtures.js';

const escape = (s: string) => s.replace(/[<>&"]/g, '');

/** A sibling app: /login starts code + PKCE with scope organization, /callback shows org_id and org_permissions. */
class CompanyPortal {
  readonly server = http.createServer((req, res) => {
    this.handle(req, res).catch((err: Error) => {
      res.statusCode = 500;
      res.end(`RP error: ${err.message}`);
    });
  });
  private readonly pending = new Map<string, { verifier: string; nonce: string }>();
  config!: oidc.Configuration;
  origin = '';

  async listen() {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const url = new URL(req.url!, this.origin);
    if (url.pathname === '/login') {
      const verifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const nonce = oidc.randomNonce();
      this.pending.set(state, { verifier, nonce });
      const target = oidc.buildAuthorizationUrl(this.config, {
        redirect_uri: `${this.origin}/callback`, scope: 'openid email organization', state, nonce,
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
      });
      res.writeHead(302, { location: target.href });
      return res.end();
    }
    res.setHeader('content-type', 'text/html; charset=utf-8');
    const state = url.searchParams.get('state') ?? '';
    const pending = this.pending.get(state);
    if (url.pathname !== '/callback' || !pending) return res.end('<p>unknown</p>');
    if (url.searchParams.get('error')) return res.end(`<p id="error">${escape(url.searchParams.get('error')!)}</p>`);
    const claims = (await oidc.authorizationCodeGrant(this.config, url, { pkceCodeVerifier: pending.verifier, expectedState: state, expectedNonce: pending.nonce })).claims()!;
    res.end(`<p id="org">${escape(String(claims.org_id))}</p><p id="permissions">${escape((claims.org_permissions as string[]).join(','))}</p>`);
  }

  async close() {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

describe('the company picker in Chromium', () => {
  let t: TestLatchkey;
  let rp: CompanyPortal;
  let browser: Browser;
  let owner: Person;
  let accountant: Person;
  let acme: { id: string; taxId: string };
  let beta: { id: string; taxId: string };
  const cspViolations: string[] = [];

  beforeAll(async () => {
    t = await startTestLatchkey('pglite');
    const fx = companyFixtures(t, 'picker');
    owner = await fx.person('Owner');
    accountant = await fx.person('Accountant');
    acme = await fx.company(owner, 'Acme s.r.o.');
    beta = await fx.company(owner, 'Beta a.s.');
    await fx.join(accountant, acme, owner, ['accountant']);
    await fx.join(accountant, beta, owner, ['accountant']);
    rp = new CompanyPortal();
    await rp.listen();
    const { client, clientSecret } = await t.latchkey.clients.create({ name: 'Company Portal', type: 'web', firstParty: true, redirectUris: [`${rp.origin}/callback`] });
    rp.config = await relyingParty(t.issuer, client.clientId, clientSecret);
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await rp?.close();
    await t?.close();
  });

  async function signIn(who: Person, options: { locale?: string; viewport?: { width: number; height: number }; heading?: string } = {}): Promise<Page> {
    const context = await browser.newContext({ locale: options.locale ?? 'en-US', ...(options.viewport ? { viewport: options.viewport } : {}) });
    const page = await context.newPage();
    page.on('console', (msg) => {
      if (/Content Security Policy|Refused to/i.test(msg.text())) cspViolations.push(msg.text());
    });
    await page.goto(`${rp.origin}/login`);
    await page.locator('#email').fill(who.email);
    await page.locator('#password').fill(PASSWORD);
    await page.locator('form[action$="/login"] button[type="submit"]').click();
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
    expect(cspViolations).toEqual([]);
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
    const page = await signIn(owner, { locale: 'cs-CZ', viewport: { width: 360, height: 740 }, heading: 'Za kterou firmu se přihlašujete?' });
    await page.getByRole('button', { name: 'Vybrat Acme s.r.o.' }).waitFor();
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await page.getByRole('button', { name: 'Vybrat Acme s.r.o.' }).click();
    await page.waitForURL(new RegExp(`^${rp.origin}/callback`));
    expect(await page.locator('#org').innerText()).toBe(acme.id);
    expect(cspViolations).toEqual([]);
  });
});
