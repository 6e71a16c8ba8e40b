// Self-service for accounts made by the legacy import (issue 4, items 4 and 7), end to end on both databases
// with a real SMTP server: signing up with the address of an imported account that has no Latchkey password yet
// answers with the same page as a new sign-up and mails the owner to sign in with their old e-shop / customer
// center / mobile password; a password reset or an accepted invitation drops every legacy hash in the same
// transaction (audited), so afterwards only the new password opens the account.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { invitationLink } from '../../../src/services/account-links.js';
import { createLegacyIdentityQueries } from '../../../src/queries/legacy-identities.js';
import { databaseKinds } from '../../support/databases.js';
import { linkTo, type ReceivedMail } from '../../support/mailbox.js';
import { submitForm, visit } from '../../support/relying-party.js';
import { UserAgent } from '../../support/user-agent.js';
import {
  browser, callbackOf, freshEmail, freshIp, GOOD_PASSWORD, normalised, openLogin, pageOf, redeem, registerDirectly, startSelfService, submitLogin, textOf,
  type SelfServiceTest,
} from './helpers.js';
import { importLegacyPerson } from './legacy-users.js';

const OLD = { 'customer-center': 'center old password 1', eshop: 'eshop old password 2', mobile: 'mobile old password 3' } as const;
const NEW_PASSWORD = 'brand new lighthouse 9';
const LEGACY_TEXT = 'Sign in with this email address and the password you used in the e-shop, the customer center or the mobile app.';
const NORMAL_INTRO = 'You already have an account, so no new one was created.';

