// First sign-in with an old password as a person sees it in headless Chromium on a phone screen (issue 4,
// items 4 and 5): the login page tells first-timers to use their e-shop, customer center or mobile app
// password; a verified source's password goes straight back to the app; a password from a source that never
// verified addresses stops at "verify your email address", where a wrong code is refused next to the field and
// the mailed code finishes the sign-in. Real Latchkey (PGlite), a real SMTP server, openid-client.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { hashSync } from '@node-rs/bcrypt';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { answerAppCallback, fillSignIn, launchChromium, pageProblems, phone, Screenshots, scrollsSideways, watchedPage } from '../support/browser.js';
import { startTestLatchkey, type TestLatchkey } from '../support/latchkey.js';
import { codeIn, startMailbox, type Mailbox } from '../support/mailbox.js';
import { oidc, REDIRECT_URI, relyingParty, startAuthorization } from '../support/relying-party.js';

const SHOP = 'Corner Shop';
const CENTER_PASSWORD = 'centre password of ida';
const SHOP_PASSWORD = 'shop password of ida';
const screenshots = new Screenshots('legacy-first-sign-in');

describe('first sign-in with a legacy password in Chromium', () => {
  let t: TestLatchkey;
  let mailbox: Mailbox;
  let rp: oidc.Configuration;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const problems = pageProblems();
  const shot = (name: string) => screenshots.take(page, name);

  /** Imports a person from the customer center (--emails-verified) and the e-shop (not verified). */
  async function importPerson(email: string) {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'lk-browser-legacy-'));
    const salt = randomBytes(6).toString('hex');
    const id = randomBytes(4).toString('hex');
    try {
      const files = [
        { source: 'customer-center', verified: true, record: { legacy_id: `c-${id}`, email, name: 'Ida Centre', password_hash: `pbkdf2_sha256$1000$${salt}$${pbkdf2Sync(CENTER_PASSWORD, salt, 1000, 32, 'sha256').toString('base64')}` } },
        { source: 'eshop', verified: false, record: { legacy_id: `e-${id}`, email, name: 'Ida Shop', password_hash: hashSync(SHOP_PASSWORD, { cost: 4 }) } },
      ];
      for (const { source, verified, record } of files) {
        const file = path.join(dir, `${source}.ndjson`);
        await writeFile(file, `${JSON.stringify(record)}\n`);
        await t.latchkey.services.legacyImport.importFile({ file, source, emailsVerified: verified, rejectsPath: path.join(dir, 'rejects.ndjson') });
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** Opens the app's login page and signs in; returns the authorization to redeem. */
  async function signIn(email: string, password: string) {
    const start = await startAuthorization(rp);
    await page.goto(start.url.href);
    expect(await page.locator('p.note').innerText()).toBe('First time here? Use the email and password from the e-shop, the customer center or the mobile app.');
    await fillSignIn(page, email, password);
    return start;
  }

  const redeemHere = (start: Awaited<ReturnType<typeof startAuthorization>>) =>
    oidc.authorizationCodeGrant(rp, new URL(page.url()), { pkceCodeVerifier: start.verifier, expectedState: start.state, expectedNonce: start.nonce });

  beforeAll(async () => {
    mailbox = await startMailbox();
    t = await startTestLatchkey('pglite', {}, mailbox.env);
    const { client, clientSecret } = await t.latchkey.clients.create({ name: SHOP, type: 'web', redirectUris: [REDIRECT_URI], firstParty: true });
    rp = await relyingParty(t.issuer, client.clientId, clientSecret);
    await importPerson('ida.first@example.com');
    await importPerson('ida.second@example.com');
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

  it('shows the first-time hint and lets a verified source\'s password straight through', async () => {
    const start = await signIn('ida.first@example.com', CENTER_PASSWORD);
    await page.waitForURL(new RegExp(`^${REDIRECT_URI}`));
    expect((await redeemHere(start)).claims()).toMatchObject({ email: 'ida.first@example.com', email_verified: true });
  });

  it('asks for the mailed code when the password came from a source that never verified addresses', async () => {
    await context.clearCookies();
    const start = await signIn('ida.second@example.com', SHOP_PASSWORD);
    await page.getByRole('heading', { name: 'Verify your email address' }).waitFor();
    expect(await page.locator('main').innerText()).toContain('This is your first sign-in with a password from one of our earlier services');
    expect(await page.locator('main').innerText()).toContain('ida.second@example.com');
    const code = page.getByLabel('6-digit code');
    expect(await code.getAttribute('autocomplete')).toBe('one-time-code');
    expect(await scrollsSideways(page)).toBe(false);
    await shot('01-code-step');

    const mailed = codeIn(await mailbox.next(t.latchkey, 'ida.second@example.com', { subject: /sign-in code/ }));
    await code.fill(mailed === '000000' ? '111111' : '000000');
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.locator('#code-error').waitFor();
    expect(await page.locator('#code-error').innerText()).toContain('This code is not valid');
    expect(await page.getByLabel('6-digit code').getAttribute('aria-invalid')).toBe('true');
    await shot('02-wrong-code');
    expect((await t.latchkey.services.accounts.findByEmail('ida.second@example.com'))!.password_hash).toBeNull();

    await page.getByLabel('6-digit code').fill(mailed);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.waitForURL(new RegExp(`^${REDIRECT_URI}`));
    expect((await redeemHere(start)).claims()).toMatchObject({ email: 'ida.second@example.com', email_verified: true });
  });

  it('never violated the Content Security Policy or threw a script error', () => {
    expect(problems.cspViolations).toEqual([]);
    expect(problems.pageErrors).toEqual([]);
  });
});
