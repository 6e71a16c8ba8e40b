// Latchkey's benchmark (`npm run bench`; see the README's "Benchmarks" section). One run measures Latchkey
// and a baseline side by side on this machine and prints their ratios:
//   - full password logins/s against raw Argon2id verifications/s (same parameters, same concurrency);
//   - client-credentials and refresh-token grants/s against a bare oidc-provider with its in-memory adapter;
//   - the peak resident memory of the Latchkey server process under that load.
// Everything runs on loopback, for a bounded time, and temporary files and databases are removed at the end.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Algorithm, hash, verify } from '@node-rs/argon2';
import { clientCredentialsGrant, discover, passwordLogin, refreshTokenGrant, REDIRECT_URI, type ClientCredentials, type Credentials } from './flows.js';
import { HttpClient } from './http.js';
import { compare, watchMemory, type LoadResult } from './load.js';
import { formatDetails, formatTable, type Row } from './report.js';
import { createScratchDatabase, projectRoot, startBareProvider, startLatchkey, stopAllServers } from './servers.js';

const usage = `Usage: npm run bench -- [options]

  --seconds N          measured time of each operation (default 10)
  --rounds N           A-B-B-A rounds each measurement is split into (default 2: four windows)
  --warmup N           warm-up of each operation before its measurement, not counted (default 2)
  --concurrency N      parallel clients, each with its own account (default 2 x CPU cores)
  --database-url URL   run Latchkey on this PostgreSQL server (a scratch database is created on it and
                       dropped afterwards; needs CREATEDB). Default: env BENCH_DATABASE_URL, else embedded PGlite
  --log-level LEVEL    Latchkey's LATCHKEY_LOG_LEVEL during the run (default info, as in production)
  --only LIST          run only these measurements: login, refresh, client_credentials (comma-separated)
  --node-options=OPTS  NODE_OPTIONS for the Latchkey server process (e.g. --node-options=--max-semi-space-size=16)
  --cpu-prof DIR       write a V8 CPU profile of the Latchkey server process into DIR (on exit)`;

// Latchkey's defaults (src/config/index.ts): the OWASP Argon2id parameters and the token lifetimes.
const ARGON2 = { algorithm: Algorithm.Argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 };
const TTL = { accessToken: 600, idToken: 3600, refreshToken: 30 * 86400 };
const OFFLINE_SCOPE = 'openid email profile offline_access';

/** A bad command line: reported with the usage text, without a stack trace. */
class UsageError extends Error {}

const MEASUREMENTS = ['login', 'refresh', 'client_credentials'] as const;
type Measurement = (typeof MEASUREMENTS)[number];

interface Options {
  seconds: number;
  rounds: number;
  warmup: number;
  concurrency: number;
  databaseUrl: string | undefined;
  logLevel: string;
  cpuProfDir: string | undefined;
  nodeOptions: string | undefined;
  only: Measurement[];
}

function parseOptions(): Options {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        seconds: { type: 'string' }, rounds: { type: 'string' }, warmup: { type: 'string' }, concurrency: { type: 'string' },
        'database-url': { type: 'string' }, 'log-level': { type: 'string' }, only: { type: 'string' },
        'node-options': { type: 'string' }, 'cpu-prof': { type: 'string' }, help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values } = parsed;
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  const number = (name: string, raw: string | undefined, fallback: number, min: number, max: number) => {
    const n = raw === undefined ? fallback : Number(raw);
    if (!Number.isFinite(n) || n < min || n > max) throw new UsageError(`--${name} must be a number from ${min} to ${max}`);
    return n;
  };
  const databaseUrl = values['database-url'] ?? (process.env.BENCH_DATABASE_URL || undefined);
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) throw new UsageError('--database-url must start with postgres:// or postgresql://');
  return {
    seconds: number('seconds', values.seconds, 10, 1, 600),
    rounds: Math.round(number('rounds', values.rounds, 2, 1, 50)),
    warmup: number('warmup', values.warmup, 2, 0, 60),
    concurrency: Math.round(number('concurrency', values.concurrency, 2 * os.availableParallelism(), 1, 1024)),
    databaseUrl,
    logLevel: values['log-level'] ?? 'info',
    cpuProfDir: values['cpu-prof'] ? path.resolve(values['cpu-prof']) : undefined,
    nodeOptions: values['node-options'],
    only: values.only ? parseOnly(values.only) : [...MEASUREMENTS],
  };
}

function parseOnly(raw: string): Measurement[] {
  const names = raw.split(',').map((s) => s.trim());
  for (const name of names) {
    if (!(MEASUREMENTS as readonly string[]).includes(name)) throw new UsageError(`--only takes ${MEASUREMENTS.join(', ')} (comma-separated), not ${name}`);
  }
  return names as Measurement[];
}

