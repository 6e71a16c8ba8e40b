// `latchkey legacy import` and `latchkey customers import` as real processes: importing while the server
// holds the embedded database, malformed files giving per-line rejects while good rows import, usage
// mistakes refused before anything is opened, and an import killed half-way (PostgreSQL) that, re-run,
// ends in the same state as an import that never crashed.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import {
  createEmptyPostgresDatabase, createSandbox, eventually, expectJsonRefusal, expectRefusal, expectSuccess, freePort, LATCHKEY_BIN, latchkey,
  startServer, type EmptyPostgresDatabase, type Env, type Sandbox, type ServerProcess,
} from './helpers.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/legacy-import/', import.meta.url));

describe('latchkey legacy import and customers import while the server runs (embedded database)', () => {
  let sandbox: Sandbox;
  let server: ServerProcess;
  const run = (args: string[]) => latchkey(args, { env: sandbox.env, timeoutMs: 90_000 });
  const file = (name: string) => path.join(sandbox.root, name);

  beforeAll(async () => {
    const port = await freePort();
    sandbox = await createSandbox({ PORT: String(port), LATCHKEY_ISSUER: `http://127.0.0.1:${port}` });
    for (const f of ['eshop.ndjson', 'customer-center.csv', 'mobile.ndjson', 'wrong-header.csv', 'customers.csv']) await copyFile(path.join(FIXTURES, f), file(f));
    server = await startServer(sandbox.env);
  }, 120_000);
  afterAll(async () => {
    server?.kill();
    await server?.exited;
    await sandbox?.remove();
  });

  it('imports good rows and writes a rejects file naming each bad line (broken JSON, no email, unknown hash)', async () => {
    const result = await run(['legacy', 'import', '--source', 'eshop', '--json', file('eshop.ndjson')]);
    expectSuccess(result);
    expect(result.json()).toMatchObject({ source: 'eshop', format: 'ndjson', inserted: 3, rejected: 5, rejectsFile: file('eshop.ndjson.rejects.ndjson') });
    const rejects = (await readFile(file('eshop.ndjson.rejects.ndjson'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(rejects.map((r) => [r.line, r.reason])).toEqual([
      [3, expect.stringMatching(/^not valid JSON/)],
      [4, 'email is missing'],
      [5, 'password_hash: unsupported hash format: md5-crypt ($1$)'],
      [8, 'email "not-an-email" is not a valid email address'],
      [9, 'unknown field: pasword_hash'],
    ]);
    const anna = await run(['users', 'show', 'anna.novak@example.com', '--json']);
    expectSuccess(anna);
    expect(anna.json()).toMatchObject({ email: 'anna.novak@example.com', has_password: false, name: 'Anna from the e-shop' });
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
  });

  it('merges a second source, prints a human summary, and a dry run changes nothing', async () => {
    const dry = await run(['legacy', 'import', '--source', 'customer-center', '--emails-verified', '--dry-run', file('customer-center.csv')]);
    expectSuccess(dry);
    expect(dry.stdout).toMatch(/^Dry run: nothing was written\./);
    expectRefusal(await run(['users', 'show', 'carl@example.com']), 1, /No account with email carl@example\.com/);
    const center = await run(['legacy', 'import', '--source', 'customer-center', '--emails-verified', file('customer-center.csv')]);
    expectSuccess(center);
    expect(center.stdout).toMatch(/^Imported .*customer-center\.csv as source customer-center\./);
    expect(center.stdout).toMatch(/\ninserted +3\n/);
    expect(center.stdout).toMatch(/\nmerged into existing accounts +1\n/);
    expect(center.stdout).toMatch(/\nrejected +2\n/);
    expect(center.stdout).toMatch(/Rejected rows, with line numbers and reasons: .*customer-center\.csv\.rejects\.ndjson/);
    const anna = await run(['users', 'show', 'anna.novak@example.com', '--json']);
    expect(anna.json()).toMatchObject({ name: 'Anna Nováková' });
  });

  it('imports the customer directory and links the accounts whose sources named a customer', async () => {
    const result = await run(['customers', 'import', '--json', file('customers.csv')]);
    expectSuccess(result);
    // anna (e-shop and customer center name C-100) and carl (C-200) are linked.
    expect(result.json()).toMatchObject({ inserted: 2, licences: 5, customerLinks: 2, rejected: 3 });
  });

  it('refuses a CSV file with a wrong header with a message naming line 1, writing nothing', async () => {
    const result = await run(['legacy', 'import', '--source', 'mobile', file('wrong-header.csv')]);
    expectRefusal(result, 1, /^latchkey: Line 1 of the CSV file is not a valid header: unknown columns "mail", "colour"; missing column email\./);
  });
});

describe('latchkey legacy import usage mistakes (exit 2, database untouched)', () => {
  let sandbox: Sandbox;
  const run = (args: string[]) => latchkey(args, { env: sandbox.env });
  beforeAll(async () => {
    sandbox = await createSandbox({ DATABASE_URL: 'postgres://latchkey@127.0.0.1:1/unreachable' });
  });
  afterAll(async () => sandbox?.remove());

  it('names the mistake and shows the usage', async () => {
    const [noSource, badSource, noFile, badFormat, noExtension, badBatch, customers] = await Promise.all([
      run(['legacy', 'import', 'users.ndjson']),
      run(['legacy', 'import', '--source', 'E-Shop', 'users.ndjson']),
      run(['legacy', 'import', '--source', 'eshop']),
      run(['legacy', 'import', '--source', 'eshop', '--format', 'xml', 'users.xml']),
      run(['legacy', 'import', '--source', 'eshop', 'users.txt']),
      run(['legacy', 'import', '--source', 'eshop', '--batch-size', '0', 'users.csv']),
      run(['customers', 'import', '--json']),
    ]);
    expectRefusal(noSource!, 2, /--source is required[\s\S]*Usage: latchkey legacy import --source KEY/);
    expectRefusal(badSource!, 2, /--source must be a key of lower-case letters, digits and dashes/);
    expectRefusal(noFile!, 2, /takes exactly one FILE/);
    expectRefusal(badFormat!, 2, /--format must be ndjson or csv, not xml/);
    expectRefusal(noExtension!, 2, /Cannot tell the format of users\.txt from its extension: pass --format ndjson or --format csv/);
    expectRefusal(badBatch!, 2, /--batch-size must be a whole number from 1 to 10000/);
    expectJsonRefusal(customers!, 2, 'usage', /latchkey customers import takes exactly one FILE/);
  });
});

describe('latchkey legacy import killed half-way, then re-run (PostgreSQL)', () => {
  const ROWS = 2000;
  const BLOCKED_ROW = 1250; // in the 13th batch of 100
  let crashed: EmptyPostgresDatabase;
  let clean: EmptyPostgresDatabase;
  let sandbox: Sandbox;
  let input: string;
  const env = (db: EmptyPostgresDatabase): Env => ({ ...sandbox.env, DATABASE_URL: db.url });
  const email = (i: number) => `user${i}@example.com`;

  beforeAll(async () => {
    [crashed, clean] = await Promise.all([createEmptyPostgresDatabase(), createEmptyPostgresDatabase()]);
    sandbox = await createSandbox();
    input = path.join(sandbox.root, 'big.ndjson');
    const lines = Array.from({ length: ROWS }, (_, k) => JSON.stringify({
      legacy_id: k + 1, email: email(k + 1), name: `User ${k + 1}`, password_hash: '4367ca4c5769b877bb7cc7cf5ee9e520', hash_scheme: 'md5', salt: 'mSalt', salt_position: 'prefix',
    }));
    await writeFile(input, `${lines.join('\n')}\n`);
    for (const db of [crashed, clean]) {
      expectSuccess(await latchkey(['migrate'], { env: env(db) }));
      // An account that exists before the import (so both databases start equal).
      expectSuccess(await latchkey(['users', 'create', '--email', email(BLOCKED_ROW)], { env: env(db) }));
    }
  }, 120_000);
  afterAll(async () => {
    await crashed?.drop();
    await clean?.drop();
    await sandbox?.remove();
  });

  async function snapshot(url: string) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const identities = await client.query(
        `SELECT li.source, li.legacy_id, li.email_normalized, li.password_hash, li.salt, li.name, a.email AS account_email
         FROM legacy_identities li JOIN accounts a ON a.id = li.account_id ORDER BY li.legacy_id`,
      );
      const accounts = await client.query('SELECT email, name, password_hash, email_verified FROM accounts ORDER BY email');
      return { identities: identities.rows, accounts: accounts.rows };
    } finally {
      await client.end();
    }
  }

  it('keeps the batches committed before the crash and converges to the same end state', async () => {
    // Hold the lock of one account the 13th batch needs: the import commits 12 batches, then waits there.
    const blocker = new pg.Client({ connectionString: crashed.url });
    const observer = new pg.Client({ connectionString: crashed.url }); // outside any transaction: fresh statistics
    await Promise.all([blocker.connect(), observer.connect()]);
    await blocker.query('BEGIN');
    await blocker.query('SELECT 1 FROM accounts WHERE email = $1 FOR UPDATE', [email(BLOCKED_ROW)]);
    const child = spawn(LATCHKEY_BIN, ['legacy', 'import', '--source', 'eshop', '--batch-size', '100', '--json', input], { env: env(crashed) as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    try {
      await eventually(async () => {
        const { rows } = await observer.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'");
        return rows[0].n > 0;
      }, 60_000, 'the import waiting for the locked account').catch((err) => {
        throw new Error(`${(err as Error).message}; import output: ${output}`);
      });
      const { rows } = await observer.query('SELECT count(*)::int AS n FROM legacy_identities');
      expect(rows[0].n).toBe(1200);
      child.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');
    } finally {
      child.kill('SIGKILL');
      await blocker.query('ROLLBACK');
      await Promise.all([blocker.end(), observer.end()]);
    }

    const rerun = await latchkey(['legacy', 'import', '--source', 'eshop', '--batch-size', '100', '--json', input], { env: env(crashed), timeoutMs: 120_000 });
    expectSuccess(rerun);
    expect(rerun.json()).toMatchObject({ inserted: ROWS - 1200, updated: 1200, rejected: 0 });
    const once = await latchkey(['legacy', 'import', '--source', 'eshop', '--json', input], { env: env(clean), timeoutMs: 120_000 });
    expectSuccess(once);
    expect(once.json()).toMatchObject({ inserted: ROWS, merged: 1, accountsCreated: ROWS - 1 });

    const [after, expected] = await Promise.all([snapshot(crashed.url), snapshot(clean.url)]);
    expect(after.identities).toHaveLength(ROWS);
    expect(after.accounts).toHaveLength(ROWS);
    expect(after).toEqual(expected);
  }, 240_000);
});
