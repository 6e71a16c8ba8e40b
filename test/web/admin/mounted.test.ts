// The admin console when Latchkey is mounted under /idp in a host Koa app: sign-in, links, forms, redirects
// after a form and the sign-out link all stay under the mount path. On PGlite and PostgreSQL.
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
import { createTestDatabase, databaseKinds, type TestDatabase } from '../../support/databases.js';
import { person, staffBrowser, submit, type Person } from './helpers.js';

describe.each(databaseKinds)('admin console mounted under /idp (%s)', (kind) => {
  let database: TestDatabase;
  let latchkey: Latchkey;
  let server: http.Server;
  let issuer: string;
  let dataDir: string;
  let support: Person;

  beforeAll(async () => {
    server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}/idp`;
    database = await createTestDatabase(kind);
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'latchkey-admin-mounted-'));
    const config = loadConfig({ LATCHKEY_DATA_DIR: dataDir, LATCHKEY_MAIL_DIR: path.join(dataDir, 'mail'), LATCHKEY_PURGE_INTERVAL: '0' }, {
      issuer, mountPath: '/idp', cookieKeys: [randomBytes(32).toString('base64url')], keyEncryptionKey: randomBytes(32),
    });
    latchkey = await createLatchkey({ config, database: database.db, logger: createLogger('silent') });
    const host = new Koa();
    host.use(latchkey.middleware);
    server.on('request', host.callback());
    support = await person(latchkey, 'support', ['support']);
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await latchkey?.close();
    await database?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('signs in and keeps every link, form and redirect under /idp', async () => {
    const target = await person(latchkey, 'target');
    const { ua, page } = await staffBrowser(issuer, support, `/admin/accounts/${target.id}`);
    expect(page.url.pathname).toBe(`/idp/admin/accounts/${target.id}`);
    for (const form of page.forms) expect(new URL(form.action).pathname).toMatch(/^\/idp\/admin\//);
    const hrefs = [...page.html.matchAll(/href="([^"]+)"/g)].map((m) => m[1]!).filter((h) => h.startsWith('/'));
    for (const href of hrefs) expect(href).toMatch(/^\/idp\//);
    expect(page.html).toContain('href="/idp/session/end?client_id=latchkey-admin');
    const blocked = await submit(ua, page, `/accounts/${target.id}/block`, { reason: 'mounted' });
    expect(blocked.url.pathname + blocked.url.search).toBe(`/idp/admin/accounts/${target.id}?done=blocked`);
    expect((await latchkey.services.accounts.findById(target.id))?.status).toBe('blocked');
  });
});
