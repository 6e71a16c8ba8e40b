// First sign-in benchmark (issue 4): the latency of services.accounts.authenticate for an account that still has
// three legacy hashes (bcrypt cost 10, Django pbkdf2_sha256 at Django's default iteration count, salted MD5) and
// no Latchkey password, i.e. the first sign-in that verifies all three, stores the Argon2id hash and drops them,
// against the baseline measured in the same run: a locked-in sign-in (one Argon2id verification) of the same
// accounts. The two are interleaved account by account (first sign-in of account i, then the locked-in sign-in
// of account i), so background load weighs on both alike. Also shown, for the "same time for everyone" rule:
// a wrong password for an account with three legacy hashes, and an unknown email, and each hash alone.
// Run: npm run build && node dist/bench/first-sign-in.js [--accounts 30] [--pbkdf2-iterations 1000000] [--database-url postgres://...]
import { hashSync } from '@node-rs/bcrypt';
import { createHash, pbkdf2Sync, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createLatchkey } from '../src/app.js';
import { loadConfig } from '../src/config/index.js';
import { createLogger } from '../src/log/logger.js';
import { verifyLegacyHash, type LegacyHashInput } from '../src/services/legacy/hashes/index.js';
import { createScratchDatabase } from './servers.js';

const usage = `Usage: node dist/bench/first-sign-in.js [options]

  --accounts N            accounts measured (each signs in once for the first time, then once locked in; default 30)
  --pbkdf2-iterations N   Django pbkdf2_sha256 iterations of the customer-center hashes (default 1000000, Django 5.2 LTS)
  --bcrypt-cost N         bcrypt cost of the e-shop hashes (default 10)
  --database-url URL      run on this PostgreSQL server (a scratch database is created and dropped; needs CREATEDB).
                          Default: env BENCH_DATABASE_URL, else embedded PGlite`;

class UsageError extends Error {}

