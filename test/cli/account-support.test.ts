// Support's account commands as real `bin/latchkey` processes: set-profile (any field, also those users
// cannot edit themselves), listing email changes, approving and rejecting changes that wait for staff.
// Runs on the embedded database and on a PostgreSQL server.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createLatchkey } from '../../src/app.js';
import { createEmptyPostgresDatabase, createSandbox, expectRefusal, expectSuccess, latchkey, type EmptyPostgresDatabase, type Sandbox } from './helpers.js';

const PASSWORD = 'correct horse battery staple';

describe.each(['embedded', 'postgres'] as const)('latchkey users: support commands (%s database)', (mode) => {
  let sandbox: Sandbox;
  let database: EmptyPostgresDatabase | undefined;
  const run = (args: string[], input?: string) => latchkey(args, { env: sandbox.env, input });

  beforeAll(async () => {
    database = mode === 'postgres' ? await createEmptyPostgresDatabase() : undefined;
    sandbox = await createSandbox({ LATCHKEY_EMAIL_CHANGE_APPROVAL: 'true', ...(database ? { DATABASE_URL: database.url } : {}) });
  });
  afterAll(async () => {
    await database?.drop();
    await sandbox?.remove();
  });

  /** Creates an account and a verified email change waiting for approval (as the account center would); returns the change's id. */
  async function pendingChange(email: string, newEmail: string): Promise<string> {
    expectSuccess(await run(['users', 'create', '--email', email, '--password-stdin', '--verified'], PASSWORD));
    const lk = await createLatchkey({ env: sandbox.env, role: 'cli' });
    try {
      const account = (await lk.services.accounts.findByEmail(email))!;
      const change = await lk.services.accountCenter.requestEmailChange(account.id, { newEmail, currentPassword: PASSWORD }, { ip: '127.0.0.1' });
      const { rows } = await lk.db.query<{ data: { link: string } }>(`SELECT data FROM mail_outbox WHERE recipient = $1 AND template = 'email-change-verify'`, [newEmail]);
      const token = new URL(rows[0]!.data.link).searchParams.get('token')!;
      expect(await lk.services.accountCenter.confirmEmailChange(token, {})).toMatchObject({ result: 'awaiting-approval' });
      return change.id;
    } finally {
      await lk.close();
    }
  }

  it('set-profile changes any profile field, clears with \'\', and prints the profile', async () => {
    expectSuccess(await run(['users', 'create', '--email', 'jana@example.com', '--password-stdin', '--name', 'Jana'], PASSWORD));
    const result = await run(['users', 'set-profile', 'jana@example.com', '--family-name', 'Nováková', '--phone', '+420 601 234 567', '--locality', 'Brno', '--country', 'CZ', '--json']);
    expectSuccess(result);
    expect(result.json()).toMatchObject({ email: 'jana@example.com', name: 'Jana', family_name: 'Nováková', phone_number: '+420 601 234 567', address: { locality: 'Brno', country: 'CZ' } });
    // Address parts not given are kept; '' clears a field.
    const human = await run(['users', 'set-profile', 'jana@example.com', '--postal-code', '602 00', '--name', '']);
    expectSuccess(human);
    expect(human.stdout).toContain('Profile of jana@example.com updated.');
    expect(human.stdout).toMatch(/address\s+\{"locality":"Brno","postal_code":"602 00","country":"CZ"\}/);
    expect(human.stdout).toMatch(/^name\s+-$/m);
  });

  it('set-profile refuses bad input with a clear message', async () => {
    expectRefusal(await run(['users', 'set-profile', 'jana@example.com']), 2, /Give at least one field to change/);
    expectRefusal(await run(['users', 'set-profile', 'jana@example.com', '--phone', 'call me']), 1, /phone number/);
    expectRefusal(await run(['users', 'set-profile', 'jana@example.com', '--locale', 'tlh']), 1, /languages offered/);
    expectRefusal(await run(['users', 'set-profile', 'nobody@example.com', '--name', 'X']), 1, /No account with email nobody@example.com/);
    expectRefusal(await run(['users', 'set-profile', 'jana@example.com', '--shoe-size', '42']), 2, /shoe-size/);
  });

  it('lists email changes waiting for approval, approves one (applied) and rejects another with a reason', async () => {
    const first = await pendingChange('petr@example.com', 'petr.novy@example.com');
    const second = await pendingChange('eva@example.com', 'eva.nova@example.com');
    const pending = await run(['users', 'email-changes', '--pending', '--json']);
    expectSuccess(pending);
    expect(pending.json()).toEqual([
      expect.objectContaining({ id: first, old_email: 'petr@example.com', new_email: 'petr.novy@example.com', status: 'awaiting-approval', verified_at: expect.any(String) }),
      expect.objectContaining({ id: second, status: 'awaiting-approval' }),
    ]);

    const approved = await run(['users', 'email-change', 'approve', first]);
    expectSuccess(approved);
    expect(approved.stdout).toBe(`Email change ${first} approved: petr@example.com -> petr.novy@example.com applied.\n`);
    expect((await run(['users', 'show', 'petr.novy@example.com', '--json'])).json()).toMatchObject({ email: 'petr.novy@example.com', email_verified: true });

    const rejected = await run(['users', 'email-change', 'reject', second, '--reason', 'no signed request', '--json']);
    expectSuccess(rejected);
    expect(rejected.json()).toMatchObject({ id: second, status: 'rejected', reason: 'no signed request', decided_by: 'support-cli' });
    expect((await run(['users', 'show', 'eva@example.com', '--json'])).json()).toMatchObject({ email: 'eva@example.com' });

    const none = await run(['users', 'email-changes', '--pending']);
    expect(none.stdout).toBe('No email change is awaiting approval.\n');
    const all = await run(['users', 'email-changes']);
    expect(all.stdout).toContain(`${first}  applied  petr@example.com -> petr.novy@example.com`);
    // Deciding twice, unknown ids and bad usage fail clearly.
    expectRefusal(await run(['users', 'email-change', 'approve', first]), 1, /is applied, not awaiting approval/);
    expectRefusal(await run(['users', 'email-change', 'approve', '00000000-0000-4000-8000-000000000000']), 1, /No email change with id/);
    expectRefusal(await run(['users', 'email-change', 'maybe', first]), 2, /approve or reject/);
  });

  it('does not apply an approved change whose address was taken meanwhile', async () => {
    const id = await pendingChange('olga@example.com', 'olga.new@example.com');
    expectSuccess(await run(['users', 'create', '--email', 'olga.new@example.com', '--password-stdin'], PASSWORD));
    const result = await run(['users', 'email-change', 'approve', id]);
    expectSuccess(result);
    expect(result.stdout).toContain('belongs to another account now; it is rejected');
    expect((await run(['users', 'show', 'olga@example.com', '--json'])).json()).toMatchObject({ email: 'olga@example.com' });
  });
});
