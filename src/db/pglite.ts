// The embedded database: PostgreSQL compiled to WASM (PGlite), persisted in a directory.
// PGlite serves one process, so the server shares it with the CLI over a unix socket (see embedded-socket.ts).
import { PGlite } from '@electric-sql/pglite';
import { createStatementRunner, type StatementResult } from './pglite-statements.js';
import type { Database, QueryResult } from './types.js';

/**
 * PostgreSQL's shared buffer cache inside the WASM memory. PGlite keeps PostgreSQL's default of 128MB, nearly all
 * of it resident; the data files stay in the operating system's page cache anyway, so a smaller cache costs little
 * here and keeps the process about 100 MiB smaller.
 */
const SHARED_BUFFERS = '32MB';

const toResult = <Row>(r: StatementResult): QueryResult<Row> => ({ rows: r.rows as Row[], rowCount: r.affectedRows ?? r.rows.length });

export interface EmbeddedDatabase extends Database {
  readonly pglite: PGlite;
}

/** Opens (creating if needed) the embedded database; dataDir undefined means in memory. */
export async function openPglite(dataDir: string | undefined): Promise<EmbeddedDatabase> {
  const pglite = await PGlite.create({
    ...(dataDir ? { dataDir } : {}),
    startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${SHARED_BUFFERS}`],
    parsers: { 20: (v: string) => Number.parseInt(v, 10) },
  });
  // Statements run as prepared statements (see pglite-statements.ts), under the same locks as PGlite's query().
  const statements = createStatementRunner(pglite);
  return {
    kind: 'pglite',
    pglite,
    async query<Row>(text: string, params: readonly unknown[] = []): Promise<QueryResult<Row>> {
      await pglite._checkReady();
      // Outside a transaction: wait for any open transaction to end, then run alone.
      return toResult<Row>(await pglite._runExclusiveTransaction(() => pglite.runExclusive(() => statements.run(text, params, false))));
    },
    async exec(script: string): Promise<void> {
      await pglite.exec(script);
    },
    transaction(fn) {
      return pglite.transaction((tx) => fn({
        async query<Row>(text: string, params: readonly unknown[] = []): Promise<QueryResult<Row>> {
          if (tx.closed) throw new Error('Transaction is closed');
          return toResult<Row>(await pglite.runExclusive(() => statements.run(text, params, true)));
        },
        async exec(script: string): Promise<void> {
          await tx.exec(script);
        },
      }));
    },
    async ping() {
      await pglite.query('SELECT 1');
    },
    async close() {
      if (!pglite.closed) await pglite.close();
    },
  };
}
