// Profile completion with a customer ID inside the OIDC flow (issue 4, item 8), through the HTML forms as a
// browser would, with openid-client as the relying party: the customer prompt, its anti-automation limit,
// product registration, cancel, and the customer claims in the tokens.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { databaseKinds } from '../support/databases.js';
import { startTestLatchkey, type TestLatchkey } from '../support/latchkey.js';
import { immediateCallback, login, oidc, REDIRECT_URI, relyingParty, startAuthorization, submitForm, visit, type AuthorizationStart, type Page, type Step } from '../support/relying-party.js';
import { UserAgent } from '../support/user-agent.js';
import { signIn as signInToAccountCenter } from '../web/account/helpers.js';

const PASSWORD = 'correct horse battery';
const DIRECTORY = [
  { customer_id: 'C-100', company_name: 'Acme s.r.o.', tax_id: '12345678', vat_id: 'CZ12345678', country: 'CZ', licence_numbers: ['LIC-ACME-1'] },
  { licence_numbers: ['LIC-NEW-1', 'LIC-NEW-2'] },
];

let ipSerial = 0;
const browser = () => {
  ipSerial += 1;
  return new UserAgent({ 'x-forwarded-for': `203.0.113.${ipSerial}`, 'accept-language': 'en' });
};
const page = (step: Step): Page => {
  if (!step.page) throw new Error(`expected a page, got the callback ${step.callback?.href}`);
  return step.page;
};
const fieldsOf = (p: Page) => p.forms.flatMap((f) => Object.keys(f.fields));

