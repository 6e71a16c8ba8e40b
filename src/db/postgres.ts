// A PostgreSQL server through a `pg` pool; the pool reconnects by itself when the server returns.
import pg from 'pg';
import type { Database, Queryable, QueryResult } from './types.js';
import { translateDatabaseError } from './errors.js';

// int8 (counts, sums) as JS numbers; our int8 values stay far below 2^53.
pg.types.setTypeParser(20, (v: string) => Number.parseInt(v, 10));

export interface PostgresOptions {
  connectionString?: string;
  /** Connection options used instead of a URL (e.g. a unix socket directory). */
  host?: string;
  port?: number;
  max?: number;
  /** How long to wait for a connection (default 5 s). */
  connectTimeoutMs?: number;
  /** Closes a connection after this many checkouts (1: a new connection per query or transaction). */
  maxUses?: number;
  onError?: (err: Error) => void;
}

function wrap(client: { query: pg.Pool['query'] }): Queryable {
  return {
    async query<Row>(text: string, params?: readonly unknown[]): Promise<QueryResult<Row>> {
      try {
        const result = await client.query(text, params as unknown[] | undefined);
        return { rows: result.rows as Row[], rowCount: result.rowCount ?? 0 };
      } catch (err) {
        return translateDatabaseError(err);
      }
    },
    async exec(script: string): Promise<void> {
      try {
        await client.query(script);
      } catch (err) {
        translateDatabaseError(err);
      }
    },
  };
}

/** Opens a pool to a PostgreSQL server. Connections are made lazily, so this never fails on a down server. */
export function openPostgres(options: PostgresOptions): Database {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    host: options.host,
    port: options.port,
    ...(options.connectionString ? {} : { user: 'postgres', database: 'postgres' }),
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    idleTimeoutMillis: 30000,
    ...(options.maxUses ? { maxUses: options.maxUses } : {}),
  });
  pool.on('error', (err) => options.onError?.(err));
  const direct = wrap(pool);
  return {
    kind: 'postgres',
    query: direct.query,
    exec: direct.exec,
    async transaction(fn) {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (err) {
        return translateDatabaseError(err);
      }
      const tx = wrap(client);
      let broken = false;
      try {
        await tx.query('BEGIN');
        const result = await fn(tx);
        await tx.query('COMMIT');
        return result;
      } catch (err) {
        try {
          await client.query('ROLLBACK');
        } catch {
          broken = true;
        }
        throw err;
      } finally {
        client.release(broken);
      }
    },
    async ping() {
      await direct.query('SELECT 1');
    },
    async close() {
      await pool.end();
    },
  };
}
