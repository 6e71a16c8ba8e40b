// The B2B story through the APIs (issue 5, items 2-6 and 8), with tokens from real code flows (openid-client)
// and mail through a real SMTP server: a company registered by tax ID (registry prefill) and approved by a
// moderator in the Admin API; employees finding it by tax ID and approved by both sides in either order;
// roles granted (accountant: invoices only, in the token's `organizations` claim); privilege escalation and
// last-owner rules refused; approvals racing; invitations; a suspended company gone from the next refresh;
// rate-limited lookups; bad input answered with 400 { error, error_description }.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { databaseKinds } from '../../support/databases.js';
import { startTestLatchkey, type TestLatchkey } from '../../support/latchkey.js';
import { linkTo, startMailbox, type Mailbox } from '../../support/mailbox.js';
import { oidc } from '../../support/relying-party.js';
import { api } from './api-client.js';
import { apiPeople, importRegistry, type ApiPerson } from './companies-support.js';

type Organization = { id: string; name: string; tax_id: string; roles: string[]; permissions: string[] };

describe.each(databaseKinds)('companies in the Account API (%s)', (kind) => {
  let t: TestLatchkey;
  let mailbox: Mailbox;
  let people: Awaited<ReturnType<typeof apiPeople>>;
  let moderator: ApiPerson;
  let staffAdmin: ApiPerson;
  let owner: ApiPerson;
  let companyId: string;

  beforeAll(async () => {
    mailbox = await startMailbox();
    t = await startTestLatchkey(kind, {}, { ...mailbox.env, LATCHKEY_COMPANY_PERMISSIONS: 'orders,invoices,services,support' });
    people = await apiPeople(t, 'co');
    await importRegistry(t, [
      'CZ,27082440,legal_entity,Alza Trade a.s.,CZ27082440,Jankovcova 1522/53,Praha,17000,',
      'CZ,11223344,legal_entity,Beta Tools s.r.o.,,,Brno,60200,',
      'SK,55667788,sole_trader,Jana Nováková,,,Bratislava,81101,',
    ]);
    moderator = await people.person('Mia', { staffRoles: ['moderator'] });
    staffAdmin = await people.person('Adam', { staffRoles: ['admin'] });
    owner = await people.person('Olga');
  });
  afterAll(async () => {
    await t?.close();
    await mailbox?.close();
  });

  /** Registers and approves a company for owner `by`, returns its id. */
  async function approvedCompany(by: ApiPerson, taxId: string, name: string): Promise<string> {
    const registered = await api(t, 'POST', '/me/companies', { token: by.token, body: { kind: 'legal_entity', country: 'CZ', tax_id: taxId, name } });
    expect(registered.status).toBe(201);
    const approved = await api(t, 'POST', `/admin/companies/${registered.body.id}/decision`, { token: moderator.token, body: { decision: 'approve' } });
    expect(approved.status).toBe(200);
    return registered.body.id;
  }

  /** A person who asked to join and was approved by the moderator and the company admin `admin`. */
  async function joinedMember(name: string, company: string, taxId: string, admin: ApiPerson): Promise<ApiPerson> {
    const person = await people.person(name);
    const found = await api(t, 'GET', `/me/companies/lookup?country=CZ&tax_id=${encodeURIComponent(taxId)}`, { token: person.token });
    expect(found.body.id).toBe(company);
    const request = await api(t, 'POST', '/me/join-requests', { token: person.token, body: { company_id: company } });
    expect(request.status).toBe(201);
    expect((await api(t, 'POST', `/admin/join-requests/${request.body.id}/decision`, { token: moderator.token, body: { decision: 'approve' } })).status).toBe(200);
    expect((await api(t, 'POST', `/me/companies/${company}/join-requests/${request.body.id}/decision`, { token: admin.token, body: { decision: 'approve' } })).status).toBe(200);
    return person;
  }

  /** The `organizations` claim of a fresh ID token from the person's refresh token. */
  async function organizationsAfterRefresh(person: ApiPerson): Promise<Organization[]> {
    const refreshed = await oidc.refreshTokenGrant(people.app.config, person.refreshToken!);
    person.refreshToken = refreshed.refresh_token ?? person.refreshToken;
    return (refreshed.claims()?.organizations ?? []) as Organization[];
  }

  it('registers a company by tax ID with the registry prefill; a moderator approves it in the Admin API; mails at each step', async () => {
    const prefill = await api(t, 'GET', '/me/companies/registry?country=cz&tax_id=270%2082%20440', { token: owner.token });
    expect(prefill.status).toBe(200);
    expect(prefill.body).toMatchObject({ country: 'CZ', name: 'Alza Trade a.s.', vat_id: 'CZ27082440', kind: 'legal_entity', source: 'registry', address: { locality: 'Praha' } });

    const registered = await api(t, 'POST', '/me/companies', { token: owner.token, body: { kind: 'legal_entity', country: 'CZ', tax_id: '270 82 440' } });
    expect(registered.status).toBe(201);
    expect(registered.body).toMatchObject({ name: 'Alza Trade a.s.', country: 'CZ', tax_id: '270 82 440', vat_id: 'CZ27082440', status: 'pending' });
    companyId = registered.body.id;
    expect((await mailbox.next(t.latchkey, owner.email, { subject: /waiting for approval/ })).headers.get('subject')).toContain('Alza Trade');

    const mine = await api(t, 'GET', '/me/companies', { token: owner.token });
    expect(mine.body.companies).toEqual([expect.objectContaining({ company: expect.objectContaining({ id: companyId, status: 'pending' }), roles: ['owner'] })]);
    // A pending company cannot be found for joining.
    expect((await api(t, 'GET', '/me/companies/lookup?country=CZ&tax_id=27082440', { token: owner.token })).status).toBe(404);
    // The same tax ID (however it is typed) cannot be registered twice in a country.
    const other = await people.person('Oscar');
    const twice = await api(t, 'POST', '/me/companies', { token: other.token, body: { kind: 'legal_entity', country: 'CZ', tax_id: '27-08-24-40', name: 'Copycat' } });
    expect(twice.status).toBe(409);
    expect(twice.body.error).toBe('tax_id_taken');

    const queue = await api(t, 'GET', '/admin/moderation', { token: moderator.token });
    expect(queue.status).toBe(200);
    expect(queue.body.companies.map((c: { id: string }) => c.id)).toContain(companyId);
    const approved = await api(t, 'POST', `/admin/companies/${companyId}/decision`, { token: moderator.token, body: { decision: 'approve' } });
    expect(approved.status).toBe(200);
    expect(approved.body.status).toBe('approved');
    await mailbox.next(t.latchkey, owner.email, { subject: /is approved/ });
    expect((await api(t, 'POST', `/admin/companies/${companyId}/decision`, { token: moderator.token, body: { decision: 'reject', reason: 'late' } })).body.error).toBe('company_status_conflict');

    // After approval the owner can no longer change the tax ID; staff (admin) can.
    const locked = await api(t, 'PATCH', `/me/companies/${companyId}`, { token: owner.token, body: { tax_id: '99999999' } });
    expect(locked.status).toBe(403);
    expect(locked.body.error).toBe('tax_id_locked');
    expect((await api(t, 'PATCH', `/me/companies/${companyId}`, { token: owner.token, body: { vat_id: 'CZ 270 82 440' } })).body.vat_id).toBe('CZ27082440');
  });

  it('a moderator rejection needs a reason, and the owner is mailed the reason', async () => {
    const registrant = await people.person('Rita');
    const registered = await api(t, 'POST', '/me/companies', { token: registrant.token, body: { kind: 'sole_trader', country: 'SK', tax_id: '55667788' } });
    expect(registered.body).toMatchObject({ name: 'Jana Nováková', kind: 'sole_trader', country: 'SK', status: 'pending' });
    const noReason = await api(t, 'POST', `/admin/companies/${registered.body.id}/decision`, { token: moderator.token, body: { decision: 'reject' } });
    expect(noReason.status).toBe(400);
    expect(noReason.body).toEqual({ error: 'invalid_request', error_description: expect.stringMatching(/reason/) });
    const rejected = await api(t, 'POST', `/admin/companies/${registered.body.id}/decision`, { token: moderator.token, body: { decision: 'reject', reason: 'Not a real trader' } });
    expect(rejected.body).toMatchObject({ status: 'rejected', status_reason: 'Not a real trader' });
    const mail = await mailbox.next(t.latchkey, registrant.email, { subject: /not approved/ });
    expect(mail.text).toContain('Not a real trader');
  });

  it('an employee joins by tax ID with both approvals, in either order; the token then carries the membership', async () => {
    const adminFirst = await people.person('Eva');
    const found = await api(t, 'GET', '/me/companies/lookup?country=CZ&tax_id=27.08.24.40', { token: adminFirst.token });
    expect(found.status).toBe(200);
    expect(found.body).toEqual({ id: companyId, name: 'Alza Trade a.s.', country: 'CZ', tax_id: '270 82 440' });
    const request = await api(t, 'POST', '/me/join-requests', { token: adminFirst.token, body: { company_id: companyId } });
    expect(request.status).toBe(201);
    expect(request.body).toMatchObject({ status: 'pending', moderator_decision: null, admin_decision: null });
    await mailbox.next(t.latchkey, adminFirst.email, { subject: /request to join/ });

    // The company admin sees it under the company's requests; decides first.
    const listed = await api(t, 'GET', `/me/companies/${companyId}/join-requests?status=pending`, { token: owner.token });
    expect(listed.body.join_requests.map((r: { id: string }) => r.id)).toContain(request.body.id);
    const byAdmin = await api(t, 'POST', `/me/companies/${companyId}/join-requests/${request.body.id}/decision`, { token: owner.token, body: { decision: 'approve' } });
    expect(byAdmin.body).toMatchObject({ status: 'pending', admin_decision: 'approve', moderator_decision: null });
    await mailbox.next(t.latchkey, adminFirst.email, { subject: /one approval in/ });
    expect((await api(t, 'GET', '/me/companies', { token: adminFirst.token })).body.companies).toEqual([]);
    const byModerator = await api(t, 'POST', `/admin/join-requests/${request.body.id}/decision`, { token: moderator.token, body: { decision: 'approve' } });
    expect(byModerator.body).toMatchObject({ status: 'approved', admin_decision: 'approve', moderator_decision: 'approve' });
    await mailbox.next(t.latchkey, adminFirst.email, { subject: /now a member/ });
    expect((await api(t, 'GET', `/me/companies/${companyId}`, { token: adminFirst.token })).body).toMatchObject({ roles: ['member'], permissions: [] });

    // The other order: moderator first, then the company admin.
    const moderatorFirst = await people.person('Filip');
    const second = await api(t, 'POST', '/me/join-requests', { token: moderatorFirst.token, body: { company_id: companyId } });
    expect((await api(t, 'POST', `/admin/join-requests/${second.body.id}/decision`, { token: moderator.token, body: { decision: 'approve' } })).body)
      .toMatchObject({ status: 'pending', moderator_decision: 'approve' });
    expect((await api(t, 'GET', '/me/join-requests', { token: moderatorFirst.token })).body.join_requests[0]).toMatchObject({ id: second.body.id, moderator_decision: 'approve', admin_decision: null });
    expect((await api(t, 'POST', `/me/companies/${companyId}/join-requests/${second.body.id}/decision`, { token: owner.token, body: { decision: 'approve' } })).body.status).toBe('approved');

    const organizations = await organizationsAfterRefresh(moderatorFirst);
    expect(organizations).toEqual([{ id: companyId, name: 'Alza Trade a.s.', tax_id: '270 82 440', roles: ['member'], permissions: [] }]);
  });

  it('either side can reject with a reason; the requester can cancel a pending request', async () => {
    const rejectedByAdmin = await people.person('Gina');
    const r1 = await api(t, 'POST', '/me/join-requests', { token: rejectedByAdmin.token, body: { company_id: companyId } });
    const rejected = await api(t, 'POST', `/me/companies/${companyId}/join-requests/${r1.body.id}/decision`, { token: owner.token, body: { decision: 'reject', reason: 'Not our employee' } });
    expect(rejected.body).toMatchObject({ status: 'rejected', reason: 'Not our employee' });
    expect((await mailbox.next(t.latchkey, rejectedByAdmin.email, { subject: /rejected/ })).text).toContain('Not our employee');
    // A closed request cannot be decided again.
    const late = await api(t, 'POST', `/admin/join-requests/${r1.body.id}/decision`, { token: moderator.token, body: { decision: 'approve' } });
    expect(late.status).toBe(409);
    expect(late.body.error).toBe('join_request_closed');

    const canceller = await people.person('Hugo');
    const r2 = await api(t, 'POST', '/me/join-requests', { token: canceller.token, body: { company_id: companyId } });
    expect((await api(t, 'DELETE', `/me/join-requests/${r2.body.id}`, { token: owner.token })).status).toBe(404); // not the owner's request
    expect((await api(t, 'DELETE', `/me/join-requests/${r2.body.id}`, { token: canceller.token })).body.status).toBe('cancelled');
    expect((await api(t, 'POST', `/admin/join-requests/${r2.body.id}/decision`, { token: moderator.token, body: { decision: 'reject', reason: 'x' } })).status).toBe(409);
  });

  it('roles: an accountant gets invoices only, in the API and in the refreshed token', async () => {
    const accountant = await joinedMember('Ivana', companyId, '27082440', owner);
    const member = (await api(t, 'GET', `/me/companies/${companyId}/members`, { token: owner.token })).body.members.find((m: { account_id: string }) => m.account_id === accountant.id);
    expect(member).toMatchObject({ roles: ['member'], permissions: [] });

    const granted = await api(t, 'POST', `/me/companies/${companyId}/members/${accountant.id}/roles`, { token: owner.token, body: { role: 'accountant' } });
    expect(granted.status).toBe(200);
    expect(granted.body).toMatchObject({ account_id: accountant.id, permissions: ['invoices'] });
    expect(granted.body.roles.sort()).toEqual(['accountant', 'member']);
    expect((await api(t, 'GET', `/me/companies/${companyId}`, { token: accountant.token })).body.permissions).toEqual(['invoices']);
    const claim = (await organizationsAfterRefresh(accountant)).find((o) => o.id === companyId)!;
    expect(claim.permissions).toEqual(['invoices']);
    expect(claim.roles.sort()).toEqual(['accountant', 'member']);

    // Revoked: gone at the next refresh.
    expect((await api(t, 'DELETE', `/me/companies/${companyId}/members/${accountant.id}/roles/accountant`, { token: owner.token })).body.permissions).toEqual([]);
    expect((await organizationsAfterRefresh(accountant)).find((o) => o.id === companyId)!.permissions).toEqual([]);
  });

  it('refuses privilege escalation with 403 and hides companies from non-members with 404', async () => {
    const plain = await joinedMember('Jan', companyId, '27082440', owner);
    const admin = await joinedMember('Karla', companyId, '27082440', owner);
    expect((await api(t, 'POST', `/me/companies/${companyId}/members/${admin.id}/roles`, { token: owner.token, body: { role: 'admin' } })).status).toBe(200);

    const cases: [ApiPerson, string, string, unknown][] = [
      [plain, 'POST', `/members/${plain.id}/roles`, { role: 'admin' }], // a member granting himself admin
      [plain, 'GET', '/members', undefined], // members list needs members:manage or roles:manage
      [plain, 'POST', '/invitations', { email: 'friend@example.com', roles: ['member'] }],
      [admin, 'POST', `/members/${admin.id}/roles`, { role: 'owner' }], // only owners grant owner
      [admin, 'DELETE', `/members/${owner.id}/roles/owner`, undefined], // nor take it away
      [admin, 'DELETE', `/members/${owner.id}`, undefined], // nor remove an owner
      [admin, 'POST', '/transfer-ownership', { account_id: admin.id }], // only an owner transfers
    ];
    for (const [who, method, path, body] of cases) {
      const answer = await api(t, method, `/me/companies/${companyId}${path}`, { token: who.token, ...(body === undefined ? {} : { body }) });
      expect({ path, method, status: answer.status, error: answer.body?.error }).toEqual({ path, method, status: 403, error: 'not_permitted' });
    }

    // roles:manage without invoices cannot grant the accountant role, nor define a role holding invoices.
    const defined = await api(t, 'POST', `/me/companies/${companyId}/roles`, { token: owner.token, body: { key: 'role-keeper', name: 'Role keeper', permissions: ['roles:manage', 'orders'] } });
    expect(defined.body).toEqual({ key: 'role-keeper', name: 'Role keeper', permissions: ['orders', 'roles:manage'], built_in: false });
    expect((await api(t, 'POST', `/me/companies/${companyId}/members/${plain.id}/roles`, { token: owner.token, body: { role: 'role-keeper' } })).status).toBe(200);
    const keeper = await api(t, 'POST', `/me/companies/${companyId}/members/${plain.id}/roles`, { token: plain.token, body: { role: 'accountant' } });
    expect(keeper.status).toBe(403);
    expect((await api(t, 'POST', `/me/companies/${companyId}/roles`, { token: plain.token, body: { key: 'sneaky', name: 'Sneaky', permissions: ['invoices'] } })).status).toBe(403);
    const contact = await api(t, 'POST', `/me/companies/${companyId}/members/${plain.id}/roles`, { token: plain.token, body: { role: 'contact', contact_permissions: ['orders', 'invoices'] } });
    expect(contact.status).toBe(403);
    const roles = await api(t, 'GET', `/me/companies/${companyId}/roles`, { token: plain.token });
    expect(roles.body.roles.map((r: { key: string }) => r.key)).toEqual(expect.arrayContaining(['owner', 'admin', 'member', 'accountant', 'contact', 'role-keeper']));
    expect(roles.body.catalogue).toEqual(['orders', 'invoices', 'services', 'support']);
    expect((await api(t, 'GET', `/me/companies/${companyId}/members`, { token: plain.token })).status).toBe(200); // roles:manage may list

    // Nothing changed for the targets.
    const members = (await api(t, 'GET', `/me/companies/${companyId}/members`, { token: owner.token })).body.members as { account_id: string; roles: string[] }[];
    expect(members.find((m) => m.account_id === owner.id)!.roles).toEqual(['owner']);
    expect(members.find((m) => m.account_id === plain.id)!.roles.sort()).toEqual(['member', 'role-keeper']);

    // A stranger learns nothing about the company.
    const stranger = await people.person('Lukas');
    for (const path of ['', '/members', '/join-requests', '/roles', '/invitations']) {
      const answer = await api(t, 'GET', `/me/companies/${companyId}${path}`, { token: stranger.token });
      expect({ path, status: answer.status, error: answer.body.error }).toEqual({ path, status: 404, error: 'company_not_found' });
    }
  });

  it('keeps the last owner: cannot leave, lose owner, or be removed (409) until ownership is transferred', async () => {
    const boss = await people.person('Marta');
    const id = await approvedCompany(boss, '11223344', 'Beta Tools s.r.o.');
    const heir = await joinedMember('Nina', id, '11223344', boss);

    for (const [method, path] of [['POST', '/leave'], ['DELETE', `/members/${boss.id}/roles/owner`], ['DELETE', `/members/${boss.id}`]] as const) {
      const answer = await api(t, method, `/me/companies/${id}${path}`, { token: boss.token });
      expect({ path, status: answer.status, error: answer.body.error }).toEqual({ path, status: 409, error: 'last_owner' });
    }
    const transferred = await api(t, 'POST', `/me/companies/${id}/transfer-ownership`, { token: boss.token, body: { account_id: heir.id } });
    expect(transferred.status).toBe(200);
    expect(transferred.body.roles).toContain('owner');
    expect((await api(t, 'GET', `/me/companies/${id}`, { token: boss.token })).body.roles).not.toContain('owner');
    expect((await api(t, 'POST', `/me/companies/${id}/leave`, { token: boss.token })).status).toBe(204);
    expect((await api(t, 'GET', `/me/companies/${id}`, { token: boss.token })).status).toBe(404);
    expect((await api(t, 'POST', `/me/companies/${id}/leave`, { token: heir.token })).body.error).toBe('last_owner');
  });

  it('two approvals racing create exactly one membership; two admins racing on one side: one wins, one 409', async () => {
    const admin2 = await joinedMember('Otto', companyId, '27082440', owner);
    await api(t, 'POST', `/me/companies/${companyId}/members/${admin2.id}/roles`, { token: owner.token, body: { role: 'admin' } });

    for (let round = 0; round < 3; round++) {
      const racer = await people.person(`Racer${round}`);
      const request = await api(t, 'POST', '/me/join-requests', { token: racer.token, body: { company_id: companyId } });
      const [a, b] = await Promise.all([
        api(t, 'POST', `/admin/join-requests/${request.body.id}/decision`, { token: moderator.token, body: { decision: 'approve' } }),
        api(t, 'POST', `/me/companies/${companyId}/join-requests/${request.body.id}/decision`, { token: owner.token, body: { decision: 'approve' } }),
      ]);
      expect([a.status, b.status]).toEqual([200, 200]);
      expect([a.body.status, b.body.status]).toContain('approved');
      const members = (await api(t, 'GET', `/me/companies/${companyId}/members`, { token: owner.token })).body.members as { account_id: string }[];
      expect(members.filter((m) => m.account_id === racer.id)).toHaveLength(1);
    }

    const contested = await people.person('Contested');
    const request = await api(t, 'POST', '/me/join-requests', { token: contested.token, body: { company_id: companyId } });
    const answers = await Promise.all([owner, admin2].map((who) => api(t, 'POST', `/me/companies/${companyId}/join-requests/${request.body.id}/decision`, { token: who.token, body: { decision: 'approve' } })));
    expect(answers.map((x) => x.status).sort()).toEqual([200, 409]);
    expect(answers.find((x) => x.status === 409)!.body.error).toBe('join_request_closed');
  });

  it('invites by email: the invited person accepts once with their own account; the link is single-use', async () => {
    const invitee = await people.person('Petra');
    const invited = await api(t, 'POST', `/me/companies/${companyId}/invitations`, { token: owner.token, body: { email: invitee.email, roles: ['accountant'] } });
    expect(invited.status).toBe(201);
    expect(invited.body).toMatchObject({ email: invitee.email, roles: ['accountant'], accepted_at: null });
    expect(invited.body).not.toHaveProperty('token');
    const mail = await mailbox.next(t.latchkey, invitee.email, { subject: /invited/ });
    const token = linkTo(mail, '/company-invitation').searchParams.get('token')!;

    const someoneElse = await people.person('Quentin');
    expect((await api(t, 'POST', '/me/company-invitations', { token: someoneElse.token, body: { token } })).body.error).toBe('invitation_email_mismatch');
    const accepted = await api(t, 'POST', '/me/company-invitations', { token: invitee.token, body: { token } });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ company: { id: companyId }, permissions: ['invoices'] });
    const reused = await api(t, 'POST', '/me/company-invitations', { token: invitee.token, body: { token } });
    expect(reused.status).toBe(410);
    expect(reused.body.error).toBe('invitation_invalid');
    const list = await api(t, 'GET', `/me/companies/${companyId}/invitations`, { token: owner.token });
    expect(list.body.invitations.find((i: { id: string }) => i.id === invited.body.id).accepted_at).toEqual(expect.any(String));
    expect((await api(t, 'POST', `/me/companies/${companyId}/invitations`, { token: owner.token, body: { email: 'x@example.com', roles: ['owner'] } })).status).toBe(400);
  });

  it('a company suspended in the Admin API vanishes from the next refreshed token and comes back when restored', async () => {
    const employee = await joinedMember('Radek', companyId, '27082440', owner);
    expect((await organizationsAfterRefresh(employee)).map((o) => o.id)).toEqual([companyId]);
    // A moderator may not suspend; an admin may (with a reason).
    expect((await api(t, 'POST', `/admin/companies/${companyId}/suspend`, { token: moderator.token, body: { reason: 'fraud check' } })).status).toBe(403);
    expect((await api(t, 'POST', `/admin/companies/${companyId}/suspend`, { token: staffAdmin.token, body: {} })).status).toBe(400);
    const suspended = await api(t, 'POST', `/admin/companies/${companyId}/suspend`, { token: staffAdmin.token, body: { reason: 'fraud check' } });
    expect(suspended.body).toMatchObject({ status: 'suspended', status_reason: 'fraud check' });
    expect(await organizationsAfterRefresh(employee)).toEqual([]);
    expect((await api(t, 'GET', `/me/companies/${companyId}`, { token: employee.token })).body.company.status).toBe('suspended');
    expect((await api(t, 'POST', `/admin/companies/${companyId}/restore`, { token: staffAdmin.token })).body.status).toBe('approved');
    expect((await organizationsAfterRefresh(employee)).map((o) => o.id)).toEqual([companyId]);
  });

  it('rate-limits tax-ID lookups per account with 429 and Retry-After', async () => {
    const prober = await people.person('Prober');
    let last = await api(t, 'GET', '/me/companies/lookup?country=CZ&tax_id=10000000', { token: prober.token });
    for (let i = 1; i < 40 && last.status !== 429; i++) {
      last = await api(t, 'GET', `/me/companies/${i % 2 ? 'lookup' : 'registry'}?country=CZ&tax_id=${10000000 + i}`, { token: prober.token });
      expect([404, 429]).toContain(last.status);
    }
    expect(last.status).toBe(429);
    expect(last.body.error).toBe('too_many_requests');
    expect(Number(last.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('answers bad input with 400 { error, error_description }, never 500', async () => {
    const cases: [string, string, unknown][] = [
      ['POST', '/me/companies', { kind: 'charity', country: 'CZ', tax_id: '1' }],
      ['POST', '/me/companies', { kind: 'legal_entity', country: 'Czechia', tax_id: '12345678' }],
      ['POST', '/me/companies', { kind: 'legal_entity', country: 'CZ', tax_id: '' }],
      ['POST', '/me/companies', { kind: 'legal_entity', country: 'CZ', tax_id: '!!', name: 'Bad' }],
      ['POST', '/me/companies', { kind: 'legal_entity', country: 'CZ', tax_id: '87654321' }], // unknown to the registry, no name
      ['POST', '/me/companies', { kind: 'legal_entity', country: 'CZ', tax_id: '12345678', name: 'X', status: 'approved' }],
      ['POST', '/me/companies', '{"kind":'],
      ['POST', '/me/join-requests', { company_id: 'not-a-uuid' }],
      ['POST', `/me/companies/${companyId}/members/${owner.id}/roles`, { role: 'Owner!' }],
      ['POST', `/me/companies/${companyId}/roles`, { key: 'owner', name: 'Mine', permissions: [] }],
      ['POST', `/me/companies/${companyId}/roles`, { key: 'x-role', name: 'X', permissions: ['teleport'] }],
      ['POST', `/me/companies/${companyId}/join-requests/00000000-0000-4000-8000-000000000000/decision`, { decision: 'maybe' }],
      ['POST', `/me/companies/${companyId}/invitations`, { email: 'not an email', roles: ['member'] }],
      ['GET', '/me/companies/lookup?country=CZ', undefined],
      ['GET', '/me/companies/lookup?country=CZ&tax_id=1&extra=1', undefined],
      ['GET', `/me/companies/${companyId}/join-requests?status=maybe`, undefined],
    ];
    for (const [method, path, body] of cases) {
      const answer = await api(t, method, path, { token: owner.token, ...(body === undefined ? {} : { body }) });
      expect({ method, path, status: answer.status, error: answer.body?.error, described: typeof answer.body?.error_description }).toEqual({ method, path, status: 400, error: 'invalid_request', described: 'string' });
    }
    expect((await api(t, 'GET', '/me/companies/not-a-company', { token: owner.token })).status).toBe(404);
    expect((await api(t, 'GET', '/me/companies')).status).toBe(401);
  });
});
