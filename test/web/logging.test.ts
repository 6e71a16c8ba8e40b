// Logs: after a full login (with failed attempts first), refresh, userinfo, introspection, revocation,
// dynamic registration and client secret rotation, every log line is JSON with a request id for requests,
// and no line contains a password (right or wrong), client secret, token, authorization code,
// code_verifier, registration access token or cookie value.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestLatchkey, type TestLatchkey } from '../support/latchkey.js';
import { oidc, REDIRECT_URI, relyingParty, startAuthorization } from '../support/relying-party.js';
import { formsOf, UserAgent } from '../support/user-agent.js';

const EMAIL = 'logs@example.com';
const PASSWORD = 'Tr0ub4dor&3-never-logged';
const WRONG_PASSWORDS = ['Tr0ub4dor&3-a-typo-of-it', 'another-wrong-password-42'];

interface LogLine {
  level: string;
  time: string;
  msg: string;
  requestId?: string;
  [key: string]: unknown;
}

describe('structured logs', () => {
  let t: TestLatchkey;
  const realFetch = globalThis.fetch;
  /** Every value that must never reach a log line, with what it is (for the failure message). */
  const secrets = new Map<string, string>();
  const requestIds = new Set<string>();
  /**
   * Values of the interaction and resume cookies: oidc-provider's interaction uid, which is also in the URLs
   * (/interaction/:uid, /auth/:uid) and so in the request log by design. Alone it is useless: the cookie is
   * signed, and the signatures (lk_interaction.sig, lk_resume.sig) are among the secrets checked.
   */
  const uids = new Set<string>();

  const secret = (what: string, value: string | undefined) => {
    if (value) secrets.set(value, what);
  };

  beforeAll(async () => {
    t = await startTestLatchkey('pglite');
    // Watch the wire as the browser and the relying party see it: every cookie set and every request id.
    globalThis.fetch = async (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
      const response = await realFetch(input, init);
      const id = response.headers.get('x-request-id');
      if (id) requestIds.add(id);
      for (const line of response.headers.getSetCookie()) {
        const pair = line.split(';')[0]!;
        const eq = pair.indexOf('=');
        const [name, value] = [pair.slice(0, eq), pair.slice(eq + 1)];
        if (name === 'lk_interaction' || name === 'lk_resume') uids.add(value);
        secret(`cookie ${name}`, value);
      }
      return response;
    };

    await t.latchkey.services.accounts.create({ email: EMAIL, password: PASSWORD, name: 'Log Reader', emailVerified: true });
    secret('password', PASSWORD);
    for (const wrong of WRONG_PASSWORDS) secret('wrong password', wrong);

    const created = await t.latchkey.clients.create({ name: 'Shop', type: 'web', redirectUris: [REDIRECT_URI], firstParty: true });
    secret('client secret (created)', created.clientSecret);
    const rotated = await t.latchkey.clients.rotateSecret(created.client.clientId);
    secret('client secret (rotated)', rotated.clientSecret);
    const config = await relyingParty(t.issuer, created.client.clientId, rotated.clientSecret);

    // Two failed logins, then the right password, through the forms.
    const ua = new UserAgent();
    const start = await startAuthorization(config, { scope: 'openid email profile offline_access', prompt: 'consent' });
    secret('code_verifier', start.verifier);
    let { url, response } = await ua.follow(start.url);
    for (const wrong of WRONG_PASSWORDS) {
      const form = formsOf(await response!.text(), url).find((f) => 'password' in f.fields)!;
      secret('csrf token', form.fields._csrf);
      response = await ua.request(form.action, { form: { ...form.fields, email: EMAIL, password: wrong } });
      expect(response.status).toBe(400);
    }
    const form = formsOf(await response!.text(), url).find((f) => 'password' in f.fields)!;
    ({ url, response } = await ua.follow(form.action, { form: { ...form.fields, email: EMAIL, password: PASSWORD } }, REDIRECT_URI));
    expect(response).toBeUndefined();
    secret('authorization code', url.searchParams.get('code') ?? undefined);

    const tokens = await oidc.authorizationCodeGrant(config, url, { pkceCodeVerifier: start.verifier, expectedState: start.state, expectedNonce: start.nonce });
    secret('access token', tokens.access_token);
    secret('refresh token', tokens.refresh_token);
    secret('ID token', tokens.id_token);
    await oidc.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub);

    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    secret('access token (refreshed)', refreshed.access_token);
    secret('refresh token (rotated)', refreshed.refresh_token);
    secret('ID token (refreshed)', refreshed.id_token);

    const introspected = await oidc.tokenIntrospection(config, refreshed.access_token);
    expect(introspected.active).toBe(true);
    await oidc.tokenRevocation(config, refreshed.refresh_token!);

    // RFC 7591 registration: the initial access token, the new client's secret and its registration access token.
    const initial = await t.latchkey.clients.issueInitialAccessToken(600);
    secret('initial access token', initial);
    const registration = await fetch(`${t.issuer}/reg`, {
      method: 'POST',
      headers: { authorization: `Bearer ${initial}`, 'content-type': 'application/json' },
      body: JSON.stringify({ client_name: 'Partner', redirect_uris: ['https://partner.example/cb'] }),
    });
    expect(registration.status).toBe(201);
    const registered = (await registration.json()) as { client_secret?: string; registration_access_token?: string };
    secret('registered client secret', registered.client_secret);
    secret('registration access token', registered.registration_access_token);

    // A few failures on the token endpoint carrying secrets: a wrong client secret, a reused code.
    const wrongAuth = `Basic ${Buffer.from(`${encodeURIComponent(created.client.clientId)}:${encodeURIComponent(created.clientSecret!)}`).toString('base64')}`;
    const denied = await fetch(`${t.issuer}/token`, { method: 'POST', headers: { authorization: wrongAuth, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token! }).toString() });
    expect(denied.status).toBe(401);
    await expect(oidc.authorizationCodeGrant(config, url, { pkceCodeVerifier: start.verifier, expectedState: start.state, expectedNonce: start.nonce })).rejects.toThrow();
  });

  afterAll(async () => {
    globalThis.fetch = realFetch;
    await t?.close();
  });

  const parsed = () => t.logs.flatMap((chunk) => chunk.split('\n').filter((l) => l.trim() !== ''));

  it('writes one valid JSON object per line, with level, time and message', () => {
    const lines = parsed();
    expect(lines.length).toBeGreaterThan(10);
    for (const line of lines) {
      let entry: LogLine;
      try {
        entry = JSON.parse(line) as LogLine;
      } catch {
        throw new Error(`not a JSON line: ${line.slice(0, 200)}`);
      }
      expect(typeof entry.level).toBe('string');
      expect(Number.isNaN(Date.parse(entry.time))).toBe(false);
      expect(typeof entry.msg).toBe('string');
    }
  });

  it('gives every request line a request id, the one the response carried', () => {
    const entries = parsed().map((l) => JSON.parse(l) as LogLine);
    const requests = entries.filter((e) => e.msg === 'request');
    expect(requests.length).toBeGreaterThan(10);
    for (const r of requests) expect({ path: r.path, requestId: r.requestId }).toEqual({ path: r.path, requestId: expect.stringMatching(/^[A-Za-z0-9._-]{8,64}$/) });
    const logged = new Set(requests.map((r) => r.requestId));
    expect(requestIds.size).toBeGreaterThan(10);
    for (const id of requestIds) expect(logged).toContain(id);
    // Request lines name the path only: no query string (codes, hints, states travel there).
    for (const r of requests) expect(String(r.path)).not.toContain('?');
    // Failed logins are visible to operators, without the password.
    expect(entries.filter((e) => e.msg === 'request' && /\/login$/.test(String(e.path)) && e.status === 400)).toHaveLength(WRONG_PASSWORDS.length);
  });

  it('contains none of the passwords, secrets, tokens, codes, verifiers or cookie values', () => {
    const text = t.logs.join('\n');
    expect(secrets.size).toBeGreaterThanOrEqual(15);
    const leaks: string[] = [];
    for (const [value, what] of secrets) {
      if (uids.has(value)) continue; // the interaction uid: see `uids`
      const forms = new Set([value, encodeURIComponent(value), JSON.stringify(value).slice(1, -1)]);
      // Parts of long values too (a truncated token is still a leak): each JWT segment but the header, or both ends.
      if (value.split('.').length === 3) for (const part of value.split('.').slice(1)) if (part.length >= 16) forms.add(part);
      if (value.length >= 32 && value.split('.').length !== 3) {
        forms.add(value.slice(0, 20));
        forms.add(value.slice(-20));
      }
      for (const form of forms) if (text.includes(form)) leaks.push(`${what}: ${form.slice(0, 12)}…`);
    }
    expect(leaks).toEqual([]);
    expect([...secrets.values()]).toEqual(expect.arrayContaining(['cookie lk_session', 'cookie lk_session.sig', 'cookie lk_csrf', 'cookie lk_csrf.sig', 'cookie lk_interaction.sig', 'cookie lk_resume.sig']));
    expect(uids.size).toBeGreaterThan(0);
  });

  it('does not leak query parameters when a database error is logged', () => {
    // Database drivers attach the failed statement's parameters (and key values in `detail`) to their errors.
    const err = Object.assign(new Error('duplicate key value violates unique constraint'), {
      query: 'INSERT INTO oidc_payloads (model, id, payload) VALUES ($1, $2, $3)',
      params: ['AccessToken', 'SECRET-TOKEN-IN-PARAMS-0123456789', '{}'],
      detail: 'Key (model, id)=(AccessToken, SECRET-TOKEN-IN-DETAIL-0123456789) already exists.',
    });
    t.latchkey.logger.error({ err }, 'request failed');
    const last = t.logs.at(-1)!;
    expect(last).toContain('request failed');
    expect(last).not.toContain('SECRET-TOKEN-IN-PARAMS');
    expect(last).not.toContain('SECRET-TOKEN-IN-DETAIL');
  });
});
