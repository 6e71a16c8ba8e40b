// Mail that is never lost, on the embedded and the server database, delivered to a real SMTP server:
// queued in the caller's transaction (rolled back = never sent), delivered exactly once with the right
// headers and parts, no duplicates when two nodes race, retries with backoff through an SMTP outage (the
// clock is moved by hand, nothing sleeps), dead letters staff can retry, abandoned leases taken over, and
// no link token, code or SMTP password in last_error or the logs.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { loadConfig } from '../../../src/config/index.js';
import { createLogger } from '../../../src/log/logger.js';
import { createMailOutboxQueries } from '../../../src/queries/mail-outbox.js';
import { NotFound } from '../../../src/services/errors.js';
import { createMailer, createSmtpTransport, enqueueMail, type Mailer, type MailTransport } from '../../../src/services/mail/index.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../../support/databases.js';
import { SmtpSink } from '../../support/smtp-sink.js';

const SMTP_USER = 'latchkey';
const SMTP_PASS = 'smtp-Pa55word-never-logged';
const FROM = 'Latchkey <no-reply@id.example.com>';
const MAX_ATTEMPTS = 4;
const config = loadConfig({ MAIL_FROM: FROM, LATCHKEY_MAIL_MAX_ATTEMPTS: String(MAX_ATTEMPTS) });

/** A clock the test moves by hand; it starts a little ahead of the database's now(), which stamps new mail. */
function testClock() {
  let t = Date.now() + 1000;
  return {
    now: () => new Date(t),
    advanceSeconds(s: number) { t += s * 1000; },
    at: () => t,
  };
}

/** Captures log lines (JSON) to check what reaches the logs. */
function capturingLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: createLogger('debug', stream), lines };
}

let serial = 0;
const token = () => `TOKEN${++serial}x${randomUUID().replace(/-/g, '')}`;

