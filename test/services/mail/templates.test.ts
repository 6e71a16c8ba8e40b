// Mail templates and the rules around them, without a database: every template renders a text and an HTML
// part in the recipient's language (English fallback), HTML escapes the data and loads nothing remote,
// enqueueMail refuses mail that could never be rendered or addressed, the retry schedule, and failure
// descriptions that never echo link tokens or codes.
import { describe, expect, it } from '@jest/globals';
import type { Queryable } from '../../../src/db/types.js';
import { loadConfig, ConfigError } from '../../../src/config/index.js';
import { createI18n } from '../../../src/i18n/index.js';
import {
  createMailRenderer,
  enqueueMail,
  InvalidMail,
  MailDataInvalid,
  mailTemplates,
  messageIdDomain,
  retryDelaySeconds,
  type MailData,
  type MailTemplate,
} from '../../../src/services/mail/index.js';
import { classifyFailure, describeFailure, secretsOf } from '../../../src/services/mail/retry.js';

const i18n = createI18n();
const renderer = createMailRenderer({ i18n });
const english = i18n.translator('en');

/** Sample data for every template; links carry a recognisable token. */
const samples: { [T in MailTemplate]: MailData<T> } = {
  'verify-email': { link: 'https://id.example.com/verify?token=TOKEN-verify&x=1', code: '493817', clientName: 'E-shop', name: 'Ann' },
  'already-registered': { signInLink: 'https://id.example.com/login', resetLink: 'https://id.example.com/forgot', clientName: 'E-shop' },
  'reset-password': { link: 'https://id.example.com/reset/TOKEN-reset', name: 'Ann' },
  'password-changed': { resetLink: 'https://id.example.com/forgot' },
  'email-change-verify': { link: 'https://id.example.com/email/confirm?token=TOKEN-change', newEmail: 'new@example.com' },
  'email-change-notice': { newEmail: 'new@example.com', notMeLink: 'https://id.example.com/email/cancel?token=TOKEN-cancel' },
  invitation: { link: 'https://id.example.com/invite?token=TOKEN-invite', clientName: 'Rental desk' },
  'legacy-mailbox-proof': { link: 'https://id.example.com/interaction/abc/verify-email/link?token=TOKEN-legacy', code: '271828', clientName: 'E-shop', name: 'Ann' },
  'company-registered': { companyName: 'Acme s.r.o.', taxId: 'CZ12345678', link: 'https://id.example.com/account/companies/c1', name: 'Ann' },
  'company-approved': { companyName: 'Acme s.r.o.', link: 'https://id.example.com/account/companies/c1' },
  'company-rejected': { companyName: 'Acme s.r.o.', reason: 'The tax ID belongs to another company.' },
  'company-suspended': { companyName: 'Acme s.r.o.', reason: 'Unpaid invoices.' },
  'company-restored': { companyName: 'Acme s.r.o.', link: 'https://id.example.com/account/companies/c1' },
  'company-join-requested': { companyName: 'Acme s.r.o.', link: 'https://id.example.com/account/companies' },
  'company-join-request-received': { companyName: 'Acme s.r.o.', requester: 'eve@example.com', requesterName: 'Eve', link: 'https://id.example.com/account/companies/c1/requests' },
  'company-join-progress': { companyName: 'Acme s.r.o.', waitingFor: 'moderator', link: 'https://id.example.com/account/companies' },
  'company-join-approved': { companyName: 'Acme s.r.o.', link: 'https://id.example.com/account/companies/c1' },
  'company-join-rejected': { companyName: 'Acme s.r.o.', reason: 'We do not know you.' },
  'company-invitation': { companyName: 'Acme s.r.o.', inviterName: 'Bob', link: 'https://id.example.com/company-invitation?token=TOKEN-company', days: 7 },
};

const linksOf = (data: Record<string, unknown>) => Object.entries(data).filter(([k]) => /link$/i.test(k)).map(([, v]) => String(v));
const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&#34;');

