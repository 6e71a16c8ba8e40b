// The `latchkey` management commands as an operator runs them with no server running, on one database
// mode (embedded PGlite in the data dir, or a PostgreSQL server through DATABASE_URL): human output and
// --json, and the failures that depend on what is stored (unknown ids, taken emails). Every command is
// a real `bin/latchkey` process. The embedded test files split the commands in two, so that the two
// test workers share the work (embedded commands run one at a time on a data dir).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { access } from 'node:fs/promises';
import path from 'node:path';
import { createEmptyPostgresDatabase, createSandbox, expectJsonRefusal, expectRefusal, expectSuccess, latchkey, type EmptyPostgresDatabase, type Sandbox } from './helpers.js';

export type CliDatabaseMode = 'embedded' | 'postgres';

export const PASSWORD = 'correct horse battery staple';

const exists = (p: string) => access(p).then(() => true, () => false);

/** A sandbox (and, for 'postgres', an empty database) for the enclosing describe; returns how to run the CLI in it. */
function useCliSandbox(mode: CliDatabaseMode) {
  let sandbox: Sandbox;
  let database: EmptyPostgresDatabase | undefined;
  beforeAll(async () => {
    database = mode === 'postgres' ? await createEmptyPostgresDatabase() : undefined;
    sandbox = await createSandbox(database ? { DATABASE_URL: database.url } : {});
  });
  afterAll(async () => {
    await database?.drop();
    await sandbox?.remove();
  });
  return {
    run: (args: string[], input?: string) => latchkey(args, { env: sandbox.env, input }),
    dataDir: () => sandbox.dataDir,
  };
}

