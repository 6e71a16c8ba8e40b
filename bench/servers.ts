// The processes under test: Latchkey started with `bin/latchkey start` on a temporary data directory (and
// provisioned with the `latchkey` CLI, as an operator would), and the bare oidc-provider baseline
// (bench/bare-provider.ts). Each runs in its own process so its memory can be read from /proc.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { BareConfig, BareReady } from './bare-provider.js';

/** The checkout (dist/bench/servers.js is two levels below it). */
export const projectRoot = fileURLToPath(new URL('../../', import.meta.url));

export interface ServerProcess {
  issuer: string;
  pid: number;
  stop(): Promise<void>;
}

export interface LatchkeyProcess extends ServerProcess {
  /** Runs `latchkey <args> --json` against the same database; returns the parsed output. */
  cli(args: string[], stdin?: string): Promise<Record<string, unknown>>;
  /** The last lines the server logged (for error messages). */
  logTail(lines?: number): string;
}

export interface LatchkeyOptions {
  /** Temporary directory for the data dir, mail dir and log (removed by the caller). */
  dir: string;
  databaseUrl: string | undefined;
  logLevel: string;
  /** When set, the server runs with --cpu-prof and writes its profile here on exit. */
  cpuProfDir: string | undefined;
  /** NODE_OPTIONS for the server process (e.g. V8 heap settings to try). */
  nodeOptions: string | undefined;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Server processes started and not yet stopped, so an interrupted run can stop them (stopAllServers). */
const live = new Set<ChildProcess>();

function track<T extends ChildProcess>(child: T): T {
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/** Sends SIGTERM, then SIGKILL if the process has not exited after `graceMs`. */
async function stopChild(child: ChildProcess, graceMs = 20_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Stops every server process this module started that is still running. */
export async function stopAllServers(): Promise<void> {
  await Promise.allSettled([...live].map((child) => stopChild(child)));
}

/** The environment of the Latchkey processes: the parent's, minus any Latchkey settings, plus ours. */
function latchkeyEnv(options: LatchkeyOptions, port: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('LATCHKEY_') || ['DATABASE_URL', 'PORT', 'HOST', 'SMTP_URL', 'NODE_ENV', 'NODE_OPTIONS'].includes(key)) continue;
    env[key] = value;
  }
  return {
    ...env,
    PORT: String(port),
    HOST: '127.0.0.1',
    LATCHKEY_ISSUER: `http://127.0.0.1:${port}`,
    LATCHKEY_DATA_DIR: path.join(options.dir, 'data'),
    LATCHKEY_MAIL_DIR: path.join(options.dir, 'mail'),
    LATCHKEY_LOG_LEVEL: options.logLevel,
    LATCHKEY_COOKIE_KEYS: randomBytes(32).toString('base64url'),
    LATCHKEY_KEY_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    // Every login comes from 127.0.0.1. Successful logins give their per-IP reservation back, so only the
    // logins in flight count against the limit; raise it so large machines (high concurrency) stay under it.
    LATCHKEY_IP_MAX_FAILURES: '1000000',
    ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
  };
}

/** Starts `bin/latchkey start` and waits until /readyz answers 200. */
export async function startLatchkey(options: LatchkeyOptions): Promise<LatchkeyProcess> {
  const port = await freePort();
  const env = latchkeyEnv(options, port);
  const issuer = env.LATCHKEY_ISSUER!;
  const bin = path.join(projectRoot, 'bin', 'latchkey');
  async function cli(args: string[], stdin?: string): Promise<Record<string, unknown>> {
    const run = spawn(bin, [...args, '--json'], { env: { ...env, LATCHKEY_LOG_LEVEL: 'warn' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    run.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    run.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    run.stdin.end(stdin ?? '');
    const code = await new Promise<number | null>((resolve) => run.once('close', resolve));
    if (code !== 0) throw new Error(`latchkey ${args.slice(0, 2).join(' ')} failed (exit ${code}): ${err.trim()}`);
    return JSON.parse(out) as Record<string, unknown>;
  }

  // `latchkey migrate` first: creating the embedded database (initdb) is a one-time cost of the first start,
  // kept out of the server process whose memory is measured.
  await cli(['migrate']);

  const logFile = path.join(options.dir, 'latchkey.log');
  const log = openSync(logFile, 'a');
  const nodeOptions = [options.nodeOptions, options.cpuProfDir && `--cpu-prof --cpu-prof-dir=${options.cpuProfDir}`].filter(Boolean).join(' ');
  const serverEnv = nodeOptions ? { ...env, NODE_OPTIONS: nodeOptions } : env;
  const child = track(spawn(bin, ['start'], { env: serverEnv, stdio: ['ignore', log, log] }));
  closeSync(log);
  const logTail = (lines = 20) => {
    try {
      return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  };

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`Latchkey exited during startup:\n${logTail()}`);
    try {
      const response = await fetch(`${issuer}/readyz`);
      await response.arrayBuffer();
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stopChild(child);
      throw new Error(`Latchkey did not become ready within 60 s:\n${logTail()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }

  return { issuer, pid: child.pid!, stop: () => stopChild(child), cli, logTail };
}

/** Starts the bare oidc-provider baseline and waits for its ready line. */
export async function startBareProvider(config: BareConfig): Promise<ServerProcess & BareReady> {
  const script = fileURLToPath(new URL('./bare-provider.js', import.meta.url));
  const env: NodeJS.ProcessEnv = { ...process.env, BENCH_BARE_CONFIG: JSON.stringify(config) };
  delete env.NODE_OPTIONS;
  const child = track(spawn(process.execPath, [script], { env, stdio: ['ignore', 'pipe', 'pipe'] }));
  // Its stderr carries oidc-provider's warning about the in-memory adapter (expected here); shown only on failure.
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const ready = await new Promise<BareReady>((resolve, reject) => {
    let buffered = '';
    child.once('exit', (code) => reject(new Error(`the bare oidc-provider exited during startup (exit ${code}):\n${stderr.trim()}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const newline = buffered.indexOf('\n');
      if (newline >= 0) resolve(JSON.parse(buffered.slice(0, newline)) as BareReady);
    });
  });
  child.removeAllListeners('exit');
  child.stdout!.resume();
  return { ...ready, pid: child.pid!, stop: () => stopChild(child) };
}

/** A fresh database on a PostgreSQL server (needs CREATEDB), dropped again by drop(). */
export async function createScratchDatabase(serverUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `latchkey_bench_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const cleanup = new pg.Client({ connectionString: serverUrl });
      await cleanup.connect();
      try {
        await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await cleanup.end();
      }
    },
  };
}
