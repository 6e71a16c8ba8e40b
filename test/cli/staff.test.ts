// `latchkey staff grant|revoke|list` as real bin/latchkey processes, on the embedded database and on a
// PostgreSQL server: roles are granted and revoked (idempotently), listed, audited, and bad input is refused
// with a clear message and a non-zero exit.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createLatchkey } from '../../src/app.js';
import { createEmptyPostgresDatabase, createSandbox, expectJsonRefusal, expectRefusal, expectSuccess, latchkey, type EmptyPostgresDatabase, type Sandbox } from './helpers.js';

const PASSWORD = 'correct horse battery staple';

describe.each(['embedded', 'postgres'] as const)('latchkey staff (%s database)', (mode) => {
  let sandbox: Sandbox;
  let database: EmptyPostgresDatabase | undefined;
  const run = (args: string[], input?: string) => latchkey(args, { env: sandbox.env, input });

  beforeAll(async () => {
    database = mode === 'postgres' ? await createEmptyPostgresDatabase() : undefined;
    sandbox = await createSandbox(database ? { DATABASE_URL: database.url } : {});
    expectSuccess(await run(['users', 'create', '--email', 'mod@example.com', '--password-stdin', '--name', 'Mona'], PASSWORD));
    expectSuccess(await run(['users', 'create', '--email', 'sam@example.com', '--password-stdin'], PASSWORD));
  });
  afterAll(async () => {
    await database?.drop();
    await sandbox?.remove();
  });

  it('grants roles, says when a role was already held, and lists the staff', async () => {
    const granted = await run(['staff', 'grant', 'mod@example.com', 'moderator']);
    expectSuccess(granted);
    expect(granted.stdout).toBe('mod@example.com is now moderator. Staff roles: moderator.\n');

    const again = await run(['staff', 'grant', 'MOD@example.com', 'moderator', '--json']);
    expectSuccess(again);
    expect(again.json()).toMatchObject({ email: 'mod@example.com', role: 'moderator', changed: false, roles: ['moderator'] });

    expectSuccess(await run(['staff', 'grant', 'sam@example.com', 'support']));
    expectSuccess(await run(['staff', 'grant', 'sam@example.com', 'admin']));

    const list = await run(['staff', 'list', '--json']);
    expectSuccess(list);
    expect(list.json()).toEqual([
      expect.objectContaining({ email: 'mod@example.com', name: 'Mona', roles: ['moderator'], status: 'active' }),
      expect.objectContaining({ email: 'sam@example.com', roles: ['admin', 'support'] }),
    ]);
    const human = await run(['staff', 'list']);
    expectSuccess(human);
    expect(human.stdout).toMatch(/^mod@example\.com\s+moderator$/m);
    expect(human.stdout).toMatch(/^sam@example\.com\s+admin, support$/m);
  });

  it('revokes a role, and the service sees the change at once', async () => {
    const revoked = await run(['staff', 'revoke', 'sam@example.com', 'admin']);
    expectSuccess(revoked);
    expect(revoked.stdout).toBe('sam@example.com is no longer admin. Staff roles: support.\n');
    const notHeld = await run(['staff', 'revoke', 'sam@example.com', 'admin', '--json']);
    expectSuccess(notHeld);
    expect(notHeld.json()).toMatchObject({ changed: false, roles: ['support'] });

    const lk = await createLatchkey({ env: sandbox.env, role: 'cli' });
    try {
      const sam = (await lk.services.accounts.findByEmail('sam@example.com'))!;
      expect(await lk.services.staff.rolesOf(sam.id)).toEqual(['support']);
      const { rows } = await lk.db.query<{ type: string; data: { role: string; via: string } }>(
        `SELECT type, data FROM audit_events WHERE account_id = $1 AND type LIKE 'staff.%' ORDER BY id`, [sam.id]);
      expect(rows.map((r) => [r.type, r.data.role, r.data.via])).toEqual([
        ['staff.role-granted', 'support', 'cli'], ['staff.role-granted', 'admin', 'cli'], ['staff.role-revoked', 'admin', 'cli'],
      ]);
    } finally {
      await lk.close();
    }
  });

  it('refuses bad input with a clear message and a non-zero exit', async () => {
    expectRefusal(await run(['staff', 'grant', 'mod@example.com', 'overlord']), 1, /Unknown staff role "overlord": use moderator, support or admin/);
    expectRefusal(await run(['staff', 'grant', 'nobody@example.com', 'support']), 1, /No account with email nobody@example.com/);
    expectRefusal(await run(['staff', 'grant', 'mod@example.com']), 2, /takes an EMAIL and a ROLE/);
    expectRefusal(await run(['staff', 'promote', 'mod@example.com', 'admin']), 2, /Unknown staff command promote/);
    expectRefusal(await run(['staff', 'list', 'extra']), 2, /takes no arguments/);
    expectJsonRefusal(await run(['staff', 'revoke', 'mod@example.com', 'root', '--json']), 1, 'invalid_request', /Unknown staff role/);
  });
});
