// Provisioning (issue 3, item 10): a sibling app's service client with `accounts:provision` creates an
// order-time account by email; the person follows the invitation mail, sets a password and signs in.
// Idempotent and race-safe; an existing account is never changed nor revealed; no password travels here.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { databaseKinds } from '../../support/databases.js';
import { startTestLatchkey, type TestLatchkey } from '../../support/latchkey.js';
import { linkTo, startMailbox, type Mailbox } from '../../support/mailbox.js';
import { login, oauthError, oidc, REDIRECT_URI, relyingParty, submitForm, visit } from '../../support/relying-party.js';
import { UserAgent } from '../../support/user-agent.js';
import { api } from './api-client.js';

describe.each(databaseKinds)('provisioning API (%s)', (kind) => {
  let t: TestLatchkey;
  let mailbox: Mailbox;
  let shop: oidc.Configuration;
  let shopId: string;

  beforeAll(async () => {
    mailbox = await startMailbox();
    t = await startTestLatchkey(kind, {}, mailbox.env);
    const created = await t.latchkey.clients.create({ name: 'Rental desk', type: 'service', redirectUris: [], scope: 'accounts:provision' });
    shopId = created.client.clientId;
    shop = await relyingParty(t.issuer, shopId, created.clientSecret);
  });
  afterAll(async () => {
    await t?.close();
    await mailbox?.close();
  });

  const provisionToken = async () => (await oidc.clientCredentialsGrant(shop, { scope: 'accounts:provision' })).access_token;

  it('creates an unverified account without a password, mails an invitation, and the person can then sign in', async () => {
    const token = await provisionToken();
    const created = await api(t, 'POST', '/accounts', { token, body: { email: '  Order.Person@Example.com ', name: 'Olga Order', locale: 'cs' } });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ sub: expect.any(String), created: true });

    const account = await t.latchkey.services.accounts.findById(created.body.sub);
    expect(account).toMatchObject({ email: 'order.person@example.com', email_verified: false, password_hash: null, name: 'Olga Order', locale: 'cs' });
    const audit = await t.latchkey.services.audit.list(created.body.sub);
    expect(audit.find((e) => e.type === 'account.provisioned')).toMatchObject({ client_id: shopId, data: { created: true } });

    const mail = await mailbox.next(t.latchkey, 'order.person@example.com');
    expect(mail.headers.get('subject')).toContain('Rental desk');
    const link = linkTo(mail, '/invitation');
    expect(link.href.startsWith(`${t.issuer}/invitation?token=`)).toBe(true);

    // The set-password page opens from the link; the chosen password then works for a normal OIDC login.
    const ua = new UserAgent();
    const step = await visit(ua, link);
    expect(step.page?.status).toBe(200);
    const done = await submitForm(ua, step.page!, '/invitation', { password: 'my own new password 42' });
    expect(done.page?.status).toBe(200);
    expect(await t.latchkey.services.accounts.findById(created.body.sub)).toMatchObject({ email_verified: true });
    const web = await t.latchkey.clients.create({ name: 'Shop', type: 'web', redirectUris: [REDIRECT_URI], firstParty: true });
    const rp = await relyingParty(t.issuer, web.client.clientId, web.clientSecret);
    const { tokens } = await login(rp, new UserAgent(), { email: 'order.person@example.com', password: 'my own new password 42' });
    expect(tokens.claims()?.sub).toBe(created.body.sub);

    // The link is single-use.
    const again = await visit(new UserAgent(), link);
    expect(again.page?.forms.some((f) => 'password' in f.fields)).toBe(false);
  });

  it('answers 200 with the same sub for an existing email, changes nothing and sends no mail', async () => {
    const existing = await t.latchkey.services.accounts.create({ email: 'known@example.com', password: 'a secret phrase 123', name: 'Known Person', emailVerified: true });
    const token = await provisionToken();
    const answer = await api(t, 'POST', '/accounts', { token, body: { email: 'KNOWN@example.com', name: 'Someone Else', locale: 'ru' } });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ sub: existing.id, created: false });
    const after = await t.latchkey.services.accounts.findById(existing.id);
    expect(after).toEqual(existing);
    // Provisioning the same new email twice gives the same account.
    const first = await api(t, 'POST', '/accounts', { token, body: { email: 'twice@example.com' } });
    const second = await api(t, 'POST', '/accounts', { token, body: { email: 'twice@example.com' } });
    expect([first.status, second.status]).toEqual([201, 200]);
    expect(second.body.sub).toBe(first.body.sub);
    await mailbox.next(t.latchkey, 'twice@example.com');
    await t.latchkey.mailer.deliverDue();
    expect(mailbox.to('known@example.com')).toHaveLength(0);
    expect(mailbox.to('twice@example.com')).toHaveLength(1);
  });

  it('is race-safe: parallel calls for one email give one account, one 201 and the rest 200', async () => {
    const token = await provisionToken();
    const answers = await Promise.all(Array.from({ length: 4 }, () => api(t, 'POST', '/accounts', { token, body: { email: 'race@example.com' } })));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 201]);
    expect(new Set(answers.map((a) => a.body.sub)).size).toBe(1);
    await mailbox.next(t.latchkey, 'race@example.com');
    await t.latchkey.mailer.deliverDue();
    expect(mailbox.to('race@example.com')).toHaveLength(1);
  });

  it('refuses a password field and malformed bodies with 400, never 500', async () => {
    const token = await provisionToken();
    const cases: [unknown, RegExp][] = [
      [{ email: 'p@example.com', password: 'secret123456' }, /unknown field\(s\) password/],
      [{ email: 'not-an-email' }, /email/],
      [{ name: 'No Email' }, /email/],
      [{ email: 'x@example.com', locale: 'not a locale!' }, /locale/],
      [{ email: 'x@example.com', name: 'a'.repeat(201) }, /name/],
      [{ email: 'nul\u0000@example.com' }, /not allowed/],
      ['{"email": ', /not valid JSON/],
      ['[1,2]', /body/],
    ];
    for (const [body, message] of cases) {
      const answer = await api(t, 'POST', '/accounts', { token, body });
      expect({ body, status: answer.status, error: answer.body.error }).toEqual({ body, status: 400, error: 'invalid_request' });
      expect(answer.body.error_description).toMatch(message);
    }
    const form = await api(t, 'POST', '/accounts', { token, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: undefined });
    expect(form.status).toBe(400);
    expect(await t.latchkey.services.accounts.findByEmail('p@example.com')).toBeUndefined();
  });

  it('gives 403 to a service client without the scope, and refuses the scope at the token endpoint', async () => {
    const other = await t.latchkey.clients.create({ name: 'Reports', type: 'service', redirectUris: [] });
    const config = await relyingParty(t.issuer, other.client.clientId, other.clientSecret);
    expect(await oauthError(oidc.clientCredentialsGrant(config, { scope: 'accounts:provision' }))).toMatchObject({ error: 'invalid_scope', status: 400 });
    const token = (await oidc.clientCredentialsGrant(config, { resource: `${t.issuer}/api/v1` })).access_token;
    const answer = await api(t, 'POST', '/accounts', { token, body: { email: 'nope@example.com' } });
    expect(answer.status).toBe(403);
    expect(answer.body.error).toBe('insufficient_scope');
    expect(answer.headers.get('www-authenticate')).toMatch(/scope="accounts:provision"/);
    expect((await api(t, 'POST', '/accounts', { body: { email: 'nope@example.com' } })).status).toBe(401);
    expect(await t.latchkey.services.accounts.findByEmail('nope@example.com')).toBeUndefined();
  });

  it('never lets a dynamically registered client hold accounts:provision', async () => {
    const iat = await t.latchkey.clients.issueInitialAccessToken(600);
    const registration = await fetch(`${t.issuer}/reg`, {
      method: 'POST',
      headers: { authorization: `Bearer ${iat}`, 'content-type': 'application/json' },
      body: JSON.stringify({ client_name: 'Sneaky', grant_types: ['client_credentials'], response_types: [], redirect_uris: [], scope: 'accounts:provision', registered_by: 'operator' }),
    });
    expect(registration.status).toBe(201);
    const client = (await registration.json()) as { client_id: string; client_secret: string; registered_by: string };
    expect(client.registered_by).toBe('dynamic');
    const config = await relyingParty(t.issuer, client.client_id, client.client_secret);
    expect(await oauthError(oidc.clientCredentialsGrant(config, { scope: 'accounts:provision' }))).toMatchObject({ error: 'invalid_scope' });
  });

  it('does not let a user token provision accounts', async () => {
    await t.latchkey.services.accounts.create({ email: 'user@example.com', password: 'ordinary phrase 1234', emailVerified: true });
    const web = await t.latchkey.clients.create({ name: 'Portal', type: 'web', redirectUris: [REDIRECT_URI], firstParty: true });
    const rp = await relyingParty(t.issuer, web.client.clientId, web.clientSecret);
    const { tokens } = await login(rp, new UserAgent(), { email: 'user@example.com', password: 'ordinary phrase 1234' }, { scope: 'openid account' });
    const answer = await api(t, 'POST', '/accounts', { token: tokens.access_token, body: { email: 'victim@example.com' } });
    expect(answer.status).toBe(403);
    expect(await oauthError(login(rp, new UserAgent(), { email: 'user@example.com', password: 'ordinary phrase 1234' }, { scope: 'openid accounts:provision' }))).toMatchObject({ error: 'invalid_scope' });
  });
});