function options() {
  let values;
  try {
    ({ values } = parseArgs({ options: { accounts: { type: 'string' }, 'pbkdf2-iterations': { type: 'string' }, 'bcrypt-cost': { type: 'string' }, 'database-url': { type: 'string' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  const int = (name: string, raw: string | undefined, fallback: number, min: number, max: number) => {
    const n = raw === undefined ? fallback : Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}`);
    return n;
  };
  const databaseUrl = values['database-url'] ?? (process.env.BENCH_DATABASE_URL || undefined);
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) throw new UsageError('--database-url must start with postgres:// or postgresql://');
  return {
    accounts: int('accounts', values.accounts, 30, 3, 10_000),
    pbkdf2Iterations: int('pbkdf2-iterations', values['pbkdf2-iterations'], 1_000_000, 1000, 10_000_000),
    bcryptCost: int('bcrypt-cost', values['bcrypt-cost'], 10, 4, 16),
    databaseUrl,
  };
}

const SOURCES = ['customer-center', 'eshop', 'mobile'] as const;
type Source = (typeof SOURCES)[number];

const HASH_LABELS: Record<Source, (o: ReturnType<typeof options>) => string> = {
  'customer-center': (o) => `pbkdf2_sha256 x ${o.pbkdf2Iterations.toLocaleString('en')}`,
  eshop: (o) => `bcrypt cost ${o.bcryptCost}`,
  mobile: () => 'salted MD5',
};

/** The legacy hash fields of one password, in the format each source used. */
function hashFields(source: Source, password: string, o: ReturnType<typeof options>): Record<string, string> {
  if (source === 'eshop') return { password_hash: hashSync(password, { cost: o.bcryptCost }) };
  if (source === 'customer-center') {
    const salt = randomBytes(16).toString('base64url').slice(0, 22);
    return { password_hash: `pbkdf2_sha256$${o.pbkdf2Iterations}$${salt}$${pbkdf2Sync(password, salt, o.pbkdf2Iterations, 32, 'sha256').toString('base64')}` };
  }
  const salt = randomBytes(8).toString('hex');
  return { password_hash: createHash('md5').update(salt + password).digest('hex'), hash_scheme: 'md5', salt, salt_position: 'prefix' };
}

/** Median and 95th percentile of a list of milliseconds. */
function stats(ms: number[]) {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  return { p50: at(0.5), p95: at(0.95), n: sorted.length };
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

const log = (line: string) => process.stderr.write(`${line}\n`);

async function main(): Promise<void> {
  const o = options();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lk-bench-first-sign-in-'));
  const scratch = o.databaseUrl ? await createScratchDatabase(o.databaseUrl) : undefined;
  try {
    const config = loadConfig({ LATCHKEY_DATA_DIR: path.join(dir, 'data'), LATCHKEY_MAIL_DIR: path.join(dir, 'mail'), LATCHKEY_PURGE_INTERVAL: '0' }, {
      databaseUrl: scratch?.url,
      cookieKeys: [randomBytes(32).toString('base64url')],
      keyEncryptionKey: randomBytes(32),
    });
    const latchkey = await createLatchkey({ config, role: 'cli', logger: createLogger('warn') });
    try {
      const { accounts, legacyImport } = latchkey.services;
      log(`Generating ${o.accounts} people with three legacy hashes (bcrypt cost ${o.bcryptCost}, pbkdf2_sha256 x ${o.pbkdf2Iterations.toLocaleString('en')}, salted MD5) ...`);
      const people = Array.from({ length: o.accounts }, (_, i) => ({
        email: `first-${i}@example.com`,
        passwords: Object.fromEntries(SOURCES.map((s) => [s, `${s} ${randomBytes(9).toString('base64url')}`])) as Record<Source, string>,
      }));
      const samples: Record<Source, LegacyHashInput> = { 'customer-center': { hash: '' }, eshop: { hash: '' }, mobile: { hash: '' } };
      for (const source of SOURCES) {
        const lines = people.map((p, i) => {
          const fields = hashFields(source, p.passwords[source], o);
          if (i === 0) samples[source] = { hash: fields.password_hash!, scheme: fields.hash_scheme, salt: fields.salt, saltPosition: fields.salt_position as 'prefix' | undefined };
          return JSON.stringify({ legacy_id: `${source}-${i}`, email: p.email, ...fields });
        });
        const file = path.join(dir, `${source}.ndjson`);
        await writeFile(file, `${lines.join('\n')}\n`);
        // Imported as verified sources, so any of the three passwords completes the sign-in (no mailbox proof).
        const summary = await legacyImport.importFile({ file, source, emailsVerified: true });
        if (summary.inserted !== o.accounts) throw new Error(`the ${source} import took ${summary.inserted} of ${o.accounts} rows`);
      }

      // Warm-up (JIT, connection, worker threads): one account outside the measurement.
      const warm = people.pop()!;
      await accounts.authenticate(warm.email, 'not the password');
      if (!(await accounts.authenticate(warm.email, warm.passwords.mobile)).account) throw new Error('the warm-up first sign-in failed');
      await accounts.authenticate(warm.email, warm.passwords.mobile);

      log(`Measuring ${people.length} first sign-ins and locked-in sign-ins, interleaved ...`);
      const first: number[] = [];
      const locked: number[] = [];
      const wrong: number[] = [];
      const unknown: number[] = [];
      for (const [i, p] of people.entries()) {
        // Each account signs in first with a different source's password (the work is the same: all are checked).
        const password = p.passwords[SOURCES[i % 3]!];
        wrong.push(await timed(async () => {
          if ((await accounts.authenticate(p.email, `wrong ${password}`)).account) throw new Error('a wrong password signed in');
        }));
        unknown.push(await timed(async () => {
          if ((await accounts.authenticate(`nobody-${i}@example.com`, password)).account) throw new Error('an unknown email signed in');
        }));
        first.push(await timed(async () => {
          if (!(await accounts.authenticate(p.email, password)).account) throw new Error(`first sign-in of ${p.email} failed`);
        }));
        locked.push(await timed(async () => {
          if (!(await accounts.authenticate(p.email, password)).account) throw new Error(`locked-in sign-in of ${p.email} failed`);
        }));
      }
      log('Measuring each legacy hash alone ...');
      const alone: [string, number[]][] = [];
      for (const source of SOURCES) {
        const ms: number[] = [];
        for (let i = 0; i < 10; i++) ms.push(await timed(() => verifyLegacyHash(samples[source], 'a wrong password')));
        alone.push([`one ${HASH_LABELS[source](o)} verify (${source})`, ms]);
      }

      const f = stats(first);
      const l = stats(locked);
      const pad = (s: string) => s.padEnd(58);
      const row = (label: string, ms: number[]) => {
        const s = stats(ms);
        return `  ${pad(label)} ${s.p50.toFixed(1).padStart(8)} ${s.p95.toFixed(1).padStart(8)} ${String(s.n).padStart(5)}`;
      };
      process.stdout.write([
        '',
        `First sign-in latency: ${latchkey.config.databaseUrl ? 'PostgreSQL server' : 'embedded PGlite'}; ${os.availableParallelism()} CPUs (${os.cpus()[0]?.model.trim() ?? 'unknown'}); Node ${process.version};`,
        `Argon2id m=${latchkey.config.passwordHashing.memoryCost} t=${latchkey.config.passwordHashing.timeCost} p=${latchkey.config.passwordHashing.parallelism}; one sign-in at a time through services.accounts.authenticate; load average ${os.loadavg()[0]!.toFixed(1)}`,
        '',
        `  ${pad('operation')} ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)} ${'count'.padStart(5)}`,
        row('first sign-in (3 legacy hashes -> Argon2id lock-in)', first),
        row('locked-in sign-in (baseline: one Argon2id verify)', locked),
        row('wrong password, account with 3 legacy hashes', wrong),
        row('unknown email (padded to a failed legacy check)', unknown),
        ...alone.map(([label, ms]) => row(label, ms)),
        '',
        `  first sign-in / locked-in sign-in: ${(f.p50 / l.p50).toFixed(2)} x at the median, ${(f.p95 / l.p95).toFixed(2)} x at p95`,
        `  unknown email / wrong password of an imported account: ${(stats(unknown).p50 / stats(wrong).p50).toFixed(2)} x at the median (1.00 = the time tells nothing)`,
        '',
      ].join('\n'));
    } finally {
      await latchkey.close();
    }
  } finally {
    await scratch?.drop();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  if (err instanceof UsageError) {
    log(`first-sign-in bench: ${err.message}\n\n${usage}`);
    process.exitCode = 2;
    return;
  }
  log(`first-sign-in bench failed: ${(err as Error).stack ?? String(err)}`);
  process.exitCode = 1;
});