describe.each(databaseKinds)('imported accounts in self-service (%s)', (kind) => {
  let s: SelfServiceTest;

  beforeAll(async () => {
    s = await startSelfService(kind);
  }, 60_000);
  afterAll(async () => s?.close());

  const services = () => s.t.latchkey.services;
  const accountOf = async (email: string) => (await services().accounts.findByEmail(email))!;
  const identitiesOf = (accountId: string) => createLegacyIdentityQueries(s.t.latchkey.db).listByAccount(accountId);
  const signsIn = async (email: string, password: string) => (await services().accounts.authenticate(email, password)).account?.id;
  const flatText = (mail: ReceivedMail) => (mail.text ?? '').replace(/\s+/g, ' ');
  /** Signs up with the address and returns the page and the mail its owner got. */
  async function registerAs(email: string) {
    const page = await registerDirectly(browser(), s.t.issuer, { email, password: GOOD_PASSWORD, name: 'Same Name' });
    return { page, mail: await s.mailbox.next(s.t.latchkey, email) };
  }

  it('answers a sign-up with an imported address like any other and mails the owner to use an old password', async () => {
    const imported = freshEmail('imported');
    await importLegacyPerson(s.t.latchkey, imported, { eshop: OLD.eshop, mobile: OLD.mobile });
    const importedAccount = await accountOf(imported);
    expect(importedAccount.password_hash).toBeNull();
    const normal = freshEmail('normal');
    await services().accounts.create({ email: normal, password: 'a normal owner password', name: 'Owner', emailVerified: true });
    const fresh = freshEmail('fresh');

    const newPage = await registerDirectly(browser(), s.t.issuer, { email: fresh, password: GOOD_PASSWORD, name: 'Same Name' });
    const toImported = await registerAs(imported);
    const toNormal = await registerAs(normal);
    // No enumeration: the same page for a new, an imported and a normal address.
    for (const [page, email] of [[toImported.page, imported], [toNormal.page, normal]] as const) {
      expect(page.status).toBe(newPage.status);
      expect(normalised(page).replaceAll(email, 'EMAIL')).toBe(normalised(newPage).replaceAll(fresh, 'EMAIL'));
    }

    // The imported account's owner: the legacy variant, text and HTML, with the sign-in and reset links.
    const legacy = toImported.mail;
    expect(legacy.headers.get('subject')).toBe('You already have an account');
    expect(flatText(legacy)).toContain(LEGACY_TEXT);
    expect(flatText(legacy)).toContain('The password you sign in with the first time becomes your password');
    expect(flatText(legacy)).not.toContain(NORMAL_INTRO);
    expect(legacy.html).toContain('the password you used in the e-shop, the customer center or the mobile app');
    expect(linkTo(legacy, '/account').origin).toBe(new URL(s.t.issuer).origin);
    expect(linkTo(legacy, '/forgot-password').href).toBe(`${s.t.issuer}/forgot-password`);
    // The normal account's owner: the normal text, no mention of old passwords.
    expect(toNormal.mail.headers.get('subject')).toBe('You already have an account');
    expect(flatText(toNormal.mail)).toContain(NORMAL_INTRO);
    expect(flatText(toNormal.mail)).not.toContain('e-shop');
    expect(toNormal.mail.html).not.toContain('e-shop');

    // Nothing changed on the imported account: no password, both legacy hashes kept, the sign-up's password is no way in.
    expect(await accountOf(imported)).toEqual(importedAccount);
    expect((await identitiesOf(importedAccount.id)).filter((i) => i.password_hash !== null)).toHaveLength(2);
    expect(await signsIn(imported, GOOD_PASSWORD)).toBeUndefined();
    const audit = await services().audit.list(importedAccount.id);
    expect(audit.find((e) => e.type === 'signup.existing_email')?.data).toEqual({ legacyPassword: true });
  });

  it('sends the normal mail once the imported account has locked in a password, and when no source had one', async () => {
    const lockedIn = freshEmail('locked-in');
    await importLegacyPerson(s.t.latchkey, lockedIn, { 'customer-center': OLD['customer-center'], eshop: OLD.eshop });
    expect(await signsIn(lockedIn, OLD['customer-center'])).toBe((await accountOf(lockedIn)).id);
    const noPassword = freshEmail('no-password');
    await importLegacyPerson(s.t.latchkey, noPassword, { eshop: null, mobile: null });
    expect((await accountOf(noPassword)).password_hash).toBeNull();

    for (const email of [lockedIn, noPassword]) {
      const { mail } = await registerAs(email);
      expect(flatText(mail)).toContain(NORMAL_INTRO);
      expect(flatText(mail)).not.toContain(LEGACY_TEXT);
      const audit = await services().audit.list((await accountOf(email)).id);
      expect(audit.find((e) => e.type === 'signup.existing_email')?.data).toEqual({ legacyPassword: false });
    }
  });

  it('mails the legacy variant in the language of the page', async () => {
    const imported = freshEmail('czech');
    await importLegacyPerson(s.t.latchkey, imported, { mobile: OLD.mobile });
    const ua = new UserAgent({ 'x-forwarded-for': freshIp(), 'accept-language': 'cs' });
    await registerDirectly(ua, s.t.issuer, { email: imported, password: GOOD_PASSWORD, name: 'Jana' });
    const mail = await s.mailbox.next(s.t.latchkey, imported);
    expect(mail.headers.get('subject')).toBe('Účet už máte');
    expect(flatText(mail)).toContain('heslem, které jste používali v e-shopu, zákaznickém centru nebo mobilní aplikaci');
  });

  it('a password reset drops every legacy hash: none of the old passwords works, the new one does', async () => {
    const email = freshEmail('reset');
    await importLegacyPerson(s.t.latchkey, email, OLD);
    const account = await accountOf(email);
    const before = await identitiesOf(account.id);
    expect(before.map((i) => i.hash_algorithm).sort()).toEqual(['bcrypt', 'django-pbkdf2-sha256', 'md5'].sort());
    expect(before.every((i) => i.password_hash !== null)).toBe(true);

    const ua = browser();
    const forgot = pageOf(await visit(ua, `${s.t.issuer}/forgot-password`));
    pageOf(await submitForm(ua, forgot, '/forgot-password', { email }));
    const link = linkTo(await s.mailbox.next(s.t.latchkey, email, { subject: /Reset your password/ }), '/reset-password');
    const done = pageOf(await submitForm(ua, pageOf(await visit(ua, link)), '/reset-password', { password: NEW_PASSWORD }));
    expect(done.status).toBe(200);
    expect(textOf(done)).toContain('Your password has been changed');

    const after = await identitiesOf(account.id);
    expect(after).toHaveLength(3);
    for (const identity of after) {
      expect(identity).toMatchObject({ password_hash: null, hash_scheme: null, salt: null, salt_position: null, hash_dropped_reason: 'password-reset', locked_in_at: null });
    }
    expect(after.map((i) => i.hash_algorithm).sort()).toEqual(before.map((i) => i.hash_algorithm).sort());
    for (const old of Object.values(OLD)) expect(await signsIn(email, old)).toBeUndefined();
    expect(await signsIn(email, NEW_PASSWORD)).toBe(account.id);

    // Through the login page too: an old password gets the ordinary error, the new one tokens.
    const login = browser();
    const { start, page } = await openLogin(s, login);
    const refused = pageOf(await submitLogin(login, page, email, OLD['customer-center']));
    expect(textOf(refused)).toContain('Incorrect email or password.');
    const tokens = await redeem(s, start, callbackOf(await submitLogin(login, refused, email, NEW_PASSWORD)));
    expect(tokens.claims()!.sub).toBe(account.id);

    const events = await services().audit.list(account.id);
    const dropped = events.find((e) => e.type === 'legacy.hashes_dropped')!;
    expect(dropped.data).toEqual({ reason: 'password-reset', count: 3, algorithms: before.map((i) => i.hash_algorithm).sort() });
    for (const identity of before) expect(JSON.stringify(dropped.data)).not.toContain(identity.password_hash!);
    expect(events.map((e) => e.type)).toContain('password.reset');
  });

  it('a reset of an account without legacy hashes records no drop', async () => {
    const email = freshEmail('plain-reset');
    const account = await services().accounts.create({ email, password: 'a plain old password', emailVerified: true });
    const ua = browser();
    pageOf(await submitForm(ua, pageOf(await visit(ua, `${s.t.issuer}/forgot-password`)), '/forgot-password', { email }));
    const link = linkTo(await s.mailbox.next(s.t.latchkey, email, { subject: /Reset your password/ }), '/reset-password');
    expect(pageOf(await submitForm(ua, pageOf(await visit(ua, link)), '/reset-password', { password: NEW_PASSWORD })).status).toBe(200);
    const types = (await services().audit.list(account.id)).map((e) => e.type);
    expect(types).toContain('password.reset');
    expect(types).not.toContain('legacy.hashes_dropped');
  });

  it('accepting an invitation on an account the import merged into drops the legacy hashes', async () => {
    const email = freshEmail('invited');
    const account = await services().accounts.create({ email, name: 'Provisioned' });
    const issued = await services().tokens.issue(s.t.latchkey.db, { purpose: 'invitation', accountId: account.id });
    await importLegacyPerson(s.t.latchkey, email, { eshop: OLD.eshop, mobile: OLD.mobile });
    expect((await identitiesOf(account.id)).filter((i) => i.password_hash !== null)).toHaveLength(2);

    const ua = browser();
    const form = pageOf(await visit(ua, invitationLink(s.t.issuer, issued.token)));
    const done = pageOf(await submitForm(ua, form, '/invitation', { password: NEW_PASSWORD }));
    expect(done.status).toBe(200);
    expect((await identitiesOf(account.id)).every((i) => i.password_hash === null && i.hash_dropped_reason === 'invitation-accepted')).toBe(true);
    expect(await signsIn(email, OLD.eshop)).toBeUndefined();
    expect(await signsIn(email, OLD.mobile)).toBeUndefined();
    expect(await signsIn(email, NEW_PASSWORD)).toBe(account.id);
    const dropped = (await services().audit.list(account.id)).find((e) => e.type === 'legacy.hashes_dropped');
    expect(dropped?.data).toEqual({ reason: 'invitation-accepted', count: 2, algorithms: ['bcrypt', 'md5'] });
  });
});
