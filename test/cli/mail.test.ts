// Dead mail as staff see it, through real `bin/latchkey` processes: a mail the SMTP server refused for
// good is listed by `mail dead` (with the reason, never the link it carried), `mail retry ID` queues it
// again, and bad ids get a clear refusal.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createLatchkey } from '../../src/app.js';
import { enqueueMail } from '../../src/services/mail/index.js';
import { SmtpSink } from '../support/smtp-sink.js';
import { createSandbox, expectRefusal, expectSuccess, latchkey, type Sandbox } from './helpers.js';

describe('latchkey mail', () => {
  let sandbox: Sandbox;
  const sink = new SmtpSink();
  const run = (args: string[]) => latchkey(args, { env: sandbox.env });

  beforeAll(async () => {
    await sink.start();
    sandbox = await createSandbox({ SMTP_URL: sink.url });
  });
  afterAll(async () => {
    await sink.stop();
    await sandbox?.remove();
  });

  it('lists a mail refused for good, and queues it again on retry', async () => {
    sink.refusedRecipients.add('gone@example.com');
    const lk = await createLatchkey({ env: sandbox.env, role: 'cli' });
    try {
      await lk.db.transaction((tx) => enqueueMail(tx, { to: 'gone@example.com', template: 'reset-password', locale: 'en', data: { link: 'https://id.example.com/reset-password?token=secret-token-value' } }));
      await lk.mailer.deliverDue();
    } finally {
      await lk.close();
    }

    const dead = await run(['mail', 'dead', '--json']);
    expectSuccess(dead);
    const rows = JSON.parse(dead.stdout) as { id: string; recipient: string; template: string; last_error: string }[];
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ recipient: 'gone@example.com', template: 'reset-password' });
    expect(rows[0]!.last_error).toMatch(/550/);
    expect(dead.stdout).not.toContain('secret-token-value');

    const status = await run(['mail', 'status', '--json']);
    expect(JSON.parse(status.stdout)).toMatchObject({ dead: 1 });

    const retried = await run(['mail', 'retry', rows[0]!.id]);
    expectSuccess(retried);
    expect(retried.stdout).toMatch(/queued again/);
    expect(JSON.parse((await run(['mail', 'dead', '--json'])).stdout)).toEqual([]);
    expect(JSON.parse((await run(['mail', 'status', '--json'])).stdout)).toMatchObject({ dead: 0, queued: 1 });
  });

  it('refuses ids that are not dead mail, clearly', async () => {
    expectRefusal(await run(['mail', 'retry', 'not-an-id']), 2, /not a mail id/);
    expectRefusal(await run(['mail', 'retry', '00000000-0000-4000-8000-000000000000']), 1, /no dead mail with this id/);
    expectRefusal(await run(['mail', 'dead', '--limit', 'lots']), 2, /--limit must be a whole number/);
    expectRefusal(await run(['mail', 'explode']), 2, /Unknown mail command explode/);
  });
});
