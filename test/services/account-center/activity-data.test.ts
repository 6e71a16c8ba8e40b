// My activity (paging with a cursor), download my data, delete my account.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CurrentPasswordIncorrect } from '../../../src/services/account-center/index.js';
import { SoleCompanyOwner } from '../../../src/services/account-center/deletion.js';
import { InvalidInput, NotFound } from '../../../src/services/errors.js';
import { databaseKinds } from '../../support/databases.js';
import { origin, startServices, type ServiceHarness } from './setup.js';

const PASSWORD = 'correct horse battery staple';

describe.each(databaseKinds)('account center: activity, export, deletion (%s)', (kind) => {
  let h: ServiceHarness;
  beforeAll(async () => {
    h = await startServices(kind);
  });
  afterAll(async () => h?.close());

  it('pages through the activity newest first with an opaque cursor, only the account\'s own events', async () => {
    const id = await h.account('pages@example.com');
    const other = await h.account('someone-else@example.com');
    for (let i = 0; i < 5; i++) await h.services.audit.record({ accountId: id, type: 'login.succeeded', clientId: 'shop', ip: `192.0.2.${i}`, userAgent: 'curl/8.0' });
    await h.services.audit.record({ accountId: other, type: 'login.failed' });
    const center = h.services.accountCenter;
    const first = await center.listActivity(id, { limit: 4 });
    expect(first.events.map((e) => e.ip)).toEqual(['192.0.2.4', '192.0.2.3', '192.0.2.2', '192.0.2.1']);
    expect(first.events[0]).toMatchObject({ type: 'login.succeeded', clientId: 'shop', device: { browser: 'curl' } });
    const second = await center.listActivity(id, { limit: 4, cursor: first.nextCursor });
    expect(second.events.map((e) => e.ip ?? e.type)).toEqual(['192.0.2.0', 'account.created']);
    expect(second.nextCursor).toBeUndefined();
    await expect(center.listActivity(id, { cursor: 'drop table' })).rejects.toThrow(InvalidInput);
    await expect(center.listActivity(id, { limit: 0 })).rejects.toThrow(InvalidInput);
    await expect(center.listActivity(id, { limit: 1000 })).rejects.toThrow(InvalidInput);
  });

  it('exports profile, sessions, apps, email changes and activity, without secrets', async () => {
    const id = await h.account('export@example.com');
    await h.session(id, 'exp');
    await h.services.accountCenter.requestEmailChange(id, { newEmail: 'export-new@example.com', currentPassword: PASSWORD }, origin);
    const data = await h.services.accountCenter.exportData(id, 'exp');
    expect(data.profile).toMatchObject({ sub: id, email: 'export@example.com' });
    expect(data.sessions).toEqual([expect.objectContaining({ id: 'exp', current: true })]);
    expect(data.apps).toEqual([expect.objectContaining({ clientId: 'shop' })]);
    expect(data.emailChanges).toEqual([expect.objectContaining({ newEmail: 'export-new@example.com', status: 'awaiting-verification' })]);
    expect(data.activity.map((e) => e.type)).toEqual(['email_change.requested', 'account.created']);
    const json = JSON.stringify(data);
    expect(json).not.toMatch(/argon2|password_hash|token/i);
  });

  it('deletes the account after the password is re-entered: sessions, tokens, consents and account go, the audit stays', async () => {
    const id = await h.account('leaving@example.com');
    await h.session(id, 'bye');
    await h.services.consents.remember(id, 'shop', ['openid']);
    await expect(h.services.accountCenter.deleteAccount(id, { currentPassword: 'wrong password here' }, origin)).rejects.toThrow(CurrentPasswordIncorrect);
    expect(await h.services.accounts.findById(id)).toBeDefined();

    await h.services.accountCenter.deleteAccount(id, { currentPassword: PASSWORD }, origin);
    expect(await h.services.accounts.findById(id)).toBeUndefined();
    const { rows: left } = await h.database.db.query('SELECT model FROM oidc_payloads WHERE account_id = $1', [id]);
    expect(left).toEqual([]);
    expect(await h.services.consents.grantedScopes(id, 'shop')).toBeUndefined();
    const { rows: audit } = await h.database.db.query<{ account_id: string | null; type: string; data: { sub?: string } }>(
      `SELECT account_id, type, data FROM audit_events WHERE type = 'account.deleted' OR data->>'email' = 'leaving@example.com' ORDER BY id`);
    expect(audit.at(-1)).toMatchObject({ account_id: null, type: 'account.deleted', data: { sub: id } });
    const { rows: kept } = await h.database.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_events WHERE type = 'reauth.failed' AND account_id IS NULL`);
    expect(kept[0]!.n).toBeGreaterThanOrEqual(1);
    // The email is free again.
    expect((await h.services.accounts.create({ email: 'leaving@example.com', password: PASSWORD })).id).not.toBe(id);
    await expect(h.services.accountCenter.getProfile(id)).rejects.toThrow(NotFound);
  });

  it('refuses to delete the only owner of a company until the ownership is transferred', async () => {
    const owner = await h.account('sole-owner@example.com');
    const colleague = await h.account('colleague@example.com');
    const companies = h.services.companies;
    const company = await companies.register({ accountId: owner }, { kind: 'legal_entity', country: 'CZ', taxId: '77700011', name: 'Sole Owner s.r.o.' });
    await expect(h.services.accountCenter.deleteAccount(owner, { currentPassword: PASSWORD }, origin)).rejects.toThrow(SoleCompanyOwner);
    await expect(h.services.accountCenter.deleteAccount(owner, { currentPassword: PASSWORD }, origin)).rejects.toThrow(/Sole Owner s\.r\.o\./);
    expect(await h.services.accounts.findById(owner)).toBeDefined();
    expect((await companies.listMyCompanies(owner)).map((m) => m.roles)).toEqual([['owner']]);

    // Staff hand the company over (the authorised person changed); then the former owner may leave Latchkey.
    await h.services.staff.grant('colleague@example.com', 'admin');
    const staff = await h.services.staff.actorFor(colleague, { ip: origin.ip, userAgent: origin.userAgent });
    await companies.transferOwnership(staff!, company.id, colleague);
    await h.services.accountCenter.deleteAccount(owner, { currentPassword: PASSWORD }, origin);
    expect(await h.services.accounts.findById(owner)).toBeUndefined();
    expect((await companies.listMyCompanies(colleague)).map((m) => m.roles)).toEqual([['owner']]);
  });
});
