// The mails Latchkey sends: each template's data (checked when the mail is queued, and again when it is
// rendered) and its subject. Bodies live in views/emails/<template>.html.ejs and <template>.text.ejs.
// Links are absolute http(s) URLs built by the caller; they usually carry a secret token.
import { z } from 'zod';
import type { Translate } from '../../i18n/index.js';

/** An absolute http(s) URL (never javascript:, data: or relative). */
const link = z.url({ protocol: /^https?$/, error: 'must be an absolute http(s) URL' }).max(4096);
/** Text shown in the mail (a name, an app name): one line, no control characters. */
const displayText = z
  .string()
  .max(200)
  .transform((s) => s.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim());
// One address, nothing a mail header could read as a second one or as a display name.
const plainAddress = /^[^\s\u0000-\u001f\u007f@<>,;:"()[\]\\]{1,64}@[^\s\u0000-\u001f\u007f@<>,;:"()[\]\\]{1,253}$/u;
/** True when `address` is one plain email address (what the outbox accepts as a recipient). */
export function isPlainEmailAddress(address: string): boolean {
  return address.length <= 254 && plainAddress.test(address);
}
const emailAddress = z.string().refine(isPlainEmailAddress, 'must be a plain email address');

/** A reason typed by staff or a company admin: up to 1000 characters, line breaks kept, other control characters removed. */
const reasonText = z
  .string()
  .max(1000)
  .transform((s) => s.replace(/[\u0000-\u0009\u000b-\u001f\u007f]+/g, ' ').trim());

/** What every template may show: the recipient's name for the greeting, the app the request came from. */
const common = {
  // null is accepted (an account without a name) and means the same as absent.
  name: displayText.nullish(),
  clientName: displayText.nullish(),
};

export const mailDataSchemas = {
  /** After sign-up: the verification link and the 6-digit code (for the mobile app), valid 24 hours. */
  'verify-email': z.strictObject({ ...common, link, code: z.string().regex(/^\d{6}$/, 'must be 6 digits') }),
  /** Someone signed up with an address that has an account: tell the owner, offer sign-in and reset (legacyPassword: an imported account that signs in with an old password). */
  'already-registered': z.strictObject({ ...common, signInLink: link, resetLink: link, legacyPassword: z.boolean().optional() }),
  /** Forgot password: the single-use reset link, valid 30 minutes. */
  'reset-password': z.strictObject({ ...common, link }),
  /** The password was changed; resetLink (the forgot-password page) for an owner who did not do it. */
  'password-changed': z.strictObject({ ...common, resetLink: link.optional() }),
  /** To the NEW address of an email change: the verification link. */
  'email-change-verify': z.strictObject({ ...common, link, newEmail: emailAddress }),
  /** To the OLD address of an email change: a notice with the "this was not me" link that cancels it. */
  'email-change-notice': z.strictObject({ ...common, newEmail: emailAddress, notMeLink: link }),
  /** An account created by a sibling app (provisioning): the set-password link, valid 7 days. */
  invitation: z.strictObject({ ...common, link }),
  /** A first sign-in with a password from an unverified legacy source: the code and link proving the mailbox, valid 30 minutes. */
  'legacy-mailbox-proof': z.strictObject({ ...common, link, code: z.string().regex(/^\d{6}$/, 'must be 6 digits') }),
  // Companies (issue 5; src/services/companies): companyName is the company's name, link its page.
  'company-registered': z.strictObject({ ...common, companyName: displayText, taxId: displayText, link }),
  'company-approved': z.strictObject({ ...common, companyName: displayText, link }),
  'company-rejected': z.strictObject({ ...common, companyName: displayText, reason: reasonText }),
  /** To the owners: staff suspended the company (members lose it in tokens), with the reason. */
  'company-suspended': z.strictObject({ ...common, companyName: displayText, reason: reasonText }),
  /** To the owners: the suspension is lifted. */
  'company-restored': z.strictObject({ ...common, companyName: displayText, link }),
  'company-join-requested': z.strictObject({ ...common, companyName: displayText, link }),
  /** To each company admin (members:manage): someone asks to join; link to the company's Requests tab. */
  'company-join-request-received': z.strictObject({ ...common, companyName: displayText, requester: emailAddress, requesterName: displayText.nullish(), link }),
  /** One of the two approvals is in; waitingFor names the other. */
  'company-join-progress': z.strictObject({ ...common, companyName: displayText, waitingFor: z.enum(['moderator', 'company-admin']), link }),
  'company-join-approved': z.strictObject({ ...common, companyName: displayText, link }),
  'company-join-rejected': z.strictObject({ ...common, companyName: displayText, reason: reasonText }),
  /** An invitation by email: the single-use link, valid `days` days. */
  'company-invitation': z.strictObject({ ...common, companyName: displayText, inviterName: displayText.nullish(), link, days: z.number().int().min(1).max(90) }),
} as const;

