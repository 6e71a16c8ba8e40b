// Database outage: Latchkey on a PostgreSQL server this test starts and stops. While the database is down,
// /readyz says 503, discovery and JWKS still answer (they need no database), and every database-backed
// endpoint answers 503 (OAuth JSON `temporarily_unavailable` for API callers, an error page for browsers),
// never 500. When the database returns, service resumes by itself: no restart, /readyz 200, logins work.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createLatchkey, type Latchkey } from '../../src/app.js';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/log/logger.js';
import { login, oidc, REDIRECT_URI, relyingParty, startAuthorization } from '../support/relying-party.js';
import { formsOf, UserAgent } from '../support/user-agent.js';

const EMAIL = 'outage@example.com';
const PASSWORD = 'correct horse battery';

function postgresBin(): string {
  if (process.env.TEST_POSTGRES_BIN) return process.env.TEST_POSTGRES_BIN;
  const versions = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql').sort((a, b) => Number(a) - Number(b)) : [];
  const bin = versions.map((v) => `/usr/lib/postgresql/${v}/bin`).reverse().find((dir) => existsSync(path.join(dir, 'pg_ctl')));
  if (!bin) throw new Error('PostgreSQL server binaries not found (Debian: apt-get install postgresql).');
  return bin;
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Runs a PostgreSQL server command; PostgreSQL refuses to run as root, so root runs it as `postgres`. */
function asPostgres(args: string[]): string {
  const command = args.map(shellQuote).join(' ');
  return process.getuid?.() === 0
    ? execFileSync('su', ['postgres', '-s', '/bin/sh', '-c', command], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
    : execFileSync('/bin/sh', ['-c', command], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A throwaway PostgreSQL server in a temp dir, on a free loopback port. */
class DedicatedPostgres {
  readonly bin = postgresBin();
  readonly dir = mkdtempSync(path.join(os.tmpdir(), 'latchkey-outage-pg-'));
  readonly data = path.join(this.dir, 'data');
  port = 0;

  async init(): Promise<void> {
    if (process.getuid?.() === 0) {
      const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
      chownSync(this.dir, uid, gid);
    }
    asPostgres([path.join(this.bin, 'initdb'), '-D', this.data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-locale']);
    this.port = await freePort();
    this.start();
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  start(): void {
    asPostgres([path.join(this.bin, 'pg_ctl'), '-D', this.data, '-l', path.join(this.dir, 'server.log'), '-w', '-t', '30',
      '-o', `-c listen_addresses=127.0.0.1 -p ${this.port} -k ${this.dir} -c fsync=off`, 'start']);
  }

  /** Kills the server the hard way (as a crash or a network loss would look to Latchkey). */
  stop(): void {
    asPostgres([path.join(this.bin, 'pg_ctl'), '-D', this.data, '-m', 'immediate', '-w', 'stop']);
  }

  destroy(): void {
    try {
      this.stop();
    } catch {
      // already stopped
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

describe('database outage on a real PostgreSQL server', () => {
  const pg = new DedicatedPostgres();
  let latchkey: Latchkey;
  let server: http.Server;
  let issuer: string;
  let dataDir: string;
  const logs: string[] = [];
  let config: oidc.Configuration;
  let before: { access: string; refresh: string; sub: string };
  let clientId: string;
  let clientSecret: string;
  let pending: { ua: UserAgent; loginUrl: URL; form: { action: string; fields: Record<string, string> } };

  beforeAll(async () => {
    await pg.init();
    server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    issuer = `http://127.0.0.1:${port}`;
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'latchkey-outage-'));
    const latchkeyConfig = loadConfig(
      { DATABASE_URL: pg.url, LATCHKEY_DATA_DIR: dataDir, LATCHKEY_MAIL_DIR: path.join(dataDir, 'mail'), LATCHKEY_PURGE_INTERVAL: '0' },
      { port, issuer, cookieKeys: [randomBytes(32).toString('base64url')], keyEncryptionKey: randomBytes(32) },
    );
    const sink = new Writable({
      write(chunk, _enc, done) {
        logs.push(String(chunk));
        done();
      },
    });
    latchkey = await createLatchkey({ config: latchkeyConfig, logger: createLogger('info', sink) });
    server.on('request', latchkey.app.callback());

    await latchkey.services.accounts.create({ email: EMAIL, password: PASSWORD, name: 'Out Age', emailVerified: true });
    const created = await latchkey.clients.create({ name: 'Shop', type: 'web', redirectUris: [REDIRECT_URI], firstParty: true });
    clientId = created.client.clientId;
    clientSecret = created.clientSecret!;
    config = await relyingParty(issuer, clientId, clientSecret);
    const { tokens } = await login(config, new UserAgent(), { email: EMAIL, password: PASSWORD }, { scope: 'openid email offline_access', prompt: 'consent' });
    before = { access: tokens.access_token, refresh: tokens.refresh_token!, sub: tokens.claims()!.sub };

    // A sign-in left half-way: the login page is open in a browser when the database goes away.
    const ua = new UserAgent();
    const start = await startAuthorization(config);
    const { url, response } = await ua.follow(start.url);
    const form = formsOf(await response!.text(), url).find((f) => 'password' in f.fields)!;
    pending = { ua, loginUrl: url, form };
  });

  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await latchkey?.close();
    pg.destroy();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const browser = { accept: 'text/html,application/xhtml+xml' };
  const api = { accept: 'application/json' };
  const basicAuth = () => `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64')}`;

  async function expectUnavailableJson(response: Response, where: string) {
    const body = await response.text();
    expect({ where, status: response.status }).toEqual({ where, status: 503 });
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const parsed = JSON.parse(body) as { error: string; error_description?: string };
    expect({ where, error: parsed.error }).toEqual({ where, error: 'temporarily_unavailable' });
    expect(parsed.error_description ?? '').not.toMatch(/ECONNREFUSED|127\.0\.0\.1|postgres|stack|\bat /i);
  }

  async function expectUnavailablePage(response: Response, where: string) {
    const html = await response.text();
    expect({ where, status: response.status }).toEqual({ where, status: 503 });
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(html).toMatch(/<h1>[^<]*unavailable/i);
    expect(html).not.toMatch(/ECONNREFUSED|node_modules|\n\s+at /);
  }

  it('is ready while the database is up', async () => {
    const ready = await fetch(`${issuer}/readyz`);
    expect(ready.status).toBe(200);
  });

  describe('while PostgreSQL is down', () => {
    beforeAll(() => {
      pg.stop();
    });

    it('/readyz answers 503 promptly, /healthz stays 200', async () => {
      const started = Date.now();
      const ready = await fetch(`${issuer}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual(expect.objectContaining({ status: 'unavailable' }));
      expect(Date.now() - started).toBeLessThan(10_000);
      expect((await fetch(`${issuer}/healthz`)).status).toBe(200);
    });

    it('still serves discovery, JWKS and the stylesheet (no database needed)', async () => {
      const discovery = await fetch(`${issuer}/.well-known/openid-configuration`);
      expect(discovery.status).toBe(200);
      expect(((await discovery.json()) as { issuer: string }).issuer).toBe(issuer);
      const jwks = await fetch(`${issuer}/jwks`);
      expect(jwks.status).toBe(200);
      expect(((await jwks.json()) as { keys: unknown[] }).keys.length).toBeGreaterThan(0);
      expect((await fetch(`${issuer}/assets/latchkey.css`)).status).toBe(200);
    });

    it('shows browsers an error page with 503 on the authorization endpoint, the login page and the login form', async () => {
      const start = await startAuthorization(config);
      await expectUnavailablePage(await fetch(start.url, { headers: browser, redirect: 'manual' }), 'authorize');
      await expectUnavailablePage(await pending.ua.request(pending.loginUrl, { headers: browser }), 'login page');
      await expectUnavailablePage(await pending.ua.request(pending.form.action, { form: { ...pending.form.fields, email: EMAIL, password: PASSWORD }, headers: browser }), 'login form');
    });

    it('answers API callers with JSON temporarily_unavailable: token, refresh, introspection, revocation, userinfo, registration', async () => {
      const form = (fields: Record<string, string>) => ({ method: 'POST', headers: { ...api, authorization: basicAuth(), 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
      await expectUnavailableJson(await fetch(`${issuer}/token`, form({ grant_type: 'refresh_token', refresh_token: before.refresh })), 'refresh grant');
      await expectUnavailableJson(await fetch(`${issuer}/token`, form({ grant_type: 'authorization_code', code: 'some-code', redirect_uri: REDIRECT_URI, code_verifier: 'v'.repeat(43) })), 'code grant');
      await expectUnavailableJson(await fetch(`${issuer}/token/introspection`, form({ token: before.access })), 'introspection');
      await expectUnavailableJson(await fetch(`${issuer}/token/revocation`, form({ token: before.refresh })), 'revocation');
      await expectUnavailableJson(await fetch(`${issuer}/me`, { headers: { ...api, authorization: `Bearer ${before.access}` } }), 'userinfo');
      await expectUnavailableJson(await fetch(`${issuer}/reg`, { method: 'POST', headers: { ...api, authorization: 'Bearer some-initial-access-token', 'content-type': 'application/json' }, body: JSON.stringify({ redirect_uris: [REDIRECT_URI] }) }), 'registration');
      const retryAfter = (await fetch(`${issuer}/token`, form({ grant_type: 'refresh_token', refresh_token: before.refresh }))).headers.get('retry-after');
      expect(retryAfter === null || Number(retryAfter) > 0).toBe(true);
    });

    it('never answered 500 and logged no request as a server error', () => {
      const lines = logs.map((l) => JSON.parse(l) as { msg: string; status?: number; level: string });
      const requests = lines.filter((l) => l.msg === 'request');
      expect(requests.length).toBeGreaterThan(0);
      expect(requests.filter((l) => (l.status ?? 0) >= 500 && l.status !== 503)).toEqual([]);
    });
  });

  describe('when PostgreSQL is back', () => {
    beforeAll(async () => {
      pg.start();
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline && (await fetch(`${issuer}/readyz`)).status !== 200) await new Promise((r) => setTimeout(r, 250));
    });

    it('is ready again without a restart', async () => {
      expect((await fetch(`${issuer}/readyz`)).status).toBe(200);
    });

    it('completes the sign-in that was interrupted, and a fresh full login with refresh and userinfo', async () => {
      // The login page left open during the outage works again.
      const resumed = await pending.ua.follow(pending.loginUrl);
      const form = formsOf(await resumed.response!.text(), resumed.url).find((f) => 'password' in f.fields)!;
      const done = await pending.ua.follow(form.action, { form: { ...form.fields, email: EMAIL, password: PASSWORD } }, REDIRECT_URI);
      expect(done.response).toBeUndefined();
      expect(done.url.searchParams.get('code')).toBeTruthy();

      const { tokens } = await login(config, new UserAgent(), { email: EMAIL, password: PASSWORD });
      expect(tokens.claims()!.email).toBe(EMAIL);
      const info = await oidc.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub);
      expect(info.email).toBe(EMAIL);

      // The refresh token issued before the outage still works (it was not lost or revoked by the failures).
      const refreshed = await oidc.refreshTokenGrant(config, before.refresh);
      expect(refreshed.access_token).toBeTruthy();
      expect(refreshed.claims()?.sub ?? before.sub).toBe(before.sub);
    });
  });
});
