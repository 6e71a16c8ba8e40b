// Invitations by email (issue 5, item 4) on both databases: a mailed single-use link with a 7-day expiry,
// accepted only by the invited address's account; expired and reused links refused; roles the inviter
// does not hold cannot be put into an invitation.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  AlreadyMember, CompanyNotActive, InvitationEmailMismatch, InvitationInvalid, NotPermitted, type Company,
} from '../../../src/services/companies/index.js';
import { databaseKinds } from '../../support/databases.js';
import { startCompanyServices, type CompanyHarness, type Person } from './setup.js';

describe.each(databaseKinds)('company invitations (%s)', (kind) => {
  let h: CompanyHarness;
  beforeAll(async () => {
    h = await startCompanyServices(kind);
  });
  afterAll(async () => {
    await h?.close();
  });

  /** The token of the newest invitation mailed to an address. */
  async function mailedToken(email: string): Promise<string> {
    const mail = (await h.mails(email, 'company-invitation')).at(-1)!;
    const link = new URL(String(mail.link));
    expect(link.origin + link.pathname).toBe('https://id.example.com/company-invitation');
    return link.searchParams.get('token')!;
  }
  async function setup(): Promise<{ company: Company; owner: Person; invitee: Person }> {
    const owner = await h.person('owner', 'Olga');
    const company = await h.approvedCompany(owner, 'Acme');
    return { company, owner, invitee: await h.person('invitee', 'Ivan') };
  }

  it('mails a link that the invited person accepts once, getting the roles', async () => {
    const { company, owner, invitee } = await setup();
    const invitation = await h.companies.invite(owner, company.id, { email: ` ${invitee.email.toUpperCase()} `, roles: ['accountant', 'contact'], contactPermissions: ['support'] });
    expect(invitation).toMatchObject({ companyId: company.id, companyName: 'Acme', email: invitee.email, roles: ['accountant', 'contact'], contactPermissions: ['support'], acceptedAt: null });
    expect(invitation.expiresAt.getTime() - Date.now()).toBeGreaterThan(7 * 86400_000 - 120_000);
    expect(invitation.expiresAt.getTime() - Date.now()).toBeLessThanOrEqual(7 * 86400_000);
    const [mail] = await h.mails(invitee.email, 'company-invitation');
    expect(mail).toMatchObject({ name: 'Ivan', companyName: 'Acme', inviterName: 'Olga', days: 7 });
    const token = await mailedToken(invitee.email);

    expect(await h.companies.peekInvitation(token)).toMatchObject({ id: invitation.id, companyName: 'Acme' });
    // Someone else signed in cannot use the forwarded link, and that does not use it up.
    const stranger = await h.person('stranger');
    await expect(h.companies.acceptInvitation(stranger, token)).rejects.toBeInstanceOf(InvitationEmailMismatch);

    const joined = await h.companies.acceptInvitation(invitee, token);
    expect(joined).toMatchObject({ company: { id: company.id }, roles: ['accountant', 'contact'], permissions: ['invoices', 'support'] });
    expect(await h.companies.claimsFor(invitee.accountId)).toEqual([{ id: company.id, name: 'Acme', tax_id: company.taxId, roles: ['accountant', 'contact'], permissions: ['invoices', 'support'] }]);
    // Used: the link never works again.
    await expect(h.companies.acceptInvitation(invitee, token)).rejects.toBeInstanceOf(InvitationInvalid);
    expect(await h.companies.peekInvitation(token)).toBeUndefined();
    expect((await h.companies.listInvitations(owner, company.id))[0]).toMatchObject({ id: invitation.id, acceptedBy: invitee.accountId });
    expect((await h.audit('company.invitation_accepted')).filter((e) => e.data.companyId === company.id)).toHaveLength(1);
    await expect(h.companies.invite(owner, company.id, { email: invitee.email, roles: [] })).rejects.toBeInstanceOf(AlreadyMember);
  });

  it('refuses expired, unknown and malformed links', async () => {
    const { company, owner, invitee } = await setup();
    await h.companies.invite(owner, company.id, { email: invitee.email, roles: ['member'] });
    const token = await mailedToken(invitee.email);
    await h.database.db.query("UPDATE company_invitations SET expires_at = now() - interval '1 second' WHERE email = $1", [invitee.email]);
    await expect(h.companies.acceptInvitation(invitee, token)).rejects.toBeInstanceOf(InvitationInvalid);
    await expect(h.companies.acceptInvitation(invitee, 'A'.repeat(43))).rejects.toBeInstanceOf(InvitationInvalid);
    await expect(h.companies.acceptInvitation(invitee, "'; DROP TABLE companies; --")).rejects.toBeInstanceOf(InvitationInvalid);
    expect(await h.companies.claimsFor(invitee.accountId)).toEqual([]);

    // A withdrawn invitation dies too.
    const second = await h.companies.invite(owner, company.id, { email: invitee.email, roles: [] });
    expect(await h.companies.revokeInvitation(owner, company.id, second.id)).toBe(true);
    await expect(h.companies.acceptInvitation(invitee, await mailedToken(invitee.email))).rejects.toBeInstanceOf(InvitationInvalid);
  });

  it('puts into an invitation only roles the inviter holds, and only for approved companies', async () => {
    const { company, owner, invitee } = await setup();
    const manager = await h.person('manager');
    await h.addMember(company, owner, manager);
    await h.companies.defineRole(owner, company.id, { key: 'team-lead', name: 'Team lead', permissions: ['orders', 'members:manage', 'roles:manage'] });
    await h.companies.grantRole(owner, company.id, manager.accountId, 'team-lead');

    await expect(h.companies.invite(manager, company.id, { email: invitee.email, roles: ['admin'] })).rejects.toBeInstanceOf(NotPermitted);
    await expect(h.companies.invite(manager, company.id, { email: invitee.email, roles: ['accountant'] })).rejects.toThrow(/invoices/);
    await expect(h.companies.invite(owner, company.id, { email: invitee.email, roles: ['owner'] })).rejects.toMatchObject({ field: 'roles' });
    await expect(h.companies.invite(owner, company.id, { email: 'not an email', roles: [] })).rejects.toMatchObject({ field: 'email' });
    const plain = await h.person('plain');
    await h.addMember(company, owner, plain);
    await expect(h.companies.invite(plain, company.id, { email: invitee.email, roles: [] })).rejects.toThrow(/members:manage/);
    await expect(h.companies.invite(manager, company.id, { email: invitee.email, roles: ['contact'], contactPermissions: ['orders'] })).resolves.toMatchObject({ roles: ['contact'] });
    expect(await h.mails(invitee.email, 'company-invitation')).toHaveLength(1);

    const pending = await h.companies.register(owner, { kind: 'legal_entity', country: 'CZ', taxId: h.taxId(), name: 'Pending' });
    await expect(h.companies.invite(owner, pending.id, { email: invitee.email, roles: [] })).rejects.toBeInstanceOf(CompanyNotActive);

    // An invitation to someone without an account yet: it waits until they sign up with that address.
    await h.companies.invite(owner, company.id, { email: 'newcomer@example.net', roles: ['member'] });
    const token = await mailedToken('newcomer@example.net');
    const newcomer = await h.database.db.query<{ id: string }>("INSERT INTO accounts (email, email_verified) VALUES ('newcomer@example.net', true) RETURNING id");
    await expect(h.companies.acceptInvitation({ accountId: newcomer.rows[0]!.id }, token)).resolves.toMatchObject({ roles: ['member'] });
  });
});
