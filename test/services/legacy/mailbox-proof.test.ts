// Takeover defence of the first sign-in (issue 4, item 5) on the embedded and the server database: the right
// password from a source imported without --emails-verified signs nobody in but holds the sign-in; the mailed
// code (or link, in the same browser and interaction) locks the password in, after which the other legacy
// passwords stop working; wrong codes lock nothing in and kill the hold at the limit; a concurrent first sign-in
// with a verified source's password while held: exactly one wins, the other fails cleanly.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAccountQueries } from '../../../src/queries/accounts.js';
import { createLegacyIdentityQueries } from '../../../src/queries/legacy-identities.js';
import { createAccountService, type AccountService } from '../../../src/services/accounts/index.js';
import { createPasswordHasher, type PasswordHasher } from '../../../src/services/accounts/password.js';
import { createAuditLog } from '../../../src/services/audit/index.js';
import { createLegacyImport } from '../../../src/services/legacy/import/index.js';
import { createFirstSignInHint } from '../../../src/services/legacy/first-sign-in-hint.js';
import { createLegacyLockIn } from '../../../src/services/legacy/lock-in.js';
import { createLegacyMailboxProof, MAILBOX_PROOF_LIMITS, MAX_CODE_FAILURES, type LegacyMailboxProof } from '../../../src/services/legacy/mailbox-proof.js';
import { createRateLimiter } from '../../../src/services/rate-limit/index.js';
import type { RequestOrigin } from '../../../src/services/signup/origin.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../../support/databases.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/legacy-import/', import.meta.url));
const PASSWORDS = { 'customer-center': 'center password anna', eshop: 'eshop password anna', mobile: 'mobile password anna' } as const;
const ANNA = 'anna.novak@example.com';
const ISSUER = 'https://id.example.com';
const UID = 'interaction-uid-1';

let ipSerial = 0;
const origin = (): RequestOrigin => ({ ip: `203.0.113.${++ipSerial}`, locale: 'en', clientName: 'E-shop', clientId: 'shop' });