/** A transaction stand-in that fails the test if enqueueMail writes anything. */
const untouchable: Queryable = {
  query: () => { throw new Error('nothing may be written'); },
  exec: () => { throw new Error('nothing may be written'); },
};

describe('mail templates', () => {
  it('covers the mails issue 3 needs', () => {
    expect([...mailTemplates].sort()).toEqual([
      'already-registered', 'company-approved', 'company-invitation', 'company-join-approved', 'company-join-progress', 'company-join-rejected',
      'company-join-request-received', 'company-join-requested', 'company-registered', 'company-rejected', 'company-restored', 'company-suspended',
      'email-change-notice', 'email-change-verify', 'invitation', 'legacy-mailbox-proof', 'password-changed', 'reset-password', 'verify-email',
    ]);
  });

  it.each(mailTemplates)('%s renders a translated subject, a text part and an HTML part with its links', (template) => {
    const data = samples[template] as Record<string, unknown>;
    const mail = renderer.render(template, 'en', data);
    expect(mail.locale).toBe('en');
    expect(mail.subject).not.toMatch(/^mail\./);
    expect(mail.subject).not.toMatch(/[\r\n]/);
    // Every string came from the locale file: no key shows through, no placeholder is left unfilled.
    for (const part of [mail.subject, mail.text, mail.html]) {
      expect(part).not.toMatch(/\bmail\.[a-z_]+\.[a-z_]+/);
      expect(part).not.toMatch(/\{[a-z]+\}/);
    }
    expect(mail.text).toContain(english('mail.common.footer', { app: 'Latchkey' }));
    for (const link of linksOf(data)) {
      expect(mail.text).toContain(link); // plain text: the link as it is
      expect(mail.html).toContain(`href="${escapeHtml(link)}"`);
    }
    if (typeof data.clientName === 'string') expect(`${mail.subject}\n${mail.text}`).toContain(data.clientName);
    expect(mail.html).toMatch(/^<!DOCTYPE html>\s*<html lang="en">/);
    // Nothing remote and nothing active: no images, stylesheets, scripts or forms.
    expect(mail.html).not.toMatch(/<(img|script|link|iframe|form|object|embed|style)\b/i);
    expect(mail.html).not.toMatch(/\bsrc=|url\(/i);
    const hrefs = [...mail.html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]!.replace(/&amp;/g, '&'));
    expect(new Set(hrefs)).toEqual(new Set(linksOf(data)));
  });

  it('shows the verification code and the new address where they belong', () => {
    const verify = renderer.render('verify-email', 'en', samples['verify-email']);
    expect(verify.text).toContain('493817');
    expect(verify.html).toContain('493817');
    expect(verify.text).toContain('24 hours');
    expect(renderer.render('reset-password', 'en', samples['reset-password']).text).toContain('30 minutes');
    expect(renderer.render('invitation', 'en', samples.invitation).text).toContain('7 days');
    expect(renderer.render('invitation', 'en', samples.invitation).subject).toBe('Rental desk created an account for you');
    expect(renderer.render('invitation', 'en', { link: 'https://id.example.com/i' }).subject).toBe('Set a password for your new account');
    expect(renderer.render('email-change-notice', 'en', samples['email-change-notice']).text).toContain('new@example.com');
  });

  it('escapes data in HTML, keeps it verbatim in text, and keeps subjects on one line', () => {
    const hostile = { link: 'https://id.example.com/reset?a=1&b="2"', clientName: '<script>alert(1)</script> & Co', name: 'Ann <b>"Boss"</b>' };
    const mail = renderer.render('reset-password', 'en', hostile);
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).not.toContain('<b>');
    expect(mail.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co');
    expect(mail.html).toContain('href="https://id.example.com/reset?a=1&amp;b=&#34;2&#34;"');
    expect(mail.text).toContain('<script>alert(1)</script> & Co');
    expect(mail.text).toContain('https://id.example.com/reset?a=1&b="2"');
    const invitation = renderer.render('invitation', 'en', { link: 'https://x.example/i', clientName: 'Shop\r\nBcc: evil@example.com' });
    expect(invitation.subject).toBe('Shop Bcc: evil@example.com created an account for you');
  });

  it('greets by name when there is one', () => {
    expect(renderer.render('reset-password', 'en', samples['reset-password']).text).toMatch(/^Hello Ann,\n/);
    expect(renderer.render('password-changed', 'en', samples['password-changed']).text).toMatch(/^Hello,\n/);
  });

  it('writes in the recipient\'s language and falls back to English for one without a file', () => {
    for (const locale of ['zz', 'en-GB']) {
      const mail = renderer.render('reset-password', locale, samples['reset-password']);
      expect(mail.locale).toBe('en');
      expect(mail.subject).toBe(english('mail.reset_password.subject'));
    }
    for (const locale of i18n.locales) {
      const mail = renderer.render('verify-email', locale, samples['verify-email']);
      expect(mail.locale).toBe(locale);
      expect(mail.subject).toBe(i18n.translator(locale)('mail.verify_email.subject'));
      expect(mail.html).toContain(`<html lang="${locale}">`);
    }
  });

  it('refuses to render data that does not fit, naming the field but not the value', () => {
    expect(() => renderer.render('reset-password', 'en', {})).toThrow(MailDataInvalid);
    expect(() => renderer.render('reset-password', 'en', { link: 'javascript:alert(1)' })).toThrow(/link/);
    expect(() => renderer.render('reset-password', 'en', { link: 'javascript:alert(1)' })).not.toThrow(/alert/);
  });
});