/** migrate and the clients commands, against one database mode. */
export function describeClientCommands(mode: CliDatabaseMode): void {
  describe(`latchkey migrate and clients (${mode} database, no server running)`, () => {
    const { run, dataDir } = useCliSandbox(mode);

    describe('migrate', () => {
      it('creates the schema on a new database, then has nothing to do', async () => {
        const first = await run(['migrate', '--json']);
        expectSuccess(first);
        expect(first.json().applied).toEqual(expect.arrayContaining(['0001_accounts', '0002_oidc']));
        const again = await run(['migrate']);
        expectSuccess(again);
        expect(again.stdout).toBe('The database is up to date.\n');
      });

      it(mode === 'embedded' ? 'keeps the embedded database in the data dir and releases it' : 'creates no embedded database', async () => {
        expect(await exists(path.join(dataDir(), 'pgdata'))).toBe(mode === 'embedded');
        expect(await exists(path.join(dataDir(), 'latchkey.lock'))).toBe(false);
      });
    });

    describe('clients', () => {
      const ids: Record<string, string> = {};
      let webSecret = '';

      it('create --type web (the default) with every option; --json prints client_id and client_secret', async () => {
        const result = await run(['clients', 'create', '--json', '--name', 'E-shop', '--redirect-uri', 'https://shop.example.com/callback', '--redirect-uri', 'http://localhost:8080/callback',
          '--first-party', '--post-logout-redirect-uri', 'https://shop.example.com/bye', '--backchannel-logout-uri', 'https://shop.example.com/backchannel', '--require-customer-link']);
        expectSuccess(result);
        const client = result.json();
        expect(client).toMatchObject({
          client_id: expect.stringMatching(/^[\w-]{16,}$/),
          client_secret: expect.stringMatching(/^[\w-]{32,}$/),
          name: 'E-shop',
          type: 'web',
          first_party: true,
          require_customer_link: true,
          redirect_uris: ['https://shop.example.com/callback', 'http://localhost:8080/callback'],
          post_logout_redirect_uris: ['https://shop.example.com/bye'],
          backchannel_logout_uri: 'https://shop.example.com/backchannel',
          grant_types: ['authorization_code', 'refresh_token'],
          token_endpoint_auth_method: 'client_secret_basic',
          require_pkce: true,
        });
        ids.web = client.client_id;
        webSecret = client.client_secret;
      });

      it('create --type native accepts a private-use scheme and loopback http, and has no secret', async () => {
        const result = await run(['clients', 'create', '--json', '--type', 'native', '--name', 'Mobile app', '--redirect-uri', 'com.example.app:/cb', '--redirect-uri', 'http://127.0.0.1/cb']);
        expectSuccess(result);
        const client = result.json();
        expect(client).toMatchObject({ type: 'native', first_party: false, require_customer_link: false, redirect_uris: ['com.example.app:/cb', 'http://127.0.0.1/cb'], token_endpoint_auth_method: 'none', require_pkce: true });
        expect(client).not.toHaveProperty('client_secret');
        ids.native = client.client_id;
      });

      it('create --type spa prints the client for a person, without a secret', async () => {
        const result = await run(['clients', 'create', '--type', 'spa', '--name', 'Customer center', '--redirect-uri', 'https://center.example.com/cb']);
        expectSuccess(result);
        expect(result.stdout).toMatch(/^client_id +[\w-]{16,}$/m);
        expect(result.stdout).toMatch(/^name +Customer center$/m);
        expect(result.stdout).toMatch(/^type +spa$/m);
        expect(result.stdout).toMatch(/^token_endpoint_auth_method +none$/m);
        expect(result.stdout).not.toMatch(/client_secret/);
        ids.spa = /^client_id +(\S+)$/m.exec(result.stdout)![1]!;
      });

      it('create --type service prints the secret once, for a person', async () => {
        const result = await run(['clients', 'create', '--type', 'service', '--name', 'Billing back end']);
        expectSuccess(result);
        expect(result.stdout).toMatch(/^type +service$/m);
        expect(result.stdout).toMatch(/^grant_types +client_credentials$/m);
        expect(result.stdout).toMatch(/^client_secret +[\w-]{32,}$/m);
        expect(result.stdout).toMatch(/shown once/);
        ids.service = /^client_id +(\S+)$/m.exec(result.stdout)![1]!;
      });

      it('list shows every client, for a person and as JSON, without secrets', async () => {
        const human = await run(['clients', 'list']);
        expectSuccess(human);
        for (const [type, id] of Object.entries(ids)) expect(human.stdout).toMatch(new RegExp(`^${id} +${type} +\\S`, 'm'));
        const json = await run(['clients', 'list', '--json']);
        expectSuccess(json);
        const listed = json.json<{ client_id: string; type: string; name: string; created_at: string }[]>();
        expect(listed.map((c) => c.client_id).sort()).toEqual(Object.values(ids).sort());
        expect(listed.find((c) => c.client_id === ids.web)).toMatchObject({ name: 'E-shop', type: 'web', first_party: true, created_at: expect.any(String) });
        expect(json.stdout).not.toContain(webSecret);
        expect(json.stdout).not.toContain('"client_secret"');
      });

      it('show prints one client without its secret; an unknown id fails with exit 1', async () => {
        const human = await run(['clients', 'show', ids.web!]);
        expectSuccess(human);
        expect(human.stdout).toMatch(/^redirect_uris +https:\/\/shop\.example\.com\/callback, http:\/\/localhost:8080\/callback$/m);
        expect(human.stdout).toMatch(/^require_customer_link +true$/m);
        expect(human.stdout).not.toContain(webSecret);
        const json = await run(['clients', 'show', ids.native!, '--json']);
        expectSuccess(json);
        expect(json.json()).toMatchObject({ client_id: ids.native, type: 'native', name: 'Mobile app' });
        expectRefusal(await run(['clients', 'show', 'no-such-client']), 1, /No client with id no-such-client/);
      });

      it('rotate-secret prints a new secret; public clients and unknown ids fail with exit 1', async () => {
        const json = await run(['clients', 'rotate-secret', ids.web!, '--json']);
        expectSuccess(json);
        const rotated = json.json();
        expect(rotated).toEqual({ client_id: ids.web, client_secret: expect.stringMatching(/^[\w-]{32,}$/) });
        expect(rotated.client_secret).not.toBe(webSecret);
        const human = await run(['clients', 'rotate-secret', ids.service!]);
        expectSuccess(human);
        expect(human.stdout).toMatch(/^client_secret +[\w-]{32,}$/m);
        expectRefusal(await run(['clients', 'rotate-secret', ids.spa!]), 1, /is public \(spa\) and has no secret/);
        expectJsonRefusal(await run(['clients', 'rotate-secret', 'no-such-client', '--json']), 1, 'not_found', /No client with id no-such-client/);
      });

      it('initial-access-token prints a token for dynamic registration', async () => {
        const json = await run(['clients', 'initial-access-token', '--expires-in', '3600', '--json']);
        expectSuccess(json);
        expect(json.json()).toEqual({ initial_access_token: expect.stringMatching(/^[\w-]{20,}$/), expires_in: 3600 });
        const human = await run(['clients', 'initial-access-token']);
        expectSuccess(human);
        expect(human.stdout).toMatch(/^initial_access_token +[\w-]{20,}$/m);
        expect(human.stdout).toMatch(/^expires_in +86400 s$/m);
      });

      it('delete removes a client; deleting it again fails with exit 1', async () => {
        const human = await run(['clients', 'delete', ids.spa!]);
        expectSuccess(human);
        expect(human.stdout).toBe(`Client ${ids.spa} deleted.\n`);
        const json = await run(['clients', 'delete', ids.native!, '--json']);
        expectSuccess(json);
        expect(json.json()).toEqual({ deleted: ids.native });
        expectRefusal(await run(['clients', 'delete', ids.spa!]), 1, new RegExp(`No client with id ${ids.spa}`));
        const listed = (await run(['clients', 'list', '--json'])).json<{ client_id: string }[]>();
        expect(listed.map((c) => c.client_id).sort()).toEqual([ids.web, ids.service].sort());
      });
    });

  });
}

