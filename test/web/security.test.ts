// Security headers (CSP with frame-ancestors and script nonces, nosniff, referrer policy, HSTS only on
// https) on pages, error pages, discovery and assets; cookie attributes (HttpOnly, SameSite, Secure on
// https); CSRF protection of the login form (missing, wrong or cross-origin token: 403, nothing stored).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestLatchkey, type TestLatchkey } from '../support/latchkey.js';
import { oidc, REDIRECT_URI, relyingParty, startAuthorization } from '../support/relying-party.js';
import { formsOf, UserAgent } from '../support/user-agent.js';

const EMAIL = 'grace@example.com';
const PASSWORD = 'analytical engine 1843';

interface Parsed {
  name: string;
  value: string;
  attrs: Map<string, string>;
}

/** Set-Cookie lines of a response, parsed (attribute names lower-cased). */
function setCookies(response: Response): Parsed[] {
  return response.headers.getSetCookie().map((line) => {
    const [pair, ...rest] = line.split(';').map((s) => s.trim());
    const eq = pair!.indexOf('=');
    const attrs = new Map<string, string>();
    for (const a of rest) {
      const i = a.indexOf('=');
      attrs.set((i < 0 ? a : a.slice(0, i)).toLowerCase(), i < 0 ? '' : a.slice(i + 1));
    }
    return { name: pair!.slice(0, eq), value: pair!.slice(eq + 1), attrs };
  });
}

/** Every page and API answer carries these, whoever produced it (Latchkey's routes or oidc-provider's). */
function expectCommonSecurityHeaders(response: Response, where: string) {
  const csp = response.headers.get('content-security-policy');
  expect({ where, csp }).toEqual({ where, csp: expect.stringContaining("frame-ancestors 'none'") });
  const directives = new Map(csp!.split(';').map((d) => d.trim()).filter(Boolean).map((d) => {
    const [name, ...values] = d.split(/\s+/);
    return [name!, values] as const;
  }));
  const scriptSrc = directives.get('script-src') ?? directives.get('default-src')!;
  expect(scriptSrc.some((v) => /^'nonce-[A-Za-z0-9+/=_-]{16,}'$/.test(v))).toBe(true);
  expect(scriptSrc).not.toContain("'unsafe-inline'");
  expect(scriptSrc).not.toContain("'unsafe-eval'");
  expect(scriptSrc).not.toContain('*');
  expect(directives.get('object-src')).toEqual(["'none'"]);
  expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  expect(['no-referrer', 'same-origin', 'strict-origin', 'strict-origin-when-cross-origin']).toContain(response.headers.get('referrer-policy'));
  return csp!;
}

async function startLogin(t: TestLatchkey, clientId: string, clientSecret: string | undefined, ua: UserAgent) {
  const config = await relyingParty(t.issuer, clientId, clientSecret);
  const start = await startAuthorization(config);
  const { url, response } = await ua.follow(start.url);
  const html = await response!.text();
  expect(response!.status).toBe(200);
  const form = formsOf(html, url).find((f) => 'password' in f.fields)!;
  return { config, start, url, response: response!, html, form };
}

