// The company mails as people receive them (issue 5, items 2-4), delivered by a real Latchkey's outbox
// worker to a real SMTP server, on both databases: registration, approval and rejection with the reason;
// a join request, the one-approval-in notice, the final approval; an invitation whose mailed link works;
// each in the recipient's language.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createAccountQueries } from '../../../src/queries/accounts.js';
import type { Actor, StaffActor } from '../../../src/services/companies/index.js';
import { databaseKinds } from '../../support/databases.js';
import { startTestLatchkey, type TestLatchkey } from '../../support/latchkey.js';
import { linkTo, startMailbox, type Mailbox } from '../../support/mailbox.js';

describe.each(databaseKinds)('company mails over SMTP (%s)', (kind) => {
  let mailbox: Mailbox;
  let t: TestLatchkey;
  const person = async (email: string, name: string, locale = 'en'): Promise<Actor> => ({
    accountId: (await createAccountQueries(t.database.db).insert({ email, emailVerified: true, passwordHash: null, name, locale }))!.id,
  });
  const subject = (mail: { headers: Map<string, unknown> }) => String(mail.headers.get('subject'));

  beforeAll(async () => {
    mailbox = await startMailbox();
    t = await startTestLatchkey(kind, {}, mailbox.env);
  });
  afterAll(async () => {
    await t?.close();
    await mailbox?.close();
  });

  it('mails the owner at registration, approval and rejection (with the reason)', async () => {
    const companies = t.latchkey.services.companies;
    const ann = await person('ann@example.com', 'Ann');
    const mod: StaffActor = { ...(await person('mod@staff.example', 'Mo')), staffRoles: ['moderator'] };
    const acme = await companies.register(ann, { kind: 'legal_entity', country: 'CZ', taxId: 'CZ12345678', name: 'Acme s.r.o.' });

    const registered = await mailbox.next(t.latchkey, 'ann@example.com', { subject: /waiting for approval/ });
    expect(subject(registered)).toBe('Your company Acme s.r.o. is waiting for approval');
    expect(registered.text).toContain('Hello Ann,');
    expect(registered.text).toContain('CZ12345678');
    expect(linkTo(registered, `/account/companies/${acme.id}`).origin).toBe(t.issuer);

    await companies.moderateCompany(mod, acme.id, { decision: 'approve' });
    const approved = await mailbox.next(t.latchkey, 'ann@example.com', { subject: /approved/ });
    expect(subject(approved)).toBe('Acme s.r.o. is approved');
    expect(approved.html).toContain(`href="${t.issuer}/account/companies/${acme.id}"`);

    const fake = await companies.register(ann, { kind: 'legal_entity', country: 'CZ', taxId: 'CZ99999999', name: 'Fake <b>Co</b>' });
    await companies.moderateCompany(mod, fake.id, { decision: 'reject', reason: 'The tax ID is not yours.\nCall us.' });
    const rejected = await mailbox.next(t.latchkey, 'ann@example.com', { subject: /not approved/ });
    expect(subject(rejected)).toBe('Fake <b>Co</b> was not approved');
    expect(rejected.text).toContain('Reason:\nThe tax ID is not yours.\nCall us.');
    expect(rejected.html).toContain('Fake &lt;b&gt;Co&lt;/b&gt;');
    expect(rejected.html).not.toContain('<b>Co</b>');
  });

  it('mails the requester at each step of a join request, in their language', async () => {
    const companies = t.latchkey.services.companies;
    const olga = await person('olga@example.com', 'Olga');
    const mod: StaffActor = { ...(await person('mod2@staff.example', 'Mo')), staffRoles: ['moderator'] };
    const acme = await companies.register(olga, { kind: 'legal_entity', country: 'CZ', taxId: 'CZ11112222', name: 'Acme' });
    await companies.moderateCompany(mod, acme.id, { decision: 'approve' });
    const eva = await person('eva@example.com', 'Eva', 'cs');

    const request = await companies.requestJoin(eva, acme.id);
    const requested = await mailbox.next(t.latchkey, 'eva@example.com');
    expect(subject(requested)).toBe('Vaše žádost o připojení k firmě Acme');
    expect(linkTo(requested, '/account/companies').origin).toBe(t.issuer);

    await companies.decideJoin(olga, request.id, { as: 'company-admin', decision: 'approve' });
    const progress = await mailbox.next(t.latchkey, 'eva@example.com');
    expect(subject(progress)).toBe('Vaše žádost o připojení k firmě Acme: jedno schválení je hotové');
    expect(progress.text).toContain('Nyní čeká na jednoho z našich moderátorů.');

    await companies.decideJoin(mod, request.id, { as: 'moderator', decision: 'approve' });
    const approved = await mailbox.next(t.latchkey, 'eva@example.com');
    expect(subject(approved)).toBe('Nyní jste členem firmy Acme');
    expect(linkTo(approved, `/account/companies/${acme.id}`).origin).toBe(t.issuer);
    expect(await companies.claimsFor(eva.accountId)).toEqual([expect.objectContaining({ id: acme.id, roles: ['member'] })]);
  });

  it('mails an invitation whose link, taken from the mail, makes the person a member', async () => {
    const companies = t.latchkey.services.companies;
    const olga = await person('olga3@example.com', 'Olga');
    const mod: StaffActor = { ...(await person('mod3@staff.example', 'Mo')), staffRoles: ['moderator'] };
    const acme = await companies.register(olga, { kind: 'legal_entity', country: 'SK', taxId: 'SK2020123456', name: 'Acme SK' });
    await companies.moderateCompany(mod, acme.id, { decision: 'approve' });
    await companies.invite(olga, acme.id, { email: 'ivan@example.com', roles: ['accountant'] });

    const mail = await mailbox.next(t.latchkey, 'ivan@example.com');
    expect(subject(mail)).toBe('You are invited to join Acme SK');
    expect(mail.text).toContain('Olga invited you to join Acme SK');
    expect(mail.text).toContain('expires in 7 days');
    const link = linkTo(mail, '/company-invitation');
    expect(link.origin).toBe(t.issuer);
    const ivan = await person('ivan@example.com', 'Ivan');
    const joined = await companies.acceptInvitation(ivan, link.searchParams.get('token')!);
    expect(joined).toMatchObject({ roles: ['accountant'], permissions: ['invoices'] });
    await expect(companies.acceptInvitation(ivan, link.searchParams.get('token')!)).rejects.toMatchObject({ code: 'invitation_invalid' });
  });
});
