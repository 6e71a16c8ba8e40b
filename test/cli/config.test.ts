// Configuration as an operator meets it: `NODE_ENV=production` refuses development defaults and names
// every missing item, starts with an https issuer and explicit secrets; bad variables and an unreachable
// database give one clear line and exit 1, never a stack trace.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { access } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { createEmptyPostgresDatabase, createSandbox, expectJsonRefusal, expectRefusal, freePort, latchkey, startServer, STACK_TRACE, type EmptyPostgresDatabase, type Sandbox, type ServerProcess } from './helpers.js';

const exists = (p: string) => access(p).then(() => true, () => false);

const COOKIE_KEYS = `${randomBytes(32).toString('base64url')},${randomBytes(32).toString('base64url')}`;
const KEY_ENCRYPTION_KEY = randomBytes(32).toString('hex');

describe('NODE_ENV=production', () => {
  let sandbox: Sandbox;
  const run = (args: string[], env: Record<string, string>) => latchkey(args, { env: { ...sandbox.env, NODE_ENV: 'production', ...env } });

  beforeAll(async () => {
    sandbox = await createSandbox();
  });
  afterAll(async () => sandbox?.remove());

  it('refuses to start on an http issuer and without secrets, naming each missing item', async () => {
    const results = await Promise.all([
      run(['start'], { PORT: '0' }),
      run(['start'], { PORT: '0', LATCHKEY_ISSUER: 'http://idp.example.com', LATCHKEY_COOKIE_KEYS: COOKIE_KEYS, LATCHKEY_KEY_ENCRYPTION_KEY: KEY_ENCRYPTION_KEY }),
      run(['start'], { PORT: '0', LATCHKEY_ISSUER: 'https://idp.example.com', LATCHKEY_KEY_ENCRYPTION_KEY: KEY_ENCRYPTION_KEY }),
      run(['start'], { PORT: '0', LATCHKEY_ISSUER: 'https://idp.example.com', LATCHKEY_COOKIE_KEYS: COOKIE_KEYS }),
    ]);
    const [nothing, httpIssuer, noCookieKeys, noKeyEncryptionKey] = results;
    expectRefusal(nothing!, 1, /Refusing to start with NODE_ENV=production/);
    expect(nothing!.stderr).toMatch(/LATCHKEY_ISSUER must be an https:\/\/ URL/);
    expect(nothing!.stderr).toMatch(/LATCHKEY_COOKIE_KEYS must be set/);
    expect(nothing!.stderr).toMatch(/LATCHKEY_KEY_ENCRYPTION_KEY must be set/);

    expectRefusal(httpIssuer!, 1, /LATCHKEY_ISSUER must be an https:\/\/ URL/);
    expect(httpIssuer!.stderr).not.toMatch(/LATCHKEY_COOKIE_KEYS|LATCHKEY_KEY_ENCRYPTION_KEY/);
    expectRefusal(noCookieKeys!, 1, /LATCHKEY_COOKIE_KEYS must be set/);
    expect(noCookieKeys!.stderr).not.toMatch(/LATCHKEY_ISSUER|LATCHKEY_KEY_ENCRYPTION_KEY/);
    expectRefusal(noKeyEncryptionKey!, 1, /LATCHKEY_KEY_ENCRYPTION_KEY must be set/);
    expect(noKeyEncryptionKey!.stderr).not.toMatch(/LATCHKEY_ISSUER|LATCHKEY_COOKIE_KEYS/);
    // Refused before anything was created: no database, no development secrets.
    expect(await exists(path.join(sandbox.dataDir, 'dev-secrets.json'))).toBe(false);
    expect(await exists(path.join(sandbox.dataDir, 'pgdata'))).toBe(false);
  });

  it('refuses secrets that are too weak, naming the variable', async () => {
    const [shortCookie, badKey] = await Promise.all([
      run(['start'], { PORT: '0', LATCHKEY_ISSUER: 'https://idp.example.com', LATCHKEY_COOKIE_KEYS: 'secret', LATCHKEY_KEY_ENCRYPTION_KEY: KEY_ENCRYPTION_KEY }),
      run(['start'], { PORT: '0', LATCHKEY_ISSUER: 'https://idp.example.com', LATCHKEY_COOKIE_KEYS: COOKIE_KEYS, LATCHKEY_KEY_ENCRYPTION_KEY: 'abc' }),
    ]);
    expectRefusal(shortCookie!, 1, /LATCHKEY_COOKIE_KEYS must be a comma-separated list of secrets of at least 32 characters/);
    expectRefusal(badKey!, 1, /LATCHKEY_KEY_ENCRYPTION_KEY must be 32 bytes/);
  });

  describe('with an https issuer and explicit secrets', () => {
    let database: EmptyPostgresDatabase;
    let server: ServerProcess | undefined;

    beforeAll(async () => {
      database = await createEmptyPostgresDatabase();
    });
    afterAll(async () => {
      server?.kill();
      await server?.exited;
      await database?.drop();
    });

    it('starts on PostgreSQL (DATABASE_URL), serves the https issuer, keeps no development secrets, and stops on SIGTERM', async () => {
      const port = await freePort();
      const env = { ...sandbox.env, NODE_ENV: 'production', PORT: String(port), DATABASE_URL: database.url, LATCHKEY_ISSUER: 'https://idp.example.com', LATCHKEY_COOKIE_KEYS: COOKIE_KEYS, LATCHKEY_KEY_ENCRYPTION_KEY: KEY_ENCRYPTION_KEY, LATCHKEY_TRUST_PROXY: 'true' };
      server = await startServer(env);
      const health = await fetch(`${server.url}/healthz`);
      expect(health.status).toBe(200);
      expect(health.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
      // Reached directly over http (a health check, a misconfigured proxy): answers, never a 500.
      const direct = await fetch(`${server.url}/.well-known/openid-configuration`);
      expect(direct.status).toBe(200);
      expect(await direct.json()).toMatchObject({ issuer: 'https://idp.example.com' });
      // Behind the TLS-terminating proxy it trusts, the endpoints are the public https ones.
      const proxied = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'idp.example.com' };
      const discovery = (await (await fetch(`${server.url}/.well-known/openid-configuration`, { headers: proxied })).json()) as Record<string, string>;
      expect(discovery).toMatchObject({ issuer: 'https://idp.example.com', token_endpoint: 'https://idp.example.com/token', jwks_uri: 'https://idp.example.com/jwks' });
      expect(server.output().stdout).not.toMatch(/DEVELOPMENT SECRETS/);

      // The CLI in production refuses http redirect URIs even on localhost, and works against the same database.
      const created = await latchkey(['clients', 'create', '--name', 'Shop', '--redirect-uri', 'http://localhost:8080/cb'], { env });
      expectRefusal(created, 1, /web clients must use https redirect URIs/);
      const shop = await latchkey(['clients', 'create', '--json', '--first-party', '--name', 'Shop', '--redirect-uri', 'https://shop.example.com/cb'], { env });
      expect(shop.code).toBe(0);
      // A browser behind the proxy reaches the login page, with Secure cookies.
      const authorize = new URL(`${server.url}/auth`);
      authorize.search = new URLSearchParams({ client_id: shop.json().client_id, response_type: 'code', scope: 'openid', redirect_uri: 'https://shop.example.com/cb', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGjSstw-cM', code_challenge_method: 'S256' }).toString();
      const toLogin = await fetch(authorize, { headers: proxied, redirect: 'manual' });
      expect(toLogin.status).toBe(303);
      expect(toLogin.headers.get('location')).toMatch(/^\/interaction\/[\w-]+$/);
      const setCookies = toLogin.headers.getSetCookie();
      expect(setCookies.map((c) => c.split('=')[0])).toEqual(expect.arrayContaining(['lk_interaction']));
      expect(setCookies.every((c) => /;\s*secure/i.test(c))).toBe(true);
      const interaction = new URL(toLogin.headers.get('location')!, 'https://idp.example.com');
      const cookie = setCookies.map((c) => c.split(';')[0]).join('; ');
      const loginPage = await fetch(`${server.url}${interaction.pathname}`, { headers: { ...proxied, cookie } });
      expect(loginPage.status).toBe(200);
      expect(await loginPage.text()).toMatch(/name="_csrf" value="[\w-]+"/);
      // The login page (a form page) carries the CSRF cookie, Secure behind the https proxy.
      const csrfCookie = loginPage.headers.getSetCookie().find((c) => c.startsWith('lk_csrf='));
      expect(csrfCookie).toMatch(/;\s*secure/i);
      const keys = await latchkey(['keys', 'list', '--json'], { env });
      expect(keys.code).toBe(0);
      expect(keys.json<{ alg: string }[]>().map((k) => k.alg).sort()).toEqual(['ES256', 'RS256']);

      const { code } = await server.terminate();
      expect(code).toBe(0);
      server = undefined;
      expect(await exists(path.join(sandbox.dataDir, 'dev-secrets.json'))).toBe(false);
    }, 120_000);
  });
});

describe('configuration errors', () => {
  let sandbox: Sandbox;
  const run = (args: string[], env: Record<string, string>, json = false) => latchkey(json ? [...args, '--json'] : args, { env: { ...sandbox.env, ...env } });

  beforeAll(async () => {
    sandbox = await createSandbox();
  });
  afterAll(async () => sandbox?.remove());

  it('a bad PORT or DATABASE_URL is named, for the server and for every command', async () => {
    const [port, portRange, portCli, mysql, mysqlJson] = await Promise.all([
      run(['start'], { PORT: 'abc' }),
      run(['start'], { PORT: '70000' }),
      run(['users', 'show', 'ada@example.com'], { PORT: 'abc' }),
      run(['start'], { DATABASE_URL: 'mysql://x' }),
      run(['migrate'], { DATABASE_URL: 'mysql://x' }, true),
    ]);
    expectRefusal(port!, 1, /^latchkey: PORT must be a number\n$/);
    expectRefusal(portRange!, 1, /^latchkey: PORT must be at most 65535\n$/);
    expectRefusal(portCli!, 1, /^latchkey: PORT must be a number\n$/);
    expectRefusal(mysql!, 1, /^latchkey: DATABASE_URL must start with postgres:\/\/ or postgresql:\/\/\n$/);
    expectJsonRefusal(mysqlJson!, 1, 'config_error', /DATABASE_URL must start with postgres:\/\//);
  });

  it('other bad variables are named too', async () => {
    const [issuer, logLevel] = await Promise.all([
      run(['start'], { LATCHKEY_ISSUER: 'idp.example.com' }),
      run(['start'], { LATCHKEY_LOG_LEVEL: 'loud' }),
    ]);
    expectRefusal(issuer!, 1, /LATCHKEY_ISSUER must be an absolute URL/);
    expectRefusal(logLevel!, 1, /LATCHKEY_LOG_LEVEL/);
  });

  it('an unreachable database: "cannot reach the database", exit 1, for the server and for commands', async () => {
    const unreachable = { DATABASE_URL: 'postgres://latchkey@127.0.0.1:1/latchkey', PORT: String(await freePort()) };
    const [start, migrate, show, create] = await Promise.all([
      run(['start'], unreachable),
      run(['migrate'], unreachable),
      run(['users', 'show', 'ada@example.com'], unreachable),
      run(['clients', 'create', '--name', 'Shop', '--redirect-uri', 'https://shop.example.com/cb'], unreachable, true),
    ]);
    for (const result of [start!, migrate!, show!]) {
      expectRefusal(result, 1, /cannot reach the database/i);
      expect(result.stderr).toMatch(/DATABASE_URL/);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
    }
    expectJsonRefusal(create!, 1, 'temporarily_unavailable', /cannot reach the database/i);
    expect(create!.stderr).not.toMatch(STACK_TRACE);
  });

  it('a port in use: a clear message naming PORT, exit 1, and the embedded database released', async () => {
    const occupied = net.createServer();
    await new Promise<void>((resolve) => occupied.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = occupied.address() as net.AddressInfo;
      const result = await run(['start'], { PORT: String(port), HOST: '127.0.0.1' });
      // (stdout carries the server's log lines up to the failure.)
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 1, stderr: `latchkey: Cannot listen on 127.0.0.1:${port} (PORT, HOST): another process is using it.\n` });
      expect(await exists(path.join(sandbox.dataDir, 'latchkey.lock'))).toBe(false);
      expect(await exists(path.join(sandbox.dataDir, '.s.PGSQL.5432'))).toBe(false);
    } finally {
      await new Promise<void>((resolve) => occupied.close(() => resolve()));
    }
  });

  it('a database name that does not exist on a reachable server is a clear failure too', async () => {
    const url = new URL(process.env.TEST_DATABASE_URL!);
    url.pathname = '/latchkey_no_such_database';
    const [migrate, start] = await Promise.all([run(['migrate'], { DATABASE_URL: url.toString() }), run(['start'], { DATABASE_URL: url.toString(), PORT: '0' })]);
    for (const result of [migrate!, start!]) {
      expectRefusal(result, 1, /^latchkey: Cannot connect to the database named by DATABASE_URL: database "latchkey_no_such_database" does not exist\.\n$/);
    }
  });
});
