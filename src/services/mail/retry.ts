// When a failed mail is tried again, whether it is tried at all, and what the outbox and the logs may say
// about the failure. Links in mails carry secrets (verification, reset and invitation tokens), so failure
// descriptions are built from error codes and server replies with every URL and every data value removed.
import type { MailDeliveryConfig } from '../../config/index.js';

/**
 * Seconds to wait after the `failedAttempts`-th failed attempt (1-based): base, 2*base, 4*base ... capped at
 * retryMaxSeconds, then spread by ±20 % (`random` in [0, 1)) so mails that failed together do not all come
 * back together. Defaults: 10 s, 20 s, 40 s, 80 s, 160 s, 320 s, 640 s, 1280 s, 1800 s ...
 */
export function retryDelaySeconds(failedAttempts: number, config: Pick<MailDeliveryConfig, 'retryBaseSeconds' | 'retryMaxSeconds'>, random: number = Math.random()): number {
  const exponent = Math.max(0, Math.min(failedAttempts - 1, 30));
  const capped = Math.min(config.retryBaseSeconds * 2 ** exponent, config.retryMaxSeconds);
  return capped * (0.8 + 0.4 * Math.min(Math.max(random, 0), 1));
}

/** What to do with a mail whose delivery attempt failed. */
export type FailureKind =
  /** Worth another attempt: connection refused or dropped, timeouts, 4xx replies, bad credentials... */
  | 'transient'
  /** Refused for good and retrying cannot help: the server rejected the recipient (5xx at RCPT TO). */
  | 'rejected';

interface SmtpErrorShape {
  code?: unknown;
  command?: unknown;
  responseCode?: unknown;
  permanent?: unknown;
  response?: unknown;
  message?: unknown;
  name?: unknown;
}

/**
 * Only a permanent refusal of the recipient kills a mail at once. Other permanent replies (a refused sender,
 * failed authentication) are usually configuration an operator fixes, so those mails keep their retries.
 */
export function classifyFailure(err: unknown): FailureKind {
  const e = (typeof err === 'object' && err !== null ? err : {}) as SmtpErrorShape;
  const permanent = e.permanent === true || (typeof e.responseCode === 'number' && e.responseCode >= 500 && e.responseCode < 600 && e.responseCode !== 503);
  return permanent && typeof e.command === 'string' && /^RCPT\b/i.test(e.command) ? 'rejected' : 'transient';
}

const MAX_DESCRIPTION = 500;

/**
 * A one-line description of a failure for last_error and logs: the error's code, the SMTP command and reply,
 * and its message, with URLs and every string in `secrets` (the mail's data values) replaced.
 */
export function describeFailure(err: unknown, secrets: Iterable<string>): string {
  const e = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as SmtpErrorShape;
  const parts: string[] = [];
  if (typeof e.code === 'string') parts.push(e.code);
  else if (typeof e.name === 'string' && e.name !== 'Error') parts.push(e.name);
  if (typeof e.command === 'string') parts.push(`at ${e.command.split(/\s/)[0]}`);
  const message = typeof e.response === 'string' && e.response ? e.response : typeof e.message === 'string' ? e.message : '';
  let text = `${parts.join(' ')}${parts.length > 0 && message ? ': ' : ''}${message}`;
  text = redact(text, secrets);
  return text.length > MAX_DESCRIPTION ? `${text.slice(0, MAX_DESCRIPTION - 1)}…` : text || 'unknown error';
}

/** Removes URLs and the given secret strings (longest first) from text, and flattens it to one line. */
export function redact(text: string, secrets: Iterable<string>): string {
  let out = text.replace(/[a-z][a-z0-9+.-]*:\/\/[^\s<>"']+/gi, '[url]');
  const values = [...new Set(secrets)].filter((s) => s.length >= 4).sort((a, b) => b.length - a.length);
  for (const value of values) out = out.split(value).join('[redacted]');
  return out.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
}

/** Every string inside a mail's data (links, codes, names), to redact from failure descriptions. */
export function secretsOf(data: unknown): string[] {
  const found: string[] = [];
  const visit = (value: unknown, depth: number): void => {
    if (depth > 5) return;
    if (typeof value === 'string') {
      found.push(value);
      // A link's token may also appear decoded, or as its query value alone.
      try {
        const url = new URL(value);
        for (const v of url.searchParams.values()) found.push(v);
        for (const segment of url.pathname.split('/')) found.push(segment, decodeURIComponent(segment));
        found.push(url.hash.slice(1));
      } catch {
        // not a URL
      }
    } else if (Array.isArray(value)) {
      for (const v of value) visit(v, depth + 1);
    } else if (typeof value === 'object' && value !== null) {
      for (const v of Object.values(value)) visit(v, depth + 1);
    }
  };
  visit(data, 0);
  return found;
}
