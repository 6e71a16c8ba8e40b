// `latchkey start` as an operator runs it, on the embedded database of an empty data dir, with the CLI
// used beside it from other processes: one command to run, the CLI working whether or not the server
// runs, graceful shutdown, a restart that keeps keys, sessions and tokens, key rotation picked up by the
// running server, and blocking that cuts a user's refresh token at once.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { access, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { immediateCallback, login, oauthError, oidc, REDIRECT_URI, relyingParty, startAuthorization, verifyWithJwks } from '../support/relying-party.js';
import { UserAgent } from '../support/user-agent.js';
import { clientCredentials, createSandbox, expectRefusal, expectSuccess, freePort, jwksKids, latchkey, startServer, eventually, type Sandbox, type ServerProcess } from './helpers.js';

const EMAIL = 'ada@example.com';
const PASSWORD = 'correct horse battery staple';

const exists = (p: string) => access(p).then(() => true, () => false);
const kidOf = (jwt: string): string => (JSON.parse(Buffer.from(jwt.split('.')[0]!, 'base64url').toString('utf8')) as { kid: string }).kid;

describe('latchkey start on the embedded database, with the CLI beside it', () => {
  let sandbox: Sandbox;
  let server: ServerProcess | undefined;
  let issuer: string;
  const run = (args: string[], input?: string) => latchkey(args, { env: sandbox.env, input });

  // What the scenario carries from one step to the next.
  let initialKids: string[] = [];
  let web: { client_id: string; client_secret: string };
  let service: { client_id: string; client_secret: string };
  let rp: oidc.Configuration;
  const browser = new UserAgent();
  let firstLogin: { sub: string; accessToken: string; refreshToken: string; idToken: string };
  let latestRefreshToken = '';
  const concurrentEmails = ['grace@example.com', 'alan@example.com', 'edsger@example.com'];

  beforeAll(async () => {
    const port = await freePort();
    issuer = `http://127.0.0.1:${port}`;
    sandbox = await createSandbox({ PORT: String(port), LATCHKEY_ISSUER: issuer, LATCHKEY_KEY_REFRESH_INTERVAL: '1' });
  });
  afterAll(async () => {
    server?.kill();
    await server?.exited;
    await sandbox?.remove();
  });

  it('one command on an empty data dir creates the database, the development secrets (0600) and the signing keys', async () => {
    server = await startServer(sandbox.env);
    expect(await exists(path.join(sandbox.dataDir, 'pgdata'))).toBe(true);
    const secrets = await stat(path.join(sandbox.dataDir, 'dev-secrets.json'));
    expect(secrets.mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(path.join(sandbox.dataDir, 'latchkey.lock'), 'utf8'))).toMatchObject({ pid: server.pid, role: 'server' });

    const health = await fetch(`${issuer}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${issuer}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', database: 'ok' });

    const jwks = (await (await fetch(`${issuer}/jwks`)).json()) as { keys: { kid: string; alg: string; d?: string }[] };
    expect(jwks.keys.map((k) => k.alg).sort()).toEqual(['ES256', 'RS256']);
    expect(jwks.keys.every((k) => k.d === undefined)).toBe(true);
    initialKids = jwks.keys.map((k) => k.kid).sort();
    // The development-secrets warning is the only thing logged at warn level.
    expect(server.output().stdout).toMatch(/DEVELOPMENT SECRETS IN USE/);
  }, 120_000);

  it('a second `latchkey start` on the same data dir fails, naming the running pid', async () => {
    const second = await latchkey(['start'], { env: { ...sandbox.env, PORT: String(await freePort()) } });
    expectRefusal(second, 1, new RegExp(`Another Latchkey server \\(pid ${server!.pid}\\) is using the embedded database in ${sandbox.dataDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    expect(JSON.parse(await readFile(path.join(sandbox.dataDir, 'latchkey.lock'), 'utf8'))).toMatchObject({ pid: server!.pid });
    expect((await fetch(`${issuer}/readyz`)).status).toBe(200);
  });

  it('users and clients created by the CLI while the server runs are served at once', async () => {
    // `echo`-style input: the trailing newline is not part of the password.
    const user = await run(['users', 'create', '--email', EMAIL, '--password-stdin', '--name', 'Ada', '--verified', '--json'], `${PASSWORD}\n`);
    expectSuccess(user);
    const webResult = await run(['clients', 'create', '--json', '--name', 'E-shop', '--first-party', '--redirect-uri', REDIRECT_URI]);
    expectSuccess(webResult);
    web = webResult.json();
    const serviceResult = await run(['clients', 'create', '--json', '--type', 'service', '--name', 'Billing']);
    expectSuccess(serviceResult);
    service = serviceResult.json();
    const shown = await run(['users', 'show', EMAIL, '--json']);
    expectSuccess(shown);
    expect(shown.json()).toMatchObject({ email: EMAIL, status: 'active', email_verified: true });
    // The CLI went through the server's socket: the lock is still the server's.
    expect(JSON.parse(await readFile(path.join(sandbox.dataDir, 'latchkey.lock'), 'utf8'))).toMatchObject({ pid: server!.pid, role: 'server' });

    const grant = await clientCredentials(issuer, service.client_id, service.client_secret);
    expect(grant).toEqual({ status: 200, body: expect.objectContaining({ access_token: expect.any(String), token_type: 'Bearer' }) });
    rp = await relyingParty(issuer, web.client_id, web.client_secret);
    expect(rp.serverMetadata().issuer).toBe(issuer);
  });

  it('clients rotate-secret: the old secret stops working at once, the new one works', async () => {
    const rotated = await run(['clients', 'rotate-secret', service.client_id, '--json']);
    expectSuccess(rotated);
    const { client_secret: newSecret } = rotated.json<{ client_secret: string }>();
    const old = await clientCredentials(issuer, service.client_id, service.client_secret);
    expect(old).toEqual({ status: 401, body: expect.objectContaining({ error: 'invalid_client' }) });
    const fresh = await clientCredentials(issuer, service.client_id, newSecret);
    expect(fresh.status).toBe(200);
    service = { ...service, client_secret: newSecret };
  });

  it('migrate, clients initial-access-token and clients delete work through the running server too', async () => {
    const migrated = await run(['migrate', '--json']);
    expectSuccess(migrated);
    expect(migrated.json()).toEqual({ applied: [] });

    const issued = await run(['clients', 'initial-access-token', '--json']);
    expectSuccess(issued);
    const registration = await fetch(`${issuer}/reg`, {
      method: 'POST',
      headers: { authorization: `Bearer ${issued.json<{ initial_access_token: string }>().initial_access_token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ client_name: 'Partner app', redirect_uris: ['https://partner.example.com/cb'] }),
    });
    expect(registration.status).toBe(201);
    const registered = (await registration.json()) as { client_id: string };

    const deleted = await run(['clients', 'delete', registered.client_id]);
    expectSuccess(deleted);
    expect((await fetch(`${issuer}/auth?client_id=${encodeURIComponent(registered.client_id)}&response_type=code&scope=openid&redirect_uri=${encodeURIComponent('https://partner.example.com/cb')}`, { redirect: 'manual' })).status).toBe(400);
  });

  it('a person signs in through the login page of the spawned server', async () => {
    const { tokens } = await login(rp, browser, { email: EMAIL, password: PASSWORD }, { scope: 'openid email profile offline_access', prompt: 'consent' });
    expect(tokens.claims()).toMatchObject({ email: EMAIL, name: 'Ada', iss: issuer });
    expect(tokens.refresh_token).toEqual(expect.any(String));
    expect(initialKids).toContain(kidOf(tokens.id_token!));
    firstLogin = { sub: tokens.claims()!.sub, accessToken: tokens.access_token, refreshToken: tokens.refresh_token!, idToken: tokens.id_token! };
  });

  it('several commands at once through the running server all succeed, while the server keeps answering', async () => {
    const emails = ['ida@example.com', 'kurt@example.com', 'emmy@example.com', 'john@example.com'];
    const [created, grants] = await Promise.all([
      Promise.all(emails.map((email) => run(['users', 'create', '--email', email, '--password-stdin', '--json'], PASSWORD))),
      // Meanwhile the server's own writes (token issuance) go on between the commands.
      Promise.all(Array.from({ length: 5 }, () => clientCredentials(issuer, service.client_id, service.client_secret))),
    ]);
    for (const result of created) expectSuccess(result);
    expect(new Set(created.map((r) => r.json<{ sub: string }>().sub)).size).toBe(emails.length);
    for (const grant of grants) expect(grant.status).toBe(200);
    for (const email of emails) expectSuccess(await run(['users', 'show', email]));
    expect((await fetch(`${issuer}/readyz`)).status).toBe(200);
  });

  it('a long legacy import through the running server does not stall it: the server answers and issues tokens between the batches', async () => {
    const file = path.join(sandbox.root, 'big-import.ndjson');
    const rows = Array.from({ length: 20_000 }, (_, i) => JSON.stringify({ legacy_id: `u${i}`, email: `bulk${i}@example.com`, name: `Bulk ${i}` }));
    await writeFile(file, `${rows.join('\n')}\n`);
    let importDone = false;
    // Small batches: many transactions, each a turn on the database (the import lasts long enough to watch).
    const importing = latchkey(['legacy', 'import', '--source', 'eshop', '--batch-size', '40', '--json', file], { env: sandbox.env, timeoutMs: 240_000 }).finally(() => {
      importDone = true;
    });
    // Wait until the import has written its first batch, then use the server while it goes on.
    await eventually(async () => importDone || (await run(['users', 'show', 'bulk0@example.com'])).code === 0, 30_000, 'first import batch');
    const answeredDuringImport: boolean[] = [];
    for (let i = 0; i < 3 && !importDone; i++) {
      const grant = await clientCredentials(issuer, service.client_id, service.client_secret);
      expect(grant.status).toBe(200);
      answeredDuringImport.push(!importDone);
    }
    const result = await importing;
    expectSuccess(result);
    expect(result.json()).toMatchObject({ inserted: 20_000, rejected: 0 });
    // Before, the command's one connection held the embedded database until it exited.
    expect(answeredDuringImport).toContain(true);
  }, 300_000);

  it('SIGTERM shuts the server down gracefully: exit 0 within seconds, lock and socket removed', async () => {
    const { code, signal, millis } = await server!.terminate();
    expect({ code, signal, stderr: server!.output().stderr }).toEqual({ code: 0, signal: null, stderr: expect.any(String) });
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(millis).toBeLessThan(5000);
    expect(await exists(path.join(sandbox.dataDir, 'latchkey.lock'))).toBe(false);
    expect(await exists(path.join(sandbox.dataDir, '.s.PGSQL.5432'))).toBe(false);
    expect(server!.output().stderr).not.toMatch(/error/i);
    server = undefined;
  });

  it('with no server running, the CLI opens the embedded database itself; commands run together lose no write', async () => {
    const shown = await run(['users', 'show', EMAIL, '--json']);
    expectSuccess(shown);
    expect(shown.json()).toMatchObject({ email: EMAIL, status: 'active' });
    // Several commands at once take turns on the embedded database (checked after the restart below).
    const created = await Promise.all(concurrentEmails.map((email) => run(['users', 'create', '--email', email, '--password-stdin'], PASSWORD)));
    for (const result of created) expectSuccess(result);
    expect(await exists(path.join(sandbox.dataDir, 'latchkey.lock'))).toBe(false);
  });

  it('after a restart: every write is there, and the same signing keys, the session and the tokens issued before still work', async () => {
    server = await startServer(sandbox.env);
    for (const email of concurrentEmails) {
      const shown = await run(['users', 'show', email]);
      expectSuccess(shown);
      expect(shown.stdout).toMatch(new RegExp(`^email +${email}$`, 'm'));
    }
    expect(await jwksKids(issuer)).toEqual(initialKids);
    // An ID token from before the restart still verifies against the published keys.
    await verifyWithJwks(issuer, firstLogin.idToken, { audience: web.client_id });

    const introspection = await oidc.tokenIntrospection(rp, firstLogin.accessToken);
    expect(introspection).toMatchObject({ active: true, client_id: web.client_id });
    const refreshed = await oidc.refreshTokenGrant(rp, firstLogin.refreshToken);
    expect(refreshed.access_token).toEqual(expect.any(String));
    expect(refreshed.refresh_token).toEqual(expect.any(String));
    latestRefreshToken = refreshed.refresh_token!;

    // The browser's session cookie from before the restart still signs the person in silently.
    const start = await startAuthorization(rp, { prompt: 'none' });
    const callback = await immediateCallback(browser, start.url);
    const tokens = await oidc.authorizationCodeGrant(rp, callback, { pkceCodeVerifier: start.verifier, expectedState: start.state, expectedNonce: start.nonce });
    expect(tokens.claims()!.sub).toBe(firstLogin.sub);
  }, 120_000);

  it('keys rotate while the server runs: the JWKS soon serves the new and the old keys, and new ID tokens use the new key', async () => {
    const rotated = await run(['keys', 'rotate', '--json']);
    expectSuccess(rotated);
    const created = rotated.json<{ created: { kid: string; alg: string }[] }>().created;
    const newKids = created.map((k) => k.kid);
    const served = await eventually(async () => {
      const kids = await jwksKids(issuer);
      return newKids.every((kid) => kids.includes(kid)) && kids;
    }, 10_000, 'the JWKS to contain the rotated keys');
    expect(served).toEqual([...initialKids, ...newKids].sort());
    // Tokens signed with the old key still verify.
    await verifyWithJwks(issuer, firstLogin.idToken, { audience: web.client_id });

    const start = await startAuthorization(rp, { prompt: 'none' });
    const callback = await immediateCallback(browser, start.url);
    const tokens = await oidc.authorizationCodeGrant(rp, callback, { pkceCodeVerifier: start.verifier, expectedState: start.state, expectedNonce: start.nonce });
    expect(kidOf(tokens.id_token!)).toBe(created.find((k) => k.alg === 'ES256')!.kid);
    await verifyWithJwks(issuer, tokens.id_token!, { audience: web.client_id });
  });

  it('users block while the server runs: the refresh token stops working at once', async () => {
    const blocked = await run(['users', 'block', EMAIL, '--json']);
    expectSuccess(blocked);
    expect(blocked.json<{ revoked: number }>().revoked).toBeGreaterThan(0);
    expect(await oauthError(oidc.refreshTokenGrant(rp, latestRefreshToken))).toMatchObject({ error: 'invalid_grant' });
    expect(await oidc.tokenIntrospection(rp, firstLogin.accessToken)).toEqual({ active: false });
    // Nor does the session sign the person in any more.
    const start = await startAuthorization(rp, { prompt: 'none' });
    const callback = await immediateCallback(browser, start.url);
    expect(callback.searchParams.get('error')).toBe('login_required');
  });

  it('after a crash (SIGKILL), the next start takes over the stale lock, with the data intact', async () => {
    const crashed = server!.pid;
    server!.kill();
    expect((await server!.exited).signal).toBe('SIGKILL');
    expect(JSON.parse(await readFile(path.join(sandbox.dataDir, 'latchkey.lock'), 'utf8'))).toMatchObject({ pid: crashed });
    server = await startServer(sandbox.env);
    expect(JSON.parse(await readFile(path.join(sandbox.dataDir, 'latchkey.lock'), 'utf8'))).toMatchObject({ pid: server.pid, role: 'server' });
    const shown = await run(['users', 'show', EMAIL, '--json']);
    expectSuccess(shown);
    expect(shown.json()).toMatchObject({ email: EMAIL, status: 'blocked' });
  }, 120_000);

  it('stops again on SIGINT (Ctrl-C) with exit 0', async () => {
    const { code, signal } = await server!.terminate('SIGINT');
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(await exists(path.join(sandbox.dataDir, 'latchkey.lock'))).toBe(false);
    server = undefined;
  });
});
