// The Admin API (issue 5, items 7-8): staff tokens from real code flows (openid-client) with scope `admin`;
// the staff role matrix on every route (moderator, support, admin), checked per request so a revoked role
// stops at once; non-staff, tokens without the scope and client-credentials tokens refused; block ending
// sessions and refresh tokens; provisioning mailing a set-password link (real SMTP); customer links; the
// audit search finding staff and company-admin actions; bad input 400 { error, error_description }.
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { databaseKinds } from '../../support/databases.js';
import { startTestLatchkey, type TestLatchkey } from '../../support/latchkey.js';
import { linkTo, startMailbox, type Mailbox } from '../../support/mailbox.js';
import { login, oauthError, oidc, REDIRECT_URI, relyingParty } from '../../support/relying-party.js';
import { UserAgent } from '../../support/user-agent.js';
import { api, signIn } from './api-client.js';
import { apiPeople, PASSWORD, type ApiPerson } from './companies-support.js';

describe.each(databaseKinds)('Admin API (%s)', (kind) => {
  let t: TestLatchkey;
  let mailbox: Mailbox;
  let people: Awaited<ReturnType<typeof apiPeople>>;
  let moderator: ApiPerson;
  let support: ApiPerson;
  let admin: ApiPerson;

  beforeAll(async () => {
    mailbox = await startMailbox();
    t = await startTestLatchkey(kind, {}, mailbox.env);
    people = await apiPeople(t, 'adm');
    moderator = await people.person('Mia', { staffRoles: ['moderator'] });
    support = await people.person('Sam', { staffRoles: ['support'] });
    admin = await people.person('Ada', { staffRoles: ['admin'] });
  });
  afterAll(async () => {
    await t?.close();
    await mailbox?.close();
  });

  it('tells staff their roles and allowed actions', async () => {
    const me = await api(t, 'GET', '/admin/me', { token: moderator.token });
    expect(me.status).toBe(200);
    expect(me.headers.get('cache-control')).toBe('no-store');
    expect(me.body).toEqual({ sub: moderator.id, staff_roles: ['moderator'], allowed_actions: ['moderation.decide', 'accounts.read', 'companies.read', 'audit.read'] });
  });

  it('refuses non-staff (403), tokens without the admin scope (403 insufficient_scope) and no token (401)', async () => {
    const user = await people.person('Nobody', { scope: 'openid account admin' });
    const refused = await api(t, 'GET', '/admin/moderation', { token: user.token });
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({ error: 'forbidden', error_description: expect.any(String) });

    const staffWithoutScope = await people.person('Scopeless', { staffRoles: ['admin'], scope: 'openid account' });
    const noScope = await api(t, 'GET', '/admin/me', { token: staffWithoutScope.token });
    expect(noScope.status).toBe(403);
    expect(noScope.body.error).toBe('insufficient_scope');
    expect(noScope.headers.get('www-authenticate')).toMatch(/scope="admin"/);

    const anonymous = await api(t, 'GET', '/admin/me');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  it('never issues `admin` to client credentials or third-party apps, and refuses client-credentials tokens', async () => {
    const service = await t.latchkey.clients.create({ name: 'Back office job', type: 'service', redirectUris: [], firstParty: true });
    const config = await relyingParty(t.issuer, service.client.clientId, service.clientSecret);
    expect(await oauthError(oidc.clientCredentialsGrant(config, { scope: 'admin' }))).toMatchObject({ error: 'invalid_scope', status: 400 });
    const token = (await oidc.clientCredentialsGrant(config, { resource: `${t.issuer}/api/v1` })).access_token;
    const answer = await api(t, 'GET', '/admin/me', { token });
    expect(answer.status).toBe(403);
    expect(answer.body.error).toBe('insufficient_scope');

    const thirdParty = await t.latchkey.clients.create({ name: 'Partner portal', type: 'web', redirectUris: [REDIRECT_URI], firstParty: false });
    const rp = await relyingParty(t.issuer, thirdParty.client.clientId, thirdParty.clientSecret);
    const staffEmail = (await t.latchkey.services.accounts.findById(admin.id))!.email;
    expect(await oauthError(login(rp, new UserAgent(), { email: staffEmail, password: PASSWORD }, { scope: 'openid admin' }))).toMatchObject({ error: 'invalid_scope' });
  });

  it('applies the staff matrix on every route: moderator moderates, support blocks and provisions, admin does all', async () => {
    const target = await people.person('Target');
    const matrix: [ApiPerson, string, string, unknown, number][] = [
      [moderator, 'GET', '/admin/moderation', undefined, 200],
      [support, 'GET', '/admin/moderation', undefined, 403],
      [admin, 'GET', '/admin/moderation', undefined, 200],
      [moderator, 'GET', '/admin/accounts?q=target', undefined, 200],
      [support, 'GET', '/admin/companies', undefined, 200],
      [moderator, 'GET', '/admin/audit', undefined, 200],
      [moderator, 'POST', `/admin/accounts/${target.id}/block`, { reason: 'test' }, 403],
      [moderator, 'POST', '/admin/accounts', { email: 'mod-provisioned@example.com' }, 403],
      [support, 'POST', '/admin/companies/00000000-0000-4000-8000-000000000000/suspend', { reason: 'x' }, 403],
      [support, 'PATCH', '/admin/companies/00000000-0000-4000-8000-000000000000', { tax_id: '1234' }, 403],
      [moderator, 'POST', '/admin/companies/00000000-0000-4000-8000-000000000000/transfer-ownership', { account_id: target.id }, 403],
      [support, 'POST', '/admin/join-requests/00000000-0000-4000-8000-000000000000/decision', { decision: 'approve' }, 403],
      [support, 'POST', `/admin/accounts/${target.id}/customers`, { customer_id: 'NO-SUCH' }, 404],
      [moderator, 'POST', `/admin/accounts/${target.id}/customers`, { customer_id: 'NO-SUCH' }, 403],
      [admin, 'POST', '/admin/companies/00000000-0000-4000-8000-000000000000/suspend', { reason: 'x' }, 404],
    ];
    for (const [who, method, path, body, status] of matrix) {
      const answer = await api(t, method, path, { token: who.token, ...(body === undefined ? {} : { body }) });
      const role = who === moderator ? 'moderator' : who === support ? 'support' : 'admin';
      expect({ role, method, path, status: answer.status }).toEqual({ role, method, path, status });
      if (status === 403) expect(answer.body.error).toBe('forbidden');
    }
    expect((await t.latchkey.services.accounts.findById(target.id))!.status).toBe('active');
  });

  it('needs a recent password entry, like the console: an old sign-in gets the RFC 9470 step-up challenge', async () => {
    const late = await people.person('Late', { staffRoles: ['support'] });
    expect((await api(t, 'GET', '/admin/me', { token: late.token })).status).toBe(200);
    // The password was entered 20 minutes ago (the window is 15).
    const { provider } = t.latchkey;
    const sessionUid = ((await provider.AccessToken.find(late.token)) as unknown as { sessionUid: string }).sessionUid;
    const session = (await provider.Session.findByUid(sessionUid))!;
    session.loginTs = Math.floor(Date.now() / 1000) - 20 * 60;
    await session.save(3600);

    const stale = await api(t, 'GET', '/admin/me', { token: late.token });
    expect(stale.status).toBe(401);
    expect(stale.body).toEqual({ error: 'insufficient_user_authentication', error_description: expect.stringMatching(/sign in again/) });
    expect(stale.headers.get('www-authenticate')).toMatch(/error="insufficient_user_authentication".*max_age=900/);
    // The Account API does not ask for it; a fresh sign-in opens the Admin API again.
    expect((await api(t, 'GET', '/me', { token: late.token })).status).toBe(200);
    const fresh = await signIn(people.app.config, { email: late.email, password: PASSWORD }, 'openid account admin');
    expect((await api(t, 'GET', '/admin/me', { token: fresh.access_token })).status).toBe(200);
  });

  it('stops a revoked staff role at the next request, with the same token', async () => {
    const temp = await people.person('Temp', { staffRoles: ['moderator'] });
    expect((await api(t, 'GET', '/admin/moderation', { token: temp.token })).status).toBe(200);
    await t.latchkey.services.staff.revoke(temp.email, 'moderator');
    expect((await api(t, 'GET', '/admin/moderation', { token: temp.token })).status).toBe(403);
    expect((await api(t, 'GET', '/admin/me', { token: temp.token })).status).toBe(403);
  });

  it('blocks an account: its API token and refresh token stop working at once; unblock lets it sign in again', async () => {
    const victim = await people.person('Victor');
    expect((await api(t, 'GET', '/me', { token: victim.token })).status).toBe(200);
    const blocked = await api(t, 'POST', `/admin/accounts/${victim.id}/block`, { token: support.token, body: { reason: 'stolen laptop' } });
    expect(blocked.status).toBe(200);
    expect(blocked.body.account).toMatchObject({ id: victim.id, status: 'blocked' });
    expect(blocked.body.revoked).toBeGreaterThan(0);
    expect((await api(t, 'GET', '/me', { token: victim.token })).status).toBe(401);
    expect(await oauthError(oidc.refreshTokenGrant(people.app.config, victim.refreshToken!))).toMatchObject({ error: 'invalid_grant' });

    const self = await api(t, 'POST', `/admin/accounts/${support.id}/block`, { token: support.token, body: {} });
    expect(self.status).toBe(400);
    expect(self.body.field).toBe('account');

    expect((await api(t, 'POST', `/admin/accounts/${victim.id}/unblock`, { token: support.token })).body.status).toBe('active');
    const again = await signIn(people.app.config, { email: victim.email, password: PASSWORD }, 'openid account');
    expect((await api(t, 'GET', '/me', { token: again.access_token })).status).toBe(200);
  });

  it('provisions a person verified in the office: 201, a set-password link mailed; the same email again is 200', async () => {
    const created = await api(t, 'POST', '/admin/accounts', { token: support.token, body: { email: 'Walk.In@Example.com', name: 'Walk In', locale: 'cs' } });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ sub: expect.any(String), created: true });
    const mail = await mailbox.next(t.latchkey, 'walk.in@example.com');
    expect(linkTo(mail, '/invitation').searchParams.get('token')).toBeTruthy();
    const again = await api(t, 'POST', '/admin/accounts', { token: support.token, body: { email: 'walk.in@example.com' } });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ sub: created.body.sub, created: false });
    expect((await api(t, 'POST', `/admin/accounts/${created.body.sub}/invitation`, { token: support.token })).status).toBe(202);
    await mailbox.next(t.latchkey, 'walk.in@example.com');
    expect((await api(t, 'POST', '/admin/accounts', { token: support.token, body: { email: 'x@example.com', password: 'nope' } })).status).toBe(400);
  });

  it('searches and shows accounts with customer links and companies; links and unlinks customer IDs', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'latchkey-customers-'));
    const file = path.join(dir, 'customers.ndjson');
    await writeFile(file, `${JSON.stringify({ customer_id: 'C-1001', company_name: 'Gamma s.r.o.', tax_id: '44556677', vat_id: null, country: 'CZ', licence_numbers: [] })}\n`);
    await t.latchkey.services.customers.importFile({ file });
    const person = await people.person('Xenia');

    const found = await api(t, 'GET', '/admin/accounts?q=xenia', { token: moderator.token });
    expect(found.body.total).toBe(1);
    expect(found.body.accounts[0]).toMatchObject({ id: person.id, email: person.email, status: 'active', has_password: true });
    expect(JSON.stringify(found.body)).not.toMatch(/argon2|password_hash/);

    expect((await api(t, 'POST', `/admin/accounts/${person.id}/customers`, { token: support.token, body: { customer_id: 'C-1001' } })).body).toEqual({ linked: true });
    expect((await api(t, 'POST', `/admin/accounts/${person.id}/customers`, { token: support.token, body: { customer_id: 'C-1001' } })).body).toEqual({ linked: false });
    const detail = await api(t, 'GET', `/admin/accounts/${person.id}`, { token: support.token });
    expect(detail.status).toBe(200);
    expect(detail.body).toMatchObject({ account: { id: person.id }, staff_roles: [], customer_links: [{ customer_id: 'C-1001', company_name: 'Gamma s.r.o.' }], companies: [] });
    expect((await api(t, 'DELETE', `/admin/accounts/${person.id}/customers/C-1001`, { token: support.token })).status).toBe(204);
    expect((await api(t, 'DELETE', `/admin/accounts/${person.id}/customers/C-1001`, { token: support.token })).status).toBe(404);
    expect((await api(t, 'GET', '/admin/accounts/00000000-0000-4000-8000-000000000000', { token: support.token })).status).toBe(404);
  });

  it('edits, searches and transfers companies as admin staff; the audit search finds staff and company-admin actions', async () => {
    const owner = await people.person('Owner');
    const registered = await api(t, 'POST', '/me/companies', { token: owner.token, body: { kind: 'legal_entity', country: 'CZ', tax_id: '31415926', name: 'Pi Works' } });
    await api(t, 'POST', `/admin/companies/${registered.body.id}/decision`, { token: moderator.token, body: { decision: 'approve' } });
    const id = registered.body.id as string;

    const search = await api(t, 'GET', '/admin/companies?q=3141%205926&status=approved', { token: support.token });
    expect(search.body.companies.map((c: { id: string }) => c.id)).toEqual([id]);
    const edited = await api(t, 'PATCH', `/admin/companies/${id}`, { token: admin.token, body: { tax_id: '27182818' } });
    expect(edited.body).toMatchObject({ tax_id: '27182818', status: 'approved' });

    const newBoss = await people.person('Successor');
    const transferred = await api(t, 'POST', `/admin/companies/${id}/transfer-ownership`, { token: admin.token, body: { account_id: newBoss.id } });
    expect(transferred.body).toMatchObject({ account_id: newBoss.id, roles: ['owner'] });
    const detail = await api(t, 'GET', `/admin/companies/${id}`, { token: moderator.token });
    const roles = Object.fromEntries(detail.body.members.map((m: { account_id: string; roles: string[] }) => [m.account_id, m.roles]));
    expect(roles).toEqual({ [owner.id]: [], [newBoss.id]: ['owner'] });

    // The new owner acts as company admin; the audit log shows it next to the staff actions.
    await api(t, 'POST', `/me/companies/${id}/roles`, { token: newBoss.token, body: { key: 'buyers', name: 'Buyers', permissions: ['orders'] } });
    const companyEvents = await api(t, 'GET', `/admin/audit?company_id=${id}`, { token: moderator.token });
    expect(companyEvents.status).toBe(200);
    const types = companyEvents.body.events.map((e: { type: string }) => e.type);
    expect(types).toEqual(expect.arrayContaining(['company.registered', 'company.approved', 'company.updated', 'company.ownership_transferred', 'company.role_defined']));
    const roleDefined = companyEvents.body.events.find((e: { type: string }) => e.type === 'company.role_defined');
    expect(roleDefined).toMatchObject({ account_id: newBoss.id, data: { companyId: id, role: 'buyers' } });

    const staffEvents = await api(t, 'GET', `/admin/audit?type=staff.&account=${encodeURIComponent(support.email)}&limit=2`, { token: admin.token });
    expect(staffEvents.body.events).toHaveLength(2);
    expect(staffEvents.body.events.every((e: { type: string }) => e.type.startsWith('staff.'))).toBe(true);
    expect(staffEvents.body.next_before).toEqual(expect.any(String));
    const older = await api(t, 'GET', `/admin/audit?type=staff.&account=${encodeURIComponent(support.email)}&limit=2&before=${staffEvents.body.next_before}`, { token: admin.token });
    expect(Number(older.body.events[0].id)).toBeLessThan(Number(staffEvents.body.events[1].id));
  });

  it('is in the OpenAPI document: the Admin API with scope admin, the companies Account API with scope account', async () => {
    const doc = (await api(t, 'GET', '/openapi.json')).body as { paths: Record<string, Record<string, { security: unknown; responses: Record<string, unknown> }>>; components: { securitySchemes: { oauth2: { flows: { authorizationCode: { scopes: Record<string, string> } } } } } };
    const admin = ['get /admin/me', 'get /admin/moderation', 'post /admin/companies/{id}/decision', 'post /admin/join-requests/{id}/decision', 'get /admin/companies',
      'get /admin/companies/{id}', 'patch /admin/companies/{id}', 'post /admin/companies/{id}/suspend', 'post /admin/companies/{id}/restore',
      'post /admin/companies/{id}/transfer-ownership', 'get /admin/accounts', 'post /admin/accounts', 'get /admin/accounts/{id}', 'post /admin/accounts/{id}/block',
      'post /admin/accounts/{id}/unblock', 'post /admin/accounts/{id}/invitation', 'post /admin/accounts/{id}/customers', 'delete /admin/accounts/{id}/customers/{customer_id}', 'get /admin/audit'];
    const account = ['get /me/companies', 'post /me/companies', 'get /me/companies/registry', 'get /me/companies/lookup', 'get /me/companies/{id}', 'patch /me/companies/{id}',
      'post /me/companies/{id}/leave', 'get /me/companies/{id}/members', 'delete /me/companies/{id}/members/{account_id}', 'post /me/companies/{id}/members/{account_id}/roles',
      'delete /me/companies/{id}/members/{account_id}/roles/{role}', 'get /me/companies/{id}/join-requests', 'post /me/companies/{id}/join-requests/{request_id}/decision',
      'get /me/companies/{id}/invitations', 'post /me/companies/{id}/invitations', 'delete /me/companies/{id}/invitations/{invitation_id}', 'get /me/companies/{id}/roles',
      'post /me/companies/{id}/roles', 'delete /me/companies/{id}/roles/{key}', 'post /me/companies/{id}/transfer-ownership', 'get /me/join-requests', 'post /me/join-requests',
      'delete /me/join-requests/{id}', 'post /me/company-invitations'];
    for (const [list, scope] of [[admin, 'admin'], [account, 'account']] as const) {
      for (const entry of list) {
        const [method, path] = entry.split(' ') as [string, string];
        const operation = doc.paths[path]?.[method];
        expect({ entry, security: operation?.security }).toEqual({ entry, security: [{ oauth2: [scope] }, { bearer: [scope] }] });
      }
    }
    expect(Object.keys(doc.paths['/admin/companies/{id}/decision']!.post!.responses).sort()).toEqual(['200', '400', '401', '403', '404', '409']);
    expect(Object.keys(doc.paths['/me/companies/lookup']!.get!.responses)).toContain('429');
    expect(doc.components.securitySchemes.oauth2.flows.authorizationCode.scopes).toHaveProperty('admin');
  });

  it('answers bad input with 400 { error, error_description }, never 500', async () => {
    const cases: [string, string, unknown][] = [
      ['GET', '/admin/audit?from=yesterday', undefined],
      ['GET', '/admin/audit?from=2026-02-01&to=2026-01-01', undefined],
      ['GET', '/admin/audit?company_id=nope', undefined],
      ['GET', '/admin/audit?before=abc', undefined],
      ['GET', '/admin/audit?sort=asc', undefined],
      ['GET', '/admin/companies?status=deleted', undefined],
      ['GET', '/admin/companies?limit=100000', undefined],
      ['GET', '/admin/accounts?limit=0', undefined],
      ['POST', '/admin/companies/00000000-0000-4000-8000-000000000000/decision', { decision: 'approve', extra: true }],
      ['POST', '/admin/companies/00000000-0000-4000-8000-000000000000/decision', { decision: 'reject', reason: '   ' }],
      ['POST', '/admin/companies/00000000-0000-4000-8000-000000000000/transfer-ownership', { account_id: 'someone' }],
      ['POST', '/admin/accounts', '{"email":'],
      ['POST', '/admin/accounts/00000000-0000-4000-8000-000000000000/block', { reason: 'x'.repeat(501) }],
    ];
    for (const [method, path, body] of cases) {
      const answer = await api(t, method, path, { token: admin.token, ...(body === undefined ? {} : { body }) });
      expect({ method, path, status: answer.status, error: answer.body?.error, described: typeof answer.body?.error_description })
        .toEqual({ method, path, status: 400, error: 'invalid_request', described: 'string' });
    }
    expect((await api(t, 'PUT', '/admin/accounts', { token: admin.token, body: {} })).status).toBe(405);
    expect((await api(t, 'GET', '/admin/nothing-here', { token: admin.token })).status).toBe(404);
  });
});
