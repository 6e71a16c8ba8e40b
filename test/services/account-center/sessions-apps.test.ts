// Sessions and connected apps: listing what is live, signing one session out (never another account's),
// signing out the others, revoking an app (grants, tokens, remembered consent).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { NotFound } from '../../../src/services/errors.js';
import { databaseKinds } from '../../support/databases.js';
import { origin, startServices, type ServiceHarness } from './setup.js';

describe.each(databaseKinds)('account center: sessions and apps (%s)', (kind) => {
  let h: ServiceHarness;
  beforeAll(async () => {
    h = await startServices(kind);
  });
  afterAll(async () => h?.close());

  it('lists live sessions with their device, marks the current one, and ignores dead ones', async () => {
    const id = await h.account('devices@example.com');
    await h.session(id, 's-phone');
    await h.session(id, 's-laptop');
    await h.session(id, 's-old');
    await h.services.accountCenter.recordSessionDevice(id, 's-phone', { ip: '203.0.113.5', userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Version/17.0 Mobile/15E148 Safari/604.1' });
    await h.services.accountCenter.recordSessionDevice(id, 's-old', origin);
    await h.database.db.query(`UPDATE oidc_payloads SET expires_at = now() - interval '1 second' WHERE uid = 's-old'`);
    const sessions = await h.services.accountCenter.listSessions(id, 's-laptop');
    expect(sessions.map((s) => s.id).sort()).toEqual(['s-laptop', 's-phone']);
    expect(sessions.find((s) => s.id === 's-phone')).toMatchObject({ ip: '203.0.113.5', device: { browser: 'Safari', os: 'iOS' }, current: false, createdAt: expect.any(Date), lastSeenAt: expect.any(Date) });
    expect(sessions.find((s) => s.id === 's-laptop')).toMatchObject({ ip: null, current: true, device: { browser: undefined, os: undefined } });
  });

  it('signs out one session with the tokens issued in it; another account cannot sign it out', async () => {
    const id = await h.account('one@example.com');
    const intruder = await h.account('intruder@example.com');
    await h.session(id, 'keep-me');
    await h.session(id, 'drop-me');
    await expect(h.services.accountCenter.signOutSession(intruder, 'drop-me', origin)).rejects.toThrow(NotFound);
    await expect(h.services.accountCenter.signOutSession(id, 'no-such-session', origin)).rejects.toThrow(NotFound);
    expect(await h.rows(id, 'Session')).toHaveLength(2);
    await h.services.accountCenter.signOutSession(id, 'drop-me', origin);
    expect((await h.rows(id, 'Session')).map((r) => r.uid)).toEqual(['keep-me']);
    expect((await h.rows(id, 'RefreshToken')).map((r) => r.id)).toEqual(['rt-keep-me']);
    expect((await h.services.accountCenter.listActivity(id)).events[0]).toMatchObject({ type: 'session.signed_out', data: { session: 'drop-me' } });
  });

  it('signs out every other session', async () => {
    const id = await h.account('others@example.com');
    for (const uid of ['mine', 'a', 'b']) await h.session(id, uid);
    await h.services.accountCenter.signOutOtherSessions(id, 'mine', origin);
    expect((await h.services.accountCenter.listSessions(id, 'mine')).map((s) => s.id)).toEqual(['mine']);
    expect((await h.rows(id, 'RefreshToken')).map((r) => r.id)).toEqual(['rt-mine']);
  });

  it('lists connected apps with names and scopes and revokes one: grants, tokens and consent go', async () => {
    const id = await h.account('apps@example.com');
    await h.database.db.query(`INSERT INTO clients (client_id, metadata) VALUES ('shop', '{"client_id":"shop","client_name":"E-shop"}') ON CONFLICT DO NOTHING`);
    await h.session(id, 'web', { clientId: 'shop', grantId: 'g-shop' });
    await h.session(id, 'mob', { clientId: 'mobile', grantId: 'g-mobile' });
    await h.services.consents.remember(id, 'shop', ['openid', 'profile']);
    await h.services.consents.remember(id, 'latchkey-account', ['openid']);
    const apps = await h.services.accountCenter.listApps(id);
    expect(apps.map((a) => a.clientId).sort()).toEqual(['mobile', 'shop']);
    expect(apps.find((a) => a.clientId === 'shop')).toMatchObject({ name: 'E-shop', scopes: ['email', 'openid', 'profile'], remembered: true, since: expect.any(Date) });
    expect(apps.find((a) => a.clientId === 'mobile')).toMatchObject({ name: 'mobile', remembered: false });

    await h.services.accountCenter.revokeApp(id, 'shop', origin);
    expect((await h.services.accountCenter.listApps(id)).map((a) => a.clientId)).toEqual(['mobile']);
    expect((await h.rows(id, 'RefreshToken')).map((r) => r.id)).toEqual(['rt-mob']);
    expect(await h.services.consents.grantedScopes(id, 'shop')).toBeUndefined();
    // Sessions stay: only the app lost access.
    expect(await h.rows(id, 'Session')).toHaveLength(2);
    await expect(h.services.accountCenter.revokeApp(id, 'shop', origin)).rejects.toThrow(NotFound);
    await expect(h.services.accountCenter.revokeApp(id, 'latchkey-account', origin)).rejects.toThrow(NotFound);
    expect((await h.services.accountCenter.listActivity(id)).events[0]).toMatchObject({ type: 'app.revoked', clientId: 'shop', appName: 'E-shop' });
  });
});
