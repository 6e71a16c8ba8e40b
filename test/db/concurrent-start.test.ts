// Several nodes starting at once against one empty PostgreSQL database: migrations are applied exactly
// once (advisory lock) and exactly one signing key per algorithm is created; every node comes up.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { createLatchkey, type Latchkey } from '../../src/app.js';
import { loadConfig } from '../../src/config/index.js';
import { migrate, readMigrations } from '../../src/db/migrate.js';
import { openPostgres } from '../../src/db/postgres.js';
import { createLogger } from '../../src/log/logger.js';
import { createEmptyPostgresDatabase, type EmptyPostgresDatabase } from '../support/databases.js';

describe('nodes starting together on one PostgreSQL', () => {
  let empty: EmptyPostgresDatabase;
  beforeAll(async () => {
    empty = await createEmptyPostgresDatabase();
  });
  afterAll(async () => empty?.drop());

  it('apply each migration once and agree on one key per algorithm', async () => {
    const secrets = { cookieKeys: [randomBytes(32).toString('base64url')], keyEncryptionKey: randomBytes(32) };
    const nodes: Latchkey[] = await Promise.all(Array.from({ length: 4 }, () => createLatchkey({
      role: 'cli',
      logger: createLogger('silent'),
      config: loadConfig({ DATABASE_URL: empty.url, LATCHKEY_DATA_DIR: '/nonexistent-unused' }, secrets),
    })));
    try {
      const { rows } = await nodes[0]!.db.query<{ version: string; n: number }>('SELECT version, count(*)::int AS n FROM schema_migrations GROUP BY version ORDER BY version');
      expect(rows.map((r) => r.version)).toEqual((await readMigrations()).map((m) => m.version));
      expect(rows.every((r) => r.n === 1)).toBe(true);
      const keys = await nodes[0]!.services.keys.list();
      expect(keys.filter((k) => !k.retired_at).map((k) => k.alg).sort()).toEqual(['ES256', 'RS256']);
      // Every node serves the same key set.
      const kids = await Promise.all(nodes.map(async (n) => (await n.services.keys.loadPrivateJwks()).keys.map((k) => k.kid).sort().join()));
      expect(new Set(kids).size).toBe(1);
    } finally {
      await Promise.all(nodes.map((n) => n.close()));
    }
  });

  it('a later migrate finds nothing to do, also when run by several processes at once', async () => {
    const pools = Array.from({ length: 3 }, () => openPostgres({ connectionString: empty.url, max: 2 }));
    try {
      const applied = await Promise.all(pools.map((db) => migrate(db)));
      expect(applied).toEqual([[], [], []]);
    } finally {
      await Promise.all(pools.map((db) => db.close()));
    }
  });
});
