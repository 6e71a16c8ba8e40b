// Legacy import benchmark (issue 4): rows/s of `latchkey legacy import` on a generated file, against a
// baseline measured in the same run (reading and checking the same file's records in this process, without a
// database), and the peak resident memory of the import process (it must stay flat: the import streams).
// The import runs as the real CLI in its own process (bin/latchkey, after `latchkey migrate`), so its memory
// is the import's alone; its time includes the CLI's start (well under a second).
// Run: npm run build && node dist/bench/legacy-import.js [--rows 100000] [--database-url postgres://...] [--node-options=OPTS]
import { spawn } from 'node:child_process';
import { mkdtemp, rm, open } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { readRecords } from '../src/services/legacy/import/records.js';
import { LEGACY_CSV_COLUMNS, parseLegacyRecord } from '../src/services/legacy/import/rows.js';
import { watchMemory } from './load.js';
import { createScratchDatabase, projectRoot } from './servers.js';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '100000' }, 'database-url': { type: 'string' }, 'node-options': { type: 'string' } } });
const rows = Number(values.rows);
if (!Number.isSafeInteger(rows) || rows < 1) {
  process.stderr.write(`legacy-import bench: --rows must be a positive whole number, not ${JSON.stringify(values.rows)}\n`);
  process.exit(2);
}
const databaseUrl = values['database-url'] ?? process.env.BENCH_DATABASE_URL;

/** Writes rows generated users in the legacy NDJSON format (bcrypt, salted MD5 and no-password rows). */
async function generate(file: string, n: number): Promise<void> {
  const handle = await open(file, 'w');
  const hashes = [
    { password_hash: '$2b$04$yczCWoiP.L8bTobYKWswR.T0yqexnOxbzwdglLXdiAspO1rYJT3Cm' },
    { password_hash: '4367ca4c5769b877bb7cc7cf5ee9e520', hash_scheme: 'md5', salt: 'mSalt', salt_position: 'prefix' },
    {},
  ];
  let chunk = '';
  for (let i = 1; i <= n; i++) {
    chunk += `${JSON.stringify({ legacy_id: i, email: `user${i}@example.com`, name: `User Number ${i}`, phone: `+420 600 ${String(i).padStart(6, '0')}`, locale: 'cs', ...hashes[i % 3], last_login_at: '2024-01-02T03:04:05Z' })}\n`;
    if (chunk.length > 1 << 20) {
      await handle.write(chunk);
      chunk = '';
    }
  }
  await handle.write(chunk);
  await handle.close();
}

/** The baseline: stream and validate every record, no database. */
async function parseOnly(file: string): Promise<number> {
  const started = performance.now();
  let valid = 0;
  for await (const item of readRecords(file, 'ndjson', LEGACY_CSV_COLUMNS, { bytesRead: 0 })) {
    if ('record' in item && parseLegacyRecord(item.record).ok) valid += 1;
  }
  if (valid !== rows) throw new Error(`baseline parsed ${valid} of ${rows} rows`);
  return rows / ((performance.now() - started) / 1000);
}

/** Runs the latchkey CLI with env; resolves with its stdout, its peak RSS (MiB) and its wall time (s). */
async function latchkey(args: string[], env: NodeJS.ProcessEnv): Promise<{ out: string; peakMiB: number; seconds: number }> {
  const started = performance.now();
  const child = spawn(path.join(projectRoot, 'bin', 'latchkey'), args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const memory = watchMemory(child.pid!, 50);
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  const seconds = (performance.now() - started) / 1000;
  const peakMiB = Math.max(memory.peakRssMiB(), memory.highWaterMarkMiB());
  memory.stop();
  if (code !== 0) throw new Error(`latchkey ${args.slice(0, 2).join(' ')} failed (exit ${code}): ${err.trim().slice(-2000)}`);
  return { out, peakMiB, seconds };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lk-bench-import-'));
  const scratch = databaseUrl ? await createScratchDatabase(databaseUrl) : undefined;
  try {
    const file = path.join(dir, 'users.ndjson');
    await generate(file, rows);
    const baseline = await parseOnly(file);
    const env: NodeJS.ProcessEnv = {};
    for (const [key, value] of Object.entries(process.env)) {
      if (!key.startsWith('LATCHKEY_') && !['DATABASE_URL', 'NODE_OPTIONS'].includes(key)) env[key] = value;
    }
    Object.assign(env, {
      LATCHKEY_DATA_DIR: path.join(dir, 'data'),
      LATCHKEY_MAIL_DIR: path.join(dir, 'mail'),
      LATCHKEY_LOG_LEVEL: 'warn',
      LATCHKEY_COOKIE_KEYS: randomBytes(32).toString('base64url'),
      LATCHKEY_KEY_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      ...(scratch ? { DATABASE_URL: scratch.url } : {}),
      ...(values['node-options'] ? { NODE_OPTIONS: values['node-options'] } : {}),
    });
    await latchkey(['migrate'], env); // creating the database is not part of the import
    const run = await latchkey(['legacy', 'import', '--source', 'eshop', '--json', file], env);
    const summary = JSON.parse(run.out) as { inserted: number; rejected: number };
    if (summary.inserted !== rows || summary.rejected !== 0) throw new Error(`the import took ${summary.inserted} of ${rows} rows (${summary.rejected} rejected)`);
    const rate = summary.inserted / run.seconds;
    const report = [
      `legacy import of ${rows.toLocaleString('en')} generated rows into ${scratch ? 'a PostgreSQL server' : 'embedded PGlite'}; ${os.availableParallelism()} CPUs; load average ${os.loadavg()[0]!.toFixed(1)}`,
      `  baseline (stream + validate, no database): ${Math.round(baseline).toLocaleString('en')} rows/s`,
      `  latchkey legacy import:                     ${Math.round(rate).toLocaleString('en')} rows/s (${(rate / baseline * 100).toFixed(1)} % of baseline, ${run.seconds.toFixed(1)} s)`,
      `  peak resident memory of the import process: ${run.peakMiB.toFixed(0)} MiB`,
    ];
    process.stdout.write(`${report.join('\n')}\n`);
  } finally {
    await scratch?.drop();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exitCode = 1;
});
