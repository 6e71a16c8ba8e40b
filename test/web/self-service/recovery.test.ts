// Forgotten password and invitations end to end: the "Forgot password?" link on the login page, the mailed
// single-use link, the new-password form with the policy, everything the reset changes (old password dead,
// refresh tokens issued before dead, mailbox proven, locked account unlocked, notice mailed), dead links
// (expired, reused, tampered, older than the last password change), and accepting a provisioning invitation.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { invitationLink, resetPasswordLink } from '../../../src/services/account-links.js';
import { databaseKinds } from '../../support/databases.js';
import { linkTo } from '../../support/mailbox.js';
import { authorizeThroughForms, oauthError, oidc, startAuthorization, submitForm, visit } from '../../support/relying-party.js';
import {
  browser, callbackOf, freshEmail, GOOD_PASSWORD, linkOn, openLogin, pageOf, redeem, SHOP, startSelfService, submitLogin, textOf, type SelfServiceTest,
} from './helpers.js';

const OLD_PASSWORD = 'first garden lantern 7';
const NEW_PASSWORD = 'second orchard compass 8';

describe.each(databaseKinds)('password recovery (%s)', (kind) => {
  let s: SelfServiceTest;

  beforeAll(async () => {
    s = await startSelfService(kind);
  }, 60_000);
  afterAll(async () => s?.close());

  const services = () => s.t.latchkey.services;
  const newAccount = async (label: string, extra: { emailVerified?: boolean } = {}) => {
    const email = freshEmail(label);
    const account = await services().accounts.create({ email, password: OLD_PASSWORD, name: 'Rita Reset', emailVerified: extra.emailVerified ?? true });
    return { email, account };
  };
  /** Asks for a reset through the pages and returns the mailed link. */
  async function requestReset(email: string, ua = browser()) {
    const page = pageOf(await visit(ua, `${s.t.issuer}/forgot-password`));
    const sent = pageOf(await submitForm(ua, page, '/forgot-password', { email }));
    expect(sent.status).toBe(200);
    return linkTo(await s.mailbox.next(s.t.latchkey, email, { subject: /Reset your password/ }), '/reset-password');
  }

  it('resets from the login page: sessions and refresh tokens die, the old password stops working, a notice is mailed', async () => {
    const { email, account } = await newAccount('forgot');
    // A refresh token issued before the reset.
    const start = await startAuthorization(s.rp, { scope: 'openid email offline_access', prompt: 'consent' });
    const before = await redeem(s, start, await authorizeThroughForms(browser(), start, { email, password: OLD_PASSWORD }, { consent: false }));
    expect(before.refresh_token).toEqual(expect.any(String));

    const ua = browser();
    const { start: second, page: login } = await openLogin(s, ua);
    const forgot = pageOf(await visit(ua, linkOn(login, '/forgot-password?interaction=')));
    const sent = pageOf(await submitForm(ua, forgot, '/forgot-password', { email }));
    expect(textOf(sent)).toContain(`If an account exists for ${email}`);
    const mail = await s.mailbox.next(s.t.latchkey, email);
    expect(mail.headers.get('subject')).toBe('Reset your password');
    expect(mail.text).toContain(SHOP);
    const link = linkTo(mail, '/reset-password');
    expect(link.href.startsWith(`${s.t.issuer}/reset-password?token=`)).toBe(true);

    const form = pageOf(await visit(ua, link));
    expect(form.status).toBe(200);
    expect(form.html).toMatch(/autocomplete="new-password"/);
    // The policy is checked first; a refused password keeps the link usable.
    const weak = pageOf(await submitForm(ua, form, '/reset-password', { password: 'password1' }));
    expect(weak.status).toBe(400);
    expect(weak.html).toContain('<p id="password-error" class="field-error">This password is one of the most common');
    const done = pageOf(await submitForm(ua, weak, '/reset-password', { password: NEW_PASSWORD }));
    expect(done.status).toBe(200);
    expect(textOf(done)).toContain('Your password has been changed');

    const notice = await s.mailbox.next(s.t.latchkey, email);
    expect(notice.headers.get('subject')).toBe('Your password was changed');
    expect(await oauthError(oidc.refreshTokenGrant(s.rp, before.refresh_token!))).toMatchObject({ error: 'invalid_grant' });
    expect((await services().accounts.authenticate(email, OLD_PASSWORD)).account).toBeUndefined();

    // Back to the sign-in it started from, with the new password.
    const back = pageOf(await visit(ua, linkOn(done, '/interaction/')));
    expect(back.html).toContain(`value="${email}"`);
    const tokens = await redeem(s, second, callbackOf(await submitLogin(ua, back, email, NEW_PASSWORD)));
    expect(tokens.claims()!.sub).toBe(account.id);
    expect((await services().audit.list(account.id)).map((e) => e.type)).toEqual(expect.arrayContaining(['password.reset_requested', 'password.reset']));

    // Single use.
    const reused = pageOf(await visit(ua, link));
    expect(reused.status).toBe(410);
    expect(textOf(reused)).toContain('This link has expired or was already used');
    expect(reused.html).toContain('/forgot-password');
  });

  it('refuses expired, tampered and superseded links with the clear "expired or used" page', async () => {
    const { email, account } = await newAccount('dead-links');
    const expired = await services().tokens.issue(s.t.latchkey.db, { purpose: 'reset-password', accountId: account.id, ttlSeconds: -1 });
    const ua = browser();
    for (const url of [
      resetPasswordLink(s.t.issuer, expired.token),
      `${s.t.issuer}/reset-password?token=${'A'.repeat(43)}`,
      `${s.t.issuer}/reset-password?token=%27%3B--`,
      `${s.t.issuer}/reset-password`,
    ]) {
      const page = pageOf(await visit(ua, url));
      expect(page.status).toBe(410);
      expect(textOf(page)).toContain('This link has expired or was already used');
    }
    // A POST with a dead token changes nothing.
    const live = await requestReset(email);
    const form = pageOf(await visit(ua, live));
    const tampered = pageOf(await submitForm(ua, form, '/reset-password', { token: expired.token, password: NEW_PASSWORD }));
    expect(tampered.status).toBe(410);
    // A newer request replaces the older link.
    const newer = await requestReset(email);
    expect(pageOf(await visit(ua, live)).status).toBe(410);
    expect(pageOf(await visit(ua, newer)).status).toBe(200);
    expect((await services().accounts.authenticate(email, OLD_PASSWORD)).account?.id).toBe(account.id);
  });

  it('kills a reset link issued before the last password change', async () => {
    const { email, account } = await newAccount('changed');
    const link = await requestReset(email);
    // A password change elsewhere (the account center also revokes resets; this checks the date alone).
    await s.t.latchkey.db.query("UPDATE accounts SET password_changed_at = now() + interval '1 second' WHERE id = $1", [account.id]);
    expect(pageOf(await visit(browser(), link)).status).toBe(410);
  });

  it('unlocks a locked account and proves the mailbox, but leaves a blocked account blocked', async () => {
    const locked = await newAccount('locked', { emailVerified: false });
    await s.t.latchkey.db.query("UPDATE accounts SET status = 'locked', locked_at = now() WHERE id = $1", [locked.account.id]);
    const ua = browser();
    pageOf(await submitForm(ua, pageOf(await visit(ua, await requestReset(locked.email))), '/reset-password', { password: NEW_PASSWORD }));
    expect(await services().accounts.findById(locked.account.id)).toMatchObject({ status: 'active', email_verified: true });
    expect((await services().accounts.authenticate(locked.email, NEW_PASSWORD)).account?.id).toBe(locked.account.id);

    const blocked = await newAccount('blocked');
    await services().accounts.block(blocked.email);
    pageOf(await submitForm(ua, pageOf(await visit(ua, await requestReset(blocked.email))), '/reset-password', { password: NEW_PASSWORD }));
    expect((await services().accounts.findById(blocked.account.id))!.status).toBe('blocked');
    expect((await services().accounts.authenticate(blocked.email, NEW_PASSWORD)).account).toBeUndefined();
  });

  it('rate limits per email and per IP, answering exactly as before and sending nothing more', async () => {
    const { email } = await newAccount('limited');
    const ua = browser();
    const form = pageOf(await visit(ua, `${s.t.issuer}/forgot-password`));
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(pageOf(await submitForm(ua, form, '/forgot-password', { email })));
    for (let i = 0; i < 3; i++) await s.mailbox.next(s.t.latchkey, email);
    await s.t.latchkey.mailer.deliverDue();
    expect(s.mailbox.to(email)).toHaveLength(3);
    expect(new Set(answers.map((a) => `${a.status} ${textOf(a)}`)).size).toBe(1);

    // One IP asking for many addresses: 20 requests an hour, then nothing is sent.
    const spray = browser();
    const sprayForm = pageOf(await visit(spray, `${s.t.issuer}/forgot-password`));
    for (let i = 0; i < 20; i++) await submitForm(spray, sprayForm, '/forgot-password', { email: freshEmail('nobody') });
    const victim = await newAccount('victim');
    const limited = pageOf(await submitForm(spray, sprayForm, '/forgot-password', { email: victim.email }));
    expect(limited.status).toBe(200);
    expect(textOf(limited)).toContain(`If an account exists for ${victim.email}`);
    await s.t.latchkey.mailer.deliverDue();
    expect(s.mailbox.to(victim.email)).toHaveLength(0);
    // Another IP is not affected.
    await requestReset(victim.email);
  });
});

