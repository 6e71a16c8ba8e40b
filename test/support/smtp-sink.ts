// A real SMTP server for the mail tests (smtp-server on 127.0.0.1), with a minimal RFC 5322 / MIME reader
// for what it receives: headers (unfolded, encoded words decoded), and the text and HTML parts decoded.
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

export interface ParsedMessage {
  raw: string;
  /** Lower-cased header names; the first occurrence wins. */
  headers: Map<string, string>;
  text: string | undefined;
  html: string | undefined;
}

export interface ReceivedMail extends ParsedMessage {
  envelopeFrom: string;
  envelopeTo: string[];
  messageId: string;
  /** The user the client authenticated as, if any. */
  user: string | undefined;
}

export interface SmtpSinkOptions {
  /** Credentials the server requires (AUTH PLAIN/LOGIN over plain TCP; tests only). */
  credentials?: { user: string; pass: string };
}

/** An SMTP server that keeps what it receives; stop() and start() simulate an outage on the same port. */
export class SmtpSink {
  readonly received: ReceivedMail[] = [];
  /** RCPT TO for these addresses gets a permanent 550. */
  readonly refusedRecipients = new Set<string>();
  /** When set, DATA is answered with this error (e.g. a 451 that echoes the message). */
  dataError: (Error & { responseCode?: number }) | undefined;
  private server: SMTPServer | undefined;
  port = 0;

  constructor(private readonly options: SmtpSinkOptions = {}) {}

  get url(): string {
    const auth = this.options.credentials ? `${encodeURIComponent(this.options.credentials.user)}:${encodeURIComponent(this.options.credentials.pass)}@` : '';
    return `smtp://${auth}127.0.0.1:${this.port}`;
  }

  /** Listens on the previous port (after a stop), or on a free one the first time. */
  async start(): Promise<void> {
    const { credentials } = this.options;
    const options: SMTPServerOptions = {
      disabledCommands: credentials ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
      authOptional: !credentials,
      allowInsecureAuth: true,
      logger: false,
      closeTimeout: 50,
      onAuth: (auth, _session, callback) => {
        if (credentials && auth.username === credentials.user && auth.password === credentials.pass) callback(null, { user: auth.username });
        else callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
      },
      onRcptTo: (address, _session, callback) => {
        if (this.refusedRecipients.has(address.address)) {
          callback(Object.assign(new Error(`<${address.address}>: Recipient address rejected: User unknown`), { responseCode: 550 }));
        } else {
          callback();
        }
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          if (this.dataError) {
            callback(this.dataError);
            return;
          }
          const parsed = parseMessage(Buffer.concat(chunks).toString('utf8'));
          const mailFrom = session.envelope.mailFrom;
          this.received.push({
            ...parsed,
            envelopeFrom: mailFrom ? mailFrom.address : '',
            envelopeTo: session.envelope.rcptTo.map((r) => r.address),
            messageId: parsed.headers.get('message-id') ?? '',
            user: typeof session.user === 'string' ? session.user : undefined,
          });
          callback();
        });
      },
    };
    const server = new SMTPServer(options);
    server.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => {
        server.server.off('error', reject);
        resolve();
      });
    });
    this.port = (server.server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Stops listening and drops open connections (an SMTP outage). */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** How many times each Message-ID arrived. */
  countsByMessageId(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const m of this.received) counts.set(m.messageId, (counts.get(m.messageId) ?? 0) + 1);
    return counts;
  }

  clear(): void {
    this.received.length = 0;
    this.refusedRecipients.clear();
    this.dataError = undefined;
  }
}

/** Reads headers and the text/plain and text/html parts of an RFC 5322 message. */
export function parseMessage(raw: string): ParsedMessage {
  const { headers, body } = splitEntity(raw);
  const leaves: { type: string; content: string }[] = [];
  collectLeaves(headers, body, leaves);
  return {
    raw,
    headers,
    text: leaves.find((l) => l.type === 'text/plain')?.content,
    html: leaves.find((l) => l.type === 'text/html')?.content,
  };
}

function splitEntity(raw: string): { headers: Map<string, string>; body: string } {
  const match = /\r?\n\r?\n/.exec(raw);
  const head = match ? raw.slice(0, match.index) : raw;
  const body = match ? raw.slice(match.index + match[0].length) : '';
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!headers.has(name)) headers.set(name, decodeEncodedWords(line.slice(colon + 1).trim()));
  }
  return { headers, body };
}

function collectLeaves(headers: Map<string, string>, body: string, out: { type: string; content: string }[]): void {
  const contentType = headers.get('content-type') ?? 'text/plain';
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  if (type.startsWith('multipart/')) {
    const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
    if (!boundary) return;
    const parts = body.split(`--${boundary}`).slice(1);
    for (const part of parts) {
      if (part.startsWith('--')) break;
      const entity = splitEntity(part.replace(/^\r?\n/, ''));
      collectLeaves(entity.headers, entity.body, out);
    }
    return;
  }
  const charset = /charset="?([^";]+)"?/i.exec(contentType)?.[1]?.toLowerCase() ?? 'utf-8';
  const encoding = (headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  const bytes = encoding === 'base64'
    ? Buffer.from(body.replace(/\s+/g, ''), 'base64')
    : encoding === 'quoted-printable'
      ? decodeQuotedPrintable(body)
      : Buffer.from(body, 'utf8');
  out.push({ type, content: new TextDecoder(charset).decode(bytes).replace(/\r\n/g, '\n') });
}

function decodeQuotedPrintable(text: string): Buffer {
  const joined = text.replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < joined.length; i++) {
    const c = joined[i]!;
    if (c === '=' && /^[0-9A-Fa-f]{2}$/.test(joined.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(joined.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(c, 'utf8'));
    }
  }
  return Buffer.from(bytes);
}

/** RFC 2047 encoded words (=?utf-8?Q?...?= and =?utf-8?B?...?=), adjacent ones joined. */
function decodeEncodedWords(value: string): string {
  return value
    .replace(/(\?=)\s+(=\?)/g, '$1$2')
    .replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_whole, charset: string, kind: string, text: string) => {
      const bytes = kind.toUpperCase() === 'B' ? Buffer.from(text, 'base64') : decodeQuotedPrintable(text.replace(/_/g, ' '));
      return new TextDecoder(charset.toLowerCase()).decode(bytes);
    });
}