/** The users and keys commands, against one database mode. */
export function describeUserAndKeyCommands(mode: CliDatabaseMode): void {
  describe(`latchkey users and keys (${mode} database, no server running)`, () => {
    const { run } = useCliSandbox(mode);

    describe('users', () => {
      let adaId = '';

      it('create reads the password from stdin; --name and --verified are stored; --json prints the account', async () => {
        const result = await run(['users', 'create', '--email', '  Ada@Example.com ', '--password-stdin', '--name', 'Ada Lovelace', '--verified', '--json'], `${PASSWORD}\n`);
        expectSuccess(result);
        const account = result.json();
        expect(account).toEqual({
          sub: expect.stringMatching(/^[0-9a-f-]{36}$/), email: 'ada@example.com', email_verified: true, name: 'Ada Lovelace', status: 'active',
          has_password: true, created_at: expect.any(String), blocked_at: null,
        });
        adaId = account.sub;
      });

      it('create for a person, without a name or a verified email', async () => {
        const result = await run(['users', 'create', '--email', 'grace@example.com', '--password-stdin'], PASSWORD);
        expectSuccess(result);
        expect(result.stdout).toMatch(/^Account created\.$/m);
        expect(result.stdout).toMatch(/^email +grace@example\.com$/m);
        expect(result.stdout).toMatch(/^email_verified +false$/m);
        expect(result.stdout).toMatch(/^name +-$/m);
        expect(result.stdout).not.toContain(PASSWORD);
      });

      it('refuses an email that is taken in another case (exit 1)', async () => {
        expectRefusal(await run(['users', 'create', '--email', 'ada@example.com', '--password-stdin'], PASSWORD), 1, /An account with the email ada@example\.com already exists/);
        expectJsonRefusal(await run(['users', 'create', '--email', 'ADA@EXAMPLE.COM', '--password-stdin', '--json'], PASSWORD), 1, 'already_exists', /already exists/);
      });

      it('show finds an account by email (any case) and by id; an unknown one fails with exit 1', async () => {
        const byEmail = await run(['users', 'show', 'ADA@example.COM']);
        expectSuccess(byEmail);
        expect(byEmail.stdout).toMatch(new RegExp(`^sub +${adaId}$`, 'm'));
        expect(byEmail.stdout).toMatch(/^status +active$/m);
        const byId = await run(['users', 'show', adaId, '--json']);
        expectSuccess(byId);
        expect(byId.json()).toMatchObject({ sub: adaId, email: 'ada@example.com', name: 'Ada Lovelace' });
        expectRefusal(await run(['users', 'show', 'nobody@example.com']), 1, /No account with email nobody@example\.com/);
        expectRefusal(await run(['users', 'show', '00000000-0000-4000-8000-000000000000']), 1, /No account with id 00000000-0000-4000-8000-000000000000/);
      });

      it('block and unblock, by email and by id', async () => {
        const blocked = await run(['users', 'block', 'ada@example.com', '--reason', 'chargeback', '--json']);
        expectSuccess(blocked);
        expect(blocked.json()).toMatchObject({ sub: adaId, status: 'blocked', blocked_at: expect.any(String), revoked: 0 });
        const unblocked = await run(['users', 'unblock', adaId]);
        expectSuccess(unblocked);
        expect(unblocked.stdout).toBe('Account ada@example.com unblocked.\n');
        expect((await run(['users', 'show', 'ada@example.com', '--json'])).json()).toMatchObject({ status: 'active', blocked_at: null });
        const human = await run(['users', 'block', adaId]);
        expectSuccess(human);
        expect(human.stdout).toBe('Account ada@example.com blocked; 0 session(s), grant(s) and token(s) revoked.\n');
      });
    });

    describe('keys', () => {
      it('list shows one current key per algorithm; rotate adds new current keys and retires the old ones', async () => {
        const before = (await run(['keys', 'list', '--json'])).json<{ kid: string; alg: string; retired_at: string | null }[]>();
        expect(before.filter((k) => !k.retired_at).map((k) => k.alg).sort()).toEqual(['ES256', 'RS256']);
        const rotated = await run(['keys', 'rotate', '--json']);
        expectSuccess(rotated);
        const { created, retired } = rotated.json<{ created: { kid: string; alg: string }[]; retired: number }>();
        expect(created.map((k) => k.alg).sort()).toEqual(['ES256', 'RS256']);
        expect(retired).toBe(2);
        const human = await run(['keys', 'rotate', '--alg', 'RS256']);
        expectSuccess(human);
        expect(human.stdout).toMatch(/^New current RS256 key [0-9a-f-]{36}$/m);
        expect(human.stdout).not.toMatch(/ES256/);
        const rs256 = /^New current RS256 key (\S+)$/m.exec(human.stdout)![1]!;
        const after = (await run(['keys', 'list', '--json'])).json<{ kid: string; alg: string; retired_at: string | null; publish_until: string | null }[]>();
        const es256 = created.find((k) => k.alg === 'ES256')!.kid;
        expect(after.filter((k) => !k.retired_at).map((k) => k.kid).sort()).toEqual([es256, rs256].sort());
        for (const old of [...before.filter((k) => !k.retired_at), ...created.filter((k) => k.alg === 'RS256')]) {
          expect(after.find((k) => k.kid === old.kid)).toMatchObject({ retired_at: expect.any(String), publish_until: expect.any(String) });
        }
        const listed = await run(['keys', 'list']);
        expectSuccess(listed);
        expect(listed.stdout).toMatch(new RegExp(`^${es256} {2}ES256 {2}current$`, 'm'));
        expect(listed.stdout).toMatch(new RegExp(`^${rs256} {2}RS256 {2}current$`, 'm'));
        expect(listed.stdout.match(/ retired, published until \S+$/gm)).toHaveLength(3);
      });
    });
  });
}