/** The mails Latchkey can send. */
export type MailTemplate = keyof typeof mailDataSchemas;
/** The data a template needs, as callers pass it. */
export type MailData<T extends MailTemplate> = z.input<(typeof mailDataSchemas)[T]>;
/** The data a template renders with, once checked. */
export type CheckedMailData<T extends MailTemplate> = z.output<(typeof mailDataSchemas)[T]>;

export const mailTemplates = Object.keys(mailDataSchemas) as MailTemplate[];

export function isMailTemplate(name: string): name is MailTemplate {
  return Object.hasOwn(mailDataSchemas, name);
}

type AnyMailData = CheckedMailData<MailTemplate> & { clientName?: string | null | undefined };

/** Subjects, one line each; the keys are literal so the locale test finds them. */
const subjects: { [T in MailTemplate]: (t: Translate, data: CheckedMailData<T>) => string } = {
  'verify-email': (t) => t('mail.verify_email.subject'),
  'already-registered': (t) => t('mail.already_registered.subject'),
  'reset-password': (t) => t('mail.reset_password.subject'),
  'password-changed': (t) => t('mail.password_changed.subject'),
  'email-change-verify': (t) => t('mail.email_change_verify.subject'),
  'email-change-notice': (t) => t('mail.email_change_notice.subject'),
  invitation: (t, data) => (data.clientName
    ? t('mail.invitation.subject_client', { client: data.clientName })
    : t('mail.invitation.subject')),
  'legacy-mailbox-proof': (t) => t('mail.legacy_mailbox_proof.subject'),
  'company-registered': (t, data) => t('mail.company_registered.subject', { company: data.companyName }),
  'company-approved': (t, data) => t('mail.company_approved.subject', { company: data.companyName }),
  'company-rejected': (t, data) => t('mail.company_rejected.subject', { company: data.companyName }),
  'company-suspended': (t, data) => t('mail.company_suspended.subject', { company: data.companyName }),
  'company-restored': (t, data) => t('mail.company_restored.subject', { company: data.companyName }),
  'company-join-requested': (t, data) => t('mail.company_join_requested.subject', { company: data.companyName }),
  'company-join-request-received': (t, data) => t('mail.company_join_request_received.subject', { company: data.companyName, requester: data.requesterName || data.requester }),
  'company-join-progress': (t, data) => t('mail.company_join_progress.subject', { company: data.companyName }),
  'company-join-approved': (t, data) => t('mail.company_join_approved.subject', { company: data.companyName }),
  'company-join-rejected': (t, data) => t('mail.company_join_rejected.subject', { company: data.companyName }),
  'company-invitation': (t, data) => t('mail.company_invitation.subject', { company: data.companyName }),
};

/** The subject of a mail in the translator's language. */
export function mailSubject<T extends MailTemplate>(template: T, t: Translate, data: CheckedMailData<T>): string {
  const subject = (subjects[template] as (t: Translate, data: AnyMailData) => string)(t, data);
  // Header values are one line; placeholders filled from data must not add lines.
  return subject.replace(/[\r\n]+/g, ' ');
}

/** Why data does not fit a template: field paths and rules, never the values (they may be secrets). */
export function describeDataProblems(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(data)'}: ${issue.code === 'unrecognized_keys' ? `unknown field(s) ${issue.keys.join(', ')}` : issue.message}`)
    .join('; ');
}
