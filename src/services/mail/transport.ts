// Where rendered mails go: an SMTP server (SMTP_URL, pooled connections) or, without one, `.eml` files in
// the mail directory (development). Both build the RFC 5322 message with nodemailer and give it the
// Message-ID derived from the outbox id, so a retried mail is recognisably the same message.
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import nodemailer, { type SendMailOptions } from 'nodemailer';

/** A rendered mail, ready to hand to a transport. */
export interface OutgoingMail {
  /** The outbox id. */
  id: string;
  /** `<id@domain>`, the same for every attempt. */
  messageId: string;
  /** When the mail was queued (names the .eml file, so a repeated delivery replaces it). */
  createdAt: Date;
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  /** The Date header. */
  date: Date;
}

/** Delivers rendered mails. Implementations: SMTP, .eml files; tests add their own. */
export interface MailTransport {
  /** For logs: 'smtp', 'files', ... */
  readonly kind: string;
  /**
   * Resolves once the mail is handed over for good (the SMTP server accepted it, the file is in place);
   * rejects otherwise. Gives up when `signal` aborts.
   */
  send(mail: OutgoingMail, signal: AbortSignal): Promise<void>;
  /** Releases connections; deliveries still running finish first. */
  close(): Promise<void>;
}

/** The nodemailer message for a mail: both parts, our Message-ID, and no file or URL access. */
function messageOf(mail: OutgoingMail): SendMailOptions {
  return {
    from: mail.from,
    // An address object, not a string: nodemailer never parses it into several recipients.
    to: { name: '', address: mail.to },
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
    date: mail.date,
    messageId: mail.messageId,
    // RFC 3834: automatic mail; vacation responders and the like do not answer it.
    headers: { 'Auto-Submitted': 'auto-generated' },
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}

export interface SmtpTransportOptions {
  /** Parallel connections to the server (default 3). */
  maxConnections?: number;
}

/**
 * Sends through the server in an smtp:// (STARTTLS when offered) or smtps:// (TLS) URL with credentials,
 * over a small pool of connections. Every stage has a timeout; the caller's signal bounds the whole send.
 */
export function createSmtpTransport(url: string, options: SmtpTransportOptions = {}): MailTransport {
  const transporter = nodemailer.createTransport({
    url,
    pool: true,
    maxConnections: options.maxConnections ?? 3,
    maxMessages: 100,
    // One quiet resend when a pooled connection turns out to be closed; further retries are the outbox's.
    maxRequeues: 1,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
    dnsTimeout: 10_000,
    logger: false,
    debug: false,
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  return {
    kind: 'smtp',
    async send(mail, signal) {
      await transporter.sendMail({ ...messageOf(mail), signal });
    },
    async close() {
      transporter.close();
    },
  };
}

/**
 * Writes each mail as an RFC 5322 `.eml` file `<mailDir>/<queued-at>-<id>.eml` (development, or no SMTP
 * server). Written to a temporary file and renamed, so a reader never sees half a mail; delivering the
 * same mail again replaces its file.
 */
export function createFileTransport(mailDir: string): MailTransport {
  const transporter = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  let ready: Promise<unknown> | undefined;
  return {
    kind: 'files',
    async send(mail, signal) {
      signal.throwIfAborted();
      ready ??= mkdir(mailDir, { recursive: true, mode: 0o700 }).catch((err: unknown) => {
        ready = undefined;
        throw err;
      });
      await ready;
      const info = await transporter.sendMail(messageOf(mail));
      if (!Buffer.isBuffer(info.message)) throw new Error('The stream transport did not return the message as a buffer');
      const file = path.join(mailDir, emlFileName(mail));
      const temp = path.join(mailDir, `.${mail.id}.${randomBytes(6).toString('hex')}.tmp`);
      try {
        // 0600: the mail holds a link token.
        await writeFile(temp, info.message, { mode: 0o600, flush: true, signal });
        await rename(temp, file);
      } catch (err) {
        await rm(temp, { force: true });
        throw err;
      }
    },
    async close() {
      transporter.close();
    },
  };
}

/** `20300101T000000123Z-<id>.eml`: sorts by the time the mail was queued. */
export function emlFileName(mail: Pick<OutgoingMail, 'id' | 'createdAt'>): string {
  const stamp = mail.createdAt.toISOString().replace(/[-:]/g, '').replace('.', '');
  return `${stamp}-${mail.id}.eml`;
}
