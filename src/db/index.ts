// Opens the configured database: a PostgreSQL server (DATABASE_URL) or the embedded PGlite in the data dir.
// The embedded database serves one process; while a Latchkey server holds it, other processes (the CLI)
// reach it through the server's socket, recorded in a lock file beside the data.
import { mkdir, rm } from 'node:fs/promises';
import type { Socket } from 'node:net';
import path from 'node:path';
import type { Database } from './types.js';
import { openPostgres } from './postgres.js';
import { openPglite, type EmbeddedDatabase } from './pglite.js';
import { acquireEmbeddedLock, type LockFile } from './embedded-lock.js';

export type { Database, Queryable, QueryResult } from './types.js';
export { migrate } from './migrate.js';
export { DatabaseUnavailable, isConnectionError, pgErrorCode } from './errors.js';
export { EmbeddedDatabaseBusy } from './embedded-lock.js';
export { withSavepoint } from './savepoint.js';

export interface OpenDatabaseOptions {
  databaseUrl: string | undefined;
  /** Directory of the embedded database; 'memory://' keeps it in memory (tests). */
  dataDir: string;
  /** 'server' shares the embedded database over a socket; 'cli' uses a running server's socket if any. */
  role: 'server' | 'cli';
  onError?: (err: Error) => void;
}

export interface OpenedDatabase {
  db: Database;
  /** Closes the database, stops sharing it and releases the embedded database's lock. */
  close(): Promise<void>;
  /** Human-readable description for logs (never contains credentials). */
  description: string;
}

/** A CLI connection idle this long is closed, so a stuck command cannot stall the server. */
const SOCKET_IDLE_MS = 10_000;

/**
 * Shares the embedded database over a socket. PGlite has one session: a connection's statements would
 * interleave with the server's own transactions (and a rollback on either side would take the other's
 * writes with it). So each connection runs alone: it holds PGlite's transaction lock from connect to
 * close, the server's queries wait meanwhile, and further connections queue (CLI commands are short).
 */
async function shareEmbedded(db: EmbeddedDatabase, dataDir: string): Promise<{ socket: NonNullable<LockFile['socket']>; stop: () => Promise<void> }> {
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  const socketPath = path.join(dataDir, '.s.PGSQL.5432');
  // Unix sockets keep the database private to this machine's users with access to the data dir;
  // their paths are limited to ~107 bytes, so very deep data dirs fall back to loopback TCP.
  const onUnixSocket = socketPath.length < 100;
  if (onUnixSocket) await rm(socketPath, { force: true });
  const server = new PGLiteSocketServer({
    db: db.pglite,
    ...(onUnixSocket ? { path: socketPath } : { host: '127.0.0.1', port: 0 }),
    maxConnections: 64,
    idleTimeout: SOCKET_IDLE_MS,
  });
  const internals = server as unknown as { handleConnection(socket: Socket): Promise<void>; server?: { address(): { port: number } } };
  const handle = internals.handleConnection.bind(server);
  internals.handleConnection = (socket: Socket) => db.pglite._runExclusiveTransaction(() => new Promise<void>((resolve) => {
    if (socket.destroyed) return resolve();
    handle(socket).catch(() => socket.destroy()).finally(() => {
      if (socket.destroyed || socket.closed) return resolve();
      // After the handler's own close listener (it rolls back a transaction the client left open and
      // queues that behind this lock), so the rollback runs before any server statement.
      socket.once('close', () => setImmediate(resolve));
    });
  }));
  await server.start();
  const socket = onUnixSocket ? { host: dataDir, port: 5432 } : { host: '127.0.0.1', port: Number(internals.server?.address().port) };
  return { socket, stop: () => server.stop() };
}

/** Opens the database the configuration names. */
export async function openDatabase(options: OpenDatabaseOptions): Promise<OpenedDatabase> {
  if (options.databaseUrl) {
    const url = new URL(options.databaseUrl);
    const db = openPostgres({ connectionString: options.databaseUrl, onError: options.onError });
    return {
      db,
      close: () => db.close(),
      description: `postgres://${url.hostname}:${url.port || 5432}${url.pathname}`,
    };
  }
  if (options.dataDir === 'memory://') {
    const db = await openPglite(undefined);
    return { db, close: () => db.close(), description: 'embedded (in memory)' };
  }

  const dataDir = path.resolve(options.dataDir);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const lock = await acquireEmbeddedLock(dataDir, options.role);
  if (lock.server) {
    const { pid, socket } = lock.server;
    // Connections to the server's socket queue while another command runs: wait for a turn. Each
    // connection holds the whole embedded database, so it serves one query or transaction only: a long
    // command (an import of many batches) gives the server a turn between its transactions.
    const db = openPostgres({ host: socket.host, port: socket.port, max: 1, maxUses: 1, connectTimeoutMs: 60_000, onError: options.onError });
    return { db, close: () => db.close(), description: `embedded (through server pid ${pid})` };
  }

  const { held } = lock;
  let db: EmbeddedDatabase | undefined;
  let shared: Awaited<ReturnType<typeof shareEmbedded>> | undefined;
  try {
    db = await openPglite(path.join(dataDir, 'pgdata'));
    if (options.role === 'server') {
      shared = await shareEmbedded(db, dataDir);
      await held.update({ pid: process.pid, role: 'server', socket: shared.socket });
    }
  } catch (err) {
    await shared?.stop().catch(() => {});
    await db?.close().catch(() => {});
    await held.release();
    throw err;
  }
  const opened = db;
  let released = false;
  return {
    db: opened,
    description: `embedded (${dataDir})`,
    async close() {
      if (released) return;
      released = true;
      try {
        await shared?.stop();
        await opened.close();
      } finally {
        await held.release();
      }
    },
  };
}