describe('security headers and cookies over http', () => {
  let t: TestLatchkey;
  let clientId: string;
  let clientSecret: string | undefined;

  beforeAll(async () => {
    t = await startTestLatchkey('pglite');
    await t.latchkey.services.accounts.create({ email: EMAIL, password: PASSWORD, name: 'Grace', emailVerified: true });
    ({ client: { clientId }, clientSecret } = await t.latchkey.clients.create({ name: 'Analytical Shop', type: 'web', redirectUris: [REDIRECT_URI], firstParty: true }));
  });
  afterAll(async () => t?.close());

  it('sends the headers on the login page, with a fresh nonce per response and no HSTS', async () => {
    const ua = new UserAgent();
    const first = await startLogin(t, clientId, clientSecret, ua);
    const csp1 = expectCommonSecurityHeaders(first.response, 'login page');
    expect(first.response.headers.get('strict-transport-security')).toBeNull();
    expect(first.response.headers.get('cache-control')).toMatch(/no-store/);
    // The page itself carries no inline script or handler the CSP would have to allow.
    expect(first.html).not.toMatch(/<script(?![^>]*\bnonce=)[^>]*>[^<]+<\/script>/i);
    expect(first.html).not.toMatch(/\son[a-z]+\s*=/i);

    const again = await ua.request(first.url);
    const csp2 = expectCommonSecurityHeaders(again, 'login page again');
    await again.arrayBuffer();
    const nonce = (csp: string) => /'nonce-([^']+)'/.exec(csp)![1];
    expect(nonce(csp1)).not.toBe(nonce(csp2));
  });

  it('sends the headers on error pages, discovery, JWKS and static assets, never HSTS over http', async () => {
    const targets: { where: string; url: string; status: number; accept?: string }[] = [
      { where: 'unknown page', url: `${t.issuer}/no-such-page`, status: 404, accept: 'text/html' },
      { where: 'expired interaction', url: `${t.issuer}/interaction/not-a-real-uid`, status: 400, accept: 'text/html' },
      { where: 'authorize error page', url: `${t.issuer}/auth?client_id=nobody&response_type=code&scope=openid`, status: 400, accept: 'text/html' },
      { where: 'discovery', url: `${t.issuer}/.well-known/openid-configuration`, status: 200 },
      { where: 'jwks', url: `${t.issuer}/jwks`, status: 200 },
      { where: 'stylesheet', url: `${t.issuer}/assets/latchkey.css`, status: 200 },
      { where: 'missing asset', url: `${t.issuer}/assets/nope.css`, status: 404 },
      { where: 'health', url: `${t.issuer}/healthz`, status: 200 },
    ];
    for (const target of targets) {
      const response = await fetch(target.url, { headers: target.accept ? { accept: target.accept } : {}, redirect: 'manual' });
      const body = await response.text();
      expect({ where: target.where, status: response.status }).toEqual({ where: target.where, status: target.status });
      expectCommonSecurityHeaders(response, target.where);
      expect(response.headers.get('strict-transport-security')).toBeNull();
      if (target.accept === 'text/html') {
        expect(response.headers.get('content-type')).toMatch(/^text\/html/);
        expect(body).toMatch(/<h1>/);
        expect(body).not.toMatch(/\n\s+at [^\n]+\(/); // no stack frames
      }
    }
    const css = await fetch(`${t.issuer}/assets/latchkey.css`);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    await css.arrayBuffer();
  });

  it('marks the interaction, CSRF and session cookies HttpOnly and SameSite, and not Secure over http', async () => {
    const ua = new UserAgent();
    const config = await relyingParty(t.issuer, clientId, clientSecret);
    const start = await startAuthorization(config);
    const authorize = await ua.request(start.url);
    const interactionCookies = setCookies(authorize);
    await authorize.arrayBuffer();
    const page = await ua.request(new URL(authorize.headers.get('location')!, start.url));
    const pageCookies = setCookies(page);
    const html = await page.text();
    const form = formsOf(html, new URL(page.url))[0]!;
    const loginPost = await ua.request(form.action, { form: { ...form.fields, email: EMAIL, password: PASSWORD } });
    await loginPost.arrayBuffer();
    const resume = await ua.request(new URL(loginPost.headers.get('location')!, form.action));
    const sessionCookies = setCookies(resume);
    await resume.arrayBuffer();
    expect(resume.headers.get('location')).toMatch(new RegExp(`^${REDIRECT_URI}\\?`));

    const all = [...interactionCookies, ...pageCookies, ...sessionCookies];
    const names = all.map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(['lk_interaction', 'lk_csrf', 'lk_session']));
    for (const cookie of all) {
      expect({ cookie: cookie.name, httpOnly: cookie.attrs.has('httponly') }).toEqual({ cookie: cookie.name, httpOnly: true });
      expect({ cookie: cookie.name, sameSite: cookie.attrs.get('samesite')?.toLowerCase() }).toEqual({ cookie: cookie.name, sameSite: expect.stringMatching(/^(lax|strict)$/) });
      expect({ cookie: cookie.name, secure: cookie.attrs.has('secure') }).toEqual({ cookie: cookie.name, secure: false });
    }
  });
});

