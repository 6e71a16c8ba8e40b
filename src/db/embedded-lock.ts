// The lock file that gives one process at a time the embedded database of a data dir: PGlite opened
// twice on one directory loses writes. Taken atomically (a complete file hard-linked into place, which
// fails if one exists); a lock left by a dead process is taken over, under a second lock so that two
// processes never both take it. A server records in it the socket through which it shares the database.
import { link, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface LockFile {
  pid: number;
  role: 'server' | 'cli';
  socket?: { host: string; port: number };
}

/** Thrown when the embedded database is held by another process that cannot share it. */
export class EmbeddedDatabaseBusy extends Error {
  override name = 'EmbeddedDatabaseBusy';
}

/** The lock, held by this process. */
export interface HeldLock {
  /** Replaces the lock's content (e.g. to add the socket once it listens). */
  update(lock: LockFile): Promise<void>;
  /** Removes the lock, unless another process has taken it over meanwhile. */
  release(): Promise<void>;
}

export type LockOutcome = { held: HeldLock; server?: undefined } | { held?: undefined; server: LockFile & { socket: NonNullable<LockFile['socket']> } };

/** How long to wait for another command to finish, or for a starting server to share its socket. */
const WAIT_MILLIS = 30_000;
/** A takeover lock older than this was left by a process that died while taking over. */
const TAKEOVER_STALE_MILLIS = 10_000;

const lockPath = (dataDir: string) => path.join(dataDir, 'latchkey.lock');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const errorCode = (err: unknown) => (err as NodeJS.ErrnoException).code;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errorCode(err) === 'EPERM';
  }
}

function parseLock(raw: string): LockFile | undefined {
  try {
    const lock = JSON.parse(raw) as LockFile;
    return Number.isInteger(lock.pid) && (lock.role === 'server' || lock.role === 'cli') ? lock : undefined;
  } catch {
    return undefined;
  }
}

/** Writes content to a private temp file beside the lock (so it is complete before anyone sees it). */
async function writeTemp(dataDir: string, content: string): Promise<string> {
  const temp = path.join(dataDir, `.latchkey.lock.${process.pid}.${Math.random().toString(36).slice(2)}`);
  await writeFile(temp, content, { mode: 0o600 });
  return temp;
}

/** Creates the lock if there is none; true when this process now holds it. */
async function tryCreate(dataDir: string, content: string): Promise<boolean> {
  const temp = await writeTemp(dataDir, content);
  try {
    await link(temp, lockPath(dataDir));
    return true;
  } catch (err) {
    if (errorCode(err) === 'EEXIST') return false;
    throw err;
  } finally {
    await rm(temp, { force: true });
  }
}

/** Removes a lock whose holder is gone, if it is still the same lock; one process at a time. */
async function removeStale(dataDir: string, staleContent: string): Promise<void> {
  const takeover = `${lockPath(dataDir)}.takeover`;
  try {
    await writeFile(takeover, String(process.pid), { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if (errorCode(err) !== 'EEXIST') throw err;
    const age = await stat(takeover).then((s) => Date.now() - s.mtimeMs, () => 0);
    if (age > TAKEOVER_STALE_MILLIS) await rm(takeover, { force: true });
    else await sleep(50); // another process is taking over right now
    return;
  }
  try {
    const current = await readFile(lockPath(dataDir), 'utf8').catch(() => undefined);
    if (current === staleContent) await rm(lockPath(dataDir), { force: true });
  } finally {
    await rm(takeover, { force: true });
  }
}

/**
 * Takes the embedded database's lock for this process, or finds the running server to go through.
 * Waits while another command holds it, or while a server starts; a server never shares with a server.
 */
export async function acquireEmbeddedLock(dataDir: string, role: 'server' | 'cli'): Promise<LockOutcome> {
  const mine = JSON.stringify({ pid: process.pid, role } satisfies LockFile);
  const deadline = Date.now() + WAIT_MILLIS;
  for (;;) {
    if (await tryCreate(dataDir, mine)) return { held: holdLock(dataDir, mine) };
    const raw = await readFile(lockPath(dataDir), 'utf8').catch((err: unknown) => {
      if (errorCode(err) === 'ENOENT') return undefined; // released meanwhile: try again
      throw err;
    });
    if (raw === undefined) continue;
    const lock = parseLock(raw);
    // Unreadable, left by a dead process, or by an earlier process that had our pid (a restarted container).
    if (!lock || lock.pid === process.pid || !processAlive(lock.pid)) {
      await removeStale(dataDir, raw);
      continue;
    }
    if (lock.role === 'server') {
      if (role === 'server') {
        throw new EmbeddedDatabaseBusy(`Another Latchkey server (pid ${lock.pid}) is using the embedded database in ${dataDir}. Run several nodes against one PostgreSQL server (DATABASE_URL) instead.`);
      }
      if (lock.socket) return { server: { ...lock, socket: lock.socket } };
    }
    if (Date.now() > deadline) {
      throw new EmbeddedDatabaseBusy(lock.role === 'server'
        ? `The Latchkey server (pid ${lock.pid}) holds the embedded database in ${dataDir} but has not shared it yet; try again when it has started.`
        : `The embedded database in ${dataDir} is in use by another latchkey command (pid ${lock.pid}); try again when it has finished.`);
    }
    await sleep(100);
  }
}

function holdLock(dataDir: string, initial: string): HeldLock {
  let content = initial;
  return {
    async update(lock) {
      const next = JSON.stringify(lock);
      const temp = await writeTemp(dataDir, next);
      await rename(temp, lockPath(dataDir));
      content = next;
    },
    async release() {
      const current = await readFile(lockPath(dataDir), 'utf8').catch(() => undefined);
      if (current === content) await rm(lockPath(dataDir), { force: true });
    },
  };
}
