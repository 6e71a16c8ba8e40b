// The company registry import (issue 5, item 2) on both databases: CSV and NDJSON files load the
// registry the registration form is prefilled from; bad rows are named by line and never stop the import;
// a re-import updates; a missing file or an unknown column is a clear error.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { InvalidInput } from '../../../src/services/errors.js';
import { databaseKinds } from '../../support/databases.js';
import { startCompanyServices, type CompanyHarness } from './setup.js';

describe.each(databaseKinds)('company registry import (%s)', (kind) => {
  let h: CompanyHarness;
  let dir: string;
  const file = async (name: string, text: string) => {
    const p = path.join(dir, name);
    await writeFile(p, text);
    return p;
  };
  beforeAll(async () => {
    h = await startCompanyServices(kind);
    dir = await mkdtemp(path.join(os.tmpdir(), 'lk-registry-'));
  });
  afterAll(async () => {
    await h?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('imports CSV, naming each bad line, and a re-import updates the rows', async () => {
    const csv = await file('registry.csv', [
      'country,tax_id,kind,name,vat_id,street_address,locality,postal_code',
      'CZ,CZ 1234 5678,legal_entity,"Acme, s.r.o.",CZ12345678,Main 1,Praha,110 00',
      'sk,2020123456,sole_trader,Jan Novák,,,,',
      'CZE,123,legal_entity,Bad Country,,,,',
      'CZ,87654321,corporation,Bad Kind,,,,',
      'CZ,11111111,,,,,,',
      'CZ,22222222,legal_entity,Too few fields',
    ].join('\n'));
    const summary = await h.companies.importRegistry(csv);
    expect(summary).toEqual({
      file: csv, rows: 6, inserted: 2, updated: 0, rejected: 4,
      errors: [
        { line: 4, reason: expect.stringMatching(/^country: .*two-letter/) },
        { line: 5, reason: expect.stringMatching(/^kind: /) },
        { line: 6, reason: 'missing name' },
        { line: 7, reason: expect.stringMatching(/fields/) },
      ],
    });
    expect(await h.companies.lookupRegistry('CZ', 'cz12345678')).toEqual({
      country: 'CZ', taxId: 'CZ 1234 5678', kind: 'legal_entity', name: 'Acme, s.r.o.', vatId: 'CZ12345678',
      address: { street_address: 'Main 1', locality: 'Praha', postal_code: '110 00', country: 'CZ' }, source: 'registry',
    });
    expect(await h.companies.lookupRegistry('SK', '2020123456')).toMatchObject({ name: 'Jan Novák', kind: 'sole_trader', vatId: null, address: null });

    await writeFile(csv, 'country,tax_id,name\nCZ,CZ12345678,Acme Renamed\n');
    expect(await h.companies.importRegistry(csv, 'csv')).toMatchObject({ rows: 1, inserted: 0, updated: 1, rejected: 0 });
    expect(await h.companies.lookupRegistry('CZ', 'CZ12345678')).toMatchObject({ name: 'Acme Renamed', kind: null });
  });

  it('imports NDJSON; the later of two rows for one tax ID wins', async () => {
    const ndjson = await file('registry.jsonl', [
      JSON.stringify({ country: 'PL', tax_id: '5260250995', name: 'First', kind: 'legal_entity' }),
      '{not json',
      JSON.stringify({ country: 'PL', tax_id: '526-025-09-95', name: 'Second', postal_code: 1234 }),
      JSON.stringify({ country: 'PL', tax_id: '1', name: 'X', planet: 'Mars' }),
      '',
    ].join('\n'));
    const summary = await h.companies.importRegistry(ndjson);
    expect(summary).toMatchObject({ rows: 4, inserted: 1, rejected: 2 });
    expect(summary.errors.map((e) => e.line)).toEqual([2, 4]);
    expect(summary.errors[1]!.reason).toBe('unknown field planet');
    expect(await h.companies.lookupRegistry('PL', '5260250995')).toMatchObject({ name: 'Second', taxId: '526-025-09-95', address: { postal_code: '1234', country: 'PL' } });
  });

  it('refuses a missing file, an unknown format and a bad header with a clear message', async () => {
    await expect(h.companies.importRegistry(path.join(dir, 'nope.csv'))).rejects.toThrow(/Cannot read .*nope\.csv/);
    await expect(h.companies.importRegistry(await file('registry.txt', 'x'))).rejects.toThrow(/--format/);
    await expect(h.companies.importRegistry(await file('bad.csv', 'country,taxid,name\nCZ,1,X\n'))).rejects.toThrow(/unknown column "taxid".*missing column tax_id/);
    await expect(h.companies.importRegistry(await file('empty.csv', ''))).rejects.toBeInstanceOf(InvalidInput);
  });
});
