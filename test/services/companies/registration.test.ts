// Company registration and moderation (issue 5, items 1-2) on both databases: the form prefilled from the
// registry table and the customer directory, tax IDs unique per country after normalisation (also when two
// registrations race), moderator approval and rejection with a reason and the mails, the tax ID locked for
// users after approval while staff may change it, suspension, and the audit trail.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createCompanyRegistryQueries } from '../../../src/queries/companies-registry.js';
import { createCustomerQueries } from '../../../src/queries/customers.js';
import {
  CompanyStatusConflict, InvalidCompanyInput, NotPermitted, TaxIdLocked, TaxIdTaken,
} from '../../../src/services/companies/index.js';
import { databaseKinds } from '../../support/databases.js';
import { startCompanyServices, type CompanyHarness } from './setup.js';

describe.each(databaseKinds)('company registration and moderation (%s)', (kind) => {
  let h: CompanyHarness;
  beforeAll(async () => {
    h = await startCompanyServices(kind);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('prefills the registration from the registry table, then from the customer directory', async () => {
    await createCompanyRegistryQueries(h.database.db).upsert([{
      country: 'CZ', tax_id_key: 'CZ12345678', tax_id: 'CZ12345678', kind: 'legal_entity', name: 'Acme s.r.o.', vat_id: 'CZ12345678',
      address: { street_address: 'Main 1', locality: 'Praha', postal_code: '11000', country: 'CZ' }, source: 'registry.csv',
    }]);
    await createCustomerQueries(h.database.db).upsert([{ customer_id: 'C-1', company_name: 'Bolt Trading', tax_id: 'SK2020123456', vat_id: 'SK2020123456', country: 'SK' }]);

    expect(await h.companies.lookupRegistry('cz', ' cz 1234-5678 ')).toMatchObject({ name: 'Acme s.r.o.', vatId: 'CZ12345678', kind: 'legal_entity', source: 'registry' });
    expect(await h.companies.lookupRegistry('SK', 'sk2020123456')).toMatchObject({ name: 'Bolt Trading', vatId: 'SK2020123456', source: 'customers' });
    expect(await h.companies.lookupRegistry('CZ', '99999999')).toBeUndefined();
    await expect(h.companies.lookupRegistry('Czechia', '123')).rejects.toMatchObject({ field: 'country' });

    const ann = await h.person('ann', 'Ann');
    const acme = await h.companies.register(ann, { kind: 'legal_entity', country: 'cz', taxId: ' CZ 1234 5678 ' });
    expect(acme).toMatchObject({ name: 'Acme s.r.o.', country: 'CZ', taxId: 'CZ 1234 5678', vatId: 'CZ12345678', status: 'pending', createdBy: ann.accountId });
    expect(acme.address).toEqual({ street_address: 'Main 1', locality: 'Praha', postal_code: '11000', country: 'CZ' });
    const bolt = await h.companies.register(ann, { kind: 'sole_trader', country: 'SK', taxId: 'SK2020123456' });
    expect(bolt).toMatchObject({ name: 'Bolt Trading', kind: 'sole_trader', vatId: 'SK2020123456' });
    // What the person typed wins over the registry.
    const typed = await h.companies.register(ann, { kind: 'legal_entity', country: 'SK', taxId: 'SK2020123456X', name: 'Typed Name', vatId: '', address: null });
    expect(typed).toMatchObject({ name: 'Typed Name', vatId: null, address: null });

    // The registering person is the owner; the mail says the company waits for approval.
    expect(await h.companies.listMyCompanies(ann.accountId)).toEqual([
      expect.objectContaining({ company: expect.objectContaining({ id: acme.id }), roles: ['owner'], permissions: expect.arrayContaining(['orders', 'invoices', 'members:manage', 'roles:manage', 'company:manage']) }),
      expect.objectContaining({ company: expect.objectContaining({ id: bolt.id }), roles: ['owner'] }),
      expect.objectContaining({ company: expect.objectContaining({ id: typed.id }), roles: ['owner'] }),
    ]);
    expect(await h.mails(ann.email, 'company-registered')).toContainEqual({
      companyName: 'Acme s.r.o.', taxId: 'CZ 1234 5678', name: 'Ann', link: `https://id.example.com/account/companies/${acme.id}`,
    });
    expect(await h.audit('company.registered')).toContainEqual(expect.objectContaining({
      account_id: ann.accountId, ip: '198.51.100.7', data: expect.objectContaining({ companyId: acme.id, prefilledFrom: 'registry' }),
    }));
  });

  it('refuses bad input with the field named, and a name is needed when no registry knows the tax ID', async () => {
    const ann = await h.person('ann');
    const taxId = h.taxId();
    await expect(h.companies.register(ann, { kind: 'legal_entity', country: 'CZ', taxId })).rejects.toMatchObject({ field: 'name' });
    await expect(h.companies.register(ann, { kind: 'corporation' as never, country: 'CZ', taxId, name: 'X' })).rejects.toBeInstanceOf(InvalidCompanyInput);
    await expect(h.companies.register(ann, { kind: 'legal_entity', country: 'CZE', taxId, name: 'X' })).rejects.toMatchObject({ field: 'country' });
    await expect(h.companies.register(ann, { kind: 'legal_entity', country: 'CZ', taxId: '--', name: 'X' })).rejects.toMatchObject({ field: 'tax_id' });
    await expect(h.companies.register(ann, { kind: 'legal_entity', country: 'CZ', taxId, name: 'X'.repeat(201) })).rejects.toMatchObject({ field: 'name' });
    await expect(h.companies.register(ann, { kind: 'legal_entity', country: 'CZ', taxId, name: 'X', address: { planet: 'Mars' } as never })).rejects.toMatchObject({ field: 'address' });
    expect(await h.companies.listMyCompanies(ann.accountId)).toEqual([]);
  });

  it('keeps tax IDs unique per country after normalisation, also when two registrations race', async () => {
    const ann = await h.person('ann');
    const bob = await h.person('bob');
    await h.companies.register(ann, { kind: 'legal_entity', country: 'CZ', taxId: 'CZ87654321', name: 'Acme' });
    await expect(h.companies.register(bob, { kind: 'legal_entity', country: 'CZ', taxId: 'cz 8765-4321', name: 'Fake Acme' })).rejects.toBeInstanceOf(TaxIdTaken);
    // The same number in another country is another company.
    await expect(h.companies.register(bob, { kind: 'legal_entity', country: 'SK', taxId: 'CZ87654321', name: 'Other' })).resolves.toMatchObject({ country: 'SK' });

    const race = await Promise.allSettled([
      h.companies.register(ann, { kind: 'legal_entity', country: 'PL', taxId: 'PL5260250995', name: 'Race A' }),
      h.companies.register(bob, { kind: 'legal_entity', country: 'PL', taxId: 'pl 526-025-09-95', name: 'Race B' }),
    ]);
    expect(race.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(race.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason)).toEqual([expect.any(TaxIdTaken)]);
    expect((await h.companies.searchCompanies('PL5260250995')).total).toBe(1);
  });

  it('lets a moderator approve, or reject with a reason (freeing the tax ID), mailing the owner each time', async () => {
    const ann = await h.person('ann', 'Ann');
    const mod = await h.staff('mod', 'moderator');
    const support = await h.staff('support', 'support');
    const acme = await h.companies.register(ann, { kind: 'legal_entity', country: 'CZ', taxId: h.taxId(), name: 'Acme' });
    const fakeTaxId = h.taxId();
    const fake = await h.companies.register(ann, { kind: 'legal_entity', country: 'CZ', taxId: fakeTaxId, name: 'Fake' });
    expect((await h.companies.listPendingForModeration()).companies.map((c) => c.id)).toEqual(expect.arrayContaining([acme.id, fake.id]));

    await expect(h.companies.moderateCompany(ann as never, acme.id, { decision: 'approve' })).rejects.toBeInstanceOf(NotPermitted);
    await expect(h.companies.moderateCompany(support, acme.id, { decision: 'approve' })).rejects.toBeInstanceOf(NotPermitted);
    await expect(h.companies.moderateCompany(mod, fake.id, { decision: 'reject' })).rejects.toMatchObject({ field: 'reason' });
    await expect(h.companies.moderateCompany(mod, fake.id, { decision: 'reject', reason: '   ' })).rejects.toMatchObject({ field: 'reason' });

    expect(await h.companies.moderateCompany(mod, acme.id, { decision: 'approve' })).toMatchObject({ status: 'approved', decidedBy: mod.accountId, statusReason: null });
    expect(await h.companies.moderateCompany(mod, fake.id, { decision: 'reject', reason: 'The tax ID belongs to\nanother company.' }))
      .toMatchObject({ status: 'rejected', statusReason: 'The tax ID belongs to\nanother company.' });
    await expect(h.companies.moderateCompany(mod, acme.id, { decision: 'reject', reason: 'changed my mind' })).rejects.toBeInstanceOf(CompanyStatusConflict);

    expect(await h.mails(ann.email, 'company-approved')).toEqual([{ name: 'Ann', companyName: 'Acme', link: `https://id.example.com/account/companies/${acme.id}` }]);
    expect(await h.mails(ann.email, 'company-rejected')).toEqual([{ name: 'Ann', companyName: 'Fake', reason: 'The tax ID belongs to\nanother company.' }]);
    const queue = (await h.companies.listPendingForModeration()).companies.map((c) => c.id);
    expect(queue).not.toContain(acme.id);
    expect(queue).not.toContain(fake.id);
    expect((await h.audit('company.rejected')).filter((e) => e.data.companyId === fake.id)).toEqual([
      expect.objectContaining({ account_id: mod.accountId, data: expect.objectContaining({ reason: 'The tax ID belongs to\nanother company.', staff: true }) }),
    ]);

    // A rejected registration does not block the real company.
    const bob = await h.person('bob');
    await expect(h.companies.register(bob, { kind: 'legal_entity', country: 'CZ', taxId: fakeTaxId, name: 'Real' })).resolves.toMatchObject({ status: 'pending' });
  });

  it('locks the tax ID for users once approved; staff admins may change it (still unique)', async () => {
    const ann = await h.person('ann');
    const acme = await h.companies.register(ann, { kind: 'legal_entity', country: 'CZ', taxId: 'CZ11111111', name: 'Acme' });
    // While pending, the owner may fix a typo in the tax ID.
    expect(await h.companies.updateCompany(ann, acme.id, { taxId: 'CZ11111112' })).toMatchObject({ taxId: 'CZ11111112' });
    const mod = await h.staff('mod', 'moderator');
    await h.companies.moderateCompany(mod, acme.id, { decision: 'approve' });

    await expect(h.companies.updateCompany(ann, acme.id, { taxId: 'CZ99999999' })).rejects.toBeInstanceOf(TaxIdLocked);
    await expect(h.companies.updateCompany(ann, acme.id, { country: 'SK' })).rejects.toBeInstanceOf(TaxIdLocked);
    // Re-typing the same number differently is not a change of tax ID.
    expect(await h.companies.updateCompany(ann, acme.id, { name: 'Acme Holding', vatId: 'cz 11111112', taxId: 'CZ 1111 1112' }))
      .toMatchObject({ name: 'Acme Holding', vatId: 'CZ11111112', taxId: 'CZ 1111 1112' });
    await expect(h.companies.updateCompany(mod, acme.id, { taxId: 'CZ99999999' })).rejects.toBeInstanceOf(NotPermitted);

    const admin = await h.staff('admin', 'admin');
    expect(await h.companies.updateCompany(admin, acme.id, { taxId: 'CZ99999999' })).toMatchObject({ taxId: 'CZ99999999', status: 'approved' });
    await h.companies.register(ann, { kind: 'legal_entity', country: 'CZ', taxId: 'CZ55555555', name: 'Other' });
    await expect(h.companies.updateCompany(admin, acme.id, { taxId: 'cz55555555' })).rejects.toBeInstanceOf(TaxIdTaken);
    expect(await h.companies.findForJoin('CZ', 'CZ99999999')).toMatchObject({ id: acme.id, name: 'Acme Holding' });

    const updates = (await h.audit('company.updated')).filter((e) => e.data.companyId === acme.id);
    expect(updates.at(-1)).toMatchObject({ account_id: admin.accountId, data: { staff: true, changed: expect.arrayContaining(['tax_id']), before: { tax_id: 'CZ 1111 1112', country: 'CZ' }, after: { tax_id: 'CZ99999999', country: 'CZ' } } });

    // A member without company:manage cannot edit at all.
    const carl = await h.person('carl');
    await h.addMember((await h.companies.getCompany(acme.id))!, ann, carl);
    await expect(h.companies.updateCompany(carl, acme.id, { name: 'Carl Corp' })).rejects.toBeInstanceOf(NotPermitted);
  });

  it('suspends and restores (staff admins only); the organizations claim follows the status', async () => {
    const ann = await h.person('ann');
    const taxId = h.taxId();
    const acme = await h.companies.register(ann, { kind: 'legal_entity', country: 'CZ', taxId, name: 'Acme' });
    expect(await h.companies.claimsFor(ann.accountId)).toEqual([]); // pending
    const mod = await h.staff('mod', 'moderator');
    await h.companies.moderateCompany(mod, acme.id, { decision: 'approve' });
    expect(await h.companies.claimsFor(ann.accountId)).toEqual([{ id: acme.id, name: 'Acme', tax_id: taxId, roles: ['owner'], permissions: expect.arrayContaining(['invoices', 'members:manage']) }]);

    await expect(h.companies.suspendCompany(mod, acme.id, 'fraud')).rejects.toBeInstanceOf(NotPermitted);
    const admin = await h.staff('admin', 'admin');
    await expect(h.companies.suspendCompany(admin, acme.id, '')).rejects.toMatchObject({ field: 'reason' });
    expect(await h.companies.suspendCompany(admin, acme.id, 'Unpaid invoices')).toMatchObject({ status: 'suspended', statusReason: 'Unpaid invoices' });
    expect(await h.companies.claimsFor(ann.accountId)).toEqual([]);
    expect(await h.companies.permissionsOf(ann.accountId, acme.id)).toBeUndefined();
    expect(await h.companies.findForJoin('CZ', taxId)).toBeUndefined();
    // Still listed for the owner, with its status.
    expect((await h.companies.listMyCompanies(ann.accountId))[0]!.company.status).toBe('suspended');
    await expect(h.companies.suspendCompany(admin, acme.id, 'again')).rejects.toBeInstanceOf(CompanyStatusConflict);

    await h.companies.restoreCompany(admin, acme.id);
    expect(await h.companies.claimsFor(ann.accountId)).toHaveLength(1);
    expect(await h.companies.permissionsOf(ann.accountId, acme.id)).toEqual(['orders', 'invoices', 'services', 'support', 'members:manage', 'roles:manage', 'company:manage']);
    expect((await h.audit('company.suspended')).filter((e) => e.data.companyId === acme.id).map((e) => e.data.reason)).toEqual(['Unpaid invoices']);
    expect((await h.audit('company.restored')).filter((e) => e.data.companyId === acme.id)).toHaveLength(1);
    // The owner is told both times.
    expect(await h.mails(ann.email, 'company-suspended')).toEqual([{ name: null, companyName: 'Acme', reason: 'Unpaid invoices' }]);
    expect(await h.mails(ann.email, 'company-restored')).toEqual([{ name: null, companyName: 'Acme', link: `https://id.example.com/account/companies/${acme.id}` }]);
  });

  it('finds companies for staff by name, tax ID typed any way, and status', async () => {
    const ann = await h.person('ann');
    const acme = await h.companies.register(ann, { kind: 'legal_entity', country: 'CZ', taxId: 'CZ31313131', name: 'Zebra 100% Tools' });
    await h.companies.register(ann, { kind: 'legal_entity', country: 'CZ', taxId: h.taxId(), name: 'Zebra Two' });
    expect((await h.companies.searchCompanies('zebra 100')).companies.map((c) => c.id)).toEqual([acme.id]);
    expect((await h.companies.searchCompanies('100%')).companies.map((c) => c.id)).toEqual([acme.id]);
    expect((await h.companies.searchCompanies('cz 3131-3131')).companies.map((c) => c.id)).toEqual([acme.id]);
    expect((await h.companies.searchCompanies('zebra', { status: 'approved' })).total).toBe(0);
    expect((await h.companies.searchCompanies('zebra', { status: 'pending', limit: 1 }))).toMatchObject({ total: 2, companies: [expect.anything()] });
    expect(await h.companies.getCompany('not-a-uuid')).toBeUndefined();
  });
});
