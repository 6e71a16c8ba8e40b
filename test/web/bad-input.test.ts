// Malformed requests to every endpoint (discovered from the discovery document, plus Latchkey's own
// routes): wrong methods, garbage queries and bodies, huge bodies, wrong content types, invalid JSON,
// NUL bytes and broken UTF-8, very long and repeated parameters, unknown clients, bogus cookies and
// interaction ids, path traversal. Never a 5xx, OAuth errors as spec-shaped JSON, no stack traces or
// file paths in pages, and the server keeps serving afterwards.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { databaseKinds } from '../support/databases.js';
import { startTestLatchkey, type TestLatchkey } from '../support/latchkey.js';
import { login, REDIRECT_URI, relyingParty, startAuthorization } from '../support/relying-party.js';
import { formsOf, UserAgent } from '../support/user-agent.js';

const EMAIL = 'ada@example.com';
const PASSWORD = 'correct horse battery';
const MB = 1024 * 1024;

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

interface Probe {
  method: string;
  /** Sent byte for byte as the request target (no normalisation by a URL parser). */
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  label?: string;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

/** One request with the path exactly as written; connection-level refusals count as status 0. */
function send(base: URL, probe: Probe): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const body = probe.body === undefined ? undefined : Buffer.isBuffer(probe.body) ? probe.body : Buffer.from(probe.body, 'utf8');
    const req = http.request({
      agent, host: base.hostname, port: base.port, method: probe.method, path: probe.path,
      headers: { ...(body ? { 'content-length': String(body.length) } : {}), ...probe.headers },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.setTimeout(20_000, () => req.destroy(new Error(`timeout: ${probe.method} ${probe.path.slice(0, 120)}`)));
    req.on('error', (err: NodeJS.ErrnoException) => {
      // The server may close the connection on an oversized body after answering; that is not a crash.
      if (err.code === 'ECONNRESET' || err.code === 'EPIPE') resolve({ status: 0, headers: {}, body: '' });
      else reject(err);
    });
    if (body) req.write(body);
    req.end();
  });
}

/** RFC 6749 §5.2: error and error_description use %x20-21 / %x23-5B / %x5D-7E only. */
const oauthChars = /^[\x20\x21\x23-\x5B\x5D-\x7E]+$/;
const stackFrame = /\n\s+at [^\n]*[(:]|\bat (?:async )?[\w.<>]+ \((?:file:|node:|\/)/;
const filePath = /(?:\/work\/|\/home\/|\/usr\/|node_modules|[\w-]+\.(?:ts|js|mjs|cjs):\d+|file:\/\/)/;

/** The checks every answer must pass, whatever was sent. */
function checkAnswer(probe: Probe, res: RawResponse, failures: string[]) {
  const where = `${probe.label ?? ''} ${probe.method} ${probe.path.slice(0, 100)} -> ${res.status}`;
  if (res.status >= 500 || (res.status === 0 && !(probe.body && probe.body.length >= MB))) {
    failures.push(`${where}: ${res.body.slice(0, 300)}`);
    return;
  }
  const type = String(res.headers['content-type'] ?? '');
  if (type.startsWith('application/json') && res.status >= 400 && probe.method !== 'HEAD') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(res.body);
    } catch {
      failures.push(`${where}: invalid JSON error body ${res.body.slice(0, 200)}`);
      return;
    }
    const e = parsed as { error?: unknown; error_description?: unknown };
    if (typeof e.error !== 'string' || !oauthChars.test(e.error)) failures.push(`${where}: error is not an RFC 6749 code: ${res.body.slice(0, 200)}`);
    if (e.error_description !== undefined && (typeof e.error_description !== 'string' || !oauthChars.test(e.error_description))) {
      failures.push(`${where}: error_description breaks RFC 6749 §5.2: ${JSON.stringify(e.error_description).slice(0, 200)}`);
    }
  }
  if (stackFrame.test(res.body) || (res.status >= 400 && filePath.test(res.body))) failures.push(`${where}: leaks internals: ${res.body.slice(0, 300)}`);
  if (res.headers['x-powered-by']) failures.push(`${where}: X-Powered-By header`);
}