/**
 * Bad values the services refuse (exit 1, the message names the problem). The rules are the same for
 * both database modes, so they run once, on PostgreSQL, several at a time.
 */
export function describeRefusedInput(): void {
  describe('latchkey commands refuse bad values (exit 1, a clear message)', () => {
    let sandbox: Sandbox;
    let database: EmptyPostgresDatabase;
    const run = (args: string[], input?: string) => latchkey(args, { env: sandbox.env, input });

    beforeAll(async () => {
      database = await createEmptyPostgresDatabase();
      sandbox = await createSandbox({ DATABASE_URL: database.url });
      expectSuccess(await run(['migrate']));
      expectSuccess(await run(['users', 'create', '--email', 'ada@example.com', '--password-stdin'], PASSWORD));
    });
    afterAll(async () => {
      await database?.drop();
      await sandbox?.remove();
    });

    it('redirect URIs that may not be registered, naming the URI', async () => {
      const [http, fragment, scheme, service, relative] = await Promise.all([
        run(['clients', 'create', '--name', 'Shop', '--redirect-uri', 'http://shop.example.com/cb']),
        run(['clients', 'create', '--name', 'Shop', '--redirect-uri', 'https://shop.example.com/cb#done']),
        run(['clients', 'create', '--name', 'App', '--type', 'native', '--redirect-uri', 'myapp:/cb']),
        run(['clients', 'create', '--name', 'Job', '--type', 'service', '--redirect-uri', 'https://job.example.com/cb']),
        run(['clients', 'create', '--json', '--name', 'Shop', '--type', 'spa', '--redirect-uri', '/callback']),
      ]);
      expectRefusal(http!, 1, /http:\/\/shop\.example\.com\/cb: web clients must use https redirect URIs/);
      expectRefusal(fragment!, 1, /https:\/\/shop\.example\.com\/cb#done must not contain a fragment/);
      expectRefusal(scheme!, 1, /myapp:\/cb: a private-use URI scheme must be in reverse-domain form/);
      expectRefusal(service!, 1, /A service client .* takes no redirect URI/);
      expectJsonRefusal(relative!, 1, 'invalid_request', /\/callback is not an absolute URI/);
      expect((await run(['clients', 'list', '--json'])).json()).toEqual([]);
    });

    it('a too short password, an invalid email, an id that is no id, unknown ids (one starting with -, after --)', async () => {
      const [short, email, notAnId, blockNobody, unblockNobody, dashId] = await Promise.all([
        run(['users', 'create', '--email', 'alan@example.com', '--password-stdin'], 'short\n'),
        run(['users', 'create', '--email', 'not-an-email', '--password-stdin'], PASSWORD),
        run(['users', 'show', 'not-a-uuid']),
        run(['users', 'block', 'nobody@example.com']),
        run(['users', 'unblock', 'nobody@example.com', '--json']),
        run(['clients', 'show', '--', '-Sx0_aBc']),
      ]);
      expectRefusal(short!, 1, /The password must have at least 8 characters/);
      expectRefusal(email!, 1, /"not-an-email" is not a valid email address/);
      expectRefusal(notAnId!, 1, /No account with id not-a-uuid/);
      expectRefusal(blockNobody!, 1, /No account with email nobody@example\.com/);
      expectJsonRefusal(unblockNobody!, 1, 'not_found', /No account with email nobody@example\.com/);
      expectRefusal(dashId!, 1, /No client with id -Sx0_aBc\./);
      expectRefusal(await run(['users', 'show', 'alan@example.com']), 1, /No account with email alan@example\.com/);
    });

    it('an email taken in another Unicode form (NFC vs NFD) or case', async () => {
      expectSuccess(await run(['users', 'create', '--email', 'am\u00e9lie@example.com', '--password-stdin'], PASSWORD));
      const [nfd, upper] = await Promise.all([
        run(['users', 'create', '--email', 'Ame\u0301lie@example.com', '--password-stdin'], PASSWORD),
        run(['users', 'create', '--email', 'AM\u00c9LIE@EXAMPLE.COM', '--password-stdin'], PASSWORD),
      ]);
      expectRefusal(nfd!, 1, /An account with the email am\u00e9lie@example\.com already exists/);
      expectRefusal(upper!, 1, /An account with the email am\u00e9lie@example\.com already exists/);
      const shown = await run(['users', 'show', 'AME\u0301LIE@example.com', '--json']);
      expect(shown.json()).toMatchObject({ email: 'am\u00e9lie@example.com' });
    });
  });
}
