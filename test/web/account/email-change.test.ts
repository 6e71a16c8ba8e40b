// Email change through the account center and the mailed links (a real SMTP server receives them):
// verification applies the change; taken addresses (at request and at verification), expired, reused
// and tampered links fail clearly; "this was not me" locks the account until a password reset.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { databaseKinds } from '../../support/databases.js';
import { startTestLatchkey, type TestLatchkey } from '../../support/latchkey.js';
import { linkTo, startMailbox, type Mailbox } from '../../support/mailbox.js';
import { UserAgent } from '../../support/user-agent.js';
import { open, signIn, submit, textOf } from './helpers.js';

describe.each(databaseKinds)('email change pages (%s)', (kind) => {
  let t: TestLatchkey;
  let mailbox: Mailbox;
  let n = 0;

  beforeAll(async () => {
    mailbox = await startMailbox();
    t = await startTestLatchkey(kind, {}, { ...mailbox.env, LATCHKEY_BRUTE_FORCE_QUICK_LOGIN_MS: '0' });
  });
  afterAll(async () => {
    await t?.close();
    await mailbox?.close();
  });

  async function signedInUser() {
    const user = { email: `person${++n}@example.com`, password: `my long passphrase ${n}` };
    const id = (await t.latchkey.services.accounts.create({ ...user, name: 'Karel Čapek', emailVerified: true })).id;
    const ua = new UserAgent();
    await signIn(ua, t.issuer, user);
    const security = await open(ua, `${t.issuer}/account/security`);
    return { ...user, id, ua, security };
  }

  async function requestChange(u: Awaited<ReturnType<typeof signedInUser>>, newEmail: string) {
    const done = await submit(u.ua, u.security, '/account/email', { new_email: newEmail, current_password: u.password });
    expect(done.url.search).toBe('?done=email');
    const verify = linkTo(await mailbox.next(t.latchkey, newEmail), '/email-change/verify');
    const notMe = linkTo(await mailbox.next(t.latchkey, u.email), '/email-change/not-me');
    return { verify, notMe, page: done };
  }

  it('applies the change once the link mailed to the new address is confirmed (GET only asks)', async () => {
    const u = await signedInUser();
    const { verify, page } = await requestChange(u, `new${n}@example.com`);
    expect(textOf(page.html)).toContain(`We sent a confirmation link to new${n}@example.com`);
    // A mail scanner opening the link changes nothing.
    const browser = new UserAgent();
    const confirm = await open(browser, verify);
    await open(new UserAgent(), verify);
    expect(textOf(confirm.html)).toContain(`sign in with new${n}@example.com from now on`);
    expect((await t.latchkey.services.accounts.findById(u.id))!.email).toBe(u.email);

    const applied = await submit(browser, confirm, '/email-change/verify');
    expect(applied.status).toBe(200);
    expect(textOf(applied.html)).toContain(`You now sign in with new${n}@example.com`);
    expect((await t.latchkey.services.accounts.findById(u.id))).toMatchObject({ email: `new${n}@example.com`, email_verified: true });
    expect((await t.latchkey.services.accounts.authenticate(`new${n}@example.com`, u.password)).account?.id).toBe(u.id);

    // Reused: the link is dead, on GET and on POST.
    const reused = await submit(browser, confirm, '/email-change/verify');
    expect(reused.status).toBe(400);
    expect(textOf(reused.html)).toContain('This link has expired or was already used.');
    expect((await open(browser, verify)).status).toBe(400);
  });

  it('refuses a wrong current password and a taken address on the form, keeping the input', async () => {
    const u = await signedInUser();
    await t.latchkey.services.accounts.create({ email: 'occupied@example.com', password: 'whatever it is 1' });
    const wrong = await submit(u.ua, u.security, '/account/email', { new_email: 'free@example.com', current_password: 'nope nope nope' });
    expect(wrong.status).toBe(400);
    expect(textOf(wrong.html)).toContain('The current password is not correct.');
    const taken = await submit(u.ua, u.security, '/account/email', { new_email: 'occupied@example.com', current_password: u.password });
    expect(taken.status).toBe(400);
    expect(textOf(taken.html)).toContain('This email address cannot be used.');
    expect(taken.html).toContain('value="occupied@example.com"');
    expect(mailbox.to('occupied@example.com')).toEqual([]);
  });

  it('says clearly when the new address was taken before the link was confirmed', async () => {
    const u = await signedInUser();
    const { verify } = await requestChange(u, `race${n}@example.com`);
    await t.latchkey.services.accounts.create({ email: `race${n}@example.com`, password: 'someone else 123' });
    const browser = new UserAgent();
    const result = await submit(browser, await open(browser, verify), '/email-change/verify');
    expect(result.status).toBe(409);
    expect(textOf(result.html)).toContain('cannot be used any more. Your email address stays as it was.');
    expect((await t.latchkey.services.accounts.findById(u.id))!.email).toBe(u.email);
  });

  it('refuses tampered and expired links', async () => {
    const u = await signedInUser();
    const { verify } = await requestChange(u, `late${n}@example.com`);
    const tampered = new URL(verify);
    tampered.searchParams.set('token', `${verify.searchParams.get('token')!.slice(0, -2)}xx`);
    expect((await open(new UserAgent(), tampered)).status).toBe(400);
    const forged = await open(new UserAgent(), `${t.issuer}/email-change/verify?token=${'A'.repeat(43)}`);
    expect(textOf(forged.html)).toContain('This link has expired or was already used.');
    await t.database.db.query(`UPDATE account_tokens SET expires_at = now() - interval '1 second' WHERE account_id = $1`, [u.id]);
    const expired = await open(new UserAgent(), verify);
    expect(expired.status).toBe(400);
    expect((await t.latchkey.services.accounts.findById(u.id))!.email).toBe(u.email);
  });

  it('"this was not me" locks the account: sessions end, sign-in fails until the password is reset', async () => {
    const u = await signedInUser();
    const { verify, notMe } = await requestChange(u, `intruder${n}@example.com`);
    const owner = new UserAgent();
    const question = await open(owner, notMe);
    expect(textOf(question.html)).toContain(`change your account email to intruder${n}@example.com`);
    const locked = await submit(owner, question, '/email-change/not-me');
    expect(textOf(locked.html)).toContain('Your account is locked');
    expect((await t.latchkey.services.accounts.findById(u.id))!.status).toBe('locked');

    // The session that asked for the change is gone; the verification link is dead; the password no longer signs in.
    expect((await open(u.ua, `${t.issuer}/account`)).url.pathname).toMatch(/^\/interaction\//);
    expect((await open(new UserAgent(), verify)).status).toBe(400);
    const refused = await signIn(new UserAgent(), t.issuer, u);
    expect(textOf(refused.html)).toContain('Incorrect email or password.');

    // The reset flow unlocks it.
    const forgot = await open(owner, `${t.issuer}/forgot-password`);
    await submit(owner, forgot, '/forgot-password', { email: u.email });
    const reset = linkTo(await mailbox.next(t.latchkey, u.email, { subject: /password/i }), '/reset-password');
    const form = await open(owner, reset);
    await submit(owner, form, '/reset-password', { password: 'a fresh start for me' });
    expect((await t.latchkey.services.accounts.findById(u.id))!.status).toBe('active');
    const back = await signIn(new UserAgent(), t.issuer, { email: u.email, password: 'a fresh start for me' });
    expect(back.url.pathname).toBe('/account');
  });
});

describe('email change with staff approval (pglite)', () => {
  let t: TestLatchkey;
  let mailbox: Mailbox;
  beforeAll(async () => {
    mailbox = await startMailbox();
    t = await startTestLatchkey('pglite', {}, { ...mailbox.env, LATCHKEY_EMAIL_CHANGE_APPROVAL: 'true' });
  });
  afterAll(async () => {
    await t?.close();
    await mailbox?.close();
  });

  it('holds the verified change for support and says so', async () => {
    const user = { email: 'held@example.com', password: 'waiting for support 1' };
    const id = (await t.latchkey.services.accounts.create({ ...user, emailVerified: true })).id;
    const ua = new UserAgent();
    await signIn(ua, t.issuer, user);
    const security = await open(ua, `${t.issuer}/account/security`);
    await submit(ua, security, '/account/email', { new_email: 'approved-later@example.com', current_password: user.password });
    const verify = linkTo(await mailbox.next(t.latchkey, 'approved-later@example.com'), '/email-change/verify');
    const result = await submit(ua, await open(ua, verify), '/email-change/verify');
    expect(textOf(result.html)).toContain('waits for approval by support');
    expect((await t.latchkey.services.accounts.findById(id))!.email).toBe(user.email);
    expect(textOf((await open(ua, `${t.issuer}/account/security`)).html)).toContain('The change to approved-later@example.com is confirmed and waits for approval by support.');
  });
});