describe('security headers and cookies over https (behind a TLS-terminating proxy)', () => {
  let t: TestLatchkey;
  let clientId: string;
  let clientSecret: string | undefined;
  const ISSUER = 'https://login.example.test';
  const viaProxy = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'login.example.test' };

  beforeAll(async () => {
    t = await startTestLatchkey('pglite', { issuer: ISSUER }, { LATCHKEY_TRUST_PROXY: 'true' });
    await t.latchkey.services.accounts.create({ email: EMAIL, password: PASSWORD, name: 'Grace', emailVerified: true });
    ({ client: { clientId }, clientSecret } = await t.latchkey.clients.create({ name: 'Analytical Shop', type: 'web', redirectUris: [REDIRECT_URI], firstParty: true }));
  });
  afterAll(async () => t?.close());

  /** The proxy's view: public https URLs map to the test server's loopback http address. */
  const local = (url: string | URL) => {
    const u = new URL(url);
    return new URL(`http://127.0.0.1:${t.latchkey.config.port}${u.pathname}${u.search}`);
  };

  it('sends HSTS with the other headers on pages, errors, discovery and assets', async () => {
    for (const path of ['/.well-known/openid-configuration', '/jwks', '/assets/latchkey.css', '/no-such-page', '/interaction/not-a-real-uid', '/healthz']) {
      const response = await fetch(local(`${ISSUER}${path}`), { headers: { ...viaProxy, accept: 'text/html' } });
      await response.arrayBuffer();
      expectCommonSecurityHeaders(response, path);
      const hsts = response.headers.get('strict-transport-security');
      expect({ path, hsts }).toEqual({ path, hsts: expect.stringMatching(/max-age=(\d{7,})/) });
      expect(Number(/max-age=(\d+)/.exec(hsts!)![1])).toBeGreaterThanOrEqual(15552000); // at least 180 days
    }
    const discovery = await (await fetch(local(`${ISSUER}/.well-known/openid-configuration`), { headers: viaProxy })).json() as Record<string, string>;
    expect(discovery.issuer).toBe(ISSUER);
    expect(discovery.authorization_endpoint).toBe(`${ISSUER}/auth`);
  });

  it('marks every cookie Secure, HttpOnly and SameSite through the whole login', async () => {
    const ua = new UserAgent(viaProxy);
    // The public https URL is not reachable from the test, so the authorization request is built by hand.
    const verifier = oidc.randomPKCECodeVerifier();
    const authorizeUrl = new URL(`${ISSUER}/auth`);
    authorizeUrl.search = new URLSearchParams({
      client_id: clientId, response_type: 'code', scope: 'openid email', redirect_uri: REDIRECT_URI, state: 'st4te-value',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    }).toString();

    const cookies: Parsed[] = [];
    let url = local(authorizeUrl);
    let response = await ua.request(url);
    cookies.push(...setCookies(response));
    for (let hop = 0; hop < 5 && response.headers.get('location'); hop++) {
      await response.arrayBuffer();
      url = local(new URL(response.headers.get('location')!, url));
      response = await ua.request(url);
      cookies.push(...setCookies(response));
    }
    expectCommonSecurityHeaders(response, 'login page over https');
    expect(response.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
    const form = formsOf(await response.text(), url).find((f) => 'password' in f.fields)!;
    response = await ua.request(local(form.action), { form: { ...form.fields, email: EMAIL, password: PASSWORD } });
    cookies.push(...setCookies(response));
    for (let hop = 0; hop < 5; hop++) {
      const location = response.headers.get('location');
      if (!location || location.startsWith(REDIRECT_URI)) break;
      await response.arrayBuffer();
      url = local(new URL(location, url));
      response = await ua.request(url);
      cookies.push(...setCookies(response));
    }
    expect(response.headers.get('location')).toMatch(new RegExp(`^${REDIRECT_URI}\\?code=`));

    const names = new Set(cookies.map((c) => c.name));
    for (const name of ['lk_interaction', 'lk_csrf', 'lk_session']) expect(names).toContain(name);
    for (const cookie of cookies) {
      expect({ cookie: cookie.name, secure: cookie.attrs.has('secure'), httpOnly: cookie.attrs.has('httponly'), sameSite: cookie.attrs.get('samesite')?.toLowerCase() })
        .toEqual({ cookie: cookie.name, secure: true, httpOnly: true, sameSite: expect.stringMatching(/^(lax|strict)$/) });
    }
  });
});

