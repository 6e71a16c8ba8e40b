// The Account API (issue 3, item 7): a mobile app signed in through the real code flow uses every /me
// endpoint; failure paths: non-editable field, wrong current password (counted like a failed login),
// bad JSON and body shapes (400, never 500), unknown session/app (404).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { databaseKinds } from '../../support/databases.js';
import { startTestLatchkey, type TestLatchkey } from '../../support/latchkey.js';
import { linkTo, startMailbox, type Mailbox } from '../../support/mailbox.js';
import { oauthError, oidc } from '../../support/relying-party.js';
import { api, nativeApp, signIn } from './api-client.js';

describe.each(databaseKinds)('Account API (%s)', (kind) => {
  let t: TestLatchkey;
  let mailbox: Mailbox;
  let app: Awaited<ReturnType<typeof nativeApp>>;

  beforeAll(async () => {
    mailbox = await startMailbox();
    // Family name changes only through support (a written request), as some companies demand.
    t = await startTestLatchkey(kind, {}, { ...mailbox.env, LATCHKEY_PROFILE_EDITABLE: 'name,given_name,phone_number,address,locale' });
    app = await nativeApp(t);
  });
  afterAll(async () => {
    await t?.close();
    await mailbox?.close();
  });

  let counter = 0;
  /** A fresh verified account signed in to the mobile app. */
  async function member() {
    counter += 1;
    const credentials = { email: `member${counter}@example.com`, password: `first secret phrase ${counter}` };
    const account = await t.latchkey.services.accounts.create({ ...credentials, name: `Member ${counter}`, emailVerified: true });
    const tokens = await signIn(app.config, credentials, 'openid email account offline_access');
    return { ...credentials, id: account.id, tokens, token: tokens.access_token };
  }

  it('GET /me shows the profile, the email and which fields are editable', async () => {
    const m = await member();
    const me = await api(t, 'GET', '/me', { token: m.token });
    expect(me.status).toBe(200);
    expect(me.headers.get('cache-control')).toBe('no-store');
    expect(me.body).toEqual(expect.objectContaining({
      sub: m.id, email: m.email, email_verified: true, name: m.email.replace(/@.*/, '').replace('member', 'Member '),
      editable_fields: ['name', 'given_name', 'phone_number', 'address', 'locale'],
    }));
    expect(me.body).not.toHaveProperty('password_hash');
  });

  it('PATCH /me changes editable fields, refuses a support-only field with 403 and unknown fields with 400', async () => {
    const m = await member();
    const changed = await api(t, 'PATCH', '/me', { token: m.token, body: { given_name: 'Ada', phone_number: '+420 601 234 567', address: { locality: 'Brno', country: 'CZ' }, locale: 'cs' } });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ given_name: 'Ada', phone_number: '+420 601 234 567', address: { locality: 'Brno', country: 'CZ' }, locale: 'cs' });

    const refused = await api(t, 'PATCH', '/me', { token: m.token, body: { family_name: 'Lovelace' } });
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({ error: 'forbidden', error_description: expect.stringMatching(/family_name can only be changed by support/), field: 'family_name' });

    for (const body of [{ email: 'new@example.com' }, { password_hash: 'x' }, { name: 42 }, { address: 'Brno' }, { locale: 'xx' }, { phone_number: 'call me' }]) {
      const answer = await api(t, 'PATCH', '/me', { token: m.token, body });
      expect({ body, status: answer.status, error: answer.body.error }).toEqual({ body, status: 400, error: 'invalid_request' });
    }
    expect((await api(t, 'GET', '/me', { token: m.token })).body).toMatchObject({ family_name: null, given_name: 'Ada', email: m.email });
  });

  it('POST /me/password changes the password, mails a notice, and signs out other sessions when asked', async () => {
    const m = await member();
    const other = await signIn(app.config, m, 'openid account offline_access');
    const wrong = await api(t, 'POST', '/me/password', { token: m.token, body: { current_password: 'not it at all', new_password: 'second secret phrase' } });
    expect(wrong.status).toBe(400);
    expect(wrong.body).toMatchObject({ error: 'invalid_request', field: 'current_password' });
    expect((await t.latchkey.services.bruteForce.status(m.email)).failures).toBe(1);

    const weak = await api(t, 'POST', '/me/password', { token: m.token, body: { current_password: m.password, new_password: 'short' } });
    expect(weak.status).toBe(400);
    expect(weak.body.field).toBe('new_password');

    const done = await api(t, 'POST', '/me/password', { token: m.token, body: { current_password: m.password, new_password: 'second secret phrase', sign_out_others: true } });
    expect(done.status).toBe(200);
    expect(done.body.revoked).toBeGreaterThan(0);
    await mailbox.next(t.latchkey, m.email);
    // The other session's refresh token died; the calling app's session lives on.
    expect(await oauthError(oidc.refreshTokenGrant(app.config, other.refresh_token!))).toMatchObject({ error: 'invalid_grant' });
    expect((await api(t, 'GET', '/me', { token: m.token })).status).toBe(200);
    expect((await oidc.refreshTokenGrant(app.config, m.tokens.refresh_token!)).access_token).toEqual(expect.any(String));
  });

  it('answers 429 with Retry-After once wrong current passwords reach the sign-in protection limit', async () => {
    const m = await member();
    let last = await api(t, 'POST', '/me/password', { token: m.token, body: { current_password: 'wrong 0', new_password: 'whatever phrase here' } });
    for (let i = 1; i < 12 && last.status !== 429; i++) {
      last = await api(t, 'POST', '/me/password', { token: m.token, body: { current_password: `wrong ${i}`, new_password: 'whatever phrase here' } });
    }
    expect(last.status).toBe(429);
    expect(last.body.error).toBe('too_many_requests');
    expect(Number(last.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('POST /me/email starts an email change: verification to the new address, notice to the old one', async () => {
    const m = await member();
    const wrong = await api(t, 'POST', '/me/email', { token: m.token, body: { new_email: 'moved@example.com', current_password: 'nope nope nope' } });
    expect(wrong.status).toBe(400);
    expect(wrong.body.field).toBe('current_password');
    const taken = await api(t, 'POST', '/me/email', { token: m.token, body: { new_email: 'member1@example.com', current_password: m.password } });
    expect(taken.status).toBe(400);
    expect(taken.body.error_description).not.toMatch(/member1/);

    const started = await api(t, 'POST', '/me/email', { token: m.token, body: { new_email: `moved${counter}@example.com`, current_password: m.password } });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ old_email: m.email, new_email: `moved${counter}@example.com`, status: 'awaiting-verification' });
    const verify = await mailbox.next(t.latchkey, `moved${counter}@example.com`);
    expect(linkTo(verify, '/email-change/verify').searchParams.get('token')).toBeTruthy();
    await mailbox.next(t.latchkey, m.email, { subject: /./ });
    expect((await api(t, 'GET', '/me', { token: m.token })).body.email).toBe(m.email); // applies only once verified
  });

  it('lists sessions and signs one out; another account\'s session id is 404', async () => {
    const m = await member();
    const second = await signIn(app.config, m, 'openid account offline_access');
    const listed = await api(t, 'GET', '/me/sessions', { token: m.token });
    expect(listed.status).toBe(200);
    expect(listed.body.sessions.length).toBeGreaterThanOrEqual(2);
    expect(listed.body.sessions.filter((s: { current: boolean }) => s.current)).toHaveLength(1);
    const other = listed.body.sessions.find((s: { current: boolean }) => !s.current);

    const stranger = await member();
    expect((await api(t, 'DELETE', `/me/sessions/${encodeURIComponent(other.id)}`, { token: stranger.token })).status).toBe(404);
    expect((await api(t, 'DELETE', `/me/sessions/${encodeURIComponent(other.id)}`, { token: m.token })).status).toBe(204);
    expect(await oauthError(oidc.refreshTokenGrant(app.config, second.refresh_token!))).toMatchObject({ error: 'invalid_grant' });
    const after = await api(t, 'GET', '/me/sessions', { token: m.token });
    expect(after.body.sessions.map((s: { id: string }) => s.id)).not.toContain(other.id);
  });

  it('lists connected apps and revokes one (its tokens die)', async () => {
    const m = await member();
    const other = await nativeApp(t, 'Loyalty app');
    const otherTokens = await signIn(other.config, m, 'openid account');
    const apps = await api(t, 'GET', '/me/apps', { token: m.token });
    expect(apps.status).toBe(200);
    expect(apps.body.apps.map((a: { name: string }) => a.name).sort()).toEqual(['Loyalty app', 'Shop app']);
    expect((await api(t, 'DELETE', '/me/apps/no-such-client', { token: m.token })).status).toBe(404);
    expect((await api(t, 'DELETE', `/me/apps/${other.clientId}`, { token: m.token })).status).toBe(204);
    expect((await api(t, 'GET', '/me', { token: otherTokens.access_token })).status).toBe(401);
    expect((await api(t, 'GET', '/me', { token: m.token })).status).toBe(200);
  });

  it('pages through activity with a cursor and refuses a bad cursor or limit', async () => {
    const m = await member();
    await api(t, 'PATCH', '/me', { token: m.token, body: { name: 'Renamed Once' } });
    await api(t, 'PATCH', '/me', { token: m.token, body: { name: 'Renamed Twice' } });
    const first = await api(t, 'GET', '/me/activity?limit=1', { token: m.token });
    expect(first.status).toBe(200);
    expect(first.body.events).toHaveLength(1);
    expect(first.body.events[0]).toMatchObject({ type: 'profile.updated', client_id: app.clientId });
    expect(first.body.next_cursor).toEqual(expect.any(String));
    const second = await api(t, 'GET', `/me/activity?limit=1&cursor=${first.body.next_cursor}`, { token: m.token });
    expect(second.body.events[0].id).not.toBe(first.body.events[0].id);
    for (const query of ['limit=0', 'limit=1000', 'limit=abc', 'cursor=xyz', 'other=1']) {
      expect({ query, status: (await api(t, 'GET', `/me/activity?${query}`, { token: m.token })).status }).toEqual({ query, status: 400 });
    }
  });

  it('exports the account\'s data as JSON without secrets', async () => {
    const m = await member();
    const answer = await api(t, 'GET', '/me/export', { token: m.token });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ profile: { sub: m.id, email: m.email }, sessions: expect.any(Array), apps: expect.any(Array), activity: expect.any(Array), email_changes: [] });
    expect(JSON.stringify(answer.body)).not.toMatch(/argon2|password_hash/);
  });

  it('DELETE /me needs the password; then the account and its tokens are gone', async () => {
    const m = await member();
    expect((await api(t, 'DELETE', '/me', { token: m.token, body: {} })).status).toBe(400);
    const wrong = await api(t, 'DELETE', '/me', { token: m.token, body: { password: 'not the password' } });
    expect(wrong.status).toBe(400);
    expect(wrong.body.field).toBe('current_password');
    expect((await api(t, 'DELETE', '/me', { token: m.token, body: { password: m.password } })).status).toBe(204);
    expect(await t.latchkey.services.accounts.findById(m.id)).toBeUndefined();
    expect((await api(t, 'GET', '/me', { token: m.token })).status).toBe(401);
    expect(await oauthError(oidc.refreshTokenGrant(app.config, m.tokens.refresh_token!))).toMatchObject({ error: 'invalid_grant' });
  });

  it('answers bad JSON, wrong content types, bad ids and unknown methods with 4xx JSON, never 500', async () => {
    const m = await member();
    const cases: [string, string, Parameters<typeof api>[3]][] = [
      ['PATCH', '/me', { body: '{"name": "x"' }],
      ['PATCH', '/me', { body: '"just a string"' }],
      ['PATCH', '/me', { body: 'null' }],
      ['PATCH', '/me', { headers: { 'content-type': 'text/plain' }, body: undefined }],
      ['POST', '/me/password', { body: { current_password: 1, new_password: [] } }],
      ['POST', '/me/email', { body: { new_email: 'x@example.com' } }],
      ['POST', '/me/password', { body: { current_password: 'x'.repeat(70_000), new_password: 'y' } }],
      ['DELETE', '/me/sessions/%00', {}],
      ['PUT', '/me', { body: {} }],
    ];
    for (const [method, path, options] of cases) {
      const answer = await api(t, method, path, { token: m.token, ...options });
      expect({ method, path, ok: answer.status >= 400 && answer.status < 500, json: typeof answer.body?.error }).toEqual({ method, path, ok: true, json: 'string' });
    }
    expect((await api(t, 'GET', '/me', { token: m.token })).body.name).toBe(`Member ${counter}`);
  });
});