describe.each(databaseKinds)('invitations (%s)', (kind) => {
  let s: SelfServiceTest;

  beforeAll(async () => {
    s = await startSelfService(kind);
  }, 60_000);
  afterAll(async () => s?.close());

  /** An account created without a password, as the provisioning API does, and its invitation link. */
  async function invite(name?: string) {
    const email = freshEmail('invited');
    const account = await s.t.latchkey.services.accounts.create({ email, name });
    const issued = await s.t.latchkey.services.tokens.issue(s.t.latchkey.db, { purpose: 'invitation', accountId: account.id });
    return { email, account, link: new URL(invitationLink(s.t.issuer, issued.token)) };
  }

  it('sets the first password and the name through the link, verifies the email, and the person can sign in', async () => {
    const { email, account, link } = await invite();
    const ua = browser();
    const form = pageOf(await visit(ua, link));
    expect(form.status).toBe(200);
    expect(form.html).toContain('id="name"');
    expect(form.html).toMatch(/autocomplete="new-password"/);
    const weak = pageOf(await submitForm(ua, form, '/invitation', { name: 'Ivy Invited', password: 'short' }));
    expect(weak.status).toBe(400);
    expect(weak.html).toContain('value="Ivy Invited"');
    const done = pageOf(await submitForm(ua, weak, '/invitation', { name: 'Ivy Invited', password: GOOD_PASSWORD }));
    expect(done.status).toBe(200);
    expect(textOf(done)).toContain('You can sign in now');
    expect(await s.t.latchkey.services.accounts.findById(account.id)).toMatchObject({ name: 'Ivy Invited', email_verified: true });
    expect((await s.t.latchkey.services.audit.list(account.id)).map((e) => e.type)).toContain('invitation.accepted');

    const login = browser();
    const { start, page } = await openLogin(s, login);
    const tokens = await redeem(s, start, callbackOf(await submitLogin(login, page, email, GOOD_PASSWORD)));
    expect(tokens.claims()).toMatchObject({ sub: account.id, email_verified: true });
    expect(pageOf(await visit(ua, link)).status).toBe(410);
  });

  it('does not ask for a name the account already has, and refuses an expired invitation', async () => {
    const { link } = await invite('Named Already');
    const form = pageOf(await visit(browser(), link));
    expect(form.html).not.toContain('id="name"');

    const { account } = await invite();
    const expired = await s.t.latchkey.services.tokens.issue(s.t.latchkey.db, { purpose: 'invitation', accountId: account.id, ttlSeconds: -1 });
    const dead = pageOf(await visit(browser(), invitationLink(s.t.issuer, expired.token)));
    expect(dead.status).toBe(410);
    expect(dead.html).toContain('/forgot-password');
  });
});
