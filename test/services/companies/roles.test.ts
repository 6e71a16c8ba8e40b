// Delegated administration (issue 5, items 4-5) on both databases: built-in and company-defined roles, the
// anti-escalation rule (nobody grants what they do not hold; only owners touch the owner role), the
// last-owner rule, ownership transfer (also by staff), removal, and the claims following each change.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  CompanyNotFound, InvalidCompanyInput, LastOwner, MemberNotFound, NotPermitted, RoleNotFound, type Company,
} from '../../../src/services/companies/index.js';
import { databaseKinds } from '../../support/databases.js';
import { startCompanyServices, type CompanyHarness, type Person } from './setup.js';

const CATALOGUE = ['orders', 'invoices', 'services', 'support'];
const MANAGEMENT = ['members:manage', 'roles:manage', 'company:manage'];

describe.each(databaseKinds)('company roles and members (%s)', (kind) => {
  let h: CompanyHarness;
  beforeAll(async () => {
    h = await startCompanyServices(kind);
  });
  afterAll(async () => {
    await h?.close();
  });

  /** An approved company with an owner and these further members (role 'member'). */
  async function company(...labels: string[]): Promise<{ company: Company; owner: Person; people: Person[] }> {
    const owner = await h.person('owner');
    const c = await h.approvedCompany(owner);
    const people: Person[] = [];
    for (const label of labels) {
      const p = await h.person(label);
      await h.addMember(c, owner, p);
      people.push(p);
    }
    return { company: c, owner, people };
  }
  const rolesOf = async (c: Company, viewer: Person, who: Person) => (await h.companies.listMembers(viewer, c.id)).find((m) => m.accountId === who.accountId)?.roles;

  it('gives the built-in roles their permissions; an accountant sees invoices only', async () => {
    const { company: c, owner, people: [acc, adm, con] } = await company('accountant', 'admin', 'contact');
    await h.companies.grantRole(owner, c.id, acc!.accountId, 'accountant');
    await h.companies.grantRole(owner, c.id, adm!.accountId, 'admin');
    await h.companies.grantRole(owner, c.id, con!.accountId, 'contact', { contactPermissions: ['support', 'orders', 'orders'] });
    expect(await h.companies.permissionsOf(acc!.accountId, c.id)).toEqual(['invoices']);
    expect(await h.companies.claimsFor(acc!.accountId)).toEqual([{ id: c.id, name: c.name, tax_id: c.taxId, roles: ['member', 'accountant'], permissions: ['invoices'] }]);
    expect(await h.companies.permissionsOf(adm!.accountId, c.id)).toEqual([...CATALOGUE, ...MANAGEMENT]);
    expect(await h.companies.permissionsOf(con!.accountId, c.id)).toEqual(['orders', 'support']);
    expect(await h.companies.permissionsOf(owner.accountId, c.id)).toEqual([...CATALOGUE, ...MANAGEMENT]);
    expect((await h.companies.listRoles(c.id)).map((r) => [r.key, r.permissions])).toEqual([
      ['owner', [...CATALOGUE, ...MANAGEMENT]], ['admin', [...CATALOGUE, ...MANAGEMENT]], ['member', []], ['accountant', ['invoices']], ['contact', []],
    ]);
    await expect(h.companies.grantRole(owner, c.id, con!.accountId, 'contact', { contactPermissions: ['members:manage'] })).rejects.toMatchObject({ field: 'permissions' });
    await expect(h.companies.grantRole(owner, c.id, con!.accountId, 'contact')).rejects.toBeInstanceOf(InvalidCompanyInput);
    await expect(h.companies.grantRole(owner, c.id, con!.accountId, 'wizard')).rejects.toBeInstanceOf(RoleNotFound);
    await expect(h.companies.grantRole(owner, c.id, '00000000-0000-4000-8000-000000000000', 'admin')).rejects.toBeInstanceOf(MemberNotFound);
    expect((await h.audit('company.role_granted')).filter((e) => e.data.companyId === c.id && e.data.role === 'contact')).toEqual([
      expect.objectContaining({ account_id: owner.accountId, data: expect.objectContaining({ member: con!.accountId, contactPermissions: ['orders', 'support'] }) }),
    ]);
  });

  it('refuses privilege escalation: an admin granting owner, a roles manager granting what they lack, a contact beyond one\'s own', async () => {
    const { company: c, owner, people: [adm, mgr, bob] } = await company('admin', 'manager', 'bob');
    await h.companies.grantRole(owner, c.id, adm!.accountId, 'admin');
    // A custom role that may manage roles and orders, but holds no invoices.
    await h.companies.defineRole(owner, c.id, { key: 'order-desk', name: 'Order desk', permissions: ['orders', 'roles:manage'] });
    await h.companies.grantRole(owner, c.id, mgr!.accountId, 'order-desk');

    await expect(h.companies.grantRole(adm!, c.id, bob!.accountId, 'owner')).rejects.toBeInstanceOf(NotPermitted);
    await expect(h.companies.grantRole(adm!, c.id, adm!.accountId, 'owner')).rejects.toThrow(/only an owner/i);
    await expect(h.companies.grantRole(mgr!, c.id, bob!.accountId, 'accountant')).rejects.toThrow(/invoices/);
    await expect(h.companies.grantRole(mgr!, c.id, bob!.accountId, 'admin')).rejects.toBeInstanceOf(NotPermitted);
    await expect(h.companies.grantRole(mgr!, c.id, bob!.accountId, 'contact', { contactPermissions: ['orders', 'invoices'] })).rejects.toThrow(/invoices/);
    await expect(h.companies.defineRole(mgr!, c.id, { key: 'sneaky', name: 'Sneaky', permissions: ['orders', 'members:manage'] })).rejects.toBeInstanceOf(NotPermitted);
    await expect(h.companies.grantRole(bob!, c.id, bob!.accountId, 'accountant')).rejects.toThrow(/roles:manage/);
    // Nor may one take away what one does not hold: the roles manager cannot strip the admin.
    await expect(h.companies.revokeRole(mgr!, c.id, adm!.accountId, 'admin')).rejects.toBeInstanceOf(NotPermitted);
    await expect(h.companies.removeMember(mgr!, c.id, bob!.accountId)).rejects.toThrow(/members:manage/);
    await expect(h.companies.removeMember(adm!, c.id, owner.accountId)).rejects.toThrow(/owner/);
    // An outsider is not told the company exists.
    const outsider = await h.person('outsider');
    await expect(h.companies.grantRole(outsider, c.id, bob!.accountId, 'member')).rejects.toBeInstanceOf(CompanyNotFound);
    await expect(h.companies.listMembers(outsider, c.id)).rejects.toBeInstanceOf(CompanyNotFound);
    await expect(h.companies.listMembers(bob!, c.id)).rejects.toBeInstanceOf(NotPermitted);

    // What they do hold they may grant.
    await h.companies.grantRole(mgr!, c.id, bob!.accountId, 'contact', { contactPermissions: ['orders'] });
    await h.companies.grantRole(adm!, c.id, bob!.accountId, 'accountant');
    expect(await h.companies.permissionsOf(bob!.accountId, c.id)).toEqual(['orders', 'invoices']);
    expect(await rolesOf(c, owner, bob!)).toEqual(['member', 'contact', 'accountant']);
    // Nothing was granted by the refused attempts.
    expect(await h.companies.permissionsOf(adm!.accountId, c.id)).toEqual([...CATALOGUE, ...MANAGEMENT]);
    expect(await rolesOf(c, owner, adm!)).toEqual(['member', 'admin']);
  });

  it('keeps the last owner: it cannot leave, be removed, or lose the owner role', async () => {
    const { company: c, owner, people: [adm, co] } = await company('admin', 'coowner');
    await h.companies.grantRole(owner, c.id, adm!.accountId, 'admin');
    await expect(h.companies.leave(owner, c.id)).rejects.toBeInstanceOf(LastOwner);
    await expect(h.companies.revokeRole(owner, c.id, owner.accountId, 'owner')).rejects.toBeInstanceOf(LastOwner);
    await expect(h.companies.removeMember(owner, c.id, owner.accountId)).rejects.toBeInstanceOf(LastOwner);
    const staffAdmin = await h.staff('staffadmin', 'admin');
    await expect(h.companies.removeMember(staffAdmin, c.id, owner.accountId)).rejects.toBeInstanceOf(LastOwner);

    // With a second owner, one may go; then the other is the last again.
    await h.companies.grantRole(owner, c.id, co!.accountId, 'owner');
    await h.companies.revokeRole(co!, c.id, owner.accountId, 'owner');
    expect(await rolesOf(c, co!, owner)).toEqual([]);
    await expect(h.companies.leave(co!, c.id)).rejects.toBeInstanceOf(LastOwner);
    // Two owners removing each other at once: one wins, one owner stays.
    await h.companies.grantRole(co!, c.id, owner.accountId, 'owner');
    const race = await Promise.allSettled([
      h.companies.revokeRole(owner, c.id, co!.accountId, 'owner'),
      h.companies.revokeRole(co!, c.id, owner.accountId, 'owner'),
    ]);
    expect(race.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const owners = (await h.companies.listMembers(adm!, c.id)).filter((m) => m.roles.includes('owner'));
    expect(owners).toHaveLength(1);

    // Any non-owner may simply leave; they vanish from the claims at once.
    await h.companies.leave(adm!, c.id);
    expect(await h.companies.claimsFor(adm!.accountId)).toEqual([]);
    expect((await h.audit('company.member_left')).filter((e) => e.data.companyId === c.id).map((e) => e.account_id)).toEqual([adm!.accountId]);
    await expect(h.companies.leave(adm!, c.id)).rejects.toBeInstanceOf(CompanyNotFound);
  });

  it('removes members, who vanish from the claims; the removal is audited', async () => {
    const { company: c, owner, people: [adm, bob] } = await company('admin', 'bob');
    await h.companies.grantRole(owner, c.id, adm!.accountId, 'admin');
    expect(await h.companies.claimsFor(bob!.accountId)).toHaveLength(1);
    await h.companies.removeMember(adm!, c.id, bob!.accountId);
    expect(await h.companies.claimsFor(bob!.accountId)).toEqual([]);
    expect(await h.companies.permissionsOf(bob!.accountId, c.id)).toBeUndefined();
    await expect(h.companies.removeMember(adm!, c.id, bob!.accountId)).rejects.toBeInstanceOf(MemberNotFound);
    expect((await h.audit('company.member_removed')).filter((e) => e.data.companyId === c.id)).toEqual([
      expect.objectContaining({ account_id: adm!.accountId, data: expect.objectContaining({ member: bob!.accountId, roles: ['member'] }) }),
    ]);
  });

  it('transfers ownership: the new person becomes owner and the old one stays a member without it', async () => {
    const { company: c, owner, people: [heir, adm] } = await company('heir', 'admin');
    await h.companies.grantRole(owner, c.id, adm!.accountId, 'admin');
    await expect(h.companies.transferOwnership(adm!, c.id, heir!.accountId)).rejects.toBeInstanceOf(NotPermitted);
    const outsider = await h.person('outsider');
    await expect(h.companies.transferOwnership(owner, c.id, outsider.accountId)).rejects.toBeInstanceOf(MemberNotFound);

    const now = await h.companies.transferOwnership(owner, c.id, heir!.accountId);
    expect(now.roles).toContain('owner');
    expect(await rolesOf(c, heir!, owner)).toEqual([]);
    expect((await h.companies.claimsFor(owner.accountId))[0]).toMatchObject({ roles: [], permissions: [] });
    await expect(h.companies.leave(heir!, c.id)).rejects.toBeInstanceOf(LastOwner);
    await h.companies.leave(owner, c.id);

    // When the authorised person changes, a staff admin hands everything to a new person (not yet a member).
    await expect(h.companies.transferOwnership(await h.staff('mod', 'moderator'), c.id, outsider.accountId)).rejects.toBeInstanceOf(CompanyNotFound);
    const staffAdmin = await h.staff('staffadmin', 'admin');
    await h.companies.transferOwnership(staffAdmin, c.id, outsider.accountId);
    expect(await h.companies.claimsFor(outsider.accountId)).toEqual([expect.objectContaining({ id: c.id, roles: ['owner'] })]);
    expect(await rolesOf(c, outsider, heir!)).toEqual(['member']);
    expect((await h.audit('company.ownership_transferred')).filter((e) => e.data.companyId === c.id).map((e) => [e.account_id, e.data.to])).toEqual([
      [owner.accountId, heir!.accountId],
      [staffAdmin.accountId, outsider.accountId],
    ]);
  });

  it('lets companies define their own roles; a deleted role leaves everyone who held it', async () => {
    const { company: c, owner, people: [ann] } = await company('ann');
    await expect(h.companies.defineRole(owner, c.id, { key: 'admin', name: 'Mine', permissions: [] })).rejects.toMatchObject({ field: 'key' });
    await expect(h.companies.defineRole(owner, c.id, { key: 'Bad Key', name: 'x', permissions: [] })).rejects.toMatchObject({ field: 'key' });
    await expect(h.companies.defineRole(owner, c.id, { key: 'buyer', name: 'Buyer', permissions: ['orders', 'teleport'] })).rejects.toThrow(/teleport/);
    expect(await h.companies.defineRole(owner, c.id, { key: 'buyer', name: 'Buyer', permissions: ['services', 'orders'] }))
      .toEqual({ key: 'buyer', name: 'Buyer', permissions: ['orders', 'services'], builtIn: false });
    await h.companies.grantRole(owner, c.id, ann!.accountId, 'buyer');
    expect(await h.companies.claimsFor(ann!.accountId)).toEqual([expect.objectContaining({ roles: ['member', 'buyer'], permissions: ['orders', 'services'] })]);
    // Redefining changes what holders have at once.
    await h.companies.defineRole(owner, c.id, { key: 'buyer', name: 'Buyer', permissions: ['orders'] });
    expect(await h.companies.permissionsOf(ann!.accountId, c.id)).toEqual(['orders']);
    expect((await h.companies.listRoles(c.id)).at(-1)).toEqual({ key: 'buyer', name: 'Buyer', permissions: ['orders'], builtIn: false });

    await h.companies.deleteRole(owner, c.id, 'buyer');
    expect(await h.companies.claimsFor(ann!.accountId)).toEqual([expect.objectContaining({ roles: ['member'], permissions: [] })]);
    await expect(h.companies.deleteRole(owner, c.id, 'buyer')).rejects.toBeInstanceOf(RoleNotFound);
    await expect(h.companies.deleteRole(owner, c.id, 'owner')).rejects.toBeInstanceOf(InvalidCompanyInput);
    expect((await h.audit('company.role_deleted')).filter((e) => e.data.companyId === c.id)).toEqual([expect.objectContaining({ data: expect.objectContaining({ role: 'buyer', holders: 1 }) })]);
  });

  it('uses the configured permission catalogue (LATCHKEY_COMPANY_PERMISSIONS)', async () => {
    const custom = await startCompanyServices(kind, { LATCHKEY_COMPANY_PERMISSIONS: 'quotes, invoices ,quotes' });
    try {
      expect(custom.config.companies.permissions).toEqual(['quotes', 'invoices']);
      const owner = await custom.person('owner');
      const c = await custom.approvedCompany(owner);
      expect(await custom.companies.permissionsOf(owner.accountId, c.id)).toEqual(['quotes', 'invoices', ...MANAGEMENT]);
      await expect(custom.companies.defineRole(owner, c.id, { key: 'buyer', name: 'Buyer', permissions: ['orders'] })).rejects.toThrow(/orders/);
    } finally {
      await custom.close();
    }
  });
});
