// Embedding: a host Koa app with its own routes mounts Latchkey under /idp through `latchkey.middleware`.
// The host keeps its routes, discovery lists /idp endpoints, the assets load from /idp/assets, and a full
// code + PKCE login through the forms works with a real relying party (openid-client).
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Koa from 'koa';
import { createLatchkey, type Latchkey } from '../../src/app.js';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/log/logger.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { login, oidc, pageForm, REDIRECT_URI, relyingParty, startAuthorization } from '../support/relying-party.js';
import { UserAgent } from '../support/user-agent.js';

const EMAIL = 'host.user@example.com';
const PASSWORD = 'correct horse battery';

describe('Latchkey mounted under /idp in a host Koa app', () => {
  let database: TestDatabase;
  let latchkey: Latchkey;
  let server: http.Server;
  let origin: string;
  let issuer: string;
  let dataDir: string;
  let clientId: string;
  let clientSecret: string;
  const logs: string[] = [];

  beforeAll(async () => {
    server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    issuer = `${origin}/idp`;
    database = await createTestDatabase('pglite');
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'latchkey-embed-'));
    const config = loadConfig({ LATCHKEY_DATA_DIR: dataDir, LATCHKEY_MAIL_DIR: path.join(dataDir, 'mail'), LATCHKEY_PURGE_INTERVAL: '0' }, {
      issuer, mountPath: '/idp', cookieKeys: [randomBytes(32).toString('base64url')], keyEncryptionKey: randomBytes(32),
    });
    const sink = new Writable({
      write(chunk, _enc, done) {
        logs.push(String(chunk));
        done();
      },
    });
    latchkey = await createLatchkey({ config, database: database.db, logger: createLogger('info', sink) });

    // The host: its own routes before and after Latchkey, as an existing service would have.
    const host = new Koa();
    host.use(async function hostHeader(ctx, next) {
      ctx.set('X-Host-App', 'shop');
      await next();
    });
    host.use(async function hostRoutes(ctx, next) {
      if (ctx.path === '/') {
        ctx.body = 'Welcome to the shop';
        return;
      }
      if (ctx.path === '/api/products') {
        ctx.body = { products: ['lamp', 'desk'] };
        return;
      }
      await next();
    });
    host.use(latchkey.middleware);
    host.use(async function hostFallback(ctx) {
      ctx.status = 404;
      ctx.body = { host: 'not found', path: ctx.path };
    });
    server.on('request', host.callback());

    await latchkey.services.accounts.create({ email: EMAIL, password: PASSWORD, name: 'Host User', emailVerified: true });
    const created = await latchkey.clients.create({ name: 'Shop', type: 'web', redirectUris: [REDIRECT_URI], firstParty: true });
    clientId = created.client.clientId;
    clientSecret = created.clientSecret!;
  });

  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await latchkey?.close();
    await database?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("keeps the host's own routes, including paths that merely start with the mount path", async () => {
    const home = await fetch(`${origin}/`);
    expect(home.status).toBe(200);
    expect(await home.text()).toBe('Welcome to the shop');
    expect(home.headers.get('x-host-app')).toBe('shop');
    expect(await (await fetch(`${origin}/api/products`)).json()).toEqual({ products: ['lamp', 'desk'] });

    for (const p of ['/auth', '/.well-known/openid-configuration', '/idpx', '/idp-admin/x', '/assets/latchkey.css']) {
      const res = await fetch(`${origin}${p}`);
      expect({ p, status: res.status, body: await res.json() }).toEqual({ p, status: 404, body: { host: 'not found', path: p } });
    }
  });

  it('serves discovery at /idp with every endpoint under /idp', async () => {
    const res = await fetch(`${issuer}/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
    const discovery = (await res.json()) as Record<string, unknown>;
    expect(discovery.issuer).toBe(issuer);
    expect(discovery.authorization_endpoint).toBe(`${issuer}/auth`);
    expect(discovery.token_endpoint).toBe(`${issuer}/token`);
    expect(discovery.jwks_uri).toBe(`${issuer}/jwks`);
    const urls = Object.entries(discovery).filter(([k, v]) => (k.endsWith('_endpoint') || k.endsWith('_uri')) && typeof v === 'string');
    expect(urls.length).toBeGreaterThanOrEqual(6);
    for (const [key, value] of urls) expect({ key, value }).toEqual({ key, value: expect.stringMatching(new RegExp(`^${issuer}/`)) });

    const jwks = await fetch(discovery.jwks_uri as string);
    expect(jwks.status).toBe(200);
    expect(((await jwks.json()) as { keys: unknown[] }).keys.length).toBeGreaterThan(0);
    expect((await fetch(`${issuer}/healthz`)).status).toBe(200);
    expect((await fetch(`${issuer}/readyz`)).status).toBe(200);
  });

  it('serves the stylesheet at /idp/assets and the login page links to it there', async () => {
    const css = await fetch(`${issuer}/assets/latchkey.css`);
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    expect((await css.text()).length).toBeGreaterThan(100);

    const config = await relyingParty(issuer, clientId, clientSecret);
    const start = await startAuthorization(config);
    const page = await pageForm(new UserAgent(), start.url);
    expect(page.status).toBe(200);
    expect(page.url.pathname).toMatch(/^\/idp\/interaction\//);
    expect(page.html).toContain('href="/idp/assets/latchkey.css"');
    const loginForm = page.forms.find((f) => 'password' in f.fields)!;
    expect(new URL(loginForm.action).pathname).toMatch(/^\/idp\/interaction\/[^/]+\/login$/);
    // No link or form on the page escapes the mount path.
    for (const m of page.html.matchAll(/(?:href|src|action)="(\/[^"]*)"/g)) expect(m[1]).toMatch(/^\/idp\//);
  });

  it('logs in with code + PKCE through the forms, then refreshes and reads userinfo', async () => {
    const config = await relyingParty(issuer, clientId, clientSecret);
    const ua = new UserAgent();
    const { tokens, callback } = await login(config, ua, { email: EMAIL, password: PASSWORD }, { scope: 'openid email profile offline_access', prompt: 'consent' });
    expect(callback.searchParams.get('iss')).toBe(issuer);
    const claims = tokens.claims()!;
    expect(claims.iss).toBe(issuer);
    expect(claims.email).toBe(EMAIL);
    const info = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
    expect(info.name).toBe('Host User');
    if (tokens.refresh_token) {
      const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token);
      expect(refreshed.access_token).not.toBe(tokens.access_token);
    }
    // Latchkey's cookies stay under the mount path: the host's own pages never receive them.
    expect(ua.cookieNames()).toEqual(expect.arrayContaining(['lk_session', 'lk_csrf']));
    // What the browser sends to a page of the host outside /idp (cookies ignore ports, so any loopback server will do).
    const sent = await new Promise<string>((resolve) => {
      const probe = http.createServer((req, res) => {
        resolve(String(req.headers.cookie ?? ''));
        res.setHeader('connection', 'close');
        res.end();
        probe.close();
      });
      probe.listen(0, '127.0.0.1', () => {
        void ua.request(`http://127.0.0.1:${(probe.address() as AddressInfo).port}/`).then((r) => r.text());
      });
    });
    expect(sent).not.toMatch(/lk_session|lk_csrf/);

    // A second authorization reuses the session: straight back to the client without the login form.
    const again = await startAuthorization(config);
    const back = await ua.follow(again.url, {}, REDIRECT_URI);
    expect(back.response).toBeUndefined();
    expect(back.url.searchParams.get('code')).toBeTruthy();
  });

  it("answers unknown /idp paths with Latchkey's own 404, and logs them with request ids", async () => {
    const page = await fetch(`${issuer}/no-such-page`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(404);
    expect(await page.text()).toContain('/idp/assets/latchkey.css');
    expect(page.headers.get('x-request-id')).toBeTruthy();
    expect(logs.some((l) => l.includes('"path":"/no-such-page"') || l.includes('"path":"/idp/no-such-page"'))).toBe(true);
  });
});
