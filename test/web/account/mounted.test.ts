// The account center when Latchkey is mounted under /idp in a host Koa app: sign-in, page links, forms
// and the sign-out link all stay under the mount path.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Koa from 'koa';
import { createLatchkey, type Latchkey } from '../../../src/app.js';
import { loadConfig } from '../../../src/config/index.js';
import { createLogger } from '../../../src/log/logger.js';
import { createTestDatabase, type TestDatabase } from '../../support/databases.js';
import { UserAgent } from '../../support/user-agent.js';
import { open, signIn, submit } from './helpers.js';

describe('account center mounted under /idp', () => {
  let database: TestDatabase;
  let latchkey: Latchkey;
  let server: http.Server;
  let issuer: string;
  let dataDir: string;
  const user = { email: 'mounted@example.com', password: 'a host app with an idp 1' };

  beforeAll(async () => {
    server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}/idp`;
    database = await createTestDatabase('pglite');
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'latchkey-account-mounted-'));
    const config = loadConfig({ LATCHKEY_DATA_DIR: dataDir, LATCHKEY_MAIL_DIR: path.join(dataDir, 'mail'), LATCHKEY_PURGE_INTERVAL: '0' }, {
      issuer, mountPath: '/idp', cookieKeys: [randomBytes(32).toString('base64url')], keyEncryptionKey: randomBytes(32),
    });
    latchkey = await createLatchkey({ config, database: database.db, logger: createLogger('silent') });
    const host = new Koa();
    host.use(latchkey.middleware);
    server.on('request', host.callback());
    await latchkey.services.accounts.create({ ...user, emailVerified: true });
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await latchkey?.close();
    await database?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('signs in and keeps every link and form under /idp', async () => {
    const ua = new UserAgent();
    const page = await signIn(ua, issuer, user, '/account/security');
    expect(page.url.pathname).toBe('/idp/account/security');
    for (const form of page.forms) expect(new URL(form.action).pathname).toMatch(/^\/idp\/account\//);
    const hrefs = [...page.html.matchAll(/href="([^"]+)"/g)].map((m) => m[1]!).filter((h) => h.startsWith('/'));
    for (const href of hrefs) expect(href).toMatch(/^\/idp\//);
    expect(page.html).toContain('href="/idp/session/end?client_id=latchkey-account');
    const saved = await submit(ua, await open(ua, `${issuer}/account`), '/account/profile', { name: 'Mounted Person' });
    expect(saved.url.pathname + saved.url.search).toBe('/idp/account?saved=1');
    expect((await latchkey.services.accounts.findByEmail(user.email))!.name).toBe('Mounted Person');
  });
});
