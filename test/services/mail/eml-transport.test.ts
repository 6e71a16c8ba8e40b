// Without SMTP_URL, mail goes to `.eml` files in the mail directory: one complete RFC 5322 file per mail,
// named after the time it was queued and its outbox id, written atomically and readable only by its owner.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../../../src/config/index.js';
import { createLogger } from '../../../src/log/logger.js';
import { createFileTransport, createMailer, emlFileName, enqueueMail } from '../../../src/services/mail/index.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../../support/databases.js';
import { parseMessage } from '../../support/smtp-sink.js';

const quiet = createLogger('silent', new Writable({ write: (_c, _e, done) => done() }));

describe.each(databaseKinds)('.eml files on %s', (kind) => {
  let t: TestDatabase;
  let mailDir: string;

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    mailDir = path.join(await mkdtemp(path.join(tmpdir(), 'latchkey-mail-')), 'var', 'mail');
  });
  afterAll(async () => {
    await t?.close();
    await rm(path.dirname(path.dirname(mailDir)), { recursive: true, force: true });
  });

  it('writes one parseable file per mail when no SMTP server is configured', async () => {
    const config = loadConfig({ LATCHKEY_MAIL_DIR: mailDir, MAIL_FROM: 'Latchkey <no-reply@id.example.com>' });
    expect(config.smtpUrl).toBeUndefined();
    const mailer = createMailer({ db: t.db, config, logger: quiet, now: () => new Date(Date.now() + 1000) });
    expect(mailer.transportKind).toBe('files');

    const ids = await t.db.transaction(async (tx) => [
      await enqueueMail(tx, { to: 'ann@example.com', template: 'verify-email', locale: 'en', data: { link: 'https://id.example.com/verify?token=T1', code: '111111' } }),
      await enqueueMail(tx, { to: 'bob@example.com', template: 'invitation', locale: 'en', data: { link: 'https://id.example.com/invite?token=T2', clientName: 'Rental desk' } }),
      await enqueueMail(tx, { to: 'cy@example.com', template: 'email-change-notice', locale: 'en', data: { newEmail: 'cy2@example.com', notMeLink: 'https://id.example.com/cancel?token=T3' } }),
    ]);
    expect(await mailer.deliverDue()).toBe(3);
    await mailer.stop();

    const files = (await readdir(mailDir)).sort();
    expect(files).toHaveLength(3); // no temporary files left behind
    for (const file of files) expect(file).toMatch(/^\d{8}T\d{9}Z-[0-9a-f-]{36}\.eml$/);
    const byId = new Map(files.map((f) => [f.slice(-'.eml'.length - 36, -'.eml'.length), f]));
    expect(new Set(byId.keys())).toEqual(new Set(ids));

    const expected = [
      { to: 'ann@example.com', subject: 'Confirm your email address', text: ['https://id.example.com/verify?token=T1', '111111'] },
      { to: 'bob@example.com', subject: 'Rental desk created an account for you', text: ['https://id.example.com/invite?token=T2'] },
      { to: 'cy@example.com', subject: 'Your email address is being changed', text: ['cy2@example.com', 'https://id.example.com/cancel?token=T3'] },
    ];
    for (const [i, id] of ids.entries()) {
      const file = path.join(mailDir, byId.get(id)!);
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      const raw = await readFile(file, 'utf8');
      expect(raw).toContain('\r\n'); // RFC 5322 line endings
      const message = parseMessage(raw);
      expect(message.headers.get('message-id')).toBe(`<${id}@id.example.com>`);
      expect(message.headers.get('from')).toBe('Latchkey <no-reply@id.example.com>');
      expect(message.headers.get('to')).toBe(expected[i]!.to);
      expect(message.headers.get('subject')).toBe(expected[i]!.subject);
      for (const snippet of expected[i]!.text) expect(message.text).toContain(snippet);
      expect(message.html).toMatch(/^<!DOCTYPE html>/);
    }
  });

  it('replaces the file when the same mail is delivered again (no duplicate)', async () => {
    const dir = path.join(mailDir, 'again');
    const transport = createFileTransport(dir);
    const mail = {
      id: '6f1c2a4e-9a8b-4c3d-8e7f-0a1b2c3d4e5f', messageId: '<6f1c2a4e-9a8b-4c3d-8e7f-0a1b2c3d4e5f@id.example.com>',
      createdAt: new Date('2030-01-02T03:04:05.678Z'), from: 'Latchkey <no-reply@id.example.com>', to: 'ann@example.com',
      subject: 'Hello', text: 'first', html: '<p>first</p>', date: new Date(),
    };
    await transport.send(mail, AbortSignal.timeout(5000));
    await transport.send({ ...mail, text: 'second' }, AbortSignal.timeout(5000));
    await transport.close();
    expect(await readdir(dir)).toEqual(['20300102T030405678Z-6f1c2a4e-9a8b-4c3d-8e7f-0a1b2c3d4e5f.eml']);
    expect(emlFileName(mail)).toBe('20300102T030405678Z-6f1c2a4e-9a8b-4c3d-8e7f-0a1b2c3d4e5f.eml');
    expect(parseMessage(await readFile(path.join(dir, emlFileName(mail)), 'utf8')).text?.trim()).toBe('second');
  });
});
