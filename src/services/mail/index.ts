// Mail that is never lost (issue 3, item 8). A flow queues a mail with enqueueMail() INSIDE the transaction
// that makes the change the mail is about, so the mail exists if and only if the change committed. The
// mailer (one per node, createMailer) delivers the outbox with retries; see worker.ts for the guarantees.
//
// Usage from a flow:
//   await db.transaction(async (tx) => {
//     ...create the reset token...
//     await enqueueMail(tx, { to: account.email, template: 'reset-password', locale, data: { link, clientName } });
//   });
//   mailer.notify(); // optional: deliver now rather than at the next poll
import type { Queryable } from '../../db/types.js';
import { createMailOutboxQueries } from '../../queries/mail-outbox.js';
import { LatchkeyError } from '../errors.js';
import { describeDataProblems, isMailTemplate, isPlainEmailAddress, mailDataSchemas, type MailData, type MailTemplate } from './templates.js';

export { createMailer, messageIdDomain, type DeadLetter, type Mailer, type MailerConfig, type MailerDeps } from './worker.js';
export { createFileTransport, createSmtpTransport, emlFileName, type MailTransport, type OutgoingMail, type SmtpTransportOptions } from './transport.js';
export { createMailRenderer, MailDataInvalid, type MailRenderer, type RenderedMail } from './render.js';
export { mailTemplates, isMailTemplate, type MailData, type MailTemplate } from './templates.js';
export { retryDelaySeconds } from './retry.js';

/** A mail to queue: the recipient, which mail, in which language, and what the template shows. */
export interface QueuedMail<T extends MailTemplate = MailTemplate> {
  to: string;
  template: T;
  /** A BCP 47 tag; a locale without a file falls back to English when the mail is rendered. */
  locale: string;
  data: MailData<T>;
}

/** A mail cannot be queued: unknown template, not one plain recipient address, or data that does not fit. */
export class InvalidMail extends LatchkeyError {
  override readonly expose = false;
  override name = 'InvalidMail';
}

const localeTag = /^[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*$/;

/** `cs_CZ` -> `cs-CZ`; anything that is not a language tag -> `en`. */
function normalizeLocale(locale: string): string {
  const tag = locale.trim().replace(/_/g, '-');
  return tag.length <= 35 && localeTag.test(tag) ? tag : 'en';
}

/**
 * Queues a mail in the caller's transaction `tx` (it is sent only if that transaction commits); returns the
 * outbox id. Throws InvalidMail, before writing anything, when the mail could never be rendered or addressed.
 */
export async function enqueueMail<T extends MailTemplate>(tx: Queryable, mail: QueuedMail<T>): Promise<string> {
  const template: string = mail.template;
  if (!isMailTemplate(template)) throw new InvalidMail(`Unknown mail template ${JSON.stringify(template)}`);
  const to = mail.to.trim();
  if (!isPlainEmailAddress(to)) throw new InvalidMail(`Cannot queue the ${template} mail: the recipient is not one plain email address`);
  const parsed = mailDataSchemas[template].safeParse(mail.data);
  if (!parsed.success) throw new InvalidMail(`Cannot queue the ${template} mail: ${describeDataProblems(parsed.error)}`);
  return createMailOutboxQueries(tx).insert({ recipient: to, template, locale: normalizeLocale(mail.locale), data: parsed.data });
}
