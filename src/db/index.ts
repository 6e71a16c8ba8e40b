// Opens the configured database: a PostgreSQL server (DATABASE_URL) or the embedded PGlite in the data dir.
// The embedded database serves one process; while a Latchkey server holds it, other processes (the CLI)
// reach it through the server's socket, recorded in a lock file beside the data.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Database } from './types.js';
import { openPostgres } from './postgres.js';
import { openPglite, type EmbeddedDatabase } from './pglite.js';

export type { Database, Queryable, QueryResult } from './types.js';
export { migrate } from './migrate.js';
export { DatabaseUnavailable, isConnectionError, pgErrorCode } from './errors.js';

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

interface LockFile {
  pid: number;
  role: 'server' | 'cli';
  socket?: { host: string; port: number };
}

const lockPath = (dataDir: string) => path.join(dataDir, 'latchkey.lock');

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readLock(dataDir: string): Promise<LockFile | undefined> {
  try {
    const lock = JSON.parse(await readFile(lockPath(dataDir), 'utf8')) as LockFile;
    if (typeof lock.pid === 'number' && lock.pid !== process.pid && processAlive(lock.pid)) return lock;
  } catch {
    // no lock, or an unreadable one: treated as free
  }
  return undefined;
}

/** Thrown when the embedded database is held by another process that cannot share it. */
export class EmbeddedDatabaseBusy extends Error {
  override name = 'EmbeddedDatabaseBusy';
}

async function waitForFreeLock(dataDir: string, role: 'server' | 'cli'): Promise<LockFile | undefined> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const lock = await readLock(dataDir);
    if (!lock) return undefined;
    if (lock.role === 'server') return lock;
    if (Date.now() > deadline) {
      throw new EmbeddedDatabaseBusy(`The embedded database in ${dataDir} is in use by another latchkey command (pid ${lock.pid}); try again when it has finished.`);
    }
    await new Promise((r) => setTimeout(r, 200));
    void role;
  }
}

async function shareEmbedded(db: EmbeddedDatabase, dataDir: string): Promise<{ socket: LockFile['socket']; stop: () => Promise<void> }> {
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  const socketPath = path.join(dataDir, '.s.PGSQL.5432');
  // Unix sockets keep the database private to this machine's users with access to the data dir;
  // their paths are limited to ~107 bytes, so very deep data dirs fall back to loopback TCP.
  if (socketPath.length < 100) {
    await rm(socketPath, { force: true });
    const server = new PGLiteSocketServer({ db: db.pglite, path: socketPath });
    await server.start();
    return { socket: { host: dataDir, port: 5432 }, stop: () => server.stop() };
  }
  const server = new PGLiteSocketServer({ db: db.pglite, host: '127.0.0.1', port: 0 });
  await server.start();
  const port = Number((server as unknown as { server?: { address(): { port: number } } }).server?.address().port);
  return { socket: { host: '127.0.0.1', port }, stop: () => server.stop() };
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
  const holder = await waitForFreeLock(dataDir, options.role);
  if (holder?.role === 'server') {
    if (options.role === 'server') {
      throw new EmbeddedDatabaseBusy(`Another Latchkey server (pid ${holder.pid}) is using the embedded database in ${dataDir}. Run several nodes against one PostgreSQL server (DATABASE_URL) instead.`);
    }
    if (!holder.socket) throw new EmbeddedDatabaseBusy(`The Latchkey server (pid ${holder.pid}) holds ${dataDir} but shares no socket.`);
    const db = openPostgres({ host: holder.socket.host, port: holder.socket.port, max: 1, onError: options.onError });
    return { db, close: () => db.close(), description: `embedded (through server pid ${holder.pid})` };
  }

  const db = await openPglite(path.join(dataDir, 'pgdata'));
  const shared = options.role === 'server' ? await shareEmbedded(db, dataDir) : undefined;
  const lock: LockFile = { pid: process.pid, role: options.role, ...(shared ? { socket: shared.socket } : {}) };
  await writeFile(lockPath(dataDir), JSON.stringify(lock), { mode: 0o600 });
  let released = false;
  return {
    db,
    description: `embedded (${dataDir})`,
    async close() {
      if (released) return;
      released = true;
      await shared?.stop();
      await db.close();
      await rm(lockPath(dataDir), { force: true });
    },
  };
}