const log = (line: string) => process.stderr.write(`${line}\n`);

async function main(): Promise<void> {
  const options = parseOptions();
  const load = { concurrency: options.concurrency, seconds: options.seconds, rounds: options.rounds, warmupSeconds: options.warmup };
  const providerVersion = (JSON.parse(await readFile(path.join(projectRoot, 'node_modules/oidc-provider/package.json'), 'utf8')) as { version: string }).version;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'latchkey-bench-'));
  let dropDatabase: (() => Promise<void>) | undefined;
  const http = new HttpClient(options.concurrency);
  let latchkeyLogTail: (() => string) | undefined;
  let stopping = false;

  const cleanup = async () => {
    http.close();
    await stopAllServers();
    await dropDatabase?.().catch((err) => log(`could not drop the scratch database: ${(err as Error).message}`));
    dropDatabase = undefined;
    await rm(dir, { recursive: true, force: true });
  };
  const interrupted = () => {
    stopping = true; // the requests in flight now fail: no error report for those
    log('Interrupted: stopping the servers and removing the temporary files ...');
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);

  try {
    let databaseUrl: string | undefined;
    let databaseLabel = 'embedded PGlite';
    if (options.databaseUrl) {
      const scratch = await createScratchDatabase(options.databaseUrl);
      dropDatabase = scratch.drop;
      databaseUrl = scratch.url;
      const u = new URL(options.databaseUrl);
      databaseLabel = `PostgreSQL server ${u.hostname}:${u.port || 5432}`;
    }
    const loadBefore = os.loadavg()[0]!;
    if (loadBefore > os.availableParallelism() / 2) {
      log(`Warning: load average ${loadBefore.toFixed(1)} on ${os.availableParallelism()} CPUs. Other processes compete for the CPU and skew the ratios; run on an idle machine.`);
    }

    log(`Starting Latchkey (${databaseLabel}) ...`);
    const latchkey = await startLatchkey({ dir, databaseUrl, logLevel: options.logLevel, cpuProfDir: options.cpuProfDir, nodeOptions: options.nodeOptions });
    latchkeyLogTail = latchkey.logTail;

    log('Provisioning clients and accounts with the latchkey CLI ...');
    const webOut = await latchkey.cli(['clients', 'create', '--name', 'Bench Shop', '--type', 'web', '--first-party', '--redirect-uri', REDIRECT_URI]);
    const web: ClientCredentials = { clientId: String(webOut.client_id), clientSecret: String(webOut.client_secret) };
    const serviceOut = await latchkey.cli(['clients', 'create', '--name', 'Bench Service', '--type', 'service']);
    const service: ClientCredentials = { clientId: String(serviceOut.client_id), clientSecret: String(serviceOut.client_secret) };
    // One account per worker: a person does not log in several times at the same instant.
    // One at a time: concurrent CLI commands against a running embedded server can fail to connect.
    const users: Credentials[] = Array.from({ length: options.concurrency }, (_, i) => ({ email: `bench-${i}@example.com`, password: randomBytes(15).toString('base64url') }));
    for (const [i, u] of users.entries()) {
      await latchkey.cli(['users', 'create', '--email', u.email, '--name', `Bench User ${i}`, '--verified', '--password-stdin'], u.password);
    }
    const endpoints = await discover(http, latchkey.issuer);
    await passwordLogin(http, endpoints, web, users[0]!); // fails fast, with the reason, if the flow is broken

    log('Starting the bare oidc-provider ...');
    const bareWeb = { clientId: 'bench-web', clientSecret: randomBytes(32).toString('base64url') };
    const bareService = { clientId: 'bench-service', clientSecret: randomBytes(32).toString('base64url') };
    const bare = await startBareProvider({
      web: { ...bareWeb, redirectUri: REDIRECT_URI },
      service: bareService,
      refreshTokens: options.concurrency,
      scope: OFFLINE_SCOPE,
      ttl: TTL,
    });
    const bareEndpoints = await discover(http, bare.issuer);

    const memory = watchMemory(latchkey.pid);
    const bareMemory = watchMemory(bare.pid);
    const password = randomBytes(15).toString('base64url');
    const stored = await hash(password, ARGON2);

    const rows: Row[] = [];
    const details: [string, LoadResult][] = [];
    const wanted = (m: Measurement) => options.only.includes(m);

    if (wanted('login')) {
      log(`Measuring password logins and raw Argon2id verifications (${load.concurrency} at a time) ...`);
      const [logins, argon2] = await compare(load,
        (w) => passwordLogin(http, endpoints, web, users[w]!).then(() => undefined),
        async () => {
          if (!(await verify(stored, password))) throw new Error('Argon2id verification failed');
        },
        { a: latchkey.pid, b: process.pid });
      rows.push({ label: 'password logins/s (full flow)', latchkey: logins.rate, baselineLabel: 'raw Argon2id verifies/s', baseline: argon2.rate, target: { kind: '>=', value: 0.8 } });
      details.push(['Latchkey password login', logins], ['raw Argon2id verify (bench process)', argon2]);
    }

    if (wanted('refresh')) {
      // Refresh before client credentials: the bare provider's in-memory adapter is an LRU cache of 1000
      // entries, and a flood of client-credentials tokens would evict its grants.
      log('Measuring refresh_token grants, Latchkey and the bare oidc-provider ...');
      const refreshTokens = await Promise.all(users.map(async (u) => (await passwordLogin(http, endpoints, web, u, OFFLINE_SCOPE)).refresh_token!));
      const bareTokens = [...bare.refreshTokens];
      const [refresh, bareRefresh] = await compare(load,
        async (w) => {
          refreshTokens[w] = await refreshTokenGrant(http, endpoints, web, refreshTokens[w]!);
        },
        async (w) => {
          bareTokens[w] = await refreshTokenGrant(http, bareEndpoints, bareWeb, bareTokens[w]!);
        },
        { a: latchkey.pid, b: bare.pid });
      rows.push({ label: 'refresh_token grants/s', latchkey: refresh.rate, baselineLabel: 'bare oidc-provider', baseline: bareRefresh.rate });
      details.push(['Latchkey refresh_token', refresh], ['bare refresh_token', bareRefresh]);
    }

    if (wanted('client_credentials')) {
      log('Measuring client_credentials grants, Latchkey and the bare oidc-provider ...');
      const [cc, bareCc] = await compare(load,
        () => clientCredentialsGrant(http, endpoints, service).then(() => undefined),
        () => clientCredentialsGrant(http, bareEndpoints, bareService).then(() => undefined),
        { a: latchkey.pid, b: bare.pid });
      rows.splice(wanted('login') ? 1 : 0, 0, { label: 'client_credentials grants/s', latchkey: cc.rate, baselineLabel: 'bare oidc-provider', baseline: bareCc.rate, target: { kind: '>=', value: 0.5 } });
      details.push(['Latchkey client_credentials', cc], ['bare client_credentials', bareCc]);
    }

    const rss = { peak: memory.peakRssMiB(), hwm: memory.highWaterMarkMiB() };
    const bareRss = { peak: bareMemory.peakRssMiB(), hwm: bareMemory.highWaterMarkMiB() };
    memory.stop();
    bareMemory.stop();
    await Promise.all([latchkey.stop(), bare.stop()]);

    const cpus = os.cpus();
    process.stdout.write([
      '',
      `Latchkey benchmark: ${databaseLabel}; ${os.availableParallelism()} CPUs (${cpus[0]?.model.trim() ?? 'unknown'}); concurrency ${load.concurrency};`,
      `${load.seconds} s per measurement in ${load.rounds * 2} alternating windows after ${load.warmupSeconds} s warm-up; Node ${process.version};`,
      `oidc-provider ${providerVersion}; Latchkey log level ${options.logLevel}${options.nodeOptions ? `, NODE_OPTIONS ${options.nodeOptions}` : ''}; load average ${loadBefore.toFixed(1)} before, ${os.loadavg()[0]!.toFixed(1)} after`,
      '',
      formatTable([
        ...rows,
        { label: 'server peak RSS under load (MiB)', latchkey: rss.peak, baselineLabel: 'bare oidc-provider', baseline: bareRss.peak, target: { kind: '<', value: 300, unit: ' MiB' } },
      ]),
      '',
      formatDetails(details),
      '',
      `Server memory high-water mark (VmHWM, whole life including startup): Latchkey ${rss.hwm.toFixed(0)} MiB, bare oidc-provider ${bareRss.hwm.toFixed(0)} MiB.`,
      'CPU ms/op: CPU time (all threads) of the Latchkey or bare server process per operation; for Argon2id, of this process.',
      ...(databaseUrl ? ['The PostgreSQL server\'s own CPU time and memory are not included in the Latchkey figures.'] : []),
      '',
    ].join('\n'));
    const errors = details.reduce((n, [, r]) => n + r.errors, 0);
    if (errors > 0) {
      log(`${errors} operation(s) failed during the run; the numbers above are not trustworthy.`);
      process.exitCode = 1;
    }
  } catch (err) {
    if (stopping) return;
    const tail = latchkeyLogTail?.();
    if (tail) log(`Latchkey's last log lines:\n${tail}`);
    throw err;
  } finally {
    await cleanup();
  }
}

main().catch((err) => {
  if (err instanceof UsageError) {
    log(`bench: ${err.message}\n\n${usage}`);
    process.exitCode = 2;
    return;
  }
  log(`bench failed: ${(err as Error).stack ?? String(err)}`);
  process.exitCode = 1;
});