/** Runs the probes a few at a time (bounded), collecting every failed expectation. */
async function barrage(base: URL, probes: Probe[], failures: string[]): Promise<Map<Probe, RawResponse>> {
  const answers = new Map<Probe, RawResponse>();
  let next = 0;
  async function worker() {
    while (next < probes.length) {
      const probe = probes[next++]!;
      const res = await send(base, probe);
      answers.set(probe, res);
      checkAnswer(probe, res, failures);
    }
  }
  await Promise.all([worker(), worker(), worker(), worker()]);
  return answers;
}

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
/** A Basic header whose credentials hold a NUL byte and a lone surrogate (as CESU bytes), percent-encoded and raw. */
const brokenBasic = [
  `Basic ${Buffer.from('a%00b:%ED%A0%80').toString('base64')}`,
  `Basic ${Buffer.from([0x61, 0x00, 0x62, 0x3a, 0xed, 0xa0, 0x80, 0xff]).toString('base64')}`,
];
const invalidUtf8 = Buffer.from([0x63, 0x6c, 0x69, 0x65, 0x6e, 0x74, 0x5f, 0x69, 0x64, 0x3d, 0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80, 0x00]);
const jsonWithNul = '{"client_id":"a\\u0000b","redirect_uris":["https://x.example/cb\\u0000"],"client_name":"\\ud800"}';

/** The garbage every endpoint gets. */
function garbageFor(path: string): Probe[] {
  // Long, but together below Node's 16 KiB limit for the request head (beyond it Node itself answers 431).
  const long = 'x'.repeat(4 * 1024);
  const longer = 'y'.repeat(40 * 1024);
  const probes: Probe[] = [];
  for (const method of ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'PROPFIND']) probes.push({ method, path });
  probes.push(
    { method: 'GET', path: `${path}?%FF=%FE&client_id=%ED%A0%80&scope=%00openid&x=%` },
    { method: 'GET', path: `${path}?client_id=a&client_id=b&response_type=code&response_type=token&scope=openid&scope=email` },
    { method: 'GET', path: `${path}?client_id[]=a&client_id[x]=b&redirect_uri=javascript:alert(1)&response_type=code&scope=openid` },
    { method: 'GET', path: `${path}?client_id=${long}&redirect_uri=https://${long}.example/&state=${long}` },
    { method: 'GET', path: `${path}?${'a=1&'.repeat(2000)}` },
    { method: 'GET', path: `${path}?client_id=unknown-client&response_type=code&scope=openid&redirect_uri=${encodeURIComponent(REDIRECT_URI)}&code_challenge=x&code_challenge_method=S256` },
    { method: 'GET', path: `${path}?request=eyJhbGciOiJub25lIn0.eyJ9.&client_id=unknown` },
    { method: 'GET', path, headers: { accept: 'application/json' } },
    { method: 'GET', path, headers: { accept: 'text/html', cookie: 'lk_session=garbage; lk_session.sig=garbage; lk_interaction=%FF%00; lk_interaction.sig=x; lk_csrf=../../etc/passwd; lk_csrf.sig=; lk_resume=\u00ff' } },
    { method: 'GET', path, headers: { cookie: `lk_session=${'A'.repeat(4000)}; lk_session.sig=${'B'.repeat(27)}` } },
    { method: 'GET', path, headers: { authorization: 'Bearer garbage' } },
    { method: 'GET', path, headers: { authorization: `Bearer ${'x'.repeat(6000)}` } },
    { method: 'GET', path, headers: { authorization: 'Basic !!!not-base64!!!' } },
    { method: 'GET', path, headers: { authorization: 'Basic Og==' } },
    { method: 'GET', path, headers: { authorization: 'DPoP garbage', dpop: 'not.a.jwt' } },
    { method: 'POST', path, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form({ grant_type: 'authorization_code', code: 'nope', client_id: 'unknown', redirect_uri: REDIRECT_URI, code_verifier: 'v'.repeat(43) }) },
    { method: 'POST', path, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=%FF%FE&client_id=%ED%A0%80&token=%00&%' },
    { method: 'POST', path, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: invalidUtf8 },
    { method: 'POST', path, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials&grant_type=refresh_token&client_id=a&client_id=b' },
    { method: 'POST', path, headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic('unknown-client', 'secret') }, body: form({ grant_type: 'client_credentials', token: 'x' }) },
    ...brokenBasic.map((authorization) => ({ method: 'POST', path, headers: { 'content-type': 'application/x-www-form-urlencoded', authorization }, body: form({ grant_type: 'client_credentials' }) })),
    { method: 'POST', path, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form({ grant_type: 'refresh_token', refresh_token: longer, client_id: longer, scope: longer }) },
    { method: 'POST', path, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ client_name: longer, redirect_uris: [`https://${long}.example/cb`], grant_types: Array(500).fill('authorization_code') }) },
    { method: 'POST', path, headers: { 'content-type': 'application/json' }, body: '{"grant_type": "client_credentials", ' },
    { method: 'POST', path, headers: { 'content-type': 'application/json' }, body: jsonWithNul },
    { method: 'POST', path, headers: { 'content-type': 'application/json' }, body: '[1,2,3]' },
    { method: 'POST', path, headers: { 'content-type': 'application/json' }, body: 'null' },
    { method: 'POST', path, headers: { 'content-type': 'application/json' }, body: `{"a":${'['.repeat(5000)}${']'.repeat(5000)}}` },
    { method: 'POST', path, headers: { 'content-type': 'text/plain' }, body: 'grant_type=client_credentials' },
    { method: 'POST', path, headers: { 'content-type': 'multipart/form-data; boundary=zzz' }, body: '--zzz\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--yyy--' },
    { method: 'POST', path, headers: { 'content-type': 'application/xml' }, body: '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>' },
    { method: 'POST', path, headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-16' }, body: Buffer.from('grant_type=client_credentials', 'utf16le') },
    { method: 'POST', path, headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-encoding': 'gzip' }, body: 'not gzip at all' },
    { method: 'POST', path, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `a=${'b'.repeat(MB)}`, label: '1 MB form' },
    { method: 'POST', path, headers: { 'content-type': 'application/json' }, body: `{"a":"${'b'.repeat(MB)}"}`, label: '1 MB JSON' },
    { method: 'PUT', path, headers: { 'content-type': 'application/json' }, body: '{"client_id":"x","redirect_uris":"not-an-array"}' },
  );
  return probes;
}

