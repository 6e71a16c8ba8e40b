// The Companies pages of the account center through real HTTP (issue 5, items 1-5): registering a company
// by tax ID with the registry prefill, the join flow with both approvals, the company admin's tabs, and the
// failure paths users meet: CSRF required, non-members get 404, bad input gives form messages, forged
// form posts are refused with a message (never a 500), lookups are rate limited, and "I buy for a
// business" at sign-up leads to company registration. Runs on PGlite and PostgreSQL.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { databaseKinds } from '../../support/databases.js';
import { startTestLatchkey, type TestLatchkey } from '../../support/latchkey.js';
import { codeIn, startMailbox, type Mailbox } from '../../support/mailbox.js';
import { UserAgent } from '../../support/user-agent.js';
import { open, signIn, submit, textOf, type AccountPage } from './helpers.js';

const FIREFOX = { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0', 'accept-language': 'en' };

describe.each(databaseKinds)('company pages (%s)', (kind) => {
  let t: TestLatchkey;
  let mailbox: Mailbox;
  let n = 0;
  let moderator: { accountId: string; staffRoles: string[] };

  beforeAll(async () => {
    mailbox = await startMailbox();
    t = await startTestLatchkey(kind, {}, { ...mailbox.env, LATCHKEY_BRUTE_FORCE_QUICK_LOGIN_MS: '0' });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'latchkey-registry-'));
    const file = path.join(dir, 'registry.csv');
    writeFileSync(file, [
      'country,tax_id,kind,name,vat_id,street_address,locality,postal_code',
      'CZ,27082440,legal_entity,Alza.cz a.s.,CZ27082440,Jankovcova 1522/53,Praha 7,17000',
      'LV,40003032949,legal_entity,Latvijas Gāze AS,LV40003032949,Aristida Briāna iela 6,Rīga,LV-1001',
      'HR,12345678903,sole_trader,Obrt Horvat,,Ilica 1,Zagreb,10000',
    ].join('\n'));
    await t.latchkey.services.companies.importRegistry(file, 'csv');
    const staff = await newUser('moderator');
    await t.latchkey.services.staff.grant(staff.email, 'moderator');
    moderator = { accountId: staff.id, staffRoles: ['moderator'] };
  });
  afterAll(async () => {
    await t?.close();
    await mailbox?.close();
  });

  async function newUser(prefix = 'user') {
    const user = { email: `${prefix}${++n}@example.com`, password: `a long secret phrase ${n}` };
    const id = (await t.latchkey.services.accounts.create({ ...user, name: `Person ${n}`, emailVerified: true })).id;
    return { ...user, id };
  }

  /** A signed-in browser on /account/companies. */
  async function signedInAt(user: { email: string; password: string }, pathname = '/account/companies') {
    const ua = new UserAgent(FIREFOX);
    const page = await signIn(ua, t.issuer, user, pathname);
    expect(page.url.pathname).toBe(pathname);
    return { ua, page };
  }

  /** Registers a company through the pages (lookup, then register); returns its page. */
  async function registerCompany(ua: UserAgent, country: string, taxId: string, extra: Record<string, string> = {}) {
    const form = await open(ua, `${t.issuer}/account/companies/register`);
    const looked = await submit(ua, form, '/account/companies/register', { kind: 'legal_entity', country, tax_id: taxId, step: 'lookup' });
    return submit(ua, looked, '/account/companies/register', { kind: 'legal_entity', country, tax_id: taxId, ...extra, step: 'register' });
  }

  const companyIdOf = (page: AccountPage) => /\/account\/companies\/([0-9a-f-]{36})/.exec(page.url.pathname)![1]!;
  const approveCompany = (id: string) => t.latchkey.services.companies.moderateCompany(moderator, id, { decision: 'approve' });

  it('registers a company by tax ID: the lookup fills the form from the registry, the company waits for review', async () => {
    const owner = await newUser();
    const { ua, page } = await signedInAt(owner);
    expect(textOf(page.html)).toContain('You are not a member of any company yet.');
    expect(page.html).toMatch(/<a href="\/account\/companies" aria-current="page">Companies<\/a>/);

    const form = await open(ua, `${t.issuer}/account/companies/register`);
    const looked = await submit(ua, form, '/account/companies/register', { kind: 'legal_entity', country: 'cz', tax_id: ' 27082440 ', step: 'lookup' });
    expect(looked.status).toBe(200);
    expect(textOf(looked.html)).toContain('Found in the registry: Alza.cz a.s.');
    expect(looked.forms[0]!.fields).toMatchObject({ name: 'Alza.cz a.s.', vat_id: 'CZ27082440', street_address: 'Jankovcova 1522/53', locality: 'Praha 7', postal_code: '17000' });

    const created = await submit(ua, looked, '/account/companies/register', { kind: 'legal_entity', country: 'CZ', tax_id: '27082440', step: 'register' });
    expect(created.status).toBe(200);
    expect(created.url.searchParams.get('done')).toBe('registered');
    expect(textOf(created.html)).toContain('A moderator will review it');
    expect(textOf(created.html)).toContain('Waiting for review');
    const id = companyIdOf(created);
    expect(await t.latchkey.services.companies.getCompany(id)).toMatchObject({ name: 'Alza.cz a.s.', country: 'CZ', taxId: '27082440', vatId: 'CZ27082440', status: 'pending', createdBy: owner.id });
    expect(created.html).toMatch(/data-my-roles>Owner</);

    const list = await open(ua, `${t.issuer}/account/companies`);
    expect(textOf(list.html)).toContain('Alza.cz a.s.');
    expect(textOf(list.html)).toContain('Your roles: Owner');

    // Not in the registry: the details are typed in by hand.
    const unknown = await submit(ua, form, '/account/companies/register', { kind: 'sole_trader', country: 'SK', tax_id: '1234567890', step: 'lookup' });
    expect(textOf(unknown.html)).toContain('This tax ID is not in the registry.');
    expect(unknown.forms[0]!.fields.name).toBe('');
  });

  it('shows form messages for bad input and a taken tax ID, keeping what was typed', async () => {
    const user = await newUser();
    const { ua } = await signedInAt(user);
    const form = await open(ua, `${t.issuer}/account/companies/register`);

    const badCountry = await submit(ua, form, '/account/companies/register', { kind: 'legal_entity', country: 'Czechia', tax_id: '123', step: 'lookup' });
    expect(badCountry.status).toBe(400);
    expect(badCountry.html).toContain('id="country-error"');
    expect(textOf(badCountry.html)).toContain('Enter the two-letter country code');
    expect(badCountry.forms[0]!.fields.tax_id).toBe('123');

    const noTaxId = await submit(ua, form, '/account/companies/register', { kind: 'legal_entity', country: 'CZ', tax_id: '   ', step: 'lookup' });
    expect(noTaxId.status).toBe(400);
    expect(noTaxId.html).toContain('id="tax_id-error"');

    const badKind = await submit(ua, form, '/account/companies/register', { kind: 'charity', country: 'CZ', tax_id: '1', step: 'register' });
    expect(badKind.status).toBe(400);
    expect(badKind.html).toContain('id="kind-error"');

    const noName = await submit(ua, form, '/account/companies/register', { kind: 'legal_entity', country: 'DE', tax_id: 'DE999', name: '', step: 'register' });
    expect(noName.status).toBe(400);
    expect(noName.html).toContain('id="name-error"');

    const first = await registerCompany(ua, 'LV', '40003032949');
    expect(first.url.searchParams.get('done')).toBe('registered');
    const other = await signedInAt(await newUser());
    const taken = await registerCompany(other.ua, 'lv', '4000-3032-949');
    expect(taken.status).toBe(409);
    expect(taken.html).toContain('id="tax_id-error"');
    expect(textOf(taken.html)).toContain('already registered in this country');

    const join = await open(ua, `${t.issuer}/account/companies/join`);
    const badJoin = await submit(ua, join, '/account/companies/join', { country: '12', tax_id: 'x' });
    expect(badJoin.status).toBe(400);
    expect(badJoin.html).toContain('id="country-error"');
  });

  it('requires the CSRF token on every company form', async () => {
    const user = await newUser();
    const { ua } = await signedInAt(user);
    const page = await registerCompany(ua, 'HR', '12345678903');
    const id = companyIdOf(page);
    const forged = await ua.request(`${t.issuer}/account/companies/register`, { form: { kind: 'legal_entity', country: 'EE', tax_id: '10000000', name: 'Forged', step: 'register' } });
    expect(forged.status).toBe(403);
    expect((await t.latchkey.services.companies.searchCompanies('Forged')).companies).toEqual([]);
    for (const action of ['leave', 'settings', 'invitations', 'roles/grant']) {
      const response = await ua.request(`${t.issuer}/account/companies/${id}/${action}`, { form: { name: 'Forged', _csrf: 'x'.repeat(43) } });
      expect(response.status).toBe(403);
    }
    expect((await t.latchkey.services.companies.getCompany(id))!.name).toBe('Obrt Horvat');
    expect((await t.latchkey.services.companies.listMyCompanies(user.id)).map((m) => m.company.id)).toEqual([id]);
  });

  it('answers 404 to someone who is not a member, for pages and forms alike', async () => {
    const owner = await newUser();
    const { ua } = await signedInAt(owner);
    const id = companyIdOf(await registerCompany(ua, 'EE', '10137319', { name: 'Eesti Test OÜ' }));

    const stranger = await signedInAt(await newUser());
    for (const tab of ['', '/employees', '/requests', '/settings']) {
      const page = await open(stranger.ua, `${t.issuer}/account/companies/${id}${tab}`);
      expect(page.status).toBe(404);
      expect(page.html).not.toContain('Eesti Test');
    }
    const csrf = (await open(stranger.ua, `${t.issuer}/account/companies/register`)).forms[0]!.fields._csrf!;
    const post = await stranger.ua.request(`${t.issuer}/account/companies/${id}/settings`, { form: { _csrf: csrf, name: 'Taken over' } });
    expect(post.status).toBe(404);
    expect((await t.latchkey.services.companies.getCompany(id))!.name).toBe('Eesti Test OÜ');
    expect((await open(stranger.ua, `${t.issuer}/account/companies/not-a-uuid`)).status).toBe(404);
  });

  it('joins a company by tax ID with the company admin (page) and a moderator (service) approving', async () => {
    const owner = await newUser();
    const admin = await signedInAt(owner);
    const id = companyIdOf(await registerCompany(admin.ua, 'PL', '5260250274', { name: 'Polska Firma Sp. z o.o.' }));

    const employee = await newUser();
    const emp = await signedInAt(employee);
    const join = await open(emp.ua, `${t.issuer}/account/companies/join`);
    // Pending companies are not found.
    const early = await submit(emp.ua, join, '/account/companies/join', { country: 'PL', tax_id: '5260250274', step: 'find' });
    expect(textOf(early.html)).toContain('No approved company with this tax ID was found.');

    await approveCompany(id);
    const found = await submit(emp.ua, join, '/account/companies/join', { country: 'pl', tax_id: '526-025-02-74', step: 'find' });
    expect(textOf(found.html)).toContain('Company found: Polska Firma Sp. z o.o.');
    expect(textOf(found.html)).toContain('Ask to join?');
    const sent = await submit(emp.ua, found, '/account/companies/join', {}, (f) => f.fields.step === 'request');
    expect(sent.url.searchParams.get('done')).toBe('join-requested');
    expect(textOf(sent.html)).toContain('Moderator: waiting');
    expect(textOf(sent.html)).toContain('Company administrator: waiting');
    expect(textOf(sent.html)).toContain('In progress');

    // Sending it twice (a double click, the back button) keeps the one open request.
    const again = await submit(emp.ua, found, '/account/companies/join', {}, (f) => f.fields.step === 'request');
    expect(again.status).toBe(200);
    expect(again.html.match(/data-join-request=/g)).toHaveLength(1);

    const requests = await open(admin.ua, `${t.issuer}/account/companies/${id}/requests`);
    expect(textOf(requests.html)).toContain(employee.email);
    const noReason = await submit(admin.ua, requests, `/account/companies/${id}/requests/decide`, { reason: '' }, (f) => f.fields.decision === 'reject');
    expect(noReason.status).toBe(400);
    expect(textOf(noReason.html)).toContain('Give a reason');
    const approved = await submit(admin.ua, requests, `/account/companies/${id}/requests/decide`, {}, (f) => f.fields.decision === 'approve');
    expect(approved.url.searchParams.get('done')).toBe('request-approved');
    // Still listed (the moderator has not decided), without the admin's buttons.
    expect(textOf(approved.html)).toContain('Company administrator: approved');
    expect(approved.forms.filter((f) => f.action.endsWith('/requests/decide'))).toEqual([]);
    const progress = await open(emp.ua, `${t.issuer}/account/companies`);
    expect(textOf(progress.html)).toContain('Company administrator: approved');
    expect(textOf(progress.html)).toContain('Moderator: waiting');
    expect(await t.latchkey.services.companies.listMyCompanies(employee.id)).toEqual([]);

    const [request] = await t.latchkey.services.companies.listMyJoinRequests(employee.id);
    await t.latchkey.services.companies.decideJoin(moderator, request!.id, { as: 'moderator', decision: 'approve' });
    const mine = await open(emp.ua, `${t.issuer}/account/companies`);
    expect(textOf(mine.html)).toContain('Polska Firma Sp. z o.o.');
    expect(textOf(mine.html)).toContain('Your roles: Member');
    const companyPage = await open(emp.ua, `${t.issuer}/account/companies/${id}`);
    expect(companyPage.status).toBe(200);
    expect(companyPage.html).toMatch(/data-my-roles>Member</);
    // A plain member sees no admin tabs, and asking for one says why.
    expect(companyPage.html).not.toContain(`/account/companies/${id}/employees`);
    const denied = await open(emp.ua, `${t.issuer}/account/companies/${id}/employees`);
    expect(denied.status).toBe(403);
    expect(textOf(denied.html)).toContain('You are not allowed to do this.');
  });

  it('refuses forged privilege escalation and last-owner actions with a message, not a 500', async () => {
    const owner = await newUser();
    const o = await signedInAt(owner);
    const id = companyIdOf(await registerCompany(o.ua, 'AT', 'ATU12345678', { name: 'Wiener Handel GmbH' }));
    await approveCompany(id);
    const worker = await newUser();
    const invite = await t.latchkey.services.companies.invite({ accountId: owner.id }, id, { email: worker.email, roles: ['member'] });
    expect(invite.roles).toEqual(['member']);
    const mail = await mailbox.next(t.latchkey, worker.email, { subject: /Wiener Handel/ });
    const link = new URL(/https?:\/\/\S+company-invitation\?token=[A-Za-z0-9_-]+/.exec(mail.text ?? '')![0]);

    // The invitation link signs the person in first, then asks to accept.
    const w = new UserAgent(FIREFOX);
    const login = await open(w, link);
    expect(login.url.pathname).toMatch(/^\/interaction\//);
    const accept = await open(w, login.forms.find((f) => 'password' in f.fields)!.action, { form: { ...login.forms.find((f) => 'password' in f.fields)!.fields, email: worker.email, password: worker.password } });
    expect(accept.url.pathname).toBe('/account/companies/invitation');
    expect(textOf(accept.html)).toContain('Wiener Handel GmbH invites you to join the company.');
    const joined = await submit(w, accept, '/account/companies/invitation');
    expect(joined.url.pathname).toBe(`/account/companies/${id}`);
    expect(joined.html).toMatch(/data-my-roles>Member</);
    expect((await open(w, link)).status).toBe(410); // used once

    // A member forges the owner's grant form to make themselves admin: refused, nothing changes.
    const csrf = joined.forms.find((f) => '_csrf' in f.fields)!.fields._csrf!;
    const forged = await open(w, `${t.issuer}/account/companies/${id}/roles/grant`, { form: { _csrf: csrf, account_id: worker.id, role: 'admin' } });
    expect(forged.status).toBe(403);
    expect(textOf(forged.html)).toContain('You are not allowed to do this.');
    expect((await t.latchkey.services.companies.permissionsOf(worker.id, id))).toEqual([]);

    // An admin may not make anyone owner.
    await t.latchkey.services.companies.grantRole({ accountId: owner.id }, id, worker.id, 'admin');
    const asAdmin = await open(w, `${t.issuer}/account/companies/${id}/employees`);
    expect(asAdmin.status).toBe(200);
    const ownerGrab = await submit(w, asAdmin, `/account/companies/${id}/roles/grant`, { role: 'owner' }, (f) => f.fields.account_id === worker.id);
    expect(ownerGrab.status).toBe(403);
    expect(textOf(ownerGrab.html)).toContain('You are not allowed to do this.');
    const removeOwner = await submit(w, asAdmin, `/account/companies/${id}/members/remove`, {}, (f) => f.fields.account_id === owner.id);
    expect(removeOwner.status).toBe(403);
    const unknownRole = await submit(w, asAdmin, `/account/companies/${id}/roles/grant`, { role: 'emperor' }, (f) => f.fields.account_id === worker.id);
    expect(unknownRole.status).toBe(404);
    expect(textOf(unknownRole.html)).toContain('This role does not exist in the company.');

    // The last owner cannot leave; after a transfer they can.
    const overview = await open(o.ua, `${t.issuer}/account/companies/${id}`);
    const stay = await submit(o.ua, overview, `/account/companies/${id}/leave`);
    expect(stay.status).toBe(409);
    expect(textOf(stay.html)).toContain('The company must keep at least one owner.');
    const transferred = await submit(o.ua, overview, `/account/companies/${id}/transfer`, { account_id: worker.id });
    expect(transferred.url.searchParams.get('done')).toBe('transferred');
    // The old owner keeps the membership without the owner role.
    expect(transferred.html).toMatch(/data-my-roles>—</);
    const left = await submit(o.ua, transferred, `/account/companies/${id}/leave`);
    expect(left.url.pathname).toBe('/account/companies');
    expect(textOf(left.html)).toContain('You have left the company.');
    expect((await open(o.ua, `${t.issuer}/account/companies/${id}`)).status).toBe(404);
  });

  it('lets owners grant an accountant and a contact with chosen permissions, define roles, and edit the company', async () => {
    const owner = await newUser();
    const o = await signedInAt(owner);
    const id = companyIdOf(await registerCompany(o.ua, 'CZ', '00006947', { name: 'Ministerstvo Test' }));
    const settings = await open(o.ua, `${t.issuer}/account/companies/${id}/settings`);
    expect(settings.forms[0]!.fields.tax_id).toBe('00006947'); // pending: still editable
    await approveCompany(id);
    const locked = await open(o.ua, `${t.issuer}/account/companies/${id}/settings`);
    expect(locked.forms[0]!.fields).not.toHaveProperty('tax_id');
    expect(textOf(locked.html)).toContain('The tax ID cannot be changed after approval.');
    const saved = await submit(o.ua, locked, `/account/companies/${id}/settings`, { name: 'Ministerstvo Nové', locality: 'Praha 1' });
    expect(saved.url.searchParams.get('done')).toBe('updated');
    const forgedTaxId = await submit(o.ua, locked, `/account/companies/${id}/settings`, { tax_id: '99999999' });
    expect(forgedTaxId.status).toBeGreaterThanOrEqual(400);
    expect(forgedTaxId.status).toBeLessThan(500);
    expect(await t.latchkey.services.companies.getCompany(id)).toMatchObject({ name: 'Ministerstvo Nové', taxId: '00006947', address: { locality: 'Praha 1' } });

    const accountant = await newUser();
    const contact = await newUser();
    for (const u of [accountant, contact]) {
      await t.latchkey.services.companies.invite({ accountId: owner.id }, id, { email: u.email, roles: ['member'] });
    }
    const invitations = await open(o.ua, `${t.issuer}/account/companies/${id}/invitations`);
    expect(textOf(invitations.html)).toContain(accountant.email);
    const invited = await submit(o.ua, invitations, `/account/companies/${id}/invitations`, { email: 'not-an-email' });
    expect(invited.status).toBe(400);
    expect(invited.html).toContain('id="email-error"');
    for (const u of [accountant, contact]) {
      const mail = await mailbox.next(t.latchkey, u.email, { subject: /Ministerstvo/ });
      const token = /company-invitation\?token=([A-Za-z0-9_-]+)/.exec(mail.text ?? '')![1]!;
      await t.latchkey.services.companies.acceptInvitation({ accountId: u.id }, token);
    }
    const employees = await open(o.ua, `${t.issuer}/account/companies/${id}/employees`);
    const grantAccountant = await submit(o.ua, employees, `/account/companies/${id}/roles/grant`, { role: 'accountant' }, (f) => f.fields.account_id === accountant.id);
    expect(grantAccountant.url.searchParams.get('done')).toBe('role-granted');
    expect(await t.latchkey.services.companies.permissionsOf(accountant.id, id)).toEqual(['invoices']);
    await submit(o.ua, employees, `/account/companies/${id}/roles/grant`, { role: 'contact', perm_orders: 'on', perm_support: 'on' }, (f) => f.fields.account_id === contact.id);
    expect(await t.latchkey.services.companies.permissionsOf(contact.id, id)).toEqual(['orders', 'support']);

    const roles = await open(o.ua, `${t.issuer}/account/companies/${id}/roles`);
    const badKey = await submit(o.ua, roles, `/account/companies/${id}/roles/define`, { key: 'Bad Key!', name: 'Bad', perm_orders: 'on' });
    expect(badKey.status).toBe(400);
    expect(badKey.html).toContain('id="key-error"');
    expect(badKey.forms.find((f) => f.action.endsWith('/roles/define'))!.fields.name).toBe('Bad');
    const defined = await submit(o.ua, roles, `/account/companies/${id}/roles/define`, { key: 'warehouse', name: 'Warehouse', perm_orders: 'on' });
    expect(defined.url.searchParams.get('done')).toBe('role-defined');
    expect(textOf(defined.html)).toContain('Warehouse');
  });

  it('invitation links: another account cannot accept, an unknown link says so, and withdrawn ones stop working', async () => {
    const owner = await newUser();
    const o = await signedInAt(owner);
    const id = companyIdOf(await registerCompany(o.ua, 'SI', 'SI12345679', { name: 'Slovenska Trgovina d.o.o.' }));
    await approveCompany(id);
    const invitee = await newUser();
    const invitations = await open(o.ua, `${t.issuer}/account/companies/${id}/invitations`);
    expect(textOf(invitations.html)).toContain('valid for 7 days');
    const sent = await submit(o.ua, invitations, `/account/companies/${id}/invitations`, { email: invitee.email, role_accountant: 'on' });
    expect(sent.url.searchParams.get('done')).toBe('invited');
    expect(sent.html).toContain(`data-invitation="${invitee.email}"`);
    const mail = await mailbox.next(t.latchkey, invitee.email, { subject: /Slovenska Trgovina/ });
    const link = new URL(/https?:\/\/\S+company-invitation\?token=[A-Za-z0-9_-]+/.exec(mail.text ?? '')![0]);

    const someoneElse = await signedInAt(await newUser());
    const page = await open(someoneElse.ua, link);
    expect(page.url.pathname).toBe('/account/companies/invitation');
    const refused = await submit(someoneElse.ua, page, '/account/companies/invitation');
    expect(refused.status).toBe(403);
    expect(textOf(refused.html)).toContain('This invitation was sent to another email address.');

    const bogus = await open(someoneElse.ua, `${t.issuer}/company-invitation?token=${'A'.repeat(43)}`);
    expect(bogus.status).toBe(410);
    expect(textOf(bogus.html)).toContain('This invitation link is invalid, expired or already used.');
    expect(bogus.forms.filter((f) => f.action.endsWith('/companies/invitation'))).toEqual([]);

    const withdrawn = await submit(o.ua, sent, `/account/companies/${id}/invitations/revoke`);
    expect(withdrawn.url.searchParams.get('done')).toBe('invitation-revoked');
    const i = await signedInAt(invitee);
    expect((await open(i.ua, link)).status).toBe(410);
    expect(await t.latchkey.services.companies.listMyCompanies(invitee.id)).toEqual([]);
  });

  it('rate-limits tax ID lookups per account', async () => {
    const user = await newUser();
    const { ua } = await signedInAt(user);
    const form = await open(ua, `${t.issuer}/account/companies/join`);
    let last: AccountPage | undefined;
    for (let i = 0; i < 31; i++) last = await submit(ua, form, '/account/companies/join', { country: 'CZ', tax_id: `${10000000 + i}`, step: 'find' });
    expect(last!.status).toBe(429);
    expect(textOf(last!.html)).toContain('Too many lookups.');
  });

  it('"I buy for a business" at sign-up opens company registration after the account is verified', async () => {
    const email = `buyer${++n}@example.com`;
    const ua = new UserAgent(FIREFOX);
    const register = await open(ua, `${t.issuer}/register`);
    expect(textOf(register.html)).toContain('I buy for a business');
    const check = await submit(ua, register, '/register', { name: 'Bea Buyer', email, password: 'a buyer with a long phrase', business: 'on' });
    expect(check.status).toBe(200);
    const code = codeIn(await mailbox.next(t.latchkey, email));
    const verified = await submit(ua, check, '/verify-email/code', { code });
    expect(textOf(verified.html)).toContain('verified');
    const login = await open(ua, `${t.issuer}/account`);
    const form = login.forms.find((f) => 'password' in f.fields)!;
    const landed = await open(ua, form.action, { form: { ...form.fields, email, password: 'a buyer with a long phrase' } });
    expect(landed.url.pathname).toBe('/account/companies/register');
    expect(textOf(landed.html)).toContain('You said you buy for a business.');
    // Only once: the next visit is the profile.
    expect((await open(ua, `${t.issuer}/account`)).url.pathname).toBe('/account');
  });
});
