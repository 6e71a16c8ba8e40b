// No user enumeration (OWASP ASVS V2.2, V3; WSTG-IDNT-04): sign-up, forgotten password and login answer a
// known and an unknown email with the same status and the same page (per-request values normalised), and
// the verification page of the login appears only after a correct password.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { databaseKinds } from '../../support/databases.js';
import { submitForm, visit, type Page } from '../../support/relying-party.js';
import { browser, freshEmail, GOOD_PASSWORD, normalised, openLogin, pageOf, registerDirectly, startSelfService, submitLogin, type SelfServiceTest } from './helpers.js';

describe.each(databaseKinds)('no enumeration (%s)', (kind) => {
  let s: SelfServiceTest;
  let verified: string;
  let unverified: string;

  beforeAll(async () => {
    s = await startSelfService(kind);
    verified = freshEmail('known');
    unverified = freshEmail('known-unverified');
    await s.t.latchkey.services.accounts.create({ email: verified, password: GOOD_PASSWORD, emailVerified: true });
    await s.t.latchkey.services.accounts.create({ email: unverified, password: GOOD_PASSWORD });
  }, 60_000);
  afterAll(async () => s?.close());

  /** The answer with the address itself replaced, for comparing answers about different addresses. */
  const comparable = (page: Page, email: string) => `${page.status}\n${normalised(page).replaceAll(email, 'EMAIL')}`;

  it('sign-up: a taken address and a new one get the same answer', async () => {
    const unknown = freshEmail('unknown');
    const a = await registerDirectly(browser(), s.t.issuer, { email: verified, password: 'another good phrase 9' });
    const b = await registerDirectly(browser(), s.t.issuer, { email: unknown, password: 'another good phrase 9' });
    expect(comparable(a, verified)).toBe(comparable(b, unknown));
  });

  it('forgotten password: a known and an unknown address get the same answer', async () => {
    const unknown = freshEmail('unknown');
    const ask = async (email: string) => {
      const ua = browser();
      return pageOf(await submitForm(ua, pageOf(await visit(ua, `${s.t.issuer}/forgot-password`)), '/forgot-password', { email }));
    };
    const a = await ask(verified);
    const b = await ask(unknown);
    expect(comparable(a, verified)).toBe(comparable(b, unknown));
    await s.mailbox.next(s.t.latchkey, verified);
    await s.t.latchkey.mailer.deliverDue();
    expect(s.mailbox.to(unknown)).toHaveLength(0);
  });

  it('login: a wrong password for a known, an unverified and an unknown address gets the same answer', async () => {
    const unknown = freshEmail('unknown');
    const attempt = async (email: string) => {
      const ua = browser();
      const { page } = await openLogin(s, ua);
      return pageOf(await submitLogin(ua, page, email, 'definitely wrong password'));
    };
    const known = await attempt(verified);
    const pending = await attempt(unverified);
    const nobody = await attempt(unknown);
    expect(known.status).toBe(400);
    expect(comparable(pending, unverified)).toBe(comparable(known, verified));
    expect(comparable(nobody, unknown)).toBe(comparable(known, verified));
  });
});
