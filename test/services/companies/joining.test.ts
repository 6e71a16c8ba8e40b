// Joining a company (issue 5, item 3) on both databases: a join request needs a moderator's AND a company
// admin's approval, in either order; either rejection (with a reason) ends it; the requester is mailed at
// each step; racing approvals (moderator + admin, or two admins) create exactly one membership.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  AlreadyMember, CompanyNotFound, JoinRequestClosed, JoinRequestNotFound, NotPermitted, type Company,
} from '../../../src/services/companies/index.js';
import { databaseKinds } from '../../support/databases.js';
import { startCompanyServices, type CompanyHarness, type Person } from './setup.js';

describe.each(databaseKinds)('joining a company (%s)', (kind) => {
  let h: CompanyHarness;
  beforeAll(async () => {
    h = await startCompanyServices(kind);
  });
  afterAll(async () => {
    await h?.close();
  });

  /** An approved company with an owner and an admin. */
  async function companyWithAdmins(): Promise<{ company: Company; owner: Person; admin: Person }> {
    const owner = await h.person('owner', 'Olga');
    const admin = await h.person('admin', 'Adam');
    const company = await h.approvedCompany(owner, 'Acme');
    await h.addMember(company, owner, admin);
    await h.companies.grantRole(owner, company.id, admin.accountId, 'admin');
    return { company, owner, admin };
  }
  const membersOf = async (company: Company, viewer: Person) => (await h.companies.listMembers(viewer, company.id)).map((m) => m.accountId);

  it('finds only approved companies by tax ID, and an open request is not duplicated', async () => {
    const { company, owner, admin } = await companyWithAdmins();
    const eve = await h.person('eve', 'Eve');
    expect(await h.companies.findForJoin('cz', ` ${company.taxId.slice(0, 2).toLowerCase()} ${company.taxId.slice(2)} `))
      .toEqual({ id: company.id, name: 'Acme', country: 'CZ', taxId: company.taxId });
    const pending = await h.companies.register(owner, { kind: 'legal_entity', country: 'CZ', taxId: h.taxId(), name: 'Pending' });
    expect(await h.companies.findForJoin('CZ', pending.taxId)).toBeUndefined();
    await expect(h.companies.requestJoin(eve, pending.id)).rejects.toBeInstanceOf(CompanyNotFound);

    const request = await h.companies.requestJoin(eve, company.id);
    expect(request).toMatchObject({ companyId: company.id, companyName: 'Acme', accountId: eve.accountId, email: eve.email, status: 'pending', moderatorDecision: null, adminDecision: null });
    expect((await h.companies.requestJoin(eve, company.id)).id).toBe(request.id);
    expect(await h.mails(eve.email, 'company-join-requested')).toEqual([{ name: 'Eve', companyName: 'Acme', link: 'https://id.example.com/account/companies' }]);
    // The company's admins (owner and admin: members:manage) hear of it, with a link to the Requests tab; plain members do not.
    for (const [person, name] of [[owner, 'Olga'], [admin, 'Adam']] as const) {
      expect((await h.mails(person.email, 'company-join-request-received')).filter((m) => m.requester === eve.email)).toEqual([
        { name, companyName: 'Acme', requester: eve.email, requesterName: 'Eve', link: `https://id.example.com/account/companies/${company.id}/requests` },
      ]);
    }
    expect((await h.companies.listMyJoinRequests(eve.accountId)).map((r) => r.id)).toEqual([request.id]);
    await expect(h.companies.requestJoin(owner, company.id)).rejects.toBeInstanceOf(AlreadyMember);
  });

  it.each([
    ['moderator first', ['moderator', 'company-admin'] as const],
    ['company admin first', ['company-admin', 'moderator'] as const],
  ])('needs both approvals (%s); the requester is mailed at each step', async (_label, order) => {
    const { company, admin } = await companyWithAdmins();
    const mod = await h.staff('mod', 'moderator');
    const eve = await h.person('eve', 'Eve');
    const request = await h.companies.requestJoin(eve, company.id);
    const deciders = { moderator: mod, 'company-admin': admin };

    const first = await h.companies.decideJoin(deciders[order[0]], request.id, { as: order[0], decision: 'approve' });
    expect(first.status).toBe('pending');
    expect(await h.companies.claimsFor(eve.accountId)).toEqual([]);
    expect(await membersOf(company, admin)).not.toContain(eve.accountId);
    expect(await h.mails(eve.email, 'company-join-progress')).toEqual([{
      name: 'Eve', companyName: 'Acme', waitingFor: order[1], link: 'https://id.example.com/account/companies',
    }]);
    // The same side cannot decide twice.
    await expect(h.companies.decideJoin(deciders[order[0]], request.id, { as: order[0], decision: 'reject', reason: 'no' })).rejects.toBeInstanceOf(JoinRequestClosed);

    const done = await h.companies.decideJoin(deciders[order[1]], request.id, { as: order[1], decision: 'approve' });
    expect(done).toMatchObject({ status: 'approved', moderatorDecision: 'approve', moderatorId: mod.accountId, adminDecision: 'approve', adminId: admin.accountId });
    expect(await h.companies.claimsFor(eve.accountId)).toEqual([{ id: company.id, name: 'Acme', tax_id: company.taxId, roles: ['member'], permissions: [] }]);
    expect(await h.mails(eve.email, 'company-join-approved')).toEqual([{ name: 'Eve', companyName: 'Acme', link: `https://id.example.com/account/companies/${company.id}` }]);
    await expect(h.companies.decideJoin(mod, request.id, { as: 'moderator', decision: 'approve' })).rejects.toBeInstanceOf(JoinRequestClosed);
    const audit = (await h.audit('company.join_approved')).filter((e) => e.data.requestId === request.id);
    expect(audit.map((e) => [e.account_id, e.data.as, e.data.memberAdded])).toEqual([
      [deciders[order[0]].accountId, order[0], false],
      [deciders[order[1]].accountId, order[1], true],
    ]);
  });

  it.each(['moderator', 'company-admin'] as const)('ends the request when the %s rejects it, with the reason mailed', async (side) => {
    const { company, admin } = await companyWithAdmins();
    const mod = await h.staff('mod', 'moderator');
    const eve = await h.person('eve', 'Eve');
    const request = await h.companies.requestJoin(eve, company.id);
    const other = side === 'moderator' ? 'company-admin' : 'moderator';
    const deciders = { moderator: mod, 'company-admin': admin };
    await h.companies.decideJoin(deciders[other], request.id, { as: other, decision: 'approve' });

    await expect(h.companies.decideJoin(deciders[side], request.id, { as: side, decision: 'reject' })).rejects.toMatchObject({ field: 'reason' });
    const rejected = await h.companies.decideJoin(deciders[side], request.id, { as: side, decision: 'reject', reason: 'Not one of our people.' });
    expect(rejected).toMatchObject({ status: 'rejected', reason: 'Not one of our people.' });
    expect(await h.mails(eve.email, 'company-join-rejected')).toEqual([{ name: 'Eve', companyName: 'Acme', reason: 'Not one of our people.' }]);
    expect(await h.companies.claimsFor(eve.accountId)).toEqual([]);
    await expect(h.companies.decideJoin(deciders[other], request.id, { as: other, decision: 'approve' })).rejects.toBeInstanceOf(JoinRequestClosed);
    // A new request may be sent after a rejection.
    expect((await h.companies.requestJoin(eve, company.id)).id).not.toBe(request.id);
  });

  it('creates exactly one membership when the moderator and the admin approve at the same moment', async () => {
    const { company, admin } = await companyWithAdmins();
    const mod = await h.staff('mod', 'moderator');
    for (let round = 0; round < 3; round += 1) {
      const eve = await h.person('eve');
      const request = await h.companies.requestJoin(eve, company.id);
      const results = await Promise.allSettled([
        h.companies.decideJoin(mod, request.id, { as: 'moderator', decision: 'approve' }),
        h.companies.decideJoin(admin, request.id, { as: 'company-admin', decision: 'approve' }),
      ]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
      expect((await h.companies.getJoinRequest(eve, request.id)).status).toBe('approved');
      expect((await membersOf(company, admin)).filter((id) => id === eve.accountId)).toHaveLength(1);
      expect(await h.mails(eve.email, 'company-join-approved')).toHaveLength(1);
      expect(await h.mails(eve.email, 'company-join-progress')).toHaveLength(1);
    }
  });

  it('lets only one of two admins racing decide, and the membership is created once', async () => {
    const { company, owner, admin } = await companyWithAdmins();
    const mod = await h.staff('mod', 'moderator');
    const eve = await h.person('eve');
    const request = await h.companies.requestJoin(eve, company.id);
    await h.companies.decideJoin(mod, request.id, { as: 'moderator', decision: 'approve' });
    const results = await Promise.allSettled([
      h.companies.decideJoin(owner, request.id, { as: 'company-admin', decision: 'approve' }),
      h.companies.decideJoin(admin, request.id, { as: 'company-admin', decision: 'approve' }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason)).toEqual([expect.any(JoinRequestClosed)]);
    expect((await membersOf(company, admin)).filter((id) => id === eve.accountId)).toHaveLength(1);
    expect(await h.mails(eve.email, 'company-join-approved')).toHaveLength(1);
  });

  it('refuses deciders without the right: plain members, other companies\' admins, non-staff as moderator', async () => {
    const { company, owner } = await companyWithAdmins();
    const other = await companyWithAdmins();
    const eve = await h.person('eve');
    const plain = await h.person('plain');
    await h.addMember(company, owner, plain);
    const request = await h.companies.requestJoin(eve, company.id);

    await expect(h.companies.decideJoin(plain, request.id, { as: 'company-admin', decision: 'approve' })).rejects.toBeInstanceOf(NotPermitted);
    await expect(h.companies.decideJoin(other.admin, request.id, { as: 'company-admin', decision: 'approve' })).rejects.toBeInstanceOf(CompanyNotFound);
    await expect(h.companies.decideJoin(owner, request.id, { as: 'moderator', decision: 'approve' })).rejects.toBeInstanceOf(NotPermitted);
    await expect(h.companies.decideJoin(await h.staff('sup', 'support'), request.id, { as: 'moderator', decision: 'approve' })).rejects.toBeInstanceOf(NotPermitted);
    await expect(h.companies.decideJoin(owner, '00000000-0000-4000-8000-000000000000', { as: 'company-admin', decision: 'approve' })).rejects.toBeInstanceOf(JoinRequestNotFound);
    await expect(h.companies.decideJoin(owner, 'nonsense', { as: 'company-admin', decision: 'approve' })).rejects.toBeInstanceOf(JoinRequestNotFound);
    await expect(h.companies.listJoinRequests(plain, company.id)).rejects.toBeInstanceOf(NotPermitted);
    expect((await h.companies.getJoinRequest(eve, request.id)).status).toBe('pending');

    // Company admins see the request under Requests; the moderation queue lists it until a moderator decides.
    expect((await h.companies.listJoinRequests(owner, company.id, { status: 'pending' })).map((r) => r.id)).toEqual([request.id]);
    expect((await h.companies.listPendingForModeration({ limit: 200 })).joinRequests.map((r) => r.id)).toContain(request.id);
    await h.companies.decideJoin(await h.staff('mod', 'moderator'), request.id, { as: 'moderator', decision: 'approve' });
    expect((await h.companies.listPendingForModeration({ limit: 200 })).joinRequests.map((r) => r.id)).not.toContain(request.id);

    // One person cannot give both approvals, and nobody decides their own request.
    const modAdmin = { ...(await h.staff('modadmin', 'moderator')) };
    await h.addMember(company, owner, modAdmin);
    await h.companies.grantRole(owner, company.id, modAdmin.accountId, 'admin');
    const third = await h.companies.requestJoin(await h.person('third'), company.id);
    await h.companies.decideJoin(modAdmin, third.id, { as: 'moderator', decision: 'approve' });
    await expect(h.companies.decideJoin(modAdmin, third.id, { as: 'company-admin', decision: 'approve' })).rejects.toThrow(/someone else/);
    const selfRequest = await h.companies.requestJoin(modAdmin, other.company.id);
    await expect(h.companies.decideJoin(modAdmin, selfRequest.id, { as: 'moderator', decision: 'approve' })).rejects.toThrow(/your own/);

    // The requester may withdraw an open request.
    const second = await h.companies.requestJoin(eve, other.company.id);
    expect(await h.companies.cancelJoinRequest(eve, second.id)).toMatchObject({ status: 'cancelled' });
    await expect(h.companies.decideJoin(other.admin, second.id, { as: 'company-admin', decision: 'approve' })).rejects.toBeInstanceOf(JoinRequestClosed);
  });
});
