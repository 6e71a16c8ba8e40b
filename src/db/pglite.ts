// The embedded database: PostgreSQL compiled to WASM (PGlite), persisted in a directory.
// PGlite serves one process, so the server shares it with the CLI over a unix socket (see embedded-socket.ts).
import { PGlite } from '@electric-sql/pglite';
import type { Database, Queryable, QueryResult } from './types.js';

function wrap(q: Pick<PGlite, 'query' | 'exec'>): Queryable {
  return {
    async query<Row>(text: string, params?: readonly unknown[]): Promise<QueryResult<Row>> {
      const result = await q.query<Row>(text, params as unknown[] | undefined);
      return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
    },
    async exec(script: string): Promise<void> {
      await q.exec(script);
    },
  };
}

export interface EmbeddedDatabase extends Database {
  readonly pglite: PGlite;
}

/** Opens (creating if needed) the embedded database; dataDir undefined means in memory. */
export async function openPglite(dataDir: string | undefined): Promise<EmbeddedDatabase> {
  const pglite = await PGlite.create({ ...(dataDir ? { dataDir } : {}), parsers: { 20: (v: string) => Number.parseInt(v, 10) } });
  const direct = wrap(pglite);
  return {
    kind: 'pglite',
    pglite,
    query: direct.query,
    exec: direct.exec,
    transaction(fn) {
      return pglite.transaction((tx) => fn(wrap(tx)));
    },
    async ping() {
      await pglite.query('SELECT 1');
    },
    async close() {
      if (!pglite.closed) await pglite.close();
    },
  };
}