describe.each(databaseKinds)('first sign-in held for a mailbox proof (%s)', (kind) => {
  let t: TestDatabase;
  let dir: string;
  let hasher: PasswordHasher;
  let accounts: AccountService;
  let proof: LegacyMailboxProof;

  const anna = async () => (await createAccountQueries(t.db).findByEmail(ANNA))!;
  /** The code and link token of the newest proof mail to Anna (from the outbox, as the mailer would send them). */
  const mailed = async () => {
    const { rows } = await t.db.query<{ data: { code: string; link: string } }>(
      "SELECT data FROM mail_outbox WHERE recipient = $1 AND template = 'legacy-mailbox-proof' ORDER BY created_at DESC, id LIMIT 1", [ANNA]);
    const data = rows[0]!.data;
    return { code: data.code, link: new URL(data.link) };
  };
  /** Signs in with an unverified source's password: must be held, and the hold stored. */
  const holdWith = async (password: string, uid = UID) => {
    const result = await accounts.authenticate(ANNA, password);
    expect(result.account).toBeUndefined();
    expect(result.mailboxProof).toBeDefined();
    const { browserSecret } = await proof.hold(result.mailboxProof!, uid, origin());
    expect(browserSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    return { browserSecret: browserSecret!, ...(await mailed()) };
  };
  const wrongCode = (code: string) => (code === '000000' ? '111111' : '000000');

  beforeAll(async () => {
    hasher = await createPasswordHasher({ memoryCost: 19456, timeCost: 2, parallelism: 1 });
    dir = await mkdtemp(path.join(os.tmpdir(), 'lk-proof-'));
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
    const importer = createLegacyImport({ db: t.db, audit, sourcePrecedence: ['customer-center', 'eshop', 'mobile'] });
    await importer.importFile({ file: path.join(dir, 'eshop.ndjson'), source: 'eshop' });
    await importer.importFile({ file: path.join(dir, 'customer-center.csv'), source: 'customer-center', emailsVerified: true });
    await importer.importFile({ file: path.join(dir, 'mobile.ndjson'), source: 'mobile' });
    accounts = createAccountService({ db: t.db, hasher, audit, revokeAccountArtifacts: async () => 0 });
    proof = createLegacyMailboxProof({ db: t.db, issuer: ISSUER, audit, limiter: createRateLimiter(t.db), lockIn: createLegacyLockIn({ db: t.db, hasher, audit }) });
  });

  it('holds an unverified source password: nothing is stored, the password alone opens nothing, the mail goes to the address', async () => {
    const wrong = await accounts.authenticate(ANNA, 'a wrong password');
    expect(wrong).toEqual({ account: undefined, knownAccountId: (await anna()).id });
    const { browserSecret, code, link } = await holdWith(PASSWORDS.eshop);
    expect(code).toMatch(/^\d{6}$/);
    expect(link.href.startsWith(`${ISSUER}/interaction/${UID}/verify-email/link?token=`)).toBe(true);
    expect(await proof.held(browserSecret, UID)).toEqual({ accountId: (await anna()).id, email: ANNA });
    expect(await proof.held(browserSecret, 'another-interaction')).toBeUndefined();
    const account = await anna();
    expect(account.password_hash).toBeNull();
    expect(account.email_verified).toBe(false);
    // Every legacy hash is still there: the held password did not lock anything in.
    const hashes = (await createLegacyIdentityQueries(t.db).listByAccount(account.id)).filter((i) => i.password_hash !== null);
    expect(hashes.map((i) => i.source).sort()).toEqual(['customer-center', 'eshop', 'mobile']);
    // The hold never keeps the typed password, only its future Argon2id hash.
    const { rows } = await t.db.query<Record<string, unknown>>('SELECT * FROM legacy_pending_sign_ins');
    expect(JSON.stringify(rows)).not.toContain(PASSWORDS.eshop);
    expect(String(rows[0]!.password_hash)).toMatch(/^\$argon2id\$/);
    // The same password tried again is held again, never let through.
    expect((await accounts.authenticate(ANNA, PASSWORDS.mobile)).account).toBeUndefined();
  });

  it('the right code locks the password in: the address is verified, other legacy passwords stop working, the code is single-use', async () => {
    const { browserSecret, code } = await holdWith(PASSWORDS.eshop);
    const result = await proof.proveByCode(browserSecret, UID, code, origin());
    expect(result).toEqual({ outcome: 'locked-in', accountId: (await anna()).id, source: 'eshop' });
    const account = await anna();
    expect(account.email_verified).toBe(true);
    expect((await hasher.verify(account.password_hash!, PASSWORDS.eshop)).valid).toBe(true);
    expect((await createLegacyIdentityQueries(t.db).listByAccount(account.id)).every((i) => i.password_hash === null)).toBe(true);
    for (const other of [PASSWORDS.mobile, PASSWORDS['customer-center']]) {
      expect(await accounts.authenticate(ANNA, other)).toEqual({ account: undefined, knownAccountId: account.id });
    }
    expect((await accounts.authenticate(ANNA, PASSWORDS.eshop)).account?.id).toBe(account.id);
    const events = await createAuditLog(t.db).list(account.id);
    expect(events.find((e) => e.type === 'legacy.locked_in')?.data).toMatchObject({ source: 'eshop', mailboxProven: true });
    expect(await proof.proveByCode(browserSecret, UID, code, origin())).toEqual({ outcome: 'start-again' });
  });

  it('wrong codes lock nothing in; at the limit the hold dies and even the right code is refused', async () => {
    const { browserSecret, code } = await holdWith(PASSWORDS.mobile);
    for (let i = 1; i < MAX_CODE_FAILURES; i += 1) {
      expect(await proof.proveByCode(browserSecret, UID, wrongCode(code), origin())).toEqual({ outcome: 'wrong' });
    }
    expect((await anna()).password_hash).toBeNull();
    expect(await proof.proveByCode(browserSecret, UID, 'not a code', origin())).toEqual({ outcome: 'start-again' });
    expect(await proof.proveByCode(browserSecret, UID, code, origin())).toEqual({ outcome: 'start-again' });
    expect(await proof.held(browserSecret, UID)).toBeUndefined();
    const account = await anna();
    expect(account.password_hash).toBeNull();
    expect(account.email_verified).toBe(false);
  });

  it('an expired hold means signing in again: the right code no longer locks anything in', async () => {
    const { browserSecret, code } = await holdWith(PASSWORDS.eshop);
    await t.db.query("UPDATE legacy_pending_sign_ins SET expires_at = now() - interval '1 second'");
    expect(await proof.held(browserSecret, UID)).toBeUndefined();
    expect(await proof.proveByCode(browserSecret, UID, code, origin())).toEqual({ outcome: 'start-again' });
    expect(await proof.resend(browserSecret, UID, origin())).toBe(false);
    expect((await anna()).password_hash).toBeNull();
  });

  it('the code works only with the browser secret and interaction of its hold', async () => {
    const { browserSecret, code } = await holdWith(PASSWORDS.eshop);
    const otherBrowser = (await holdWith(PASSWORDS.eshop, 'interaction-uid-2')).browserSecret;
    // Holding again mails a new code for the new hold; the first hold's code still belongs to the first browser.
    expect(await proof.proveByCode(browserSecret, 'interaction-uid-2', code, origin())).toEqual({ outcome: 'start-again' });
    expect(await proof.proveByCode('x'.repeat(43), UID, code, origin())).toEqual({ outcome: 'start-again' });
    expect((await proof.proveByCode(otherBrowser, 'interaction-uid-2', code, origin())).outcome).not.toBe('locked-in');
    expect((await anna()).password_hash).toBeNull();
    expect((await proof.proveByCode(browserSecret, UID, code, origin())).outcome).toBe('locked-in');
  });

  it('the mailed link proves the mailbox in its own browser; a wrong or old link does not', async () => {
    const first = await holdWith(PASSWORDS.mobile);
    expect(await proof.resend(first.browserSecret, UID, origin())).toBe(true);
    const fresh = await mailed();
    expect(fresh.code).toMatch(/^\d{6}$/);
    const oldToken = first.link.searchParams.get('token')!;
    expect(await proof.proveByLink(first.browserSecret, UID, oldToken, origin())).toEqual({ outcome: 'wrong' });
    expect(await proof.proveByLink(first.browserSecret, UID, 'A'.repeat(43), origin())).toEqual({ outcome: 'wrong' });
    expect((await anna()).password_hash).toBeNull();
    const result = await proof.proveByLink(first.browserSecret, UID, fresh.link.searchParams.get('token')!, origin());
    expect(result).toMatchObject({ outcome: 'locked-in', source: 'mobile' });
    expect((await accounts.authenticate(ANNA, PASSWORDS.mobile)).account?.email_verified).toBe(true);
  });

  it('a concurrent verified-source first sign-in while held: exactly one wins, the other fails cleanly', async () => {
    const { browserSecret, code } = await holdWith(PASSWORDS.eshop);
    const [proven, direct] = await Promise.all([
      proof.proveByCode(browserSecret, UID, code, origin()),
      accounts.authenticate(ANNA, PASSWORDS['customer-center']),
    ]);
    const stored = (await anna()).password_hash!;
    if (proven.outcome === 'locked-in') {
      expect(direct.account).toBeUndefined();
      expect((await hasher.verify(stored, PASSWORDS.eshop)).valid).toBe(true);
      expect((await hasher.verify(stored, PASSWORDS['customer-center'])).valid).toBe(false);
    } else {
      expect(proven).toEqual({ outcome: 'password-set' });
      expect(direct.account?.id).toBe((await anna()).id);
      expect((await hasher.verify(stored, PASSWORDS['customer-center'])).valid).toBe(true);
      expect((await hasher.verify(stored, PASSWORDS.eshop)).valid).toBe(false);
    }
    const events = (await createAuditLog(t.db).list((await anna()).id)).filter((e) => e.type === 'legacy.locked_in');
    expect(events).toHaveLength(1);
    // Whoever lost cannot finish later either.
    expect((await proof.proveByCode(browserSecret, UID, code, origin())).outcome).not.toBe('locked-in');
  });

  it('limits how many holds (each mailing a fresh code) one account gets per hour', async () => {
    const pending = (await accounts.authenticate(ANNA, PASSWORDS.eshop)).mailboxProof!;
    for (let i = 0; i < MAILBOX_PROOF_LIMITS.holdPerAccount.limit; i += 1) {
      expect((await proof.hold(pending, `uid-${i}`, origin())).browserSecret).toBeDefined();
    }
    expect(await proof.hold(pending, 'uid-over', origin())).toEqual({ browserSecret: undefined });
    const { rows } = await t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM mail_outbox WHERE template = 'legacy-mailbox-proof'");
    expect(rows[0]!.n).toBe(MAILBOX_PROOF_LIMITS.holdPerAccount.limit);
  });

  it('a verified source locks in at once; the hold can no longer lock anything in', async () => {
    const { browserSecret, code } = await holdWith(PASSWORDS.mobile);
    expect((await accounts.authenticate(ANNA, PASSWORDS['customer-center'])).account?.email_verified).toBe(true);
    expect(await proof.proveByCode(browserSecret, UID, code, origin())).toEqual({ outcome: 'password-set' });
    expect((await hasher.verify((await anna()).password_hash!, PASSWORDS.mobile)).valid).toBe(false);
  });
});

describe.each(databaseKinds)('the login page\'s first-time hint (%s)', (kind) => {
  it('shows once legacy users were imported, asking the database at most once a minute while there are none', async () => {
    const t = await createTestDatabase(kind);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'lk-hint-'));
    try {
      let clock = 0;
      const hint = createFirstSignInHint(t.db, () => clock);
      expect(await hint.shown()).toBe(false);
      await copyFile(path.join(FIXTURES, 'eshop.ndjson'), path.join(dir, 'eshop.ndjson'));
      await createLegacyImport({ db: t.db, audit: createAuditLog(t.db), sourcePrecedence: ['eshop'] }).importFile({ file: path.join(dir, 'eshop.ndjson'), source: 'eshop' });
      clock = 59_000;
      expect(await hint.shown()).toBe(false);
      clock = 61_000;
      expect(await hint.shown()).toBe(true);
      expect(await createFirstSignInHint(t.db).shown()).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
      await t.close();
    }
  });
});
