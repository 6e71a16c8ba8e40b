// Schema changes are ordered SQL files in migrations/, applied once each, in one transaction,
// under an advisory lock so several nodes starting at once never race.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Database } from './types.js';
import { migrationsDir } from '../paths.js';

/** Arbitrary constant identifying Latchkey's migration lock among advisory locks. */
const MIGRATION_LOCK_KEY = 7_461_826_301;

export interface Migration {
  version: string;
  sql: string;
}

/** Reads migrations/NNNN_name.sql in order. */
export async function readMigrations(dir = migrationsDir): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f)).sort();
  return Promise.all(files.map(async (f) => ({ version: f.replace(/\.sql$/, ''), sql: await readFile(path.join(dir, f), 'utf8') })));
}

/** Applies pending migrations; returns the versions applied now (empty when up to date). */
export async function migrate(db: Database, migrations?: Migration[]): Promise<string[]> {
  const all = migrations ?? (await readMigrations());
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await tx.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version text PRIMARY KEY,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await tx.query<{ version: string }>('SELECT version FROM schema_migrations');
    const applied = new Set(rows.map((r) => r.version));
    const pending = all.filter((m) => !applied.has(m.version));
    for (const m of pending) {
      await tx.exec(m.sql);
      await tx.query('INSERT INTO schema_migrations (version) VALUES ($1)', [m.version]);
    }
    return pending.map((m) => m.version);
  });
}
