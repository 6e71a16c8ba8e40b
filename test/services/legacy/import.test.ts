// Legacy import (issue 4, items 1 and 3) on the embedded and the server database: per-line rejects while
// good rows import, merge by normalised email across sources, profile precedence that never overwrites a
// user's edit, hashes ignored once an account has a password, idempotent re-runs, dry runs that write
// nothing, and the stored hashes still verifying the legacy passwords.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAccountQueries } from '../../../src/queries/accounts.js';
import { createLegacyIdentityQueries, type LegacyIdentityRow } from '../../../src/queries/legacy-identities.js';
import { createAuditLog } from '../../../src/services/audit/index.js';
import { verifyLegacyHash } from '../../../src/services/legacy/hashes/index.js';
import { createLegacyImport, type LegacyImport, type LegacyImportOptions } from '../../../src/services/legacy/import/index.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../../support/databases.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/legacy-import/', import.meta.url));
const PRECEDENCE = ['customer-center', 'eshop', 'mobile'];

const hashInput = (i: LegacyIdentityRow) => ({ hash: i.password_hash!, scheme: i.hash_scheme ?? undefined, salt: i.salt ?? undefined, saltPosition: i.salt_position ?? undefined });

describe.each(databaseKinds)('legacy import (%s)', (kind) => {
  let t: TestDatabase;
  let dir: string;
  let importer: LegacyImport;
  const run = (fixture: string, options: Omit<LegacyImportOptions, 'file'>) => importer.importFile({ file: path.join(dir, fixture), ...options });
  const accounts = () => createAccountQueries(t.db);
  const identities = () => createLegacyIdentityQueries(t.db);
  const account = async (email: string) => (await accounts().findByEmail(email))!;
  const rejects = async (fixture: string) => (await readFile(path.join(dir, `${fixture}.rejects.ndjson`), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'lk-legacy-'));
    for (const f of ['eshop.ndjson', 'customer-center.csv', 'mobile.ndjson', 'wrong-header.csv']) await copyFile(path.join(FIXTURES, f), path.join(dir, f));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await t?.close();
    t = await createTestDatabase(kind);
    importer = createLegacyImport({ db: t.db, audit: createAuditLog(t.db), sourcePrecedence: PRECEDENCE });
  });
  afterAll(async () => t?.close());

  it('imports the good rows and names every bad line and why in the rejects file', async () => {
    const summary = await run('eshop.ndjson', { source: 'eshop' });
    expect(summary).toMatchObject({ source: 'eshop', format: 'ndjson', rows: 8, inserted: 3, updated: 0, merged: 0, accountsCreated: 3, rejected: 5, hashesIgnored: 0, dryRun: false });
    expect(summary.rejectsFile).toBe(path.join(dir, 'eshop.ndjson.rejects.ndjson'));
    expect(await rejects('eshop.ndjson')).toEqual([
      { line: 3, reason: expect.stringMatching(/^not valid JSON/) },
      { line: 4, legacy_id: '104', reason: 'email is missing' },
      { line: 5, legacy_id: '105', reason: 'password_hash: unsupported hash format: md5-crypt ($1$)' },
      { line: 8, legacy_id: '108', reason: 'email "not-an-email" is not a valid email address' },
      { line: 9, legacy_id: '109', reason: 'unknown field: pasword_hash' },
    ]);
    const anna = await account('anna.novak@example.com');
    expect(anna).toMatchObject({ email_verified: false, password_hash: null, name: 'Anna from the e-shop', phone_number: '+420 601 111 111', locale: 'cs-CZ' });
    const [identity] = await identities().listByAccount(anna.id);
    expect(identity).toMatchObject({ source: 'eshop', legacy_id: '101', email: 'Anna.Novak@Example.COM', email_verified: false, hash_algorithm: 'bcrypt', customer_id: 'C-100' });
    expect(identity!.raw).not.toHaveProperty('password_hash');
    expect(await verifyLegacyHash(hashInput(identity!), 'eshop password anna')).toBe(true);
    expect(await verifyLegacyHash(hashInput(identity!), 'eshop password bob')).toBe(false);
    const dora = await account('dora@example.com');
    expect(dora).toMatchObject({ given_name: 'Dora', family_name: 'Explorer', name: null });
    expect((await identities().listByAccount(dora.id))[0]).toMatchObject({ password_hash: null, legacy_created_at: new Date('2019-02-03T00:00:00Z') });
  });

  it('merges the same person from three sources into one account, profile by source precedence', async () => {
    await run('eshop.ndjson', { source: 'eshop' });
    const center = await run('customer-center.csv', { source: 'customer-center', emailsVerified: true });
    expect(center).toMatchObject({ format: 'csv', rows: 5, inserted: 3, merged: 1, accountsCreated: 2, rejected: 2 });
    expect(await rejects('customer-center.csv')).toEqual([
      { line: 4, legacy_id: 'c-3', reason: 'the row has 4 fields, the header has 18' },
      { line: 7, legacy_id: 'c-5', reason: 'created_at is not an ISO 8601 date (e.g. 2021-03-04T05:06:07Z)' },
    ]);
    const mobile = await run('mobile.ndjson', { source: 'mobile' });
    expect(mobile).toMatchObject({ inserted: 2, merged: 2, accountsCreated: 0, rejected: 0, rejectsFile: null });

    const anna = await account('anna.novak@example.com');
    const annaIdentities = await identities().listByAccount(anna.id);
    expect(annaIdentities.map((i) => [i.source, i.email_verified, i.hash_algorithm])).toEqual([
      ['customer-center', true, 'django-pbkdf2-sha256'], ['eshop', false, 'bcrypt'], ['mobile', false, 'md5'],
    ]);
    // customer-center wins name and locale; it has no phone, so the e-shop's (next in precedence) is used.
    expect(anna).toMatchObject({ name: 'Anna Nováková', given_name: 'Anna', family_name: 'Nováková', locale: 'cs', phone_number: '+420 601 111 111', email_verified: false });
    const passwords = { 'customer-center': 'center password anna', eshop: 'eshop password anna', mobile: 'mobile password anna' };
    for (const i of annaIdentities) expect(await verifyLegacyHash(hashInput(i), passwords[i.source as keyof typeof passwords])).toBe(true);
    // Quoted CSV fields keep their commas, doubled quotes and line breaks.
    expect(await account('carl@example.com')).toMatchObject({ name: 'Carl Smith, Jr.' });
    expect((await identities().find('customer-center', 'c-2'))!.company).toEqual({ name: 'Acme "Tools" s.r.o.', tax_id: 'CZ87654321', country: 'CZ' });
    expect(await account('multi@example.com')).toMatchObject({ name: 'Two\nLines' });
    // dora: no e-shop name, so the mobile app's fills it.
    expect(await account('dora@example.com')).toMatchObject({ name: 'Dora the Mobile User', given_name: 'Dora' });
  });

  it('re-importing updates rows by source and legacy id and never duplicates', async () => {
    const first = await run('eshop.ndjson', { source: 'eshop' });
    const again = await run('eshop.ndjson', { source: 'eshop', batchSize: 2 });
    expect(again).toMatchObject({ inserted: 0, updated: first.inserted, accountsCreated: 0, rejected: first.rejected });
    expect(await accounts().count()).toBe(3);
    expect(await identities().count()).toBe(3);
  });

  it('never overwrites a value the user edited in Latchkey; untouched fields follow the sources', async () => {
    await run('eshop.ndjson', { source: 'eshop' });
    const anna = await account('anna.novak@example.com');
    await t.db.query("UPDATE accounts SET name = 'Anna N. (my choice)', locale = NULL WHERE id = $1", [anna.id]);
    await run('customer-center.csv', { source: 'customer-center' });
    // name edited and locale cleared by the user: kept; given_name was empty and never imported: filled.
    expect(await account('anna.novak@example.com')).toMatchObject({ name: 'Anna N. (my choice)', locale: null, given_name: 'Anna' });
    // The phone the import wrote, untouched by the user, follows a changed source value.
    const changed = path.join(dir, 'eshop-changed.ndjson');
    await writeFile(changed, `${JSON.stringify({ legacy_id: 101, email: 'anna.novak@example.com', phone: '+420 699 999 999' })}\n`);
    await importer.importFile({ file: changed, source: 'eshop' });
    expect(await account('anna.novak@example.com')).toMatchObject({ phone_number: '+420 699 999 999', phone_number_verified: false, name: 'Anna N. (my choice)' });
  });

  it('once an account has a password, later imports store no hash for it and say so', async () => {
    await run('eshop.ndjson', { source: 'eshop' });
    const anna = await account('anna.novak@example.com');
    // What the first sign-in does: keep the new password, drop every legacy hash.
    await t.db.transaction(async (tx) => {
      await createAccountQueries(tx).setPasswordHash(anna.id, '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$aGFzaA');
      const [winner] = await createLegacyIdentityQueries(tx).listByAccount(anna.id);
      await createLegacyIdentityQueries(tx).dropHashesAfterLockIn(anna.id, winner!.id);
    });
    await t.db.query('UPDATE accounts SET email_verified = true WHERE id = $1', [anna.id]);
    const again = await run('eshop.ndjson', { source: 'eshop' });
    const mobile = await run('mobile.ndjson', { source: 'mobile' });
    expect(again.hashesIgnored).toBe(1);
    expect(mobile).toMatchObject({ hashesIgnored: 1, merged: 2 });
    const all = await identities().listByAccount(anna.id);
    expect(all.map((i) => [i.source, i.password_hash, i.hash_algorithm, i.hash_dropped_reason])).toEqual([
      ['eshop', null, 'bcrypt', 'account-has-password'],
      ['mobile', null, 'md5', 'account-has-password'],
    ]);
    expect(all[0]!.locked_in_at).toBeInstanceOf(Date);
    // The owner proved the address: the sources' profile still reaches the account.
    expect(await account('anna.novak@example.com')).toMatchObject({ name: 'Anna from the e-shop' });
  });

  it('gives nothing from a source to an account with a password but an unproven email', async () => {
    // Someone registered the address in Latchkey without verifying it.
    await accounts().insert({ email: 'bob@example.com', emailVerified: false, passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$aGFzaA' });
    const summary = await run('eshop.ndjson', { source: 'eshop' });
    expect(summary).toMatchObject({ merged: 1, hashesIgnored: 1 });
    const bob = await account('bob@example.com');
    expect(bob.name).toBeNull();
    expect((await identities().listByAccount(bob.id))[0]).toMatchObject({ password_hash: null, hash_dropped_reason: 'account-has-password' });
  });

  it('moves an identity whose email changed in the source, removing the emptied account it had created', async () => {
    await run('eshop.ndjson', { source: 'eshop' });
    const moved = path.join(dir, 'eshop-moved.ndjson');
    await writeFile(moved, `${JSON.stringify({ legacy_id: '102', email: 'robert@example.com', password_hash: '$2b$04$usIwFRQ2KB/N1B2REfDkY.h.iqcDXB74S9FcaX24kNZntSzM.Jq5S' })}\n`);
    const summary = await importer.importFile({ file: moved, source: 'eshop' });
    expect(summary).toMatchObject({ updated: 1, moved: 1, accountsCreated: 1, accountsRemoved: 1 });
    expect(await accounts().findByEmail('bob@example.com')).toBeUndefined();
    expect((await identities().find('eshop', '102'))!.email_normalized).toBe('robert@example.com');
  });

  it('a dry run reports what would happen and writes nothing but the rejects file', async () => {
    const dry = await run('eshop.ndjson', { source: 'eshop', dryRun: true, batchSize: 2 });
    expect(await accounts().count()).toBe(0);
    expect(await identities().count()).toBe(0);
    expect(existsSync(path.join(dir, 'eshop.ndjson.rejects.ndjson'))).toBe(true);
    const real = await run('eshop.ndjson', { source: 'eshop', batchSize: 2 });
    expect({ ...dry, dryRun: false }).toEqual(real);
    const audit = await t.db.query("SELECT data FROM audit_events WHERE type = 'legacy.imported'");
    expect(audit.rows).toHaveLength(1);
  });

  it('keeps the later of two rows with one legacy id, in one batch or across batches', async () => {
    const file = path.join(dir, 'dupes.ndjson');
    const rows = [
      { legacy_id: 'x', email: 'first@example.com', name: 'First' },
      { legacy_id: 'x', email: 'second@example.com', name: 'Second' },
    ];
    await writeFile(file, rows.map((r) => JSON.stringify(r)).join('\n'));
    const one = await importer.importFile({ file, source: 'eshop' });
    expect(one).toMatchObject({ inserted: 1, duplicates: 1, accountsCreated: 1 });
    expect((await identities().find('eshop', 'x'))!.email_normalized).toBe('second@example.com');
    await importer.importFile({ file, source: 'eshop', batchSize: 1 });
    expect((await identities().find('eshop', 'x'))!.name).toBe('Second');
    expect(await accounts().count()).toBe(1);
  });

  it('refuses a CSV file whose header is wrong, before writing anything', async () => {
    await expect(run('wrong-header.csv', { source: 'eshop' })).rejects.toThrow(
      'Line 1 of the CSV file is not a valid header: unknown columns "mail", "colour"; missing column email.',
    );
    expect(await accounts().count()).toBe(0);
  });

  it('refuses a bad source key, an unknown format and a missing file with clear messages', async () => {
    await expect(run('eshop.ndjson', { source: 'E Shop' })).rejects.toThrow(/--source must be a key of lower-case letters/);
    await expect(importer.importFile({ file: path.join(dir, 'users.txt'), source: 'eshop' })).rejects.toThrow(/pass --format ndjson or --format csv/);
    await expect(importer.importFile({ file: path.join(dir, 'missing.ndjson'), source: 'eshop' })).rejects.toThrow(/Cannot read .*missing\.ndjson: no such file/);
  });
});
