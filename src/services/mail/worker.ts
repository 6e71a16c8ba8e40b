// Delivers the outbox: claims due mails with a lease (several nodes may run a worker on one database; no
// two hold the same mail), renders and sends them, and records the outcome under the claim's fencing token.
// Failed mails come back after an exponential backoff; after maxAttempts, or when the server refuses the
// recipient for good, a mail is dead and waits for staff (deadLetters, retry).
//
// Delivery is exactly once except in one window SMTP cannot close: the server accepted the mail, and the
// worker died before `sent` was recorded (a database outage alone is covered: the outcome is kept in memory
// and recorded at the next round). After the lease expires, another claim sends the mail again, with the
// same Message-ID, so receivers that de-duplicate by Message-ID show it once.
import { randomUUID, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { LatchkeyConfig } from '../../config/index.js';
import type { Database } from '../../db/types.js';
import { createI18n, type I18n } from '../../i18n/index.js';
import type { Logger } from '../../log/logger.js';
import { createMailOutboxQueries, type ClaimedMail, type OutboxMail, type OutboxStatus } from '../../queries/mail-outbox.js';
import { NotFound } from '../errors.js';
import { createMailRenderer, MailDataInvalid, type RenderedMail } from './render.js';
import { classifyFailure, describeFailure, retryDelaySeconds, secretsOf, type FailureKind } from './retry.js';
import { isMailTemplate } from './templates.js';
import { createFileTransport, createSmtpTransport, type MailTransport, type OutgoingMail } from './transport.js';

/** The configuration the mailer reads. */
export type MailerConfig = Pick<LatchkeyConfig, 'smtpUrl' | 'mailFrom' | 'mailDir' | 'mail'>;

export interface MailerDeps {
  db: Database;
  config: MailerConfig;
  logger: Logger;
  /** Default: SMTP when config.smtpUrl is set, else .eml files in config.mailDir. */
  transport?: MailTransport;
  /** Default: the project's locales. */
  i18n?: I18n;
  viewsDir?: string;
  /** The clock for due times, leases and backoff (tests move it by hand). */
  now?: () => Date;
  /** Names this worker in leases; default `<hostname>:<pid>:<random>`, unique per mailer. */
  nodeId?: string;
  /** Source of the backoff jitter, in [0, 1). */
  random?: () => number;
}

/** A mail that will not be delivered without staff: what they need to decide, never its data (link tokens). */
export interface DeadLetter {
  id: string;
  recipient: string;
  template: string;
  locale: string;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
  lastAttemptAt: Date | null;
  messageId: string | null;
}

export interface Mailer {
  readonly nodeId: string;
  readonly transportKind: string;
  /** Claims and delivers the mails due now, at most `limit`; returns how many were delivered. */
  deliverDue(limit?: number): Promise<number>;
  /** Delivers due mail in the background every intervalMs (default: the configured poll interval). */
  start(intervalMs?: number): void;
  /** Looks for due mail right away (call after committing a transaction that queued mail). */
  notify(): void;
  /** Stops the background delivery, waits for deliveries in flight, closes the transport it opened. */
  stop(): Promise<void>;
  /** Dead mails, the most recently failed first. */
  deadLetters(limit?: number): Promise<DeadLetter[]>;
  /** Queues a dead mail again with a fresh set of attempts; NotFound when no dead mail has this id. */
  retry(id: string): Promise<void>;
  /** How many mails are in each state. */
  stats(): Promise<Record<OutboxStatus, number>>;
}

const BATCH_SIZE = 20;
/** A delivery attempt is cut off long before its lease ends, so no other node takes over a live attempt. */
const MAX_SEND_MILLIS = 60_000;

/** `example.com` from `Latchkey <no-reply@example.com>`: the right-hand side of our Message-IDs. */
export function messageIdDomain(mailFrom: string): string {
  const match = /@([A-Za-z0-9.-]+)\s*>?\s*$/.exec(mailFrom.trim());
  return match?.[1]?.toLowerCase() ?? 'latchkey.invalid';
}

/** Creates the outbox worker; nothing runs until start() or deliverDue(). */
export function createMailer(deps: MailerDeps): Mailer {
  const { db, config, logger } = deps;
  const settings = config.mail;
  const clock = deps.now ?? (() => new Date());
  const random = deps.random ?? Math.random;
  const nodeId = deps.nodeId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const ownTransport = deps.transport === undefined;
  const transport = deps.transport ?? (config.smtpUrl ? createSmtpTransport(config.smtpUrl) : createFileTransport(config.mailDir));
  const renderer = createMailRenderer({ i18n: deps.i18n ?? createI18n(), ...(deps.viewsDir ? { viewsDir: deps.viewsDir } : {}) });
  const outbox = createMailOutboxQueries(db);
  const domain = messageIdDomain(config.mailFrom);
  const leaseMillis = settings.leaseSeconds * 1000;
  const sendMillis = Math.min(MAX_SEND_MILLIS, Math.floor(leaseMillis / 3));
  const log = logger.child({ component: 'mail', node: nodeId });

  /** Deliveries the server accepted whose `sent` could not be written yet (database unreachable). */
  const unrecorded = new Map<string, { token: string; sentAt: Date }>();
  const inFlight = new Set<Promise<unknown>>();
  let stopped = false;
  let started = false;
  let intervalMillis = settings.pollIntervalSeconds * 1000;
  let timer: NodeJS.Timeout | undefined;
  let round: Promise<void> | undefined;
  let again = false;

  function track<T>(work: Promise<T>): Promise<T> {
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work)).catch(() => undefined);
    return work;
  }

  async function recordSent(mail: OutboxMail, token: string, sentAt: Date): Promise<void> {
    try {
      const recorded = await outbox.markSent(mail.id, token, sentAt);
      unrecorded.delete(mail.id);
      if (!recorded) {
        log.warn({ mailId: mail.id, template: mail.template }, 'Mail delivered after its lease had been taken over by another worker; it may arrive twice');
      }
    } catch (err) {
      unrecorded.set(mail.id, { token, sentAt });
      log.error({ mailId: mail.id, error: describeFailure(err, []) }, 'Mail delivered but not recorded as sent; recording again at the next round (if this process stops first, it is sent again once its lease expires)');
    }
  }

  async function flushUnrecorded(): Promise<void> {
    for (const [id, { token, sentAt }] of [...unrecorded]) {
      const recorded = await outbox.markSent(id, token, sentAt);
      unrecorded.delete(id);
      if (!recorded) log.warn({ mailId: id }, 'Mail delivered after its lease had been taken over by another worker; it may arrive twice');
    }
  }

  async function recordFailure(mail: OutboxMail, token: string, err: unknown, kind: FailureKind): Promise<void> {
    const error = describeFailure(err, secretsOf(mail.data));
    const fields = { mailId: mail.id, template: mail.template, attempts: mail.attempts, error };
    if (kind === 'rejected' || mail.attempts >= settings.maxAttempts) {
      await outbox.markDead(mail.id, token, error);
      log.error({ ...fields, reason: kind === 'rejected' ? 'refused' : 'attempts used up' }, 'Mail is dead; staff can retry it from the dead letters');
      return;
    }
    const delaySeconds = retryDelaySeconds(mail.attempts, settings, random());
    const nextAttemptAt = new Date(clock().getTime() + Math.round(delaySeconds * 1000));
    await outbox.scheduleRetry(mail.id, token, nextAttemptAt, error);
    log.warn({ ...fields, nextAttemptAt }, 'Mail delivery failed; trying again later');
  }

  function render(mail: OutboxMail): RenderedMail {
    if (!isMailTemplate(mail.template)) {
      // Perhaps queued by a newer version of Latchkey during a rolling upgrade: worth another attempt.
      throw Object.assign(new Error(`Unknown mail template ${JSON.stringify(mail.template)}`), { code: 'EUNKNOWNTEMPLATE' });
    }
    return renderer.render(mail.template, mail.locale, mail.data);
  }

  /** One claimed mail: render, send, record. Never rejects (a failure is recorded, or the lease runs out). */
  async function deliver(mail: ClaimedMail, token: string): Promise<boolean> {
    try {
      let rendered: RenderedMail;
      try {
        rendered = render(mail);
      } catch (err) {
        await recordFailure(mail, token, err, err instanceof MailDataInvalid ? 'rejected' : 'transient');
        return false;
      }
      const outgoing: OutgoingMail = {
        id: mail.id,
        messageId: mail.messageId ?? `<${mail.id}@${domain}>`,
        createdAt: mail.createdAt,
        from: config.mailFrom,
        to: mail.recipient,
        subject: rendered.subject,
        text: rendered.text,
        html: rendered.html,
        date: clock(),
      };
      try {
        await transport.send(outgoing, AbortSignal.timeout(sendMillis));
      } catch (err) {
        await recordFailure(mail, token, err, classifyFailure(err));
        return false;
      }
      await recordSent(mail, token, clock());
      log.info({ mailId: mail.id, template: mail.template, attempts: mail.attempts, transport: transport.kind }, 'Mail delivered');
      return true; // the server has it, recorded or not
    } catch (err) {
      // The database failed while recording a failure: the mail stays claimed until its lease expires,
      // then it is claimed again. Nothing is lost.
      log.error({ mailId: mail.id, error: describeFailure(err, secretsOf(mail.data)) }, 'Could not record the outcome of a mail delivery; it is retried once its lease expires');
      return false;
    }
  }

  async function deliverBatch(limit: number): Promise<{ claimed: number; delivered: number }> {
    await flushUnrecorded();
    const now = clock();
    const buried = await outbox.buryAbandoned(now, settings.maxAttempts, 'its worker stopped during the last attempt (lease expired)');
    if (buried > 0) log.error({ count: buried }, 'Mails whose worker stopped during their last attempt are dead; staff can retry them');
    const token = randomUUID();
    const claimed = await outbox.claimDue({
      now,
      limit,
      owner: nodeId,
      token,
      leaseExpiresAt: new Date(now.getTime() + leaseMillis),
      messageIdDomain: domain,
    });
    for (const mail of claimed) {
      if (mail.takenOverFrom !== undefined) {
        log.warn({ mailId: mail.id, attempts: mail.attempts, previousOwner: mail.takenOverFrom }, 'Taking over a mail whose worker stopped mid-delivery (lease expired); if that worker had sent it, it arrives twice');
      }
    }
    const results = await Promise.all(claimed.map((mail) => deliver(mail, token)));
    return { claimed: claimed.length, delivered: results.filter(Boolean).length };
  }

  async function deliverDue(limit: number = BATCH_SIZE): Promise<number> {
    if (stopped) return 0;
    return (await track(deliverBatch(Math.max(1, Math.floor(limit))))).delivered;
  }

  function schedule(delayMillis: number): void {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void runRound(), delayMillis);
    timer.unref();
  }

  /** One background round: batches until the due mail is drained, then the next poll is scheduled. */
  async function runRound(): Promise<void> {
    timer = undefined;
    if (stopped) return;
    if (round) {
      again = true;
      return;
    }
    round = track((async () => {
      do {
        again = false;
        try {
          for (;;) {
            const { claimed } = await deliverBatch(BATCH_SIZE);
            if (claimed < BATCH_SIZE || stopped) break;
          }
        } catch (err) {
          log.warn({ error: describeFailure(err, []) }, 'Mail delivery round failed; trying again at the next poll');
        }
      } while (again && !stopped);
    })());
    await round;
    round = undefined;
    if (started && !stopped) schedule(intervalMillis);
  }

  return {
    nodeId,
    transportKind: transport.kind,
    deliverDue,
    start(intervalMs) {
      if (stopped || started) return;
      started = true;
      if (intervalMs !== undefined) intervalMillis = Math.max(10, intervalMs);
      schedule(0);
    },
    notify() {
      if (!started || stopped) return;
      if (round) again = true;
      else schedule(0);
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
      if (ownTransport) await transport.close();
    },
    async deadLetters(limit = 50) {
      const rows = await outbox.listDead(Math.min(Math.max(1, Math.floor(limit)), 1000));
      return rows.map((m) => ({
        id: m.id,
        recipient: m.recipient,
        template: m.template,
        locale: m.locale,
        attempts: m.attempts,
        lastError: m.lastError,
        createdAt: m.createdAt,
        lastAttemptAt: m.lastAttemptAt,
        messageId: m.messageId,
      }));
    },
    async retry(id) {
      if (!(await outbox.requeueDead(id, clock()))) throw new NotFound('There is no dead mail with this id.');
      log.info({ mailId: id }, 'Dead mail queued again');
      if (started && !stopped) schedule(0);
    },
    stats: () => outbox.countByStatus(),
  };
}
