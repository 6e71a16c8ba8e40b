// Starts a real Latchkey HTTP server for a test file, on a fresh PGlite or PostgreSQL database.
import http from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { createLatchkey, type Latchkey } from '../../src/app.js';
import { loadConfig, type LatchkeyConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/log/logger.js';
import { createTestDatabase, type DatabaseKind, type TestDatabase } from './databases.js';

export interface TestLatchkey {
  latchkey: Latchkey;
  database: TestDatabase;
  issuer: string;
  /** Every log line the server wrote, as text (for "secrets never logged" checks). */
  logs: string[];
  close(): Promise<void>;
}

/** Fast Argon2 parameters would make tests unrealistic; keep the OWASP defaults, they take ~50 ms. */
export async function startTestLatchkey(kind: DatabaseKind, overrides: Partial<LatchkeyConfig> = {}, env: Record<string, string> = {}): Promise<TestLatchkey> {
  const database = await createTestDatabase(kind);
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'latchkey-test-'));
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const mountPath = overrides.mountPath ?? '';
  const config = loadConfig({ LATCHKEY_DATA_DIR: dataDir, LATCHKEY_MAIL_DIR: path.join(dataDir, 'mail'), LATCHKEY_PURGE_INTERVAL: '0', ...env }, {
    port,
    issuer: `http://127.0.0.1:${port}${mountPath}`,
    cookieKeys: [randomBytes(32).toString('base64url')],
    keyEncryptionKey: randomBytes(32),
    ...overrides,
  });
  const latchkey = await createLatchkey({ config, database: database.db, logger: createLogger('info', sink) });
  server.on('request', latchkey.app.callback());
  return {
    latchkey,
    database,
    issuer: config.issuer,
    logs,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await latchkey.close();
      await database.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
