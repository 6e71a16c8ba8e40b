// First-sign-in lock-in (issue 4, item 4) on the embedded and the server database: a user in all three
// sources locks in each source's password in turn (fresh imports per case); every legacy hash is dropped and
// only the locked-in password works afterwards; concurrent lock-ins with different passwords: exactly one
// wins; a re-import after lock-in adds no way in; mailbox proof is required only for unverified sources.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAccountQueries } from '../../../src/queries/accounts.js';
import { createLegacyIdentityQueries } from '../../../src/queries/legacy-identities.js';
import { createAccountService } from '../../../src/services/accounts/index.js';
import { createPasswordHasher, type PasswordHasher } from '../../../src/services/accounts/password.js';
import { createAuditLog } from '../../../src/services/audit/index.js';
import { createLegacyImport, type LegacyImport } from '../../../src/services/legacy/import/index.js';
import { createLegacyLockIn, type LegacyLockIn } from '../../../src/services/legacy/lock-in.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../../support/databases.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/legacy-import/', import.meta.url));
const PASSWORDS = { 'customer-center': 'center password anna', eshop: 'eshop password anna', mobile: 'mobile password anna' } as const;
const ANNA = 'anna.novak@example.com';

describe.each(databaseKinds)('legacy lock-in (%s)', (kind) => {
  let t: TestDatabase;
  let dir: string;
  let hasher: PasswordHasher;
  let importer: LegacyImport;
  let lockIn: LegacyLockIn;
  const importAll = async () => {
    await importer.importFile({ file: path.join(dir, 'eshop.ndjson'), source: 'eshop' });
    await importer.importFile({ file: path.join(dir, 'customer-center.csv'), source: 'customer-center', emailsVerified: true });
    await importer.importFile({ file: path.join(dir, 'mobile.ndjson'), source: 'mobile' });
  };
  const anna = async () => (await createAccountQueries(t.db).findByEmail(ANNA))!;

  beforeAll(async () => {
    hasher = await createPasswordHasher({ memoryCost: 19456, timeCost: 2, parallelism: 1 });
    dir = await mkdtemp(path.join(os.tmpdir(), 'lk-lockin-'));
    for (const f of ['eshop.ndjson', 'customer-center.csv', 'mobile.ndjson']) await copyFile(path.join(FIXTURES, f), path.join(dir, f));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await t?.close();
  });
  beforeEach(async () => {
    await t?.close();
    t = await createTestDatabase(kind);
    const audit = createAuditLog(t.db);
    importer = createLegacyImport({ db: t.db, audit, sourcePrecedence: ['customer-center', 'eshop', 'mobile'] });
    lockIn = createLegacyLockIn({ db: t.db, hasher, audit });
    await importAll();
  });

  it.each(Object.entries(PASSWORDS))('locks in the %s password and drops every legacy hash', async (source, password) => {
    const account = await anna();
    const hashes = (await createLegacyIdentityQueries(t.db).listByAccount(account.id)).map((i) => i.password_hash!);
    expect(await lockIn.match(account.id, 'a wrong password')).toBeUndefined();
    const winner = (await lockIn.match(account.id, password))!;
    expect(winner.source).toBe(source);
    expect(lockIn.needsMailboxProof(winner, account.email_verified)).toBe(!winner.email_verified);
    expect(await lockIn.lockIn(account.id, winner, password)).toEqual({ outcome: 'locked-in', source });

    const after = await anna();
    expect(after.password_hash).toMatch(/^\$argon2id\$/);
    expect(after.password_changed_at).not.toBeNull();
    expect(after.email_verified).toBe(source === 'customer-center');
    expect((await hasher.verify(after.password_hash!, password)).valid).toBe(true);
    const identities = await createLegacyIdentityQueries(t.db).listByAccount(account.id);
    expect(identities.every((i) => i.password_hash === null && i.salt === null)).toBe(true);
    expect(identities.filter((i) => i.locked_in_at !== null).map((i) => i.source)).toEqual([source]);
    for (const other of Object.values(PASSWORDS)) expect(await lockIn.match(account.id, other)).toBeUndefined();
    const events = await createAuditLog(t.db).list(account.id);
    const event = events.find((e) => e.type === 'legacy.locked_in')!;
    expect(event.data).toMatchObject({ source });
    for (const hash of hashes) expect(JSON.stringify(event.data)).not.toContain(hash);

    // A re-import after lock-in stores no hash again: no legacy way in.
    await importAll();
    for (const other of Object.values(PASSWORDS)) expect(await lockIn.match(account.id, other)).toBeUndefined();
    expect((await anna()).password_hash).toBe(after.password_hash);
  });

  it('concurrent first sign-ins with different legacy passwords: exactly one wins, the other fails', async () => {
    const account = await anna();
    const eshop = (await lockIn.match(account.id, PASSWORDS.eshop))!;
    const mobile = (await lockIn.match(account.id, PASSWORDS.mobile))!;
    const results = await Promise.all([lockIn.lockIn(account.id, eshop, PASSWORDS.eshop), lockIn.lockIn(account.id, mobile, PASSWORDS.mobile)]);
    const winners = results.filter((r) => r.outcome === 'locked-in');
    expect(winners).toHaveLength(1);
    expect(results.filter((r) => r.outcome === 'already-set')).toEqual([{ outcome: 'already-set', valid: false }]);
    const won = winners[0]!.outcome === 'locked-in' ? (winners[0] as { source: 'eshop' | 'mobile' }).source : 'eshop';
    const stored = (await anna()).password_hash!;
    expect((await hasher.verify(stored, PASSWORDS[won])).valid).toBe(true);
    expect((await hasher.verify(stored, PASSWORDS[won === 'eshop' ? 'mobile' : 'eshop'])).valid).toBe(false);
  });

  it('authenticate: a verified source locks in; an unverified source on an unverified email signs nobody in and asks for a mailbox proof', async () => {
    const accounts = createAccountService({ db: t.db, hasher, audit: createAuditLog(t.db), revokeAccountArtifacts: async () => 0 });
    const account = await anna();
    const refused = { account: undefined, knownAccountId: account.id };
    expect(await accounts.authenticate(ANNA, 'a wrong password')).toEqual(refused);
    // The mailbox proof itself is tested in ./mailbox-proof.test.ts.
    const held = await accounts.authenticate(ANNA, PASSWORDS.eshop);
    expect(held).toMatchObject({ account: undefined, knownAccountId: account.id, mailboxProof: { accountId: account.id, source: 'eshop', email: ANNA } });
    expect(held.mailboxProof!.passwordHash).toMatch(/^\$argon2id\$/);
    expect(await accounts.authenticate('nobody@example.com', PASSWORDS.eshop)).toEqual({ account: undefined, knownAccountId: null });
    expect((await anna()).password_hash).toBeNull();
    const signedIn = await accounts.authenticate(ANNA, PASSWORDS['customer-center']);
    expect(signedIn.account).toMatchObject({ id: account.id, email_verified: true });
    expect(signedIn.account!.password_hash).toMatch(/^\$argon2id\$/);
    expect(await accounts.authenticate(ANNA, PASSWORDS.mobile)).toEqual(refused);
    expect((await accounts.authenticate(ANNA, PASSWORDS['customer-center'])).account?.id).toBe(account.id);
  });
});
