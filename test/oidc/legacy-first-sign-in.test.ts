// First sign-in with a legacy password through the real login page and authorization-code flow (openid-client),
// on both databases, with mail delivered to a real SMTP server (issue 4, items 4 and 5):
// (a) a verified source's password gives tokens at once, and afterwards only that password works;
// (b) takeover defence: the password of a source that never verified addresses only reaches the "we sent a code"
//     page: no tokens, no session, nothing of the profile; the code goes to the owner's mailbox; an attacker
//     guessing codes gets nowhere; the mailed link does nothing in another browser; with the code, tokens.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { hashSync } from '@node-rs/bcrypt';
import { createHash, pbkdf2Sync, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Latchkey } from '../../src/app.js';
import { databaseKinds } from '../support/databases.js';
import { codeIn, linkTo } from '../support/mailbox.js';
import { immediateCallback, isLoginPage, oidc, startAuthorization, submitForm, visit } from '../support/relying-party.js';
import {
  browser, callbackOf, freshEmail, normalised, openLogin, pageOf, redeem, startSelfService, submitLogin, textOf, type SelfServiceTest,
} from '../web/self-service/helpers.js';

const PASSWORDS = { center: 'center password of the person', eshop: 'eshop password of the person', mobile: 'mobile password of the person' };
const HINT = 'First time here? Use the email and password from the e-shop, the customer center or the mobile app.';

