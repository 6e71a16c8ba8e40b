// Test databases: every storage-touching suite runs against the embedded PGlite AND a real PostgreSQL
// server (TEST_DATABASE_URL, started by `npm test` through scripts/with-postgres.sh).
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { migrate, type Database } from '../../src/db/index.js';
import { openPglite } from '../../src/db/pglite.js';
import { openPostgres } from '../../src/db/postgres.js';

export type DatabaseKind = 'pglite' | 'postgres';
export const databaseKinds: DatabaseKind[] = ['pglite', 'postgres'];

export interface TestDatabase {
  kind: DatabaseKind;
  db: Database;
  /** Connection URL of the PostgreSQL test database (undefined for PGlite). */
  url: string | undefined;
  close(): Promise<void>;
}

function adminUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) {
    throw new Error('TEST_DATABASE_URL is not set. Run the tests with `npm test`, which starts a throwaway PostgreSQL server.');
  }
  return url;
}

/** A fresh, migrated database of the given kind; PostgreSQL gets a new database per call. */
export async function createTestDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  if (kind === 'pglite') {
    const db = await openPglite(undefined);
    await migrate(db);
    return { kind, db, url: undefined, close: () => db.close() };
  }
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  const name = `latchkey_test_${randomBytes(6).toString('hex')}`;
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  const db = openPostgres({ connectionString: url.toString(), max: 20 });
  await migrate(db);
  return {
    kind,
    db,
    url: url.toString(),
    async close() {
      await db.close();
      const cleanup = new pg.Client({ connectionString: adminUrl() });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await cleanup.end();
    },
  };
}

export interface EmptyPostgresDatabase {
  url: string;
  drop(): Promise<void>;
}

/**
 * A new, empty (unmigrated) database on the test PostgreSQL server (TEST_DATABASE_URL), so the CLI's
 * own migration runs against it.
 */
export async function createEmptyPostgresDatabase(): Promise<EmptyPostgresDatabase> {
  const admin = process.env.TEST_DATABASE_URL;
  if (!admin) throw new Error('TEST_DATABASE_URL is not set. Run the tests through scripts/with-postgres.sh (npm test).');
  const name = `latchkey_empty_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const cleanup = new pg.Client({ connectionString: admin });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await cleanup.end();
    },
  };
}