describe.each(databaseKinds)('bad input (%s)', (kind) => {
  let t: TestLatchkey;
  let base: URL;
  let clientId: string;
  let clientSecret: string;
  let discovery: Record<string, unknown>;

  beforeAll(async () => {
    t = await startTestLatchkey(kind);
    base = new URL(t.issuer);
    await t.latchkey.services.accounts.create({ email: EMAIL, password: PASSWORD, name: 'Ada', emailVerified: true });
    const web = await t.latchkey.clients.create({ name: 'Shop', type: 'web', redirectUris: [REDIRECT_URI], firstParty: true });
    clientId = web.client.clientId;
    clientSecret = web.clientSecret!;
    discovery = await (await fetch(`${t.issuer}/.well-known/openid-configuration`)).json() as Record<string, unknown>;
  });
  afterAll(async () => {
    agent.destroy();
    await t?.close();
  });

  /** Every endpoint path: the discovery document's URLs on this issuer plus the routes discovery does not list. */
  function endpointPaths(): string[] {
    const paths = new Set<string>(['/.well-known/openid-configuration', '/healthz', '/readyz', '/assets/latchkey.css', '/assets/logo.svg']);
    for (const [key, value] of Object.entries(discovery)) {
      if ((key.endsWith('_endpoint') || key.endsWith('_uri')) && typeof value === 'string' && value.startsWith(t.issuer)) {
        paths.add(new URL(value).pathname);
      }
    }
    for (const p of ['/auth', '/token', '/token/introspection', '/token/revocation', '/me', '/jwks', '/reg', '/request', '/session/end', '/session/end/confirm', '/session/end/success',
      '/auth/bogus-uid', '/reg/unknown-client', `/reg/${clientId}`, '/device/auth', '/backchannel',
      '/interaction/bogus-uid', '/interaction/bogus-uid/login', '/interaction/bogus-uid/confirm', '/interaction/bogus-uid/abort', '/no-such-page']) paths.add(p);
    return [...paths];
  }

  it('discovers the endpoints it attacks', () => {
    const paths = endpointPaths();
    for (const p of ['/auth', '/token', '/me', '/jwks', '/reg', '/session/end', '/token/introspection', '/token/revocation']) expect(paths).toContain(p);
  });

  it('never answers the barrage with a 5xx, a malformed OAuth error or a stack trace', async () => {
    const failures: string[] = [];
    const probes = endpointPaths().flatMap(garbageFor);
    const answers = await barrage(base, probes, failures);
    expect(failures).toEqual([]);
    expect(answers.size).toBe(probes.length);

    // The OAuth endpoints answered their garbage with OAuth errors, not with success or HTML.
    for (const [probe, res] of answers) {
      if (probe.method === 'POST' && ['/token', '/token/introspection', '/token/revocation'].includes(probe.path) && probe.headers?.['content-type'] === 'application/x-www-form-urlencoded' && !probe.label) {
        expect({ probe: probe.body?.toString().slice(0, 60), status: res.status }).toEqual({ probe: probe.body?.toString().slice(0, 60), status: expect.any(Number) });
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(JSON.parse(res.body)).toEqual(expect.objectContaining({ error: expect.any(String) }));
      }
    }
  });

  it('refuses path traversal everywhere', async () => {
    const failures: string[] = [];
    const probes: Probe[] = [
      '/assets/../package.json', '/assets/..%2f..%2fpackage.json', '/assets/%2e%2e/%2e%2e/etc/passwd', '/assets/..\\..\\package.json',
      '/assets/%2e%2e%5c%2e%2e%5cpackage.json', '/assets/latchkey.css%00.png', '/assets//etc/passwd', '/assets/%252e%252e/package.json',
      '/assets/.env', '/assets/../../src/app.ts', '/interaction/..%2f..%2fetc%2fpasswd', '/interaction/%2e%2e/%2e%2e/etc/passwd',
      '/.well-known/../../../etc/passwd', '/../../../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/views/layout.ejs', '/locales/en.json',
      '/package.json', '/src/app.ts', '//etc/passwd', '/reg/..%2f..%2f', '/auth/..%2F..%2Fetc', '/session/end/../../../etc/passwd',
    ].map((path) => ({ method: 'GET', path, headers: { accept: 'text/html' } }));
    const answers = await barrage(base, probes, failures);
    expect(failures).toEqual([]);
    for (const [probe, res] of answers) {
      expect({ path: probe.path, status: res.status }).toEqual({ path: probe.path, status: expect.any(Number) });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.body).not.toMatch(/root:x:0:0|"name":\s*"latchkey"|createLatchkey|<%[=-]/);
    }
  });

  it('handles garbage inside a real sign-in (valid cookies and CSRF token, broken fields)', async () => {
    const jar = new CookieJar();
    const config = await relyingParty(t.issuer, clientId, clientSecret);
    const start = await startAuthorization(config);
    let response = await jar.fetch(start.url);
    while (response.headers.get('location')) response = await jar.fetch(new URL(response.headers.get('location')!, start.url));
    const loginForm = formsOf(await response.text(), new URL(response.url)).find((f) => 'password' in f.fields)!;
    const uidPath = new URL(loginForm.action).pathname.replace(/\/login$/, '');
    const csrf = loginForm.fields._csrf!;

    const withSession = (p: Probe): Probe => ({ ...p, headers: { cookie: jar.header(), accept: 'text/html', ...p.headers } });
    const post = (path: string, body: string | Buffer, headers: Record<string, string> = {}): Probe =>
      withSession({ method: 'POST', path, headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body });
    const fields = (extra: string) => `_csrf=${encodeURIComponent(csrf)}&${extra}`;
    const probes: Probe[] = [
      post(`${uidPath}/login`, fields('email=a%00b%40example.com&password=x%00y')),
      post(`${uidPath}/login`, fields('email=%FF%FE%40example.com&password=%ED%A0%80')),
      post(`${uidPath}/login`, Buffer.concat([Buffer.from(fields('email=')), Buffer.from([0xff, 0xfe, 0x00, 0xed, 0xa0, 0x80]), Buffer.from('&password=%F0%9F%92%A9')])),
      post(`${uidPath}/login`, fields('email=%ED%A0%80%40example.com&password=%ED%BF%BF')),
      post(`${uidPath}/login`, fields(`email=${'e'.repeat(10_000)}%40example.com&password=${'p'.repeat(50_000)}`)),
      post(`${uidPath}/login`, fields(`email=${encodeURIComponent(EMAIL)}&email=other%40example.com&password=a&password=b`)),
      post(`${uidPath}/login`, fields('email[]=x&password[x]=y')),
      post(`${uidPath}/login`, fields(`password=${'p'.repeat(MB)}`), {}),
      post(`${uidPath}/login`, fields(''), { 'content-type': 'application/json' }),
      post(`${uidPath}/login`, `{"_csrf":"${csrf}","email":"${EMAIL}","password":"${PASSWORD}"}`, { 'content-type': 'application/json' }),
      post(`${uidPath}/login`, fields('email=&password=')),
      post(`${uidPath}/confirm`, fields('x=%00')),
      post(`${uidPath}/nope`, fields('x=1')),
      withSession({ method: 'GET', path: `${uidPath}?ui_locales=%00%FF&ui_locales=de` }),
      withSession({ method: 'GET', path: `${uidPath}/login` }),
      withSession({ method: 'PUT', path: `${uidPath}/login`, body: fields('x=1'), headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
      withSession({ method: 'GET', path: uidPath, headers: { 'accept-language': `${'x'.repeat(3000)},de;q=%FF,*;q=-1` } }),
      withSession({ method: 'GET', path: uidPath, headers: { 'x-request-id': '../../<script>' } }),
    ];
    const failures: string[] = [];
    const answers = await barrage(base, probes, failures);
    expect(failures).toEqual([]);
    for (const [probe, res] of answers) {
      // None of it signs anyone in.
      expect({ probe: probe.path, location: String(res.headers.location ?? '') }).toEqual({ probe: probe.path, location: expect.not.stringContaining('code=') });
      expect(res.body).not.toContain('<script>');
    }

    // The interaction survived the garbage: the real password still completes the sign-in.
    const page = await jar.fetch(`${t.issuer}${uidPath}`);
    expect(page.status).toBe(200);
    const fresh = formsOf(await page.text(), new URL(page.url)).find((f) => 'password' in f.fields)!;
    let done = await jar.fetch(fresh.action, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ ...fresh.fields, email: EMAIL, password: PASSWORD }).toString() });
    while (done.headers.get('location') && !done.headers.get('location')!.startsWith(REDIRECT_URI)) done = await jar.fetch(new URL(done.headers.get('location')!, fresh.action));
    expect(done.headers.get('location')).toMatch(new RegExp(`^${REDIRECT_URI}\\?code=`));
  });

  it('keeps serving: discovery answers and a full login works after the barrage', async () => {
    const res = await fetch(`${t.issuer}/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { issuer: string }).issuer).toBe(t.issuer);
    expect((await fetch(`${t.issuer}/readyz`)).status).toBe(200);
    const config = await relyingParty(t.issuer, clientId, clientSecret);
    await t.latchkey.services.accounts.create({ email: 'after@example.com', password: PASSWORD, emailVerified: true });
    const { tokens } = await login(config, new UserAgent(), { email: 'after@example.com', password: PASSWORD });
    expect(tokens.claims()!.email).toBe('after@example.com');
    // Nothing went wrong on the server side either: no error-level log line.
    const errors = t.logs.filter((line) => /"level":"(error|fatal)"/.test(line));
    expect(errors).toEqual([]);
  });
});

/** A cookie jar that sends every cookie everywhere (enough for probing one server) and follows no redirect. */
class CookieJar {
  private readonly cookies = new Map<string, string>();
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  async fetch(url: string | URL, init: RequestInit = {}): Promise<Response> {
    const response = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), cookie: this.header() } });
    for (const line of response.headers.getSetCookie()) {
      const pair = line.split(';')[0]!;
      const eq = pair.indexOf('=');
      const [name, value] = [pair.slice(0, eq), pair.slice(eq + 1)];
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return response;
  }
}
