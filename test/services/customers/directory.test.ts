// The customer directory (issue 4, item 8) on the embedded and the server database: the import with
// per-line rejects, the (customer ID, tax ID or licence) check, product registration (a new customer ID,
// or a further licence of one's customer; one winner when two people race for a licence), and the legacy
// pre-link that links accounts whichever of the two imports runs first.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAccountQueries } from '../../../src/queries/accounts.js';
import { createCustomerQueries } from '../../../src/queries/customers.js';
import { createAuditLog } from '../../../src/services/audit/index.js';
import { createCustomerDirectory, LicenceUnavailable, type CustomerDirectory } from '../../../src/services/customers/index.js';
import { Forbidden, InvalidInput } from '../../../src/services/errors.js';
import { createLegacyImport } from '../../../src/services/legacy/import/index.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../../support/databases.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/legacy-import/', import.meta.url));

describe.each(databaseKinds)('customer directory (%s)', (kind) => {
  let t: TestDatabase;
  let dir: string;
  let directory: CustomerDirectory;
  const file = (name: string) => path.join(dir, name);
  const rejects = async (name: string) => (await readFile(file(`${name}.rejects.ndjson`), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
  const newAccount = async (email: string) => (await createAccountQueries(t.db).insert({ email, emailVerified: true, passwordHash: null }))!.id;
  const legacyImport = () => createLegacyImport({ db: t.db, audit: createAuditLog(t.db), sourcePrecedence: ['customer-center', 'eshop', 'mobile'] });

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'lk-customers-'));
    for (const f of ['customers.csv', 'customers.ndjson', 'eshop.ndjson']) await copyFile(path.join(FIXTURES, f), file(f));
  });
  afterAll(async () => {
    await t?.close();
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await t?.close();
    t = await createTestDatabase(kind);
    directory = createCustomerDirectory({ db: t.db, audit: createAuditLog(t.db) });
  });

  it('imports customers and licences from CSV, naming each bad line, and updates on a re-run', async () => {
    const summary = await directory.importFile({ file: file('customers.csv') });
    expect(summary).toMatchObject({ format: 'csv', rows: 6, inserted: 2, updated: 0, licences: 5, rejected: 3 });
    expect(await rejects('customers.csv')).toEqual([
      { line: 5, customer_id: 'C-300', reason: 'company_name is missing' },
      { line: 6, customer_id: 'C-400', reason: 'licence LIC-1 belongs to customer C-100' },
      { line: 7, customer_id: 'C-500', reason: 'country is not a two-letter country code (ISO 3166-1, e.g. CZ)' },
    ]);
    const anna = await directory.find(' C-100 ');
    expect(anna).toMatchObject({ company_name: "Anna's Shop s.r.o.", tax_id: 'CZ12345678', vat_id: 'CZ12345678', country: 'CZ', origin: 'import' });
    expect(anna!.licences.map((l) => [l.licence_number, l.registered_at])).toEqual([['LIC-1', null], ['LIC-2', null]]);
    expect(await directory.find('C-200')).toMatchObject({ company_name: 'Acme "Tools" s.r.o.' });
    expect(await createCustomerQueries(t.db).findLicence('LIC-FREE-2')).toMatchObject({ customer_id: null });

    const again = await directory.importFile({ file: file('customers.csv'), batchSize: 1 });
    expect(again).toMatchObject({ inserted: 0, updated: 2, licences: 0, rejected: 3 });
    expect(await createCustomerQueries(t.db).count()).toBe(2);
  });

  it('imports NDJSON with licence arrays and numeric ids, rejecting bad lines', async () => {
    const summary = await directory.importFile({ file: file('customers.ndjson') });
    expect(summary).toMatchObject({ format: 'ndjson', rows: 7, inserted: 3, rejected: 2 });
    expect(await rejects('customers.ndjson')).toEqual([
      { line: 5, customer_id: 'C-400', reason: 'licence_numbers.0 must be text' },
      { line: 6, reason: expect.stringMatching(/^not valid JSON/) },
    ]);
    expect(await directory.find('200')).toMatchObject({ company_name: 'Numeric Id Ltd' });
    expect((await directory.find('C-300'))!.licences.map((l) => l.licence_number)).toEqual(['LIC-7', 'LIC-8']);
    // "customer_id": "" (and null fields) is the same as leaving them out: licences not yet registered.
    expect(await createCustomerQueries(t.db).findLicence('LIC-FREE-3')).toMatchObject({ customer_id: null });
  });

  it('a dry run writes nothing', async () => {
    const dry = await directory.importFile({ file: file('customers.csv'), dryRun: true });
    expect(dry).toMatchObject({ dryRun: true, inserted: 2, licences: 5 });
    expect(await createCustomerQueries(t.db).count()).toBe(0);
  });

  it('accepts a customer ID with its tax ID or one of its licences, and nothing else', async () => {
    await directory.importFile({ file: file('customers.csv') });
    expect(await directory.checkProof('C-100', { taxId: 'cz 123-456-78' })).toMatchObject({ customer_id: 'C-100' });
    expect(await directory.checkProof('C-100', { licenceNumber: ' lic-2 ' })).toMatchObject({ customer_id: 'C-100' });
    expect(await directory.checkProof('C-100', { taxId: 'CZ87654321' })).toBeUndefined(); // C-200's tax ID
    expect(await directory.checkProof('C-100', { licenceNumber: 'LIC-3' })).toBeUndefined(); // C-200's licence
    expect(await directory.checkProof('C-100', { licenceNumber: 'LIC-FREE-1' })).toBeUndefined(); // nobody's yet
    expect(await directory.checkProof('C-999', { taxId: 'CZ12345678' })).toBeUndefined();
    expect(await directory.checkProof('C-100', {})).toBeUndefined();
  });

  it('product registration: a known unregistered licence gives a new customer ID, once', async () => {
    await directory.importFile({ file: file('customers.csv') });
    const buyer = await newAccount('buyer@example.com');
    const other = await newAccount('other@example.com');
    const company = { name: 'New Buyer s.r.o.', taxId: 'CZ 555', country: 'cz' };
    const registered = await directory.registerLicence({ accountId: buyer, licenceNumber: 'lic-free-1', company });
    expect(registered).toEqual({ customerId: expect.stringMatching(/^LK\d{10}$/), createdCustomer: true });
    expect(await directory.find(registered.customerId)).toMatchObject({ company_name: 'New Buyer s.r.o.', tax_id: 'CZ555', country: 'CZ', origin: 'registration' });
    expect(await createCustomerQueries(t.db).findLicence('LIC-FREE-1')).toMatchObject({ customer_id: registered.customerId, registered_by: buyer, registered_at: expect.any(Date) });
    expect((await directory.linksOf(buyer)).map((l) => [l.customer_id, l.linked_by])).toEqual([[registered.customerId, 'registration']]);
    // The new customer ID and licence now prove membership.
    expect(await directory.checkProof(registered.customerId, { licenceNumber: 'LIC-FREE-1' })).toBeDefined();

    // Registered, assigned by the directory, or unknown: one answer.
    for (const licenceNumber of ['LIC-FREE-1', 'LIC-1', 'NO-SUCH-LICENCE']) {
      await expect(directory.registerLicence({ accountId: other, licenceNumber, company })).rejects.toThrow(new LicenceUnavailable());
    }
    await expect(directory.registerLicence({ accountId: other, licenceNumber: 'LIC-FREE-2', company: { name: ' ' } })).rejects.toThrow(InvalidInput);
    expect(await createCustomerQueries(t.db).findLicence('LIC-FREE-2')).toMatchObject({ customer_id: null });
  });

  it('an existing customer registers further licences; someone not linked to it cannot', async () => {
    await directory.importFile({ file: file('customers.csv') });
    const member = await newAccount('member@example.com');
    const stranger = await newAccount('stranger@example.com');
    expect(await directory.link(member, 'C-100', 'profile-completion')).toBe(true);
    expect(await directory.link(member, 'C-100', 'profile-completion')).toBe(false);
    await expect(directory.registerLicence({ accountId: stranger, licenceNumber: 'LIC-FREE-2', customerId: 'C-100' })).rejects.toThrow(Forbidden);
    expect(await directory.registerLicence({ accountId: member, licenceNumber: 'LIC-FREE-2', customerId: 'C-100' })).toEqual({ customerId: 'C-100', createdCustomer: false });
    expect((await directory.find('C-100'))!.licences.map((l) => l.licence_number)).toEqual(['LIC-1', 'LIC-2', 'LIC-FREE-2']);
    expect(await directory.unlink(member, 'C-100', 'staff')).toBe(true);
    expect(await directory.linksOf(member)).toEqual([]);
  });

  it('two people registering the same licence at once: exactly one gets it', async () => {
    await directory.importFile({ file: file('customers.csv') });
    const a = await newAccount('a@example.com');
    const b = await newAccount('b@example.com');
    const results = await Promise.allSettled([a, b].map((accountId) => directory.registerLicence({ accountId, licenceNumber: 'LIC-FREE-1', company: { name: `Company of ${accountId}` } })));
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toBeInstanceOf(LicenceUnavailable);
    const { rows } = await t.db.query("SELECT count(*)::int AS n FROM customers WHERE origin = 'registration'");
    expect(rows[0]).toEqual({ n: 1 });
  });

  it('links accounts to the customer their legacy source names, whichever import runs first', async () => {
    const legacyFirst = await legacyImport().importFile({ file: file('eshop.ndjson'), source: 'eshop' });
    expect(legacyFirst.customerLinks).toBe(0); // the directory does not know C-100 yet
    const customers = await directory.importFile({ file: file('customers.csv') });
    expect(customers.customerLinks).toBe(1);
    const anna = (await createAccountQueries(t.db).findByEmail('anna.novak@example.com'))!;
    expect((await directory.linksOf(anna.id)).map((l) => [l.customer_id, l.linked_by, l.company_name])).toEqual([['C-100', 'legacy:eshop', "Anna's Shop s.r.o."]]);

    await t.close();
    t = await createTestDatabase(kind);
    directory = createCustomerDirectory({ db: t.db, audit: createAuditLog(t.db) });
    await directory.importFile({ file: file('customers.csv') });
    const legacyAfter = await legacyImport().importFile({ file: file('eshop.ndjson'), source: 'eshop' });
    expect(legacyAfter.customerLinks).toBe(1);
  });
});
