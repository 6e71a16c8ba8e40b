// Sign-up end to end as a person and a sibling app experience it: the "Create account" link on the login
// page, the form's policy messages, the mailed link (GET confirms, POST verifies) and 6-digit code, back to
// the sign-in with the email filled in, and tokens for the app. A taken email gets the owner a mail and
// the same page. Real parts: Latchkey over HTTP, openid-client, an SMTP server, both databases.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { databaseKinds } from '../../support/databases.js';
import { codeIn, linkTo } from '../../support/mailbox.js';
import { isLoginPage, submitForm, visit } from '../../support/relying-party.js';
import {
  browser, callbackOf, freshEmail, GOOD_PASSWORD, linkOn, normalised, openLogin, pageOf, redeem, registerDirectly,
  SHOP, startSelfService, submitLogin, textOf, type SelfServiceTest,
} from './helpers.js';

describe.each(databaseKinds)('sign-up (%s)', (kind) => {
  let s: SelfServiceTest;

  beforeAll(async () => {
    s = await startSelfService(kind);
  }, 60_000);
  afterAll(async () => s?.close());

  const accountOf = (email: string) => s.t.latchkey.services.accounts.findByEmail(email);

  it('signs up inside an authorization, verifies by the mailed link and returns to the app with tokens', async () => {
    const ua = browser();
    const email = freshEmail('ada');
    const { start, page: login } = await openLogin(s, ua);
    const register = pageOf(await visit(ua, linkOn(login, '/register?interaction=')));
    expect(register.status).toBe(200);
    expect(register.html).toContain(`Create an account to continue to ${SHOP}`);
    expect(register.html).toMatch(/<input id="email" name="email" type="email" autocomplete="email"/);
    expect(register.html).toMatch(/<input id="password" name="password" type="password" autocomplete="new-password"/);
    expect(register.html).toContain('/assets/password-strength.js');

    const check = pageOf(await submitForm(ua, register, '/register', { name: 'Ada Lovelace', email, password: GOOD_PASSWORD }));
    expect(check.status).toBe(200);
    expect(textOf(check)).toContain(`We sent a message to ${email}`);
    const account = await accountOf(email);
    expect(account).toMatchObject({ email, email_verified: false, name: 'Ada Lovelace', status: 'active' });

    const mail = await s.mailbox.next(s.t.latchkey, email);
    expect(mail.headers.get('subject')).toBe('Confirm your email address');
    expect(mail.text).toContain(SHOP);
    const link = linkTo(mail, '/verify-email');
    expect(link.href.startsWith(`${s.t.issuer}/verify-email?token=`)).toBe(true);

    // A GET (what a mail scanner does) only shows a button.
    const confirm = pageOf(await visit(browser(), link));
    expect(confirm.status).toBe(200);
    expect((await accountOf(email))!.email_verified).toBe(false);
    const verified = pageOf(await submitForm(ua, pageOf(await visit(ua, link)), '/verify-email'));
    expect(verified.status).toBe(200);
    expect(textOf(verified)).toContain('Email address verified');
    expect((await accountOf(email))!.email_verified).toBe(true);

    // Back to the same sign-in, email filled in, then tokens for the app.
    const back = pageOf(await visit(ua, linkOn(verified, '/interaction/')));
    expect(isLoginPage(back)).toBe(true);
    expect(back.html).toContain(`value="${email}"`);
    expect(textOf(back)).toContain('Your email address is verified');
    const tokens = await redeem(s, start, callbackOf(await submitLogin(ua, back, email, GOOD_PASSWORD)));
    expect(tokens.claims()).toMatchObject({ sub: account!.id, email, email_verified: true });

    // The link worked once.
    const reused = pageOf(await visit(ua, link));
    expect(reused.status).toBe(410);
    expect(textOf(reused)).toContain('This link has expired or was already used');
  });

  it('verifies with the 6-digit code typed on the "check your email" page', async () => {
    const ua = browser();
    const email = freshEmail('code');
    const check = await registerDirectly(ua, s.t.issuer, { email, password: GOOD_PASSWORD });
    const mail = await s.mailbox.next(s.t.latchkey, email);
    const code = codeIn(mail);
    const wrong = code === '123456' ? '654321' : '123456';

    const refused = pageOf(await submitForm(ua, check, '/verify-email/code', { code: wrong }));
    expect(refused.status).toBe(400);
    expect(textOf(refused)).toContain('This code is not valid');
    expect((await accountOf(email))!.email_verified).toBe(false);

    const verified = pageOf(await submitForm(ua, refused, '/verify-email/code', { code }));
    expect(verified.status).toBe(200);
    expect(textOf(verified)).toContain('Email address verified');
    expect((await accountOf(email))!.email_verified).toBe(true);
    // The code and its link are used up together.
    expect(pageOf(await visit(ua, linkTo(mail, '/verify-email'))).status).toBe(410);
  });

  it('fails a wrong code, an unknown email and a malformed code the same way, and kills the code after 5 wrong tries', async () => {
    const ua = browser();
    const email = freshEmail('guess');
    const check = await registerDirectly(ua, s.t.issuer, { email, password: GOOD_PASSWORD });
    const code = codeIn(await s.mailbox.next(s.t.latchkey, email));
    const wrong = code === '000000' ? '111111' : '000000';

    const unknown = pageOf(await submitForm(ua, check, '/verify-email/code', { email: freshEmail('nobody'), code }));
    const malformed = pageOf(await submitForm(ua, check, '/verify-email/code', { code: '12ab' }));
    expect(unknown.status).toBe(400);
    expect(malformed.status).toBe(400);
    expect(textOf(unknown).replace(/\S+@example\.com/g, 'EMAIL')).toBe(textOf(malformed).replace(/\S+@example\.com/g, 'EMAIL'));

    for (let i = 0; i < 4; i++) expect(pageOf(await submitForm(ua, check, '/verify-email/code', { code: wrong })).status).toBe(400);
    // malformed counted too: that is 5 wrong tries; the right code no longer works.
    const late = pageOf(await submitForm(ua, check, '/verify-email/code', { code }));
    expect(late.status).toBe(400);
    expect((await accountOf(email))!.email_verified).toBe(false);
  });

  it('refuses a weak password next to the field, keeping the name and email but never the password', async () => {
    const ua = browser();
    const email = freshEmail('weak');
    const form = pageOf(await visit(ua, `${s.t.issuer}/register`));
    for (const [password, message] of [
      ['short', 'at least 8 characters'],
      ['password123', 'one of the most common'],
      [`${email.split('@')[0]}!!`, 'must not contain your email address'],
    ] as const) {
      const refused = pageOf(await submitForm(ua, form, '/register', { name: 'Weak Walter', email, password }));
      expect(refused.status).toBe(400);
      expect(refused.html).toMatch(new RegExp(`<p id="password-error" class="field-error">[^<]*${message}`));
      expect(refused.html).toMatch(/id="password"[^>]*aria-invalid="true"/);
      expect(refused.html).toContain(`value="${email}"`);
      expect(refused.html).toContain('value="Weak Walter"');
      expect(refused.html).not.toContain(password === 'short' ? 'value="short"' : password);
    }
    const badEmail = pageOf(await submitForm(ua, form, '/register', { name: 'X', email: 'not-an-email', password: GOOD_PASSWORD }));
    expect(badEmail.status).toBe(400);
    expect(badEmail.html).toContain('<p id="email-error" class="field-error">Enter a valid email address');
    expect(await accountOf(email)).toBeUndefined();
    expect(s.mailbox.to(email)).toHaveLength(0);
  });

  it('answers a sign-up with a taken email exactly like a new one, changes nothing, and tells the owner by mail', async () => {
    const existing = freshEmail('taken');
    const owner = await s.t.latchkey.services.accounts.create({ email: existing, password: 'the original owner pw', name: 'Owner', emailVerified: true });
    const fresh = freshEmail('fresh');

    const newPage = await registerDirectly(browser(), s.t.issuer, { email: fresh, password: GOOD_PASSWORD, name: 'Same Name' });
    const takenPage = await registerDirectly(browser(), s.t.issuer, { email: existing, password: GOOD_PASSWORD, name: 'Same Name' });
    expect(takenPage.status).toBe(newPage.status);
    expect(normalised(takenPage).replaceAll(existing, 'EMAIL')).toBe(normalised(newPage).replaceAll(fresh, 'EMAIL'));

    const notice = await s.mailbox.next(s.t.latchkey, existing);
    expect(notice.headers.get('subject')).toBe('You already have an account');
    expect(linkTo(notice, '/account').origin).toBe(new URL(s.t.issuer).origin);
    expect(linkTo(notice, '/forgot-password').href).toBe(`${s.t.issuer}/forgot-password`);
    expect(await accountOf(existing)).toEqual(owner);
    // The owner's password still works; the sign-up's does not.
    expect((await s.t.latchkey.services.accounts.authenticate(existing, 'the original owner pw')).account?.id).toBe(owner.id);
    expect((await s.t.latchkey.services.accounts.authenticate(existing, GOOD_PASSWORD)).account).toBeUndefined();
    const audit = await s.t.latchkey.services.audit.list(owner.id);
    expect(audit.map((e) => e.type)).toContain('signup.existing_email');
  });

  it('has no sign-up page and no "Create account" link when registration is disabled', async () => {
    const closed = await startSelfService(kind, { selfService: { ...s.t.latchkey.config.selfService, registrationEnabled: false } });
    try {
      const ua = browser();
      const { page } = await openLogin(closed, ua);
      expect(page.html).not.toContain('/register');
      expect(page.html).toContain('/forgot-password?interaction=');
      expect(pageOf(await visit(ua, `${closed.t.issuer}/register`)).status).toBe(404);
      const response = await ua.request(`${closed.t.issuer}/register`, { form: { email: freshEmail(), password: GOOD_PASSWORD, name: 'x' } });
      expect(response.status).toBe(404);
    } finally {
      await closed.close();
    }
  });
});