describe('enqueueMail', () => {
  const valid = { to: 'ann@example.com', template: 'reset-password', locale: 'en', data: samples['reset-password'] } as const;

  it.each([
    ['an unknown template', { ...valid, template: 'newsletter' as 'reset-password' }, /Unknown mail template/],
    ['two recipients', { ...valid, to: 'ann@example.com, eve@example.com' }, /recipient/],
    ['a display name', { ...valid, to: 'Eve <eve@example.com>' }, /recipient/],
    ['a header line break', { ...valid, to: 'ann@example.com\r\nBcc: eve@example.com' }, /recipient/],
    ['no address', { ...valid, to: 'ann' }, /recipient/],
    ['a missing link', { ...valid, data: {} as { link: string } }, /link/],
    ['a javascript: link', { ...valid, data: { link: 'javascript:alert(1)' } }, /link/],
    ['a relative link', { ...valid, data: { link: '/reset?token=x' } }, /link/],
    ['an unknown field', { ...valid, data: { link: 'https://id.example.com/r', url: 'x' } as { link: string } }, /unknown field\(s\) url/],
    ['a code that is not 6 digits', { to: 'a@example.com', template: 'verify-email', locale: 'en', data: { link: 'https://x.example/v', code: '12345' } }, /code/],
  ])('refuses %s before writing anything', async (_label, mail, message) => {
    const attempt = enqueueMail(untouchable, mail as Parameters<typeof enqueueMail>[1]);
    await expect(attempt).rejects.toThrow(InvalidMail);
    await expect(enqueueMail(untouchable, mail as Parameters<typeof enqueueMail>[1])).rejects.toThrow(message);
  });

  it('keeps secrets out of its error messages', async () => {
    const err = await enqueueMail(untouchable, { ...valid, data: { link: 'ftp://id.example.com/reset?token=SECRET-1' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidMail);
    expect(String((err as Error).message)).not.toContain('SECRET-1');
    expect((err as InvalidMail).expose).toBe(false);
  });
});

describe('retry schedule', () => {
  const config = loadConfig({}).mail;

  it('defaults to 10 attempts, 10 s doubling to at most 30 min: an outage of about an hour is ridden out', () => {
    expect(config).toEqual({ maxAttempts: 10, retryBaseSeconds: 10, retryMaxSeconds: 1800, pollIntervalSeconds: 5, leaseSeconds: 300 });
    const waits = Array.from({ length: config.maxAttempts - 1 }, (_, i) => retryDelaySeconds(i + 1, config, 0.5));
    expect(waits).toEqual([10, 20, 40, 80, 160, 320, 640, 1280, 1800]);
    const total = waits.reduce((a, b) => a + b, 0);
    expect(total).toBe(4350); // the last attempt comes 72.5 minutes after the first
  });

  it('spreads each wait by ±20 % and never exceeds the cap by more than that', () => {
    expect(retryDelaySeconds(1, config, 0)).toBeCloseTo(8);
    expect(retryDelaySeconds(1, config, 0.999999)).toBeCloseTo(12);
    expect(retryDelaySeconds(30, config, 0.999999)).toBeCloseTo(2160);
    expect(retryDelaySeconds(1000, config, 0)).toBeCloseTo(1440);
  });

  it('reads LATCHKEY_MAIL_* and names the variable when one is wrong', () => {
    const custom = loadConfig({ LATCHKEY_MAIL_MAX_ATTEMPTS: '3', LATCHKEY_MAIL_RETRY_BASE: '5', LATCHKEY_MAIL_RETRY_MAX: '60', LATCHKEY_MAIL_POLL_INTERVAL: '2', LATCHKEY_MAIL_LEASE: '120' }).mail;
    expect(custom).toEqual({ maxAttempts: 3, retryBaseSeconds: 5, retryMaxSeconds: 60, pollIntervalSeconds: 2, leaseSeconds: 120 });
    expect(() => loadConfig({ LATCHKEY_MAIL_MAX_ATTEMPTS: '0' })).toThrow(/LATCHKEY_MAIL_MAX_ATTEMPTS/);
    expect(() => loadConfig({ LATCHKEY_MAIL_LEASE: '5' })).toThrow(/LATCHKEY_MAIL_LEASE/);
    expect(() => loadConfig({ LATCHKEY_MAIL_RETRY_BASE: '100', LATCHKEY_MAIL_RETRY_MAX: '50' })).toThrow(ConfigError);
  });
});

describe('failures', () => {
  it('kills a mail at once only when the server refuses the recipient for good', () => {
    expect(classifyFailure({ code: 'EENVELOPE', command: 'RCPT TO', responseCode: 550, permanent: true })).toBe('rejected');
    expect(classifyFailure({ code: 'EENVELOPE', command: 'RCPT TO', responseCode: 450, permanent: false })).toBe('transient');
    expect(classifyFailure({ code: 'EENVELOPE', command: 'MAIL FROM', responseCode: 553, permanent: true })).toBe('transient');
    expect(classifyFailure({ code: 'EAUTH', command: 'AUTH PLAIN', responseCode: 535, permanent: true })).toBe('transient');
    expect(classifyFailure({ code: 'ESOCKET', message: 'connect ECONNREFUSED 127.0.0.1:25' })).toBe('transient');
    expect(classifyFailure(new Error('boom'))).toBe('transient');
  });

  it('describes a failure without URLs, link tokens or codes, on one line', () => {
    const data = { link: 'https://id.example.com/verify?token=abcDEF123&x=1', code: '493817', clientName: 'Shop' };
    const err = Object.assign(new Error('Message failed'), {
      code: 'EMESSAGE',
      command: 'DATA',
      responseCode: 451,
      response: '451 4.7.1 Rejected: https://id.example.com/verify?token=abcDEF123&x=1\r\ncontains abcDEF123 and 493817',
    });
    const text = describeFailure(err, secretsOf(data));
    expect(text).toMatch(/^EMESSAGE at DATA: 451 4\.7\.1 Rejected: \[url\] contains \[redacted\] and \[redacted\]$/);
    expect(describeFailure('plain string', [])).toBe('plain string');
    expect(describeFailure(Object.assign(new Error('x'.repeat(2000)), { code: 'E' }), []).length).toBeLessThanOrEqual(500);
  });

  it('derives the Message-ID domain from MAIL_FROM', () => {
    expect(messageIdDomain('Latchkey <no-reply@ID.Example.com>')).toBe('id.example.com');
    expect(messageIdDomain('no-reply@example.org')).toBe('example.org');
    expect(messageIdDomain('nonsense')).toBe('latchkey.invalid');
  });
});