describe('CSRF protection of the login form', () => {
  let t: TestLatchkey;
  let clientId: string;
  let clientSecret: string | undefined;

  beforeAll(async () => {
    t = await startTestLatchkey('pglite');
    await t.latchkey.services.accounts.create({ email: EMAIL, password: PASSWORD, name: 'Grace', emailVerified: true });
    ({ client: { clientId }, clientSecret } = await t.latchkey.clients.create({ name: 'Analytical Shop', type: 'web', redirectUris: [REDIRECT_URI], firstParty: true }));
  });
  afterAll(async () => t?.close());

  /** A valid token, but for another browser's CSRF cookie (a forger can get one by opening the page). */
  let foreignToken = '';
  beforeAll(async () => {
    foreignToken = (await startLogin(t, clientId, clientSecret, new UserAgent())).form.fields._csrf!;
  });

  const count = async (sql: string) => Number((await t.latchkey.db.query<{ n: number }>(sql)).rows[0]!.n);
  const stored = async () => ({
    audit: await count("SELECT count(*) AS n FROM audit_events WHERE type LIKE 'login.%'"),
    sessions: await count("SELECT count(*) AS n FROM oidc_payloads WHERE model = 'Session'"),
    codes: await count("SELECT count(*) AS n FROM oidc_payloads WHERE model = 'AuthorizationCode'"),
    throttledAccounts: await count('SELECT count(*) AS n FROM login_throttling_accounts WHERE failures > 0'),
    throttledIps: await count('SELECT count(*) AS n FROM login_throttling_ips WHERE failures > 0'),
  });

  const forgeries: { name: string; fields: (f: Record<string, string>) => Record<string, string>; headers?: Record<string, string> }[] = [
    { name: 'without _csrf', fields: ({ _csrf: _dropped, ...rest }) => rest },
    { name: 'with an empty _csrf', fields: (f) => ({ ...f, _csrf: '' }) },
    { name: 'with a wrong _csrf', fields: (f) => ({ ...f, _csrf: `${f._csrf!.slice(0, -2)}xx` }) },
    { name: 'with a well-formed token of another browser', fields: (f) => ({ ...f, _csrf: foreignToken }) },
    { name: 'from a foreign Origin (right token)', fields: (f) => f, headers: { origin: 'https://evil.example' } },
    { name: 'from a look-alike Origin (right token)', fields: (f) => f, headers: { origin: 'http://127.0.0.1.evil.example' } },
    { name: 'from the right host on another port (right token)', fields: (f) => f, headers: { origin: 'http://127.0.0.1:1' } },
  ];

  for (const forgery of forgeries) {
    it(`refuses a login post ${forgery.name}: 403 page, no sign-in, nothing stored`, async () => {
      const ua = new UserAgent();
      const { form } = await startLogin(t, clientId, clientSecret, ua);
      const before = await stored();
      const response = await ua.request(form.action, { form: { ...forgery.fields(form.fields), email: EMAIL, password: PASSWORD }, headers: { accept: 'text/html', ...forgery.headers } });
      const html = await response.text();
      expect(response.status).toBe(403);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expect(html).toMatch(/<h1>/);
      expect(response.headers.get('location')).toBeNull();
      expect(setCookies(response).map((c) => c.name)).not.toContain('lk_session');
      expectCommonSecurityHeaders(response, forgery.name);
      expect(await stored()).toEqual(before);

      // The interaction is untouched: the login page is still there and the right token still works.
      const retry = await ua.follow(form.action.replace(/\/login$/, ''));
      const retryHtml = await retry.response!.text();
      const fresh = formsOf(retryHtml, retry.url).find((f) => 'password' in f.fields)!;
      const done = await ua.follow(fresh.action, { form: { ...fresh.fields, email: EMAIL, password: PASSWORD } }, REDIRECT_URI);
      expect(done.response).toBeUndefined();
      expect(done.url.searchParams.get('code')).toBeTruthy();
    });
  }

  it('refuses the cancel and consent forms without a valid token too, and they work with it', async () => {
    // Cancel (abort) on the login page.
    const ua = new UserAgent();
    const { html, url } = await startLogin(t, clientId, clientSecret, ua);
    const cancel = formsOf(html, url).find((f) => f.action.endsWith('/abort'))!;
    const refused = await ua.request(cancel.action, { form: { _csrf: 'nope' }, headers: { accept: 'text/html' } });
    expect(refused.status).toBe(403);
    await refused.arrayBuffer();
    const cancelled = await ua.follow(cancel.action, { form: cancel.fields }, REDIRECT_URI);
    expect(cancelled.url.searchParams.get('error')).toBe('access_denied');

    // Consent for a third-party client.
    const partner = await t.latchkey.clients.create({ name: 'Partner', type: 'web', redirectUris: [REDIRECT_URI], firstParty: false });
    const ua2 = new UserAgent();
    const login2 = await startLogin(t, partner.client.clientId, partner.clientSecret, ua2);
    const consentPage = await ua2.follow(login2.form.action, { form: { ...login2.form.fields, email: EMAIL, password: PASSWORD } });
    const consentHtml = await consentPage.response!.text();
    const confirm = formsOf(consentHtml, consentPage.url).find((f) => f.action.endsWith('/confirm'))!;
    const before = await count('SELECT count(*) AS n FROM consents');
    for (const fields of [{ scope: 'openid' }, { _csrf: foreignToken }] as Record<string, string>[]) {
      const forged = await ua2.request(confirm.action, { form: fields, headers: { accept: 'text/html' } });
      expect(forged.status).toBe(403);
      await forged.arrayBuffer();
    }
    const crossSite = await ua2.request(confirm.action, { form: confirm.fields, headers: { accept: 'text/html', origin: 'https://evil.example' } });
    expect(crossSite.status).toBe(403);
    await crossSite.arrayBuffer();
    expect(await count('SELECT count(*) AS n FROM consents')).toBe(before);
    const granted = await ua2.follow(confirm.action, { form: confirm.fields }, REDIRECT_URI);
    expect(granted.url.searchParams.get('code')).toBeTruthy();
    expect(await count('SELECT count(*) AS n FROM consents')).toBe(before + 1);
  });

  it('refuses the logout confirmation without its token, keeping the session', async () => {
    const ua = new UserAgent();
    const { form } = await startLogin(t, clientId, clientSecret, ua);
    await ua.follow(form.action, { form: { ...form.fields, email: EMAIL, password: PASSWORD } }, REDIRECT_URI);
    const sessions = await count("SELECT count(*) AS n FROM oidc_payloads WHERE model = 'Session'");
    const logoutPage = await ua.follow(`${t.issuer}/session/end?client_id=${clientId}`);
    const logoutForm = formsOf(await logoutPage.response!.text(), logoutPage.url)[0]!;
    const forged = await ua.request(logoutForm.action, { form: { logout: 'yes' }, headers: { accept: 'text/html' } });
    expect(forged.status).toBeGreaterThanOrEqual(400);
    expect(forged.status).toBeLessThan(500);
    await forged.arrayBuffer();
    expect(await count("SELECT count(*) AS n FROM oidc_payloads WHERE model = 'Session'")).toBe(sessions);
    const done = await ua.follow(logoutForm.action, { form: { ...logoutForm.fields, logout: 'yes' } });
    expect(done.response!.status).toBe(200);
    expect(await count("SELECT count(*) AS n FROM oidc_payloads WHERE model = 'Session'")).toBe(sessions - 1);
  });

  it('refuses a JSON post of the login form (API callers get a JSON 4xx, never a login)', async () => {
    const ua = new UserAgent();
    const { form } = await startLogin(t, clientId, clientSecret, ua);
    const response = await ua.request(form.action, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' } });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    const body = await response.json() as { error: string };
    expect(typeof body.error).toBe('string');
  });

  it('accepts the right token from the same origin and signs in', async () => {
    const ua = new UserAgent();
    const { config, start, form } = await startLogin(t, clientId, clientSecret, ua);
    const callback = await (async () => {
      const done = await ua.follow(form.action, { form: { ...form.fields, email: EMAIL, password: PASSWORD }, headers: { origin: new URL(t.issuer).origin } }, REDIRECT_URI);
      expect(done.response).toBeUndefined();
      return done.url;
    })();
    const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: start.verifier, expectedState: start.state, expectedNonce: start.nonce });
    expect(tokens.claims()!.email).toBe(EMAIL);
  });
});
