// Legacy import benchmark (issue 4): rows/s of `legacy import` on a generated file, against a baseline
// measured in the same run (reading and parsing the same file's records without touching the database),
// and the peak resident memory during the import (it must stay flat: the import streams).
// Run: npm run build && node dist/bench/legacy-import.js [--rows 100000] [--database-url postgres://...]
import { mkdtemp, rm, writeFile, open } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { migrate, openDatabase } from '../src/db/index.js';
import { createAuditLog } from '../src/services/audit/index.js';
import { createLegacyImport } from '../src/services/legacy/import/index.js';
import { readRecords } from '../src/services/legacy/import/records.js';
import { LEGACY_CSV_COLUMNS, parseLegacyRecord } from '../src/services/legacy/import/rows.js';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '100000' }, 'database-url': { type: 'string' } } });
const rows = Number(values.rows);
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

async function scratchPostgres(url: string) {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  const name = `latchkey_bench_${randomBytes(4).toString('hex')}`;
  await admin.query(`CREATE DATABASE ${name}`);
  const scratch = new URL(url);
  scratch.pathname = `/${name}`;
  return { url: scratch.toString(), drop: async () => { await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`); await admin.end(); } };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lk-bench-import-'));
  const scratch = databaseUrl ? await scratchPostgres(databaseUrl) : undefined;
  try {
    const file = path.join(dir, 'users.ndjson');
    await generate(file, rows);
    const baseline = await parseOnly(file);
    const opened = await openDatabase({ databaseUrl: scratch?.url, dataDir: path.join(dir, 'data'), role: 'cli' });
    try {
      await migrate(opened.db);
      const importer = createLegacyImport({ db: opened.db, audit: createAuditLog(opened.db), sourcePrecedence: ['customer-center', 'eshop', 'mobile'] });
      const rssBefore = process.memoryUsage().rss;
      let peak = rssBefore;
      const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 50);
      const started = performance.now();
      const summary = await importer.importFile({ file, source: 'eshop' });
      const seconds = (performance.now() - started) / 1000;
      clearInterval(sampler);
      const rate = summary.inserted / seconds;
      const mib = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MiB`;
      const report = [
        `legacy import of ${rows.toLocaleString('en')} generated rows into ${opened.description}`,
        `  baseline (stream + validate, no database): ${Math.round(baseline).toLocaleString('en')} rows/s`,
        `  import:                                     ${Math.round(rate).toLocaleString('en')} rows/s (${(rate / baseline * 100).toFixed(1)} % of baseline, ${seconds.toFixed(1)} s)`,
        `  resident memory: ${mib(rssBefore)} before, peak ${mib(peak)} during the import`,
      ];
      await writeFile(path.join(dir, 'report.txt'), report.join('\n'));
      process.stdout.write(`${report.join('\n')}\n`);
    } finally {
      await opened.close();
    }
  } finally {
    await scratch?.drop();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exitCode = 1;
});
