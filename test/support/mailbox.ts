// A test's mailbox: a real SMTP server (smtp-server) that Latchkey delivers to through its outbox, plus
// helpers to wait for a mail to an address and pull the links and codes out of it.
import type { Latchkey } from '../../src/app.js';
import { SmtpSink, type ReceivedMail } from './smtp-sink.js';

export type { ReceivedMail } from './smtp-sink.js';

export interface Mailbox {
  sink: SmtpSink;
  /** Environment for startTestLatchkey: SMTP_URL pointing at the sink, fast polling. */
  env: Record<string, string>;
  /** Delivers the outbox now, then waits (up to timeoutMs) for a mail to `to` matching the filter that arrived after `since` mails. */
  next(latchkey: Latchkey, to: string, options?: { subject?: RegExp; timeoutMs?: number }): Promise<ReceivedMail>;
  /** Mails received so far for this address (lower-cased compare). */
  to(address: string): ReceivedMail[];
  close(): Promise<void>;
}

/** Starts an SMTP server on a free loopback port for one test file. */
export async function startMailbox(): Promise<Mailbox> {
  const sink = new SmtpSink();
  await sink.start();
  const seen = new Set<ReceivedMail>();
  const matches = (mail: ReceivedMail, to: string, subject?: RegExp) =>
    mail.envelopeTo.some((a) => a.toLowerCase() === to.toLowerCase()) && (!subject || subject.test(mail.headers.get('subject') ?? ''));
  return {
    sink,
    env: { SMTP_URL: sink.url, LATCHKEY_MAIL_POLL_INTERVAL: '1' },
    async next(latchkey, to, options = {}) {
      const deadline = Date.now() + (options.timeoutMs ?? 10_000);
      for (;;) {
        const mail = sink.received.find((m) => !seen.has(m) && matches(m, to, options.subject));
        if (mail) {
          seen.add(mail);
          return mail;
        }
        if (Date.now() > deadline) throw new Error(`No mail to ${to}${options.subject ? ` matching ${options.subject}` : ''} arrived (received: ${sink.received.map((m) => `${m.envelopeTo.join(',')}: ${m.headers.get('subject')}`).join('; ') || 'nothing'})`);
        await latchkey.mailer.deliverDue();
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    to: (address) => sink.received.filter((m) => m.envelopeTo.some((a) => a.toLowerCase() === address.toLowerCase())),
    close: () => sink.stop(),
  };
}

/** Every http(s) link in the mail's text part. */
export function linksIn(mail: ReceivedMail): URL[] {
  return [...(mail.text ?? '').matchAll(/https?:\/\/[^\s<>"')]+/g)].map((m) => new URL(m[0]));
}

/** The first link whose path ends with `pathSuffix` (e.g. '/verify-email'). */
export function linkTo(mail: ReceivedMail, pathSuffix: string): URL {
  const link = linksIn(mail).find((u) => u.pathname.endsWith(pathSuffix));
  if (!link) throw new Error(`No link to ${pathSuffix} in: ${mail.text}`);
  return link;
}

/** The 6-digit code in the mail's text part. */
export function codeIn(mail: ReceivedMail): string {
  const code = /\b(\d{6})\b/.exec(mail.text ?? '')?.[1];
  if (!code) throw new Error(`No 6-digit code in: ${mail.text}`);
  return code;
}
