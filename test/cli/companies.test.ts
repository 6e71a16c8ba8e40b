// `latchkey companies registry-import` as a real bin/latchkey process, on the embedded database and on a
// PostgreSQL server: the summary (human and --json), rejected lines named, the registry then answering
// lookups, and bad input refused with a clear message and a non-zero exit.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createLatchkey } from '../../src/app.js';
import { createEmptyPostgresDatabase, expectJsonRefusal, expectRefusal, expectSuccess, latchkey, createSandbox, STACK_TRACE, type EmptyPostgresDatabase, type Sandbox } from './helpers.js';

describe.each(['embedded', 'postgres'] as const)('latchkey companies registry-import (%s database)', (mode) => {
  let sandbox: Sandbox;
  let database: EmptyPostgresDatabase | undefined;
  // Each command opens the embedded database: slow on a busy machine, so allow more than the default.
  const run = (args: string[]) => latchkey(args, { env: sandbox.env, timeoutMs: 120_000 });

  beforeAll(async () => {
    database = mode === 'postgres' ? await createEmptyPostgresDatabase() : undefined;
    sandbox = await createSandbox(database ? { DATABASE_URL: database.url } : {});
    // Creating and migrating the database is the slow part of a first command; do it once, generously.
    expectSuccess(await latchkey(['migrate'], { env: sandbox.env, timeoutMs: 150_000 }));
  }, 180_000);
  afterAll(async () => {
    await database?.drop();
    await sandbox?.remove();
  });

  it('imports a CSV file, prints the summary with the rejected lines, and the registry answers lookups', async () => {
    const csv = path.join(sandbox.root, 'registry.csv');
    await writeFile(csv, 'country,tax_id,kind,name,vat_id,street_address,locality,postal_code\nCZ,CZ12345678,legal_entity,Acme s.r.o.,CZ12345678,Main 1,Praha,11000\nXX1,1,legal_entity,Bad,,,,\n');
    const result = await run(['companies', 'registry-import', csv]);
    expectSuccess(result);
    expect(result.stdout).toContain(`Imported the company registry ${csv}.`);
    expect(result.stdout).toMatch(/companies added\s+1/);
    expect(result.stdout).toMatch(/rejected\s+1/);
    expect(result.stdout).toMatch(/line 3: country: The country must be a two-letter code/);

    const ndjson = path.join(sandbox.root, 'more.ndjson');
    await writeFile(ndjson, `${JSON.stringify({ country: 'SK', tax_id: '2020123456', name: 'Bolt', kind: 'sole_trader' })}\n${JSON.stringify({ country: 'CZ', tax_id: 'cz 1234 5678', name: 'Acme Renamed' })}\n`);
    const json = await run(['companies', 'registry-import', '--format', 'ndjson', ndjson, '--json']);
    expectSuccess(json);
    expect(json.json()).toEqual({ file: ndjson, rows: 2, inserted: 1, updated: 1, rejected: 0, errors: [] });

    const lk = await createLatchkey({ env: sandbox.env, role: 'cli' });
    try {
      expect(await lk.services.companies.lookupRegistry('CZ', 'CZ12345678')).toMatchObject({ name: 'Acme Renamed', source: 'registry' });
      expect(await lk.services.companies.lookupRegistry('SK', '2020123456')).toMatchObject({ name: 'Bolt', kind: 'sole_trader' });
    } finally {
      await lk.close();
    }
  }, 300_000);

  it('refuses bad input with a clear message and a non-zero exit', async () => {
    expectRefusal(await run(['companies', 'registry-import']), 2, /takes exactly one FILE/);
    expectRefusal(await run(['companies', 'registry-import', 'a.csv', '--format', 'xml']), 2, /--format must be csv or ndjson/);
    expectRefusal(await run(['companies', 'import', 'a.csv']), 2, /Unknown companies command import/);
    const missing = await run(['companies', 'registry-import', path.join(sandbox.root, 'missing.csv')]);
    expectRefusal(missing, 1, /Cannot read .*missing\.csv/);
    expect(missing.stderr).not.toMatch(STACK_TRACE);
    const header = path.join(sandbox.root, 'header.csv');
    await writeFile(header, 'land,tax_id,name\nCZ,1,X\n');
    expectJsonRefusal(await run(['companies', 'registry-import', header, '--json']), 1, 'invalid_request', /unknown column "land"/);
    const help = await run(['companies', '--help']);
    expectSuccess(help);
    expect(help.stdout).toContain('latchkey companies registry-import [--format csv|ndjson] FILE');
  }, 300_000);
});