describe.each(databaseKinds)('mail outbox on %s', (kind) => {
  let t: TestDatabase;
  let sink: SmtpSink;
  let clock: ReturnType<typeof testClock>;
  let logs: ReturnType<typeof capturingLogger>;
  const transports: MailTransport[] = [];
  const mailers: Mailer[] = [];
  const secrets: string[] = [SMTP_PASS];

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    sink = new SmtpSink({ credentials: { user: SMTP_USER, pass: SMTP_PASS } });
    await sink.start();
  });

  afterAll(async () => {
    await sink?.stop();
    await t?.close();
  });

  beforeEach(async () => {
    await t.db.query('DELETE FROM mail_outbox');
    sink.clear();
    await sink.stop();
    await sink.start();
    clock = testClock();
    logs = capturingLogger();
  });

  afterEach(async () => {
    await Promise.all(mailers.splice(0).map((m) => m.stop()));
    await Promise.all(transports.splice(0).map((tr) => tr.close()));
    // No log line ever carries a link token, a verification code or the SMTP password.
    const leaked = logs.lines.filter((line) => secrets.some((s) => line.includes(s)));
    expect(leaked).toEqual([]);
  });

  /** A mailer as one node would run it: its own SMTP connection pool. */
  function node(nodeId: string): Mailer {
    const transport = createSmtpTransport(sink.url);
    transports.push(transport);
    const mailer = createMailer({ db: t.db, config, logger: logs.logger, transport, now: clock.now, nodeId, random: () => 0.5 });
    mailers.push(mailer);
    return mailer;
  }

  /** Queues a reset mail in its own committed transaction; returns the outbox id and the link. */
  async function queueReset(to: string, extra: { clientName?: string } = {}) {
    const secret = token();
    secrets.push(secret);
    const link = `https://id.example.com/reset?token=${secret}&lang=en`;
    const id = await t.db.transaction((tx) => enqueueMail(tx, { to, template: 'reset-password', locale: 'en', data: { link, ...extra } }));
    return { id, link, secret };
  }

  const row = (id: string) => createMailOutboxQueries(t.db).find(id).then((r) => r!);
  const lastErrors = async () => (await t.db.query<{ last_error: string | null }>('SELECT last_error FROM mail_outbox')).rows.map((r) => r.last_error ?? '');

  it('never lets two claims take the same mail, even while one of them is uncommitted', async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 10; i++) ids.add((await queueReset(`k${i}@example.com`)).id);
    const claim = (db: typeof t.db, owner: string) => createMailOutboxQueries(db).claimDue({
      now: clock.now(), limit: 5, owner, token: randomUUID(), leaseExpiresAt: new Date(clock.at() + 60_000), messageIdDomain: 'id.example.com',
    });
    let second: Promise<string[]> | undefined;
    let secondDoneBeforeCommit = false;
    const first = await t.db.transaction(async (tx) => {
      const mine = (await claim(tx as typeof t.db, 'node-a')).map((m) => m.id);
      // Another node claims while node-a's claim is not committed yet. On PostgreSQL it skips the
      // rows node-a holds instead of waiting for them; PGlite has one connection, so it runs after.
      second = claim(t.db, 'node-b').then((rows) => {
        secondDoneBeforeCommit = true;
        return rows.map((m) => m.id);
      });
      if (kind === 'postgres') {
        // (bounded, so a claim that waits for node-a's locks fails the test instead of deadlocking it)
        await Promise.race([second, new Promise((r) => setTimeout(r, 2000))]);
        expect(secondDoneBeforeCommit).toBe(true);
      }
      return mine;
    });
    const others = await second!;
    expect(first).toHaveLength(5);
    expect(others).toHaveLength(5);
    expect(new Set([...first, ...others])).toEqual(ids);
  });

  it('sends nothing for a rolled-back transaction, and exactly once for a committed one', async () => {
    const mailer = node('node-a');
    const rolledBack = token();
    secrets.push(rolledBack);
    await expect(t.db.transaction(async (tx) => {
      await enqueueMail(tx, { to: 'ghost@example.com', template: 'reset-password', locale: 'en', data: { link: `https://id.example.com/reset?token=${rolledBack}` } });
      throw new Error('the change failed');
    })).rejects.toThrow('the change failed');
    expect(await mailer.deliverDue()).toBe(0);
    expect(sink.received).toEqual([]);

    const { id, link } = await queueReset('ann@example.com', { clientName: 'E-shop & Co' });
    const deliveredAt = clock.now();
    expect(await mailer.deliverDue()).toBe(1);
    expect(await mailer.deliverDue()).toBe(0);
    clock.advanceSeconds(3600);
    expect(await mailer.deliverDue()).toBe(0);

    expect(sink.received).toHaveLength(1);
    const mail = sink.received[0]!;
    expect(mail.user).toBe(SMTP_USER);
    expect(mail.envelopeFrom).toBe('no-reply@id.example.com');
    expect(mail.envelopeTo).toEqual(['ann@example.com']);
    expect(mail.headers.get('from')).toBe('Latchkey <no-reply@id.example.com>');
    expect(mail.headers.get('to')).toBe('ann@example.com');
    expect(mail.headers.get('subject')).toBe('Reset your password');
    expect(mail.messageId).toBe(`<${id}@id.example.com>`);
    expect(mail.headers.get('auto-submitted')).toBe('auto-generated');
    expect(mail.headers.get('content-type')).toMatch(/^multipart\/alternative/);
    expect(mail.text).toContain(link);
    expect(mail.text).toContain('We received a request from E-shop & Co to reset the password');
    expect(mail.html).toContain(`href="${link.replace(/&/g, '&amp;')}"`);
    expect(mail.html).toContain('E-shop &amp; Co');

    const stored = await row(id);
    expect(stored).toMatchObject({ status: 'sent', attempts: 1, messageId: `<${id}@id.example.com>`, leaseOwner: null, leaseToken: null, lastError: null });
    expect(stored.sentAt).toEqual(deliveredAt);
    // Once sent, the link token is not kept.
    expect(stored.data).toEqual({});
    expect(await mailer.stats()).toEqual({ queued: 0, sending: 0, sent: 1, dead: 0 });
  });

  it('delivers each of 50 mails exactly once when two nodes race for them', async () => {
    const ids = new Set<string>();
    await t.db.transaction(async (tx) => {
      for (let i = 0; i < 50; i++) {
        ids.add(await enqueueMail(tx, { to: `user${i}@example.com`, template: 'invitation', locale: 'en', data: { link: `https://id.example.com/invite?n=${i}` } }));
      }
    });
    const [a, b] = [node('node-a'), node('node-b')];
    const drain = async (mailer: Mailer) => {
      let delivered = 0;
      for (let n = await mailer.deliverDue(7); n > 0; n = await mailer.deliverDue(7)) delivered += n;
      return delivered;
    };
    const [byA, byB] = await Promise.all([drain(a), drain(b)]);
    expect(byA + byB).toBe(50);
    expect(byA).toBeGreaterThan(0);
    expect(byB).toBeGreaterThan(0);

    const counts = sink.countsByMessageId();
    expect(sink.received).toHaveLength(50);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(new Set(counts.keys())).toEqual(new Set([...ids].map((id) => `<${id}@id.example.com>`)));
    expect(await a.stats()).toEqual({ queued: 0, sending: 0, sent: 50, dead: 0 });
  });

  it('rides out an SMTP outage with backoff and then delivers every mail exactly once', async () => {
    const mailer = node('node-a');
    const queued = [await queueReset('a@example.com'), await queueReset('b@example.com'), await queueReset('c@example.com')];
    await sink.stop();

    // Attempt 1 fails; the next one is due 10 s later (jitter fixed at the middle).
    const start = clock.at();
    expect(await mailer.deliverDue()).toBe(0);
    for (const { id } of queued) {
      const r = await row(id);
      expect(r).toMatchObject({ status: 'queued', attempts: 1 });
      expect(r.nextAttemptAt.getTime()).toBe(start + 10_000);
      expect(r.lastError).toMatch(/ECONNREFUSED|ESOCKET|ECONNECTION/);
    }
    // Not due yet: nothing is attempted.
    clock.advanceSeconds(9);
    expect(await mailer.deliverDue()).toBe(0);
    expect((await row(queued[0]!.id)).attempts).toBe(1);

    // Attempts 2 and 3 fail too, each wait twice the one before.
    clock.advanceSeconds(1);
    expect(await mailer.deliverDue()).toBe(0);
    expect((await row(queued[0]!.id)).nextAttemptAt.getTime()).toBe(clock.at() + 20_000);
    clock.advanceSeconds(20);
    expect(await mailer.deliverDue()).toBe(0);
    const third = await row(queued[0]!.id);
    expect(third).toMatchObject({ status: 'queued', attempts: 3 });
    expect(third.nextAttemptAt.getTime()).toBe(clock.at() + 40_000);
    expect(sink.received).toEqual([]);

    // The server is back: every mail arrives at the next due attempt, once.
    await sink.start();
    clock.advanceSeconds(40);
    expect(await mailer.deliverDue()).toBe(3);
    clock.advanceSeconds(3600);
    expect(await mailer.deliverDue()).toBe(0);
    expect([...sink.countsByMessageId().entries()].sort()).toEqual(queued.map(({ id }) => [`<${id}@id.example.com>`, 1]).sort());
    for (const { id } of queued) expect(await row(id)).toMatchObject({ status: 'sent', attempts: 4 });
    for (const error of await lastErrors()) for (const s of secrets) expect(error).not.toContain(s);
  });

  it('marks a mail dead after the last attempt, lists it for staff, and delivers it once retried', async () => {
    const mailer = node('node-a');
    const { id, secret } = await queueReset('dora@example.com');
    await sink.stop();
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      expect(await mailer.deliverDue()).toBe(0);
      clock.advanceSeconds(2 * 3600);
    }
    expect(await row(id)).toMatchObject({ status: 'dead', attempts: MAX_ATTEMPTS });
    expect(await mailer.deliverDue()).toBe(0);
    expect((await row(id)).attempts).toBe(MAX_ATTEMPTS);

    const dead = await mailer.deadLetters();
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ id, recipient: 'dora@example.com', template: 'reset-password', attempts: MAX_ATTEMPTS, messageId: `<${id}@id.example.com>` });
    expect(dead[0]!.lastError).toMatch(/ECONNREFUSED|ESOCKET|ECONNECTION/);
    expect(JSON.stringify(dead)).not.toContain(secret);

    await expect(mailer.retry(randomUUID())).rejects.toThrow(NotFound);
    await expect(mailer.retry('not-a-uuid')).rejects.toThrow(NotFound);
    await sink.start();
    await mailer.retry(id);
    expect(await row(id)).toMatchObject({ status: 'queued', attempts: 0 });
    expect(await mailer.deliverDue()).toBe(1);
    expect(sink.received.map((m) => m.messageId)).toEqual([`<${id}@id.example.com>`]);
    expect(await mailer.deadLetters()).toEqual([]);
    // A sent mail is not a dead letter: retry refuses it.
    await expect(mailer.retry(id)).rejects.toThrow(NotFound);
  });

  it('gives up at once on a recipient the server refuses for good, and still delivers the others', async () => {
    const mailer = node('node-a');
    sink.refusedRecipients.add('nobody@example.com');
    const refused = await queueReset('nobody@example.com');
    const fine = await queueReset('fine@example.com');
    expect(await mailer.deliverDue()).toBe(1);
    expect(await row(refused.id)).toMatchObject({ status: 'dead', attempts: 1 });
    expect((await row(refused.id)).lastError).toMatch(/at RCPT: 550 .*User unknown/);
    expect(await row(fine.id)).toMatchObject({ status: 'sent' });
    expect(sink.received.map((m) => m.envelopeTo)).toEqual([['fine@example.com']]);
  });

  it('takes over a mail whose worker died mid-delivery once its lease has expired', async () => {
    const { id } = await queueReset('erin@example.com');
    // A node claims the mail and dies before recording anything.
    const crashedToken = randomUUID();
    const claimed = await createMailOutboxQueries(t.db).claimDue({
      now: clock.now(), limit: 10, owner: 'crashed-node', token: crashedToken,
      leaseExpiresAt: new Date(clock.at() + config.mail.leaseSeconds * 1000), messageIdDomain: 'id.example.com',
    });
    expect(claimed.map((m) => m.id)).toEqual([id]);

    const survivor = node('node-b');
    expect(await survivor.deliverDue()).toBe(0); // the lease still holds
    clock.advanceSeconds(config.mail.leaseSeconds - 1);
    expect(await survivor.deliverDue()).toBe(0);
    clock.advanceSeconds(2);
    expect(await survivor.deliverDue()).toBe(1);
    expect(await row(id)).toMatchObject({ status: 'sent', attempts: 2 });
    expect(sink.received.map((m) => m.messageId)).toEqual([`<${id}@id.example.com>`]);
    expect(logs.lines.some((l) => l.includes('Taking over') && l.includes('crashed-node'))).toBe(true);

    // The dead node's claim is fenced off: it can no longer change the mail.
    const outbox = createMailOutboxQueries(t.db);
    expect(await outbox.markSent(id, crashedToken, clock.now())).toBe(false);
    expect(await outbox.scheduleRetry(id, crashedToken, clock.now(), 'late')).toBe(false);
    expect(await row(id)).toMatchObject({ status: 'sent', lastError: null });
  });

  it('buries an abandoned mail that had used up its attempts instead of sending it again', async () => {
    const { id } = await queueReset('fay@example.com');
    await t.db.query('UPDATE mail_outbox SET attempts = $2 WHERE id = $1', [id, MAX_ATTEMPTS - 1]);
    await createMailOutboxQueries(t.db).claimDue({
      now: clock.now(), limit: 10, owner: 'crashed-node', token: randomUUID(),
      leaseExpiresAt: new Date(clock.at() + 1000), messageIdDomain: 'id.example.com',
    });
    clock.advanceSeconds(2);
    const mailer = node('node-a');
    expect(await mailer.deliverDue()).toBe(0);
    expect(await row(id)).toMatchObject({ status: 'dead', attempts: MAX_ATTEMPTS });
    expect((await row(id)).lastError).toMatch(/lease expired/);
    expect(sink.received).toEqual([]);
  });

  it('keeps link tokens and codes out of last_error and the logs, even when the server echoes them', async () => {
    const mailer = node('node-a');
    const secret = token();
    const code = '493817';
    secrets.push(secret, code);
    const link = `https://id.example.com/verify?token=${secret}`;
    await t.db.transaction((tx) => enqueueMail(tx, { to: 'gil@example.com', template: 'verify-email', locale: 'en', data: { link, code } }));
    sink.dataError = Object.assign(new Error(`Greylisted, message contained ${link} and ${secret} and code ${code}`), { responseCode: 451 });
    expect(await mailer.deliverDue()).toBe(0);
    const [error] = await lastErrors();
    expect(error).toMatch(/^EMESSAGE at DATA: 451 Greylisted, message contained \[url\] and \[redacted\] and code \[redacted\]/);
    expect(logs.lines.some((l) => l.includes('Greylisted'))).toBe(true);
    // (the afterEach hook checks every log line for the secrets)
    sink.dataError = undefined;
    clock.advanceSeconds(60);
    expect(await mailer.deliverDue()).toBe(1);
    expect(sink.received[0]!.text).toContain(code);
  });

  it('records a delivery the database missed at the next round instead of sending it again', async () => {
    const { id } = await queueReset('ida@example.com');
    // The database fails exactly when the worker records the delivery.
    let failNextSent = true;
    const flaky = Object.create(t.db) as typeof t.db;
    flaky.query = (async (text: string, params?: readonly unknown[]) => {
      if (failNextSent && /SET status = 'sent'/.test(text)) {
        failNextSent = false;
        throw Object.assign(new Error('Connection terminated unexpectedly'), { code: '57P01' });
      }
      return t.db.query(text, params);
    }) as typeof t.db.query;
    const transport = createSmtpTransport(sink.url);
    transports.push(transport);
    const mailer = createMailer({ db: flaky, config, logger: logs.logger, transport, now: clock.now, nodeId: 'node-a' });
    mailers.push(mailer);

    expect(await mailer.deliverDue()).toBe(1);
    expect(await row(id)).toMatchObject({ status: 'sending' });
    expect(await mailer.deliverDue()).toBe(0);
    expect(await row(id)).toMatchObject({ status: 'sent', attempts: 1 });
    clock.advanceSeconds(2 * config.mail.leaseSeconds);
    expect(await mailer.deliverDue()).toBe(0);
    expect(sink.received).toHaveLength(1);
  });

  it('stop() waits for a delivery in flight', async () => {
    const { id } = await queueReset('jo@example.com');
    let release!: () => void;
    const gate = new Promise<void>((resolve) => { release = resolve; });
    const sent: string[] = [];
    const slow: MailTransport = {
      kind: 'slow',
      async send(mail) { await gate; sent.push(mail.messageId); },
      async close() {},
    };
    const mailer = createMailer({ db: t.db, config, logger: logs.logger, transport: slow, now: clock.now });
    const delivering = mailer.deliverDue();
    await new Promise((r) => setTimeout(r, 50));
    let stopped = false;
    const stopping = mailer.stop().then(() => { stopped = true; });
    await new Promise((r) => setTimeout(r, 50));
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(await delivering).toBe(1);
    expect(sent).toEqual([`<${id}@id.example.com>`]);
    expect(await row(id)).toMatchObject({ status: 'sent' });
    expect(await mailer.deliverDue()).toBe(0); // a stopped mailer claims nothing
  });

  it('delivers in the background once started, right away on notify(), and stop() waits for it', async () => {
    const mailer = node('node-a');
    mailer.start(60_000);
    const { id } = await queueReset('hal@example.com');
    mailer.notify();
    const deadline = Date.now() + 10_000;
    while (sink.received.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await mailer.stop();
    expect(sink.received.map((m) => m.messageId)).toEqual([`<${id}@id.example.com>`]);
    expect(await mailer.deliverDue()).toBe(0);
  });
});
