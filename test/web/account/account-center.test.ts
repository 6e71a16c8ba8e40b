// The account center through real HTTP: signing in through the unified login (single sign-on both ways
// with sibling apps), profile, password change with "sign out everywhere else", sessions, apps,
// activity, download and deletion, with their failure paths. Runs on PGlite and PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { databaseKinds } from '../../support/databases.js';
import { startTestLatchkey, type TestLatchkey } from '../../support/latchkey.js';
import { immediateCallback, login, oauthError, oidc, relyingParty, startAuthorization } from '../../support/relying-party.js';
import { linkTo, startMailbox, type Mailbox } from '../../support/mailbox.js';
import { UserAgent } from '../../support/user-agent.js';
import { open, signIn, submit, textOf } from './helpers.js';

const FIREFOX = { 'user-agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:131.0) Gecko/20100101 Firefox/131.0' };
const OFFLINE = { scope: 'openid email profile phone address offline_access', prompt: 'consent' };

describe.each(databaseKinds)('account center pages (%s)', (kind) => {
  let t: TestLatchkey;
  let mailbox: Mailbox;
  let shop: oidc.Configuration;
  let n = 0;

  beforeAll(async () => {
    mailbox = await startMailbox();
    t = await startTestLatchkey(kind, {}, { ...mailbox.env, LATCHKEY_PROFILE_EDITABLE: 'name,given_name,phone_number,address,locale', LATCHKEY_BRUTE_FORCE_QUICK_LOGIN_MS: '0' });
    const { client, clientSecret } = await t.latchkey.clients.create({ name: 'Shop', type: 'web', redirectUris: ['https://rp.example.com/callback'], firstParty: true });
    shop = await relyingParty(t.issuer, client.clientId, clientSecret);
  });
  afterAll(async () => {
    await t?.close();
    await mailbox?.close();
  });

  async function newUser() {
    const user = { email: `user${++n}@example.com`, password: `a long secret phrase ${n}` };
    const id = (await t.latchkey.services.accounts.create({ ...user, name: 'Ada Lovelace', emailVerified: true })).id;
    return { ...user, id };
  }

  it('sends a visitor through the login page and back to the page they asked for', async () => {
    const user = await newUser();
    const ua = new UserAgent(FIREFOX);
    const first = await open(ua, `${t.issuer}/account/security`);
    expect(first.url.pathname).toMatch(/^\/interaction\//);
    const page = await signIn(ua, t.issuer, user, '/account/security');
    expect(page.status).toBe(200);
    expect(page.url.pathname).toBe('/account/security');
    expect(textOf(page.html)).toContain(`You sign in with ${user.email}.`);
    expect(page.html).toContain('aria-current="page"');
  });

  it('shares the session with sibling apps both ways (single sign-on)', async () => {
    const user = await newUser();
    const ua = new UserAgent(FIREFOX);
    await login(shop, ua, user, { scope: 'openid email' });
    // Signed in at the shop: the account center opens without a login page.
    const page = await open(ua, `${t.issuer}/account`);
    expect(page.url.pathname).toBe('/account');
    expect(textOf(page.html)).toContain(user.email);

    const other = new UserAgent(FIREFOX);
    await signIn(other, t.issuer, user);
    // Signed in at the account center: the shop gets a code with prompt=none.
    const start = await startAuthorization(shop, { prompt: 'none', scope: 'openid email' });
    const callback = await immediateCallback(other, start.url);
    const tokens = await oidc.authorizationCodeGrant(shop, callback, { pkceCodeVerifier: start.verifier, expectedState: start.state, expectedNonce: start.nonce });
    expect(tokens.claims()!.sub).toBe(user.id);
  });

  it('refuses a callback with a forged state or no sign-in cookie', async () => {
    const ua = new UserAgent();
    const page = await open(ua, `${t.issuer}/account/callback?code=abcdefghijklmnop&state=forged`);
    expect(page.status).toBe(400);
    expect(textOf(page.html)).toContain('Sign-in not completed');
  });

  it('saves the profile, and the changes reach the sibling apps\' ID token and userinfo', async () => {
    const user = await newUser();
    const ua = new UserAgent(FIREFOX);
    const page = await signIn(ua, t.issuer, user);
    const saved = await submit(ua, page, '/account/profile', {
      name: 'Ada King', given_name: 'Ada', phone_number: '+44 20 7946 0958', locale: 'cs',
      street_address: '12 St James\'s Square', locality: 'London', postal_code: 'SW1Y 4JH', region: '', country: 'United Kingdom',
    });
    expect(saved.url.search).toBe('?saved=1');
    expect(textOf(saved.html)).toContain('Your profile has been saved.');

    const { tokens } = await login(shop, new UserAgent(), user, { scope: 'openid profile phone address' });
    expect(tokens.claims()).toMatchObject({ name: 'Ada King', given_name: 'Ada', locale: 'cs', phone_number: '+44 20 7946 0958' });
    const info = await oidc.fetchUserInfo(shop, tokens.access_token, user.id);
    expect(info).toMatchObject({ name: 'Ada King', phone_number: '+44 20 7946 0958' });
    expect(info.address).toEqual({ street_address: '12 St James\'s Square', locality: 'London', postal_code: 'SW1Y 4JH', country: 'United Kingdom' });
  });

  it('shows a field error with the input kept, and refuses a field only support may change', async () => {
    const user = await newUser();
    const ua = new UserAgent(FIREFOX);
    const page = await signIn(ua, t.issuer, user);
    expect(textOf(page.html)).toContain('To change this, contact support.');
    expect(page.forms.find((f) => f.action.endsWith('/account/profile'))!.fields).not.toHaveProperty('family_name');

    const bad = await submit(ua, page, '/account/profile', { name: 'Ada B', phone_number: 'call me' });
    expect(bad.status).toBe(400);
    expect(bad.html).toContain('id="phone_number-error"');
    expect(bad.html).toContain('value="call me"');
    expect(bad.html).toContain('value="Ada B"');

    const forged = await submit(ua, page, '/account/profile', { family_name: 'Byron' });
    expect(forged.status).toBe(403);
    expect(textOf(forged.html)).toContain('Only support can change this field.');
    expect((await t.latchkey.services.accounts.findById(user.id))).toMatchObject({ family_name: null, phone_number: null, name: 'Ada Lovelace' });
  });

  it('refuses a form post without the CSRF token', async () => {
    const user = await newUser();
    const ua = new UserAgent(FIREFOX);
    await signIn(ua, t.issuer, user);
    const response = await ua.request(`${t.issuer}/account/profile`, { form: { name: 'Mallory' } });
    expect(response.status).toBe(403);
    const other = await ua.request(`${t.issuer}/account/profile`, { form: { name: 'Mallory', _csrf: 'x'.repeat(43) } });
    expect(other.status).toBe(403);
    expect((await t.latchkey.services.accounts.findById(user.id))!.name).toBe('Ada Lovelace');
  });

  it('changes the password: a wrong current password is a form error; success mails a notice', async () => {
    const user = await newUser();
    const ua = new UserAgent(FIREFOX);
    const page = await open(ua, `${(await signIn(ua, t.issuer, user)).url.origin}/account/security`);
    const wrong = await submit(ua, page, '/account/password', { current_password: 'not my password', new_password: 'another fine phrase' });
    expect(wrong.status).toBe(400);
    expect(textOf(wrong.html)).toContain('The current password is not correct.');
    const weak = await submit(ua, page, '/account/password', { current_password: user.password, new_password: 'short' });
    expect(weak.status).toBe(400);
    expect(textOf(weak.html)).toContain('at least 8 characters');

    const done = await submit(ua, page, '/account/password', { current_password: user.password, new_password: 'another fine phrase' });
    expect(done.url.search).toBe('?done=password');
    const mail = await mailbox.next(t.latchkey, user.email);
    expect(linkTo(mail, '/forgot-password').href).toBe(`${t.issuer}/forgot-password`);
    expect((await t.latchkey.services.accounts.authenticate(user.email, 'another fine phrase')).account?.id).toBe(user.id);
  });

  it('"sign out everywhere else" kills another session\'s refresh token while the current session keeps working', async () => {
    const user = await newUser();
    const elsewhere = new UserAgent({ 'user-agent': 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Version/17.0 Mobile/15E148 Safari/604.1' });
    const otherTokens = (await login(shop, elsewhere, user, OFFLINE)).tokens;
    const here = new UserAgent(FIREFOX);
    const hereTokens = (await login(shop, here, user, OFFLINE)).tokens;
    const security = await open(here, `${t.issuer}/account/security`);
    expect(security.url.pathname).toBe('/account/security');
    expect(textOf(security.html)).toContain('Safari on iOS');
    expect(textOf(security.html)).toContain('Firefox on Windows');

    await submit(here, security, '/account/password', { current_password: user.password, new_password: 'the new phrase 2026', sign_out_others: 'on' });
    expect(await oauthError(oidc.refreshTokenGrant(shop, otherTokens.refresh_token!))).toMatchObject({ error: 'invalid_grant' });
    const refreshed = await oidc.refreshTokenGrant(shop, hereTokens.refresh_token!);
    expect(refreshed.claims()!.sub).toBe(user.id);
    expect((await open(here, `${t.issuer}/account`)).url.pathname).toBe('/account');
    expect((await open(elsewhere, `${t.issuer}/account`)).url.pathname).toMatch(/^\/interaction\//);
  });

  it('signs out one other session; another account\'s session cannot be signed out', async () => {
    const user = await newUser();
    const mallory = await newUser();
    const phone = new UserAgent({ 'user-agent': 'Mozilla/5.0 (Linux; Android 14) Chrome/129.0 Mobile' });
    await signIn(phone, t.issuer, user);
    const laptop = new UserAgent(FIREFOX);
    await signIn(laptop, t.issuer, user);
    const security = await open(laptop, `${t.issuer}/account/security`);
    const sessions = await t.latchkey.services.accountCenter.listSessions(user.id);
    expect(sessions).toHaveLength(2);
    const phoneSession = sessions.find((s) => s.device.os === 'Android')!;

    const malloryUa = new UserAgent(FIREFOX);
    const malloryPage = await open(malloryUa, `${(await signIn(malloryUa, t.issuer, mallory)).url.origin}/account/security`);
    const refused = await submit(malloryUa, malloryPage, '/account/sessions/sign-out', { session: phoneSession.id });
    expect(refused.status).toBe(404);
    expect(await t.latchkey.services.accountCenter.listSessions(user.id)).toHaveLength(2);

    const done = await submit(laptop, security, '/account/sessions/sign-out', {}, (f) => f.fields.session === phoneSession.id);
    expect(done.url.search).toBe('?done=session');
    expect((await t.latchkey.services.accountCenter.listSessions(user.id)).map((s) => s.device.os)).toEqual(['Windows']);
    expect((await open(phone, `${t.issuer}/account`)).url.pathname).toMatch(/^\/interaction\//);
  });

  it('lists a connected third-party app and revokes it: its refresh token dies, the consent is forgotten', async () => {
    const user = await newUser();
    const { client, clientSecret } = await t.latchkey.clients.create({ name: 'Partner Garage', type: 'web', redirectUris: ['https://rp.example.com/callback'] });
    const partner = await relyingParty(t.issuer, client.clientId, clientSecret);
    const ua = new UserAgent(FIREFOX);
    const { tokens } = await login(partner, ua, user, OFFLINE);
    const security = await open(ua, `${t.issuer}/account/security`);
    expect(textOf(security.html)).toContain('Partner Garage');
    const done = await submit(ua, security, '/account/apps/revoke', {}, (f) => f.fields.client_id === client.clientId);
    expect(done.url.search).toBe('?done=app');
    expect(textOf(done.html)).not.toContain('Partner Garage');
    expect(await oauthError(oidc.refreshTokenGrant(partner, tokens.refresh_token!))).toMatchObject({ error: 'invalid_grant' });
    expect(await t.latchkey.services.consents.grantedScopes(user.id, client.clientId)).toBeUndefined();
  });

  it('shows sign-ins (failed ones too) with app, IP and device, paged', async () => {
    const user = await newUser();
    const ua = new UserAgent(FIREFOX);
    const loginPage = await open(ua, `${t.issuer}/account`);
    await submit(ua, loginPage, '/login', { email: user.email, password: 'wrong guess' });
    for (let i = 0; i < 25; i++) await t.latchkey.services.audit.record({ accountId: user.id, type: 'profile.updated', data: {} });
    await signIn(ua, t.issuer, user);
    const activity = await open(ua, `${t.issuer}/account/activity`);
    const text = textOf(activity.html);
    expect(text).toContain('Signed in');
    expect(text).toContain('App: Latchkey account');
    expect(text).toContain('Firefox on Windows');
    expect(text).toContain('IP 127.0.0.1');
    expect(activity.html).toContain('rel="next"');
    const older = await open(ua, new URL(/href="([^"]+)" rel="next"/.exec(activity.html)![1]!.replace(/&amp;/g, '&'), t.issuer));
    expect(textOf(older.html)).toContain('Failed sign-in attempt');
    expect(textOf(older.html)).toContain('Account created');
    // A broken cursor goes back to the newest page instead of failing.
    expect((await open(ua, `${t.issuer}/account/activity?cursor=nonsense`)).url.search).toBe('');
  });

  it('downloads the account\'s data as a JSON attachment', async () => {
    const user = await newUser();
    const ua = new UserAgent(FIREFOX);
    await signIn(ua, t.issuer, user);
    const response = await ua.request(`${t.issuer}/account/data/export`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename="latchkey-account-\d{4}-\d\d-\d\d\.json"$/);
    const data = await response.json() as { profile: { email: string }; sessions: { current: boolean }[]; activity: { type: string }[] };
    expect(data.profile.email).toBe(user.email);
    expect(data.sessions).toEqual([expect.objectContaining({ current: true })]);
    expect(data.activity.map((e) => e.type)).toContain('login.succeeded');
    expect(JSON.stringify(data)).not.toContain('argon2');
  });

  it('deletes the account after the password is re-entered; signing in fails afterwards', async () => {
    const user = await newUser();
    const ua = new UserAgent(FIREFOX);
    const { tokens } = await login(shop, ua, user, OFFLINE);
    const data = await open(ua, `${t.issuer}/account/data`);
    const wrong = await submit(ua, data, '/account/delete', { current_password: 'not the password' });
    expect(wrong.status).toBe(400);
    expect(textOf(wrong.html)).toContain('The current password is not correct.');
    const deleted = await submit(ua, data, '/account/delete', { current_password: user.password });
    expect(textOf(deleted.html)).toContain('Your account has been deleted');
    expect(await t.latchkey.services.accounts.findById(user.id)).toBeUndefined();
    expect(await oauthError(oidc.refreshTokenGrant(shop, tokens.refresh_token!))).toMatchObject({ error: 'invalid_grant' });
    const again = await signIn(new UserAgent(), t.issuer, user);
    expect(textOf(again.html)).toContain('Incorrect email or password.');
  });
});