/** Imports one person into three sources as an operator would: the customer center with --emails-verified, the others without. */
async function importPerson(latchkey: Latchkey, email: string) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lk-first-sign-in-'));
  const id = randomBytes(4).toString('hex');
  const salt = randomBytes(6).toString('hex');
  const sources = [
    { source: 'customer-center', verified: true, record: {
      legacy_id: `c-${id}`, email, name: 'Centre Name', customer_id: `C-${id}`,
      password_hash: `pbkdf2_sha256$1000$${salt}$${pbkdf2Sync(PASSWORDS.center, salt, 1000, 32, 'sha256').toString('base64')}`,
    } },
    { source: 'eshop', verified: false, record: { legacy_id: `e-${id}`, email, name: 'Shop Name', password_hash: hashSync(PASSWORDS.eshop, { cost: 4 }) } },
    { source: 'mobile', verified: false, record: {
      legacy_id: `m-${id}`, email, phone: '+420 601 999 999', password_hash: createHash('md5').update(PASSWORDS.mobile + salt).digest('hex'),
      hash_scheme: 'md5', salt, salt_position: 'suffix',
    } },
  ];
  try {
    for (const { source, verified, record } of sources) {
      const file = path.join(dir, `${source}.ndjson`);
      await writeFile(file, `${JSON.stringify(record)}\n`);
      const summary = await latchkey.services.legacyImport.importFile({ file, source, emailsVerified: verified, rejectsPath: path.join(dir, 'rejects.ndjson') });
      expect(summary.rejected).toBe(0);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe.each(databaseKinds)('first sign-in with a legacy password (%s)', (kind) => {
  let s: SelfServiceTest;

  beforeAll(async () => {
    s = await startSelfService(kind);
    await importPerson(s.t.latchkey, freshEmail('warm-up'));
  }, 60_000);
  afterAll(async () => s?.close());

  const account = (email: string) => s.t.latchkey.services.accounts.findByEmail(email);
  /** A new authorization in this browser with prompt=none: does a session exist? */
  const hasSession = async (ua: ReturnType<typeof browser>) => {
    const start = await startAuthorization(s.rp, { prompt: 'none' });
    const callback = await immediateCallback(ua, start.url);
    return callback.searchParams.get('error') === null;
  };

  it('(a) a verified source\'s password gives tokens at once; afterwards only that password works', async () => {
    const email = freshEmail('verified-source');
    await importPerson(s.t.latchkey, email);
    const ua = browser();
    const { start, page } = await openLogin(s, ua);
    expect(textOf(page)).toContain(HINT);
    const tokens = await redeem(s, start, callbackOf(await submitLogin(ua, page, email, PASSWORDS.center)));
    expect(tokens.claims()).toMatchObject({ email, email_verified: true });
    const info = await oidc.fetchUserInfo(s.rp, tokens.access_token, tokens.claims()!.sub);
    expect(info).toMatchObject({ email, email_verified: true });
    expect(s.mailbox.to(email)).toHaveLength(0);

    for (const old of [PASSWORDS.eshop, PASSWORDS.mobile]) {
      const other = browser();
      const again = await openLogin(s, other);
      const refused = pageOf(await submitLogin(other, again.page, email, old));
      expect(isLoginPage(refused)).toBe(true);
      expect(textOf(refused)).toContain('Incorrect email or password.');
    }
    const other = browser();
    const again = await openLogin(s, other);
    const wrong = pageOf(await submitLogin(other, again.page, email, PASSWORDS.eshop));
    expect(textOf(wrong)).toContain('Incorrect email or password.');
    const later = await redeem(s, again.start, callbackOf(await submitLogin(other, wrong, email, PASSWORDS.center)));
    expect(later.claims()?.sub).toBe(tokens.claims()?.sub);
  });

  it('(b) an unverified source\'s password reaches only the code page; the owner\'s mailed code finishes with tokens', async () => {
    const email = freshEmail('takeover');
    await importPerson(s.t.latchkey, email);

    // The attacker knows the password someone once set in the mobile app for this address.
    const attacker = browser();
    const attempt = await openLogin(s, attacker);
    const wrongPassword = pageOf(await submitLogin(attacker, attempt.page, email, 'not any of the passwords'));
    expect(textOf(wrongPassword)).toContain('Incorrect email or password.');
    // A wrong password for an imported account answers exactly like an unknown address; each counts once.
    const stranger = browser();
    const unknown = pageOf(await submitLogin(stranger, (await openLogin(s, stranger)).page, email.replace('takeover', 'nobody'), 'not any of the passwords'));
    const masked = (page: typeof unknown, address: string) => normalised(page).split(address).join('EMAIL');
    expect(masked(unknown, email.replace('takeover', 'nobody'))).toBe(masked(wrongPassword, email));
    expect((await s.t.latchkey.services.bruteForce.status(email)).failures).toBe(1);
    const held = pageOf(await submitLogin(attacker, wrongPassword, email, PASSWORDS.mobile));
    expect(held.status).toBe(200);
    expect(isLoginPage(held)).toBe(false);
    expect(textOf(held)).toContain('we sent a 6-digit code to');
    expect(textOf(held)).toContain(email);
    // Nothing from the sources is shown, no session exists, nothing is locked in.
    for (const secret of ['Centre Name', 'Shop Name', '+420 601 999 999']) expect(textOf(held)).not.toContain(secret);
    expect(await hasSession(attacker)).toBe(false);
    expect((await account(email))!.password_hash).toBeNull();
    expect((await s.t.latchkey.services.bruteForce.status(email)).failures).toBeLessThanOrEqual(1);

    // The code went to the owner's mailbox, not to the attacker; guessing gets nowhere, and the hold dies.
    const mail = await s.mailbox.next(s.t.latchkey, email, { subject: /sign-in code/ });
    const code = codeIn(mail);
    let page = held;
    for (let i = 0; i < 4; i += 1) {
      page = pageOf(await submitForm(attacker, page, '/verify-email/code', { code: String((Number(code) + 1 + i) % 1_000_000).padStart(6, '0') }));
      expect(page.status).toBe(400);
      expect(textOf(page)).toContain('This code is not valid');
    }
    const dead = pageOf(await submitForm(attacker, page, '/verify-email/code', { code: String((Number(code) + 7) % 1_000_000).padStart(6, '0') }));
    expect(textOf(dead)).toContain('Sign in again to get a new code.');
    expect((await account(email))!.password_hash).toBeNull();

    // The owner, in their own browser: the same password, then the code from their mailbox.
    const owner = browser();
    const own = await openLogin(s, owner);
    const ownHeld = pageOf(await submitLogin(owner, own.page, email, PASSWORDS.mobile));
    const ownCode = codeIn(await s.mailbox.next(s.t.latchkey, email, { subject: /sign-in code/ }));
    const tokens = await redeem(s, own.start, callbackOf(await submitForm(owner, ownHeld, '/verify-email/code', { code: ownCode })));
    expect(tokens.claims()).toMatchObject({ email, email_verified: true });
    expect(await oidc.fetchUserInfo(s.rp, tokens.access_token, tokens.claims()!.sub)).toMatchObject({ email, email_verified: true });
    expect(await hasSession(owner)).toBe(true);

    // Only the locked-in password works now.
    const next = browser();
    const after = await openLogin(s, next);
    const refused = pageOf(await submitLogin(next, after.page, email, PASSWORDS.center));
    expect(textOf(refused)).toContain('Incorrect email or password.');
    const final = await redeem(s, after.start, callbackOf(await submitLogin(next, refused, email, PASSWORDS.mobile)));
    expect(final.claims()?.sub).toBe(tokens.claims()?.sub);
  });

  it('(b) the mailed link does nothing in another browser, an old one nothing after a resend, and the new one finishes the sign-in in the browser that typed the password', async () => {
    const email = freshEmail('link');
    await importPerson(s.t.latchkey, email);
    const ua = browser();
    const { start, page } = await openLogin(s, ua);
    const held = pageOf(await submitLogin(ua, page, email, PASSWORDS.eshop));
    const oldLink = linkTo(await s.mailbox.next(s.t.latchkey, email, { subject: /sign-in code/ }), '/verify-email/link');
    // "Send a new link and code": the old link stops working.
    const resent = pageOf(await submitForm(ua, held, '/verify-email/resend'));
    expect(textOf(resent)).toContain('Earlier links and codes no longer work');
    const link = linkTo(await s.mailbox.next(s.t.latchkey, email, { subject: /sign-in code/ }), '/verify-email/link');
    const stale = pageOf(await visit(ua, oldLink));
    expect(stale.status).toBe(400);
    expect(textOf(stale)).toContain('This code is not valid');

    const elsewhere = pageOf(await visit(browser(), link));
    expect(elsewhere.status).toBe(400);
    expect(textOf(elsewhere)).toContain('This link works only in the browser where you signed in.');
    expect((await account(email))!.password_hash).toBeNull();

    const tokens = await redeem(s, start, callbackOf(await visit(ua, link)));
    expect(tokens.claims()).toMatchObject({ email, email_verified: true });
    const events = await s.t.latchkey.services.audit.list((await account(email))!.id);
    expect(events.find((e) => e.type === 'legacy.locked_in')?.data).toMatchObject({ source: 'eshop', mailboxProven: true });
  });
});
