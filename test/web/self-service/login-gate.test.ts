// The verified-email gate of the login: a right password for an unverified address holds the login on a
// "verify your email" page (a wrong one shows the usual error, so nothing is revealed); the mailed code
// typed there finishes the login; "send again" kills the old link and code; only the browser that typed
// the password can finish; with LATCHKEY_REQUIRE_VERIFIED_EMAIL off the login goes straight through.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { databaseKinds } from '../../support/databases.js';
import { codeIn, linkTo } from '../../support/mailbox.js';
import { isLoginPage, submitForm, visit } from '../../support/relying-party.js';
import {
  browser, callbackOf, freshEmail, GOOD_PASSWORD, normalised, openLogin, pageOf, redeem, registerDirectly,
  startSelfService, submitLogin, textOf, type SelfServiceTest,
} from './helpers.js';

describe.each(databaseKinds)('login with an unverified email (%s)', (kind) => {
  let s: SelfServiceTest;

  beforeAll(async () => {
    s = await startSelfService(kind);
  }, 60_000);
  afterAll(async () => s?.close());

  /** Signs up (outside any app) and returns the mailed code and link. */
  async function signUp(email: string) {
    await registerDirectly(browser(), s.t.issuer, { email, password: GOOD_PASSWORD });
    const mail = await s.mailbox.next(s.t.latchkey, email);
    return { code: codeIn(mail), link: linkTo(mail, '/verify-email') };
  }

  it('holds the login after the right password, and the mailed code typed there finishes it with tokens', async () => {
    const email = freshEmail('gate');
    const { code } = await signUp(email);
    const ua = browser();
    const { start, page } = await openLogin(s, ua);

    // A wrong password: the ordinary error, not the verification page.
    const wrong = pageOf(await submitLogin(ua, page, email, 'not the password at all'));
    expect(isLoginPage(wrong)).toBe(true);
    expect(textOf(wrong)).toContain('Incorrect email or password.');

    const gate = pageOf(await submitLogin(ua, wrong, email, GOOD_PASSWORD));
    expect(gate.status).toBe(200);
    expect(textOf(gate)).toContain('Verify your email address');
    expect(textOf(gate)).toContain(email);
    const bad = pageOf(await submitForm(ua, gate, '/verify-email/code', { code: code === '000000' ? '999999' : '000000' }));
    expect(bad.status).toBe(400);
    expect(textOf(bad)).toContain('This code is not valid');

    const tokens = await redeem(s, start, callbackOf(await submitForm(ua, bad, '/verify-email/code', { code })));
    expect(tokens.claims()).toMatchObject({ email, email_verified: true });
  });

  it('lets only the browser that typed the password finish with the code', async () => {
    const email = freshEmail('other-browser');
    const { code } = await signUp(email);
    const ua = browser();
    const { page } = await openLogin(s, ua);
    const gate = pageOf(await submitLogin(ua, page, email, GOOD_PASSWORD));
    const form = gate.forms.find((f) => f.action.endsWith('/verify-email/code'))!;

    // Another browser (no password proven) posting to the same interaction gets nowhere.
    const intruder = browser();
    const attempt = await intruder.request(form.action, { form: { ...form.fields, code } });
    expect(attempt.status).toBeGreaterThanOrEqual(300);
    expect((await s.t.latchkey.services.accounts.findByEmail(email))!.email_verified).toBe(false);
  });

  it('sends a new link and code on request; the old ones stop working; the new link also lets the person in', async () => {
    const email = freshEmail('resend');
    const old = await signUp(email);
    const ua = browser();
    const { start, page } = await openLogin(s, ua);
    const gate = pageOf(await submitLogin(ua, page, email, GOOD_PASSWORD));
    const resent = pageOf(await submitForm(ua, gate, '/verify-email/resend'));
    expect(resent.status).toBe(200);
    expect(textOf(resent)).toContain('Earlier links and codes no longer work');
    const mail = await s.mailbox.next(s.t.latchkey, email);
    expect(pageOf(await visit(browser(), old.link)).status).toBe(410);
    expect(codeIn(mail)).toMatch(/^\d{6}$/);

    // The new link verifies (in another tab); the login then goes through.
    const other = browser();
    pageOf(await submitForm(other, pageOf(await visit(other, linkTo(mail, '/verify-email'))), '/verify-email'));
    const back = pageOf(await visit(ua, `${s.t.issuer}/interaction/${new URL(resent.forms[0]!.action).pathname.split('/')[2]}`));
    const tokens = await redeem(s, start, callbackOf(await submitLogin(ua, back, email, GOOD_PASSWORD)));
    expect(tokens.claims()!.email_verified).toBe(true);
  });

  it('rate limits "send again" per account: the page answers the same, no more mail is sent', async () => {
    const email = freshEmail('resend-limit');
    await signUp(email);
    const ua = browser();
    const { page } = await openLogin(s, ua);
    const gate = pageOf(await submitLogin(ua, page, email, GOOD_PASSWORD));
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(pageOf(await submitForm(ua, gate, '/verify-email/resend')));
    await s.mailbox.next(s.t.latchkey, email);
    await s.mailbox.next(s.t.latchkey, email);
    await s.mailbox.next(s.t.latchkey, email);
    await s.t.latchkey.mailer.deliverDue();
    // The sign-up mail + 3 resends; the 4th was refused.
    expect(s.mailbox.to(email)).toHaveLength(4);
    expect(new Set(answers.map((a) => `${a.status} ${normalised(a)}`)).size).toBe(1);
  });

  it('refuses a locked account like a wrong password', async () => {
    const email = freshEmail('locked');
    const account = await s.t.latchkey.services.accounts.create({ email, password: GOOD_PASSWORD, emailVerified: true });
    await s.t.latchkey.db.query("UPDATE accounts SET status = 'locked', locked_at = now() WHERE id = $1", [account.id]);
    const ua = browser();
    const { page } = await openLogin(s, ua);
    const refused = pageOf(await submitLogin(ua, page, email, GOOD_PASSWORD));
    expect(refused.status).toBe(400);
    expect(textOf(refused)).toContain('Incorrect email or password.');
  });

  it('lets an unverified account straight in when LATCHKEY_REQUIRE_VERIFIED_EMAIL is off', async () => {
    const open = await startSelfService(kind, { selfService: { ...s.t.latchkey.config.selfService, requireVerifiedEmail: false } });
    try {
      const email = freshEmail('no-gate');
      await open.t.latchkey.services.accounts.create({ email, password: GOOD_PASSWORD });
      const ua = browser();
      const { start, page } = await openLogin(open, ua);
      const tokens = await redeem(open, start, callbackOf(await submitLogin(ua, page, email, GOOD_PASSWORD)));
      expect(tokens.claims()).toMatchObject({ email, email_verified: false });
    } finally {
      await open.close();
    }
  });
});