describe.each(databaseKinds)('profile completion with a customer ID (%s)', (kind) => {
  let t: TestLatchkey;
  let dir: string;
  let strict: oidc.Configuration;
  let relaxed: oidc.Configuration;
  let serial = 0;

  const newAccount = async () => {
    serial += 1;
    const email = `person${serial}@example.com`;
    const { id } = await t.latchkey.services.accounts.create({ email, password: PASSWORD, name: `Person ${serial}`, emailVerified: true });
    return { id, email, password: PASSWORD };
  };
  /** Signs in through the login form of a fresh authorization; returns where that ended. */
  const signIn = async (ua: UserAgent, config: oidc.Configuration, who: { email: string; password: string }) => {
    const start = await startAuthorization(config, { scope: 'openid email customer' });
    const loginPage = page(await visit(ua, start.url));
    return { start, step: await submitForm(ua, loginPage, '/login', { email: who.email, password: who.password }) };
  };
  const tokensFor = (config: oidc.Configuration, start: AuthorizationStart, callback: URL) =>
    oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: start.verifier, expectedState: start.state, expectedNonce: start.nonce });

  beforeAll(async () => {
    t = await startTestLatchkey(kind, { trustProxy: true });
    dir = await mkdtemp(join(tmpdir(), 'latchkey-customers-'));
    const file = join(dir, 'customers.ndjson');
    await writeFile(file, DIRECTORY.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const imported = await t.latchkey.services.customers.importFile({ file });
    expect(imported.rejected).toBe(0);
    const a = await t.latchkey.clients.create({ name: 'Support Portal', type: 'web', redirectUris: [REDIRECT_URI], firstParty: true, requireCustomerLink: true });
    strict = await relyingParty(t.issuer, a.client.clientId, a.clientSecret);
    const b = await t.latchkey.clients.create({ name: 'Shop', type: 'web', redirectUris: [REDIRECT_URI], firstParty: true });
    relaxed = await relyingParty(t.issuer, b.client.clientId, b.clientSecret);
  });
  afterAll(async () => {
    await t?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('never shows the page to a client without the requirement', async () => {
    const who = await newAccount();
    const { tokens } = await login(relaxed, browser(), who, { scope: 'openid customer' });
    expect(tokens.claims()!.customer_id).toBeUndefined();
  });

  it('asks an unlinked account for a customer ID, refuses a wrong pair keeping the input, then links and issues customer claims', async () => {
    const who = await newAccount();
    const ua = browser();
    const { start, step } = await signIn(ua, strict, who);
    const form = page(step);
    expect(form.html).toContain('Complete your profile');
    expect(fieldsOf(form)).toEqual(expect.arrayContaining(['customer_id', 'tax_id']));

    const wrong = page(await submitForm(ua, form, '/customer-link', { customer_id: 'C-100', tax_id: '99999999' }));
    expect(wrong.status).toBe(400);
    expect(wrong.html).toContain('do not match');
    expect(wrong.html).toContain('value="C-100"');

    // A licence number of the customer is accepted instead of the tax ID.
    const done = await submitForm(ua, wrong, '/customer-link', { customer_id: ' C-100 ', tax_id: 'lic-acme-1' });
    expect(done.callback).toBeDefined();
    const tokens = await tokensFor(strict, start, done.callback!);
    expect(tokens.claims()).toMatchObject({ customer_id: 'C-100', company: { name: 'Acme s.r.o.', tax_id: '12345678', vat_id: 'CZ12345678', country: 'CZ' } });
    const userinfo = await oidc.fetchUserInfo(strict, tokens.access_token, tokens.claims()!.sub);
    expect(userinfo.customer_id).toBe('C-100');
    expect((await t.latchkey.services.customers.linksOf(who.id)).map((l) => l.customer_id)).toEqual(['C-100']);

    // The next authorization goes straight through.
    const again = await login(strict, ua, who, { scope: 'openid customer' });
    expect(again.tokens.claims()!.customer_id).toBe('C-100');
  });

  it('lets several people link to one customer with its tax ID, and the account center shows the link', async () => {
    const who = await newAccount();
    const ua = browser();
    const { start, step } = await signIn(ua, strict, who);
    const done = await submitForm(ua, page(step), '/customer-link', { customer_id: 'C-100', tax_id: '12345678' });
    expect((await tokensFor(strict, start, done.callback!)).claims()!.customer_id).toBe('C-100');
    const profile = await signInToAccountCenter(browser(), t.issuer, who);
    expect(profile.html).toContain('data-customer-id="C-100"');
  });

  it('asks the user to wait after 5 failures, even for the right pair', async () => {
    const who = await newAccount();
    const ua = browser();
    let form = page((await signIn(ua, strict, who)).step);
    for (let i = 0; i < 5; i++) {
      form = page(await submitForm(ua, form, '/customer-link', { customer_id: 'C-100', tax_id: `WRONG-${i}` }));
      expect(form.status).toBe(400);
    }
    const blocked = page(await submitForm(ua, form, '/customer-link', { customer_id: 'C-100', tax_id: '12345678' }));
    expect(blocked.status).toBe(429);
    expect(blocked.html).toContain('Too many attempts');
    expect(await t.latchkey.services.customers.linksOf(who.id)).toEqual([]);
  });

  it('registers a known licence under a new customer ID, and refuses unknown or registered licences with one message', async () => {
    const who = await newAccount();
    const ua = browser();
    const { start, step } = await signIn(ua, strict, who);
    const registerLink = page(step).html.match(/href="([^"]*\/register-product)"/)![1]!;
    const form = page(await visit(ua, new URL(registerLink.replace(/&amp;/g, '&'), t.issuer)));
    expect(fieldsOf(form)).toEqual(expect.arrayContaining(['licence_number', 'company_name', 'tax_id', 'vat_id', 'country']));

    const company = { company_name: 'Newco a.s.', tax_id: '87654321', vat_id: 'CZ87654321', country: 'cz' };
    const unknown = page(await submitForm(ua, form, '/register-product', { ...company, licence_number: 'LIC-NOPE' }));
    expect(unknown.status).toBe(400);
    expect(unknown.html).toContain('unknown or already registered');
    expect(unknown.html).toContain('value="Newco a.s."');
    const taken = page(await submitForm(ua, unknown, '/register-product', { ...company, licence_number: 'LIC-ACME-1' }));
    expect(taken.html).toContain('unknown or already registered');

    const done = await submitForm(ua, taken, '/register-product', { ...company, licence_number: 'LIC-NEW-1' });
    expect(done.callback).toBeDefined();
    const claims = (await tokensFor(strict, start, done.callback!)).claims()!;
    expect(claims.customer_id).toMatch(/^LK\d{10}$/);
    expect(claims.company).toEqual({ name: 'Newco a.s.', tax_id: '87654321', vat_id: 'CZ87654321', country: 'CZ' });

    // The licence is now registered: someone else cannot register it again.
    const other = browser();
    const second = await signIn(other, strict, await newAccount());
    const otherForm = page(await visit(other, new URL(page(second.step).html.match(/href="([^"]*\/register-product)"/)![1]!, t.issuer)));
    const again = page(await submitForm(other, otherForm, '/register-product', { ...company, licence_number: 'LIC-NEW-1' }));
    expect(again.html).toContain('unknown or already registered');
  });

  it('accepts require_customer_link in dynamic registration, and such a client gets the page too', async () => {
    const initialAccessToken = await t.latchkey.clients.issueInitialAccessToken(600);
    const metadata = { client_name: 'Partner Support', redirect_uris: [REDIRECT_URI], require_customer_link: true, token_endpoint_auth_method: 'client_secret_basic' };
    const config = await oidc.dynamicClientRegistration(new URL(t.issuer), metadata, undefined, { initialAccessToken, execute: [oidc.allowInsecureRequests] });
    expect(config.clientMetadata().require_customer_link).toBe(true);
    const { step } = await signIn(browser(), config, await newAccount());
    expect(page(step).html).toContain('Complete your profile');
  });

  it('sends access_denied back to the app on cancel', async () => {
    const ua = browser();
    const { step } = await signIn(ua, strict, await newAccount());
    const back = await submitForm(ua, page(step), '/abort');
    expect(back.callback!.searchParams.get('error')).toBe('access_denied');
    // Signed in but still unlinked: prompt=none cannot show the page (OIDC Core §3.1.2.6).
    const silent = await startAuthorization(strict, { scope: 'openid customer', prompt: 'none' });
    expect((await immediateCallback(ua, silent.url)).searchParams.get('error')).toBe('interaction_required');
  });

  it('refuses a POST without the CSRF token', async () => {
    const ua = browser();
    const { step } = await signIn(ua, strict, await newAccount());
    const action = page(step).forms.find((f) => f.action.endsWith('/customer-link'))!.action;
    const response = await ua.request(action, { method: 'POST', form: { customer_id: 'C-100', tax_id: '12345678' } });
    expect(response.status).toBe(403);
  });
});
