// Profile completion in headless Chromium (issue 4, item 8): an app that requires a customer link sends an
// unlinked person to "Complete your profile"; a wrong pair shows the error with the input kept, the right one
// returns to the app with customer_id in the ID token. "I have no customer ID yet" registers a known licence
// and returns with a new customer ID. Real Latchkey (PGlite), real RP library, real browser, no CSP violation.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startTestLatchkey, type TestLatchkey } from '../support/latchkey.js';
import { oidc, relyingParty } from '../support/relying-party.js';

const PASSWORD = 'correct horse battery staple';

/** A sibling app: /login starts code + PKCE with the customer scope, /callback shows the customer ID. */
class SupportPortal {
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
        redirect_uri: `${this.origin}/callback`, scope: 'openid email customer', state, nonce,
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
      });
      res.writeHead(302, { location: target.href });
      return res.end();
    }
    res.setHeader('content-type', 'text/html; charset=utf-8');
    const state = url.searchParams.get('state') ?? '';
    const pending = this.pending.get(state);
    if (url.pathname !== '/callback' || !pending) return res.end('<p>unknown</p>');
    if (url.searchParams.get('error')) return res.end(`<p id="error">${url.searchParams.get('error')!.replace(/[<>&"]/g, '')}</p>`);
    const tokens = await oidc.authorizationCodeGrant(this.config, url, { pkceCodeVerifier: pending.verifier, expectedState: state, expectedNonce: pending.nonce });
    res.end(`<p id="customer">${String(tokens.claims()!.customer_id).replace(/[<>&"]/g, '')}</p>`);
  }

  async close() {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

describe('profile completion in Chromium', () => {
  let t: TestLatchkey;
  let rp: SupportPortal;
  let browser: Browser;
  let dir: string;
  const cspViolations: string[] = [];

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
    rp = new SupportPortal();
    await rp.listen();
    const { client, clientSecret } = await t.latchkey.clients.create({ name: 'Support Portal', type: 'web', firstParty: true, requireCustomerLink: true, redirectUris: [`${rp.origin}/callback`] });
    rp.config = await relyingParty(t.issuer, client.clientId, clientSecret);
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await rp?.close();
    await t?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function signIn(email: string): Promise<Page> {
    const page = await (await browser.newContext({ locale: 'en-US' })).newPage();
    page.on('console', (msg) => {
      if (/Content Security Policy|Refused to/i.test(msg.text())) cspViolations.push(msg.text());
    });
    await page.goto(`${rp.origin}/login`);
    await page.getByLabel('Email', { exact: true }).fill(email);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
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
    expect(cspViolations).toEqual([]);
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
    expect(cspViolations).toEqual([]);
  });
});
