// Drives `bin/latchkey` as real processes: one-shot commands, and `latchkey start` as a server that
// tests start, wait for, signal and restart. Each scenario gets its own temp data and mail dirs.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, jest } from '@jest/globals';

// Every CLI test spawns real processes, and each one on the embedded database opens PGlite (about 4 s on an
// idle 2-core machine, far more while other suites run): a scenario of several commands gets 3 minutes.
jest.setTimeout(180_000);

export const LATCHKEY_BIN = fileURLToPath(new URL('../../bin/latchkey', import.meta.url));

/** A stack trace line as Node prints it; CLI output must never contain one. */
export const STACK_TRACE = /^\s+at .+(:\d+:\d+\)?|\(node:.+\))$/m;

export type Env = Record<string, string | undefined>;

/** The test process's environment without anything that would change what Latchkey reads. */
export function cleanEnv(): Env {
  const env: Env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('LATCHKEY_') || k === 'DATABASE_URL' || k === 'NODE_ENV' || k === 'PORT' || k === 'SMTP_URL' || k === 'HOST') continue;
    env[k] = v;
  }
  return env;
}

export interface Sandbox {
  root: string;
  dataDir: string;
  mailDir: string;
  /** Environment for every process of this sandbox (embedded database in dataDir). */
  env: Env;
  remove(): Promise<void>;
}

/** A fresh temp dir with `data/` and `mail/`, and the environment pointing Latchkey at them. */
export async function createSandbox(extra: Env = {}): Promise<Sandbox> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'lk-cli-'));
  const dataDir = path.join(root, 'data');
  const mailDir = path.join(root, 'mail');
  return {
    root,
    dataDir,
    mailDir,
    env: { ...cleanEnv(), LATCHKEY_DATA_DIR: dataDir, LATCHKEY_MAIL_DIR: mailDir, LATCHKEY_LOG_LEVEL: 'warn', ...extra },
    remove: () => rm(root, { recursive: true, force: true }),
  };
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (fails the test with the output when it is not JSON). */
  json<T = any>(): T;
  /** stderr parsed as JSON (errors under --json). */
  errorJson(): { error: string; error_description: string };
}

function parseJson(text: string, what: string): any {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${what} is not JSON:\n${text}`);
  }
}

/** Runs `latchkey ...args` to completion; `input` is written to its stdin (then closed). */
export function latchkey(args: string[], options: { env: Env; input?: string; timeoutMs?: number }): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(LATCHKEY_BIN, args, { env: options.env as NodeJS.ProcessEnv, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`latchkey ${args.join(' ')} did not finish in time.\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, options.timeoutMs ?? 45_000);
    child.on('error', reject);
    child.stdin.on('error', () => {}); // a command that exits without reading stdin
    child.stdin.end(options.input ?? '');
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code,
        signal,
        stdout,
        stderr,
        json: () => parseJson(stdout, `stdout of latchkey ${args.join(' ')}`),
        errorJson: () => parseJson(stderr, `stderr of latchkey ${args.join(' ')}`),
      });
    });
  });
}

/** A TCP port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface ServerProcess {
  child: ChildProcess;
  pid: number;
  url: string;
  output(): { stdout: string; stderr: string };
  /** Resolves with the exit code (or signal) once the process has ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends SIGTERM (or signal) and waits for the exit; returns it with the time it took. */
  terminate(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null; millis: number }>;
  /** SIGKILL if still running (cleanup after a failed test). */
  kill(): void;
}

/** Spawns `latchkey start` on env.PORT and waits until /readyz answers 200 (or the process dies). */
export async function startServer(env: Env, timeoutMs = 60_000): Promise<ServerProcess> {
  const port = env.PORT;
  if (!port) throw new Error('startServer needs PORT in env');
  const child = spawn(LATCHKEY_BIN, ['start'], { env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  let ended = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      ended = true;
      resolve({ code, signal });
    });
  });
  const url = `http://127.0.0.1:${port}`;
  const server: ServerProcess = {
    child,
    pid: child.pid!,
    url,
    output: () => ({ stdout, stderr }),
    exited,
    async terminate(signal = 'SIGTERM') {
      const started = Date.now();
      if (!ended) child.kill(signal);
      const result = await exited;
      return { ...result, millis: Date.now() - started };
    },
    kill() {
      if (!ended) child.kill('SIGKILL');
    },
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (ended) {
      const { code, signal } = await exited;
      throw new Error(`latchkey start exited (code ${code}, signal ${signal}) before it was ready.\nstdout: ${stdout}\nstderr: ${stderr}`);
    }
    try {
      const response = await fetch(`${url}/readyz`);
      if (response.status === 200) return server;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      server.kill();
      throw new Error(`latchkey start was not ready within ${timeoutMs} ms.\nstdout: ${stdout}\nstderr: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** Polls check() until it returns a truthy value or the time runs out. */
export async function eventually<T>(check: () => Promise<T | undefined | false>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not hold within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A client_credentials request with HTTP Basic authentication; returns status and body. */
export async function clientCredentials(issuer: string, clientId: string, clientSecret: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials' }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** The kids of the served JWKS. */
export async function jwksKids(issuer: string): Promise<string[]> {
  const response = await fetch(`${issuer}/jwks`);
  const body = (await response.json()) as { keys: { kid: string }[] };
  return body.keys.map((k) => k.kid).sort();
}

export { createEmptyPostgresDatabase, type EmptyPostgresDatabase } from '../support/databases.js';

/** Asserts a refused command: the exit code, a `latchkey: ` message matching `message`, no stack trace, nothing on stdout. */
export function expectRefusal(result: CliResult, code: 1 | 2, message: RegExp): void {
  expect({ code: result.code, stderr: result.stderr }).toEqual({ code, stderr: expect.stringMatching(message) });
  expect(result.stderr).toMatch(/^latchkey: /);
  expect(result.stderr).not.toMatch(STACK_TRACE);
  expect(result.stdout).toBe('');
}

/** Asserts a refused --json command: the exit code and one JSON error object on stderr. */
export function expectJsonRefusal(result: CliResult, code: 1 | 2, error: string, message: RegExp): void {
  expect(result.code).toBe(code);
  expect(result.stdout).toBe('');
  expect(result.errorJson()).toEqual({ error, error_description: expect.stringMatching(message) });
}

/** Asserts a successful command: exit 0 and nothing on stderr. */
export function expectSuccess(result: CliResult): void {
  expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
}
