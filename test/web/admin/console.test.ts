// The admin console at /admin through real HTTP on PGlite and PostgreSQL: staff sign in through the unified
// login page (and must have entered their password recently), non-staff are refused, every form needs its
// CSRF token, the role matrix holds (a moderator cannot block, support cannot moderate or suspend), blocking
// ends sessions and refresh tokens at once (the relying party's refresh fails), provisioning mails a working
// set-password link over real SMTP, the audit search finds the staff actions, and bad input gets form
// messages, never a 500.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { databaseKinds } from '../../support/databases.js';
import { startTestLatchkey, type TestLatchkey } from '../../support/latchkey.js';
import { linkTo, startMailbox, type Mailbox } from '../../support/mailbox.js';
import { login, oauthError, oidc, relyingParty } from '../../support/relying-party.js';
import { UserAgent } from '../../support/user-agent.js';
import { ageSignIn, open, pendingCompany, person, postForm, staffBrowser, submit, textOf, type Person } from './helpers.js';

describe.each(databaseKinds)('admin console (%s)', (kind) => {
  let t: TestLatchkey;
  let mailbox: Mailbox;
  let shop: oidc.Configuration;
  let moderator: Person;
  let support: Person;
  let admin: Person;

  beforeAll(async () => {
    mailbox = await startMailbox();
    t = await startTestLatchkey(kind, {}, { ...mailbox.env, LATCHKEY_BRUTE_FORCE_QUICK_LOGIN_MS: '0' });
    const { client, clientSecret } = await t.latchkey.clients.create({ name: 'Shop', type: 'web', redirectUris: ['https://rp.example.com/callback'], firstParty: true });
    shop = await relyingParty(t.issuer, client.clientId, clientSecret);
    moderator = await person(t.latchkey, 'moderator', ['moderator']);
    support = await person(t.latchkey, 'support', ['support']);
    admin = await person(t.latchkey, 'admin', ['admin']);
  });
  afterAll(async () => {
    await t?.close();
    await mailbox?.close();
  });

  it('signs a moderator in through the login page to the queue, where a pending company is approved', async () => {
    const { companyId, owner } = await pendingCompany(t.latchkey, 'Acme Tools s.r.o.', `CZ${Date.now() % 1e8}`);
    const first = await open(new UserAgent(), `${t.issuer}/admin`);
    expect(first.url.pathname).toMatch(/^\/interaction\//);
    const { ua, page } = await staffBrowser(t.issuer, moderator, '/admin');
    expect(page.url.pathname).toBe('/admin/queue');
    expect(textOf(page.html)).toContain('Acme Tools s.r.o.');
    // Only the sections a moderator may use are offered.
    expect(page.html).toContain('href="/admin/audit"');
    expect(page.html).not.toContain('/accounts/new');

    const done = await submit(ua, page, `/companies/${companyId}/moderate`, { decision: 'approve' });
    expect(done.url.pathname).toBe('/admin/queue');
    expect(done.url.searchParams.get('done')).toBe('company-approved');
    expect(textOf(done.html)).toContain('The company is approved.');
    expect((await t.latchkey.services.companies.getCompany(companyId))?.status).toBe('approved');
    const mail = await mailbox.next(t.latchkey, owner.email);
    expect(mail.text).toContain('Acme Tools s.r.o.');
  });

  it('rejects a company only with a reason, shown to the moderator as a form message', async () => {
    const { companyId } = await pendingCompany(t.latchkey, 'Shady Ltd', `CZ${(Date.now() + 7) % 1e8}`);
    const { ua, page } = await staffBrowser(t.issuer, moderator, '/admin/queue');
    const refused = await submit(ua, page, `/companies/${companyId}/moderate`, { decision: 'reject', reason: '' });
    expect(refused.status).toBe(400);
    expect(textOf(refused.html)).toContain('Give a reason');
    expect((await t.latchkey.services.companies.getCompany(companyId))?.status).toBe('pending');
    const odd = await submit(ua, page, `/companies/${companyId}/moderate`, { decision: 'maybe' });
    expect(odd.status).toBe(400);
    expect(textOf(odd.html)).toContain('Choose approve or reject.');

    const rejected = await submit(ua, page, `/companies/${companyId}/moderate`, { decision: 'reject', reason: 'Tax ID does not match the register' });
    expect(rejected.url.searchParams.get('done')).toBe('company-rejected');
    expect(await t.latchkey.services.companies.getCompany(companyId)).toMatchObject({ status: 'rejected', statusReason: 'Tax ID does not match the register' });
    // Deciding again (an old tab) is a form message, not a 500.
    const again = await postForm(ua, rejected, `${t.issuer}/admin/companies/${companyId}/moderate`, { decision: 'approve' });
    expect(again.status).toBe(409);
    expect(textOf(again.html)).toContain('not in a state that allows this');
  });

  it('records the moderator\'s side of a join request', async () => {
    const { companyId, owner } = await pendingCompany(t.latchkey, 'Joiners a.s.', `CZ${(Date.now() + 13) % 1e8}`);
    await t.latchkey.services.companies.moderateCompany({ accountId: admin.id, staffRoles: ['admin'] }, companyId, { decision: 'approve' });
    const employee = await person(t.latchkey, 'employee');
    const request = await t.latchkey.services.companies.requestJoin({ accountId: employee.id }, companyId);
    await t.latchkey.services.companies.decideJoin({ accountId: owner.id }, request.id, { as: 'company-admin', decision: 'approve' });

    const { ua, page } = await staffBrowser(t.issuer, moderator, '/admin/queue');
    expect(textOf(page.html)).toContain(`asks to join Joiners a.s.`);
    expect(textOf(page.html)).toContain('The company admin has approved.');
    const done = await submit(ua, page, `/join-requests/${request.id}/decide`, { decision: 'approve' });
    expect(done.url.searchParams.get('done')).toBe('join-approved');
    expect((await t.latchkey.services.companies.listMyCompanies(employee.id)).map((m) => m.company.id)).toEqual([companyId]);
  });

  it('refuses accounts without a staff role with the 403 page', async () => {
    const visitor = await person(t.latchkey, 'visitor');
    const ua = new UserAgent();
    const login = await open(ua, `${t.issuer}/admin/accounts`);
    const form = login.forms.find((f) => 'password' in f.fields)!;
    const page = await open(ua, form.action, { form: { ...form.fields, email: visitor.email, password: visitor.password } });
    expect(page.status).toBe(403);
    expect(textOf(page.html)).toContain(`You are signed in as ${visitor.email}, which has no staff role.`);
    // A form post from a non-staff browser changes nothing either.
    const block = await postForm(ua, await open(ua, `${t.issuer}/account`), `${t.issuer}/admin/accounts/${support.id}/block`, { reason: 'x' });
    expect(block.status).toBe(403);
    expect((await t.latchkey.services.accounts.findById(support.id))?.status).toBe('active');
  });

  it('stops a revoked staff role at the next request', async () => {
    const temp = await person(t.latchkey, 'temp', ['support']);
    const { ua, page } = await staffBrowser(t.issuer, temp, '/admin/accounts');
    expect(page.status).toBe(200);
    await t.latchkey.services.staff.revoke(temp.email, 'support');
    const after = await open(ua, `${t.issuer}/admin/accounts`);
    expect(after.status).toBe(403);
    const target = await person(t.latchkey, 'target');
    expect((await postForm(ua, page, `${t.issuer}/admin/accounts/${target.id}/block`, { reason: 'x' })).status).toBe(403);
    expect((await t.latchkey.services.accounts.findById(target.id))?.status).toBe('active');
  });

  it('asks for the password again when the sign-in is older than 15 minutes', async () => {
    const { ua } = await staffBrowser(t.issuer, support, '/admin/accounts');
    expect(await ageSignIn(t.latchkey, support.id)).toBeGreaterThan(0);
    const stale = await open(ua, `${t.issuer}/admin/accounts`);
    expect(stale.url.pathname).toMatch(/^\/interaction\//);
    const form = stale.forms.find((f) => 'password' in f.fields)!;
    expect(form).toBeDefined();
    const back = await open(ua, form.action, { form: { ...form.fields, email: support.email, password: support.password } });
    expect(back.url.pathname).toBe('/admin/accounts');
    expect(back.status).toBe(200);
    // A form posted with a stale sign-in is not carried out.
    await ageSignIn(t.latchkey, support.id);
    const target = await person(t.latchkey, 'target');
    const post = await postForm(ua, back, `${t.issuer}/admin/accounts/${target.id}/block`, { reason: 'stale' });
    expect(post.url.pathname).toMatch(/^\/interaction\//);
    expect((await t.latchkey.services.accounts.findById(target.id))?.status).toBe('active');
  });

  it('needs the CSRF token on every form', async () => {
    const target = await person(t.latchkey, 'target');
    const { ua } = await staffBrowser(t.issuer, support, `/admin/accounts/${target.id}`);
    const forged = await open(ua, `${t.issuer}/admin/accounts/${target.id}/block`, { form: { reason: 'forged' } });
    expect(forged.status).toBe(403);
    const wrong = await open(ua, `${t.issuer}/admin/accounts/${target.id}/block`, { form: { reason: 'forged', _csrf: 'x'.repeat(43) } });
    expect(wrong.status).toBe(403);
    const crossSite = await open(ua, `${t.issuer}/admin/accounts/${target.id}/block`, { form: { reason: 'forged' }, headers: { origin: 'https://evil.example' } });
    expect(crossSite.status).toBe(403);
    expect((await t.latchkey.services.accounts.findById(target.id))?.status).toBe('active');
  });

  it('holds the role matrix: a moderator cannot block, support cannot moderate or suspend, an admin can', async () => {
    const target = await person(t.latchkey, 'target');
    const { companyId } = await pendingCompany(t.latchkey, 'Matrix GmbH', `CZ${(Date.now() + 21) % 1e8}`);

    const mod = await staffBrowser(t.issuer, moderator, `/admin/accounts/${target.id}`);
    expect(mod.page.status).toBe(200);
    expect(mod.page.html).not.toContain(`/accounts/${target.id}/block`);
    const modBlock = await postForm(mod.ua, mod.page, `${t.issuer}/admin/accounts/${target.id}/block`, { reason: 'no' });
    expect(modBlock.status).toBe(403);
    expect(textOf(modBlock.html)).toContain('Your staff role does not open this page.');
    expect((await t.latchkey.services.accounts.findById(target.id))?.status).toBe('active');
    expect((await open(mod.ua, `${t.issuer}/admin/accounts/new`)).status).toBe(403);

    const sup = await staffBrowser(t.issuer, support, '/admin');
    expect(sup.page.url.pathname).toBe('/admin/accounts');
    expect((await open(sup.ua, `${t.issuer}/admin/queue`)).status).toBe(403);
    const supApprove = await postForm(sup.ua, sup.page, `${t.issuer}/admin/companies/${companyId}/moderate`, { decision: 'approve' });
    expect(supApprove.status).toBe(403);
    expect((await t.latchkey.services.companies.getCompany(companyId))?.status).toBe('pending');

    await t.latchkey.services.companies.moderateCompany({ accountId: admin.id, staffRoles: ['admin'] }, companyId, { decision: 'approve' });
    const supSuspend = await postForm(sup.ua, sup.page, `${t.issuer}/admin/companies/${companyId}/suspend`, { reason: 'no' });
    expect(supSuspend.status).toBe(403);
    expect((await t.latchkey.services.companies.getCompany(companyId))?.status).toBe('approved');

    const adm = await staffBrowser(t.issuer, admin, `/admin/companies/${companyId}`);
    const noReason = await submit(adm.ua, adm.page, `/companies/${companyId}/suspend`, { reason: '' });
    expect(noReason.status).toBe(400);
    expect(textOf(noReason.html)).toContain('Give a reason');
    const suspended = await submit(adm.ua, adm.page, `/companies/${companyId}/suspend`, { reason: 'Unpaid invoices' });
    expect(suspended.url.searchParams.get('done')).toBe('suspended');
    expect(await t.latchkey.services.companies.getCompany(companyId)).toMatchObject({ status: 'suspended', statusReason: 'Unpaid invoices' });
    const restored = await submit(adm.ua, suspended, `/companies/${companyId}/restore`);
    expect(restored.url.searchParams.get('done')).toBe('restored');
    expect((await t.latchkey.services.companies.getCompany(companyId))?.status).toBe('approved');
    // Staff may change the tax ID after approval; a malformed one is a form message.
    const badTax = await submit(adm.ua, restored, `/companies/${companyId}/tax-id`, { country: 'CZ', tax_id: '!!' });
    expect(badTax.status).toBe(400);
    expect(textOf(badTax.html)).toContain('Enter a valid tax ID');
    const taxed = await submit(adm.ua, restored, `/companies/${companyId}/tax-id`, { country: 'CZ', tax_id: 'CZ 99887766' });
    expect(taxed.url.searchParams.get('done')).toBe('tax-id-changed');
    expect((await t.latchkey.services.companies.getCompany(companyId))?.taxId).toBe('CZ 99887766');
  });

  it('blocks an account: its sessions and refresh tokens end at once, and the app\'s refresh fails', async () => {
    const user = await person(t.latchkey, 'customer');
    const userBrowser = new UserAgent();
    const { tokens } = await login(shop, userBrowser, user, { scope: 'openid email offline_access', prompt: 'consent' });
    expect(tokens.refresh_token).toEqual(expect.any(String));

    const { ua, page } = await staffBrowser(t.issuer, support, `/admin/accounts/${user.id}`);
    expect(textOf(page.html)).toContain(user.email);
    const blocked = await submit(ua, page, `/accounts/${user.id}/block`, { reason: 'Reported stolen laptop' });
    expect(blocked.url.searchParams.get('done')).toBe('blocked');
    expect(blocked.html).toContain('data-account-status="blocked"');

    const refused = await oauthError(oidc.refreshTokenGrant(shop, tokens.refresh_token!));
    expect(refused.error).toBe('invalid_grant');
    const { rows } = await t.latchkey.db.query(`SELECT count(*)::int AS n FROM oidc_payloads WHERE payload->>'accountId' = $1`, [user.id]);
    expect(rows[0]).toEqual({ n: 0 });
    // The user's browser is signed out: the account center sends it to the login page.
    expect((await open(userBrowser, `${t.issuer}/account`)).url.pathname).toMatch(/^\/interaction\//);

    const unblocked = await submit(ua, blocked, `/accounts/${user.id}/unblock`);
    expect(unblocked.url.searchParams.get('done')).toBe('unblocked');
    expect((await t.latchkey.services.accounts.findById(user.id))?.status).toBe('active');
    // Staff cannot block themselves.
    const self = await postForm(ua, unblocked, `${t.issuer}/admin/accounts/${support.id}/block`, { reason: 'oops' });
    expect(self.status).toBe(400);
    expect(textOf(self.html)).toContain('You cannot block your own account.');
  });

  it('provisions a person verified in the office: the account is created and the set-password link arrives and works', async () => {
    const email = `walk-in-${kind}@example.com`;
    const { ua, page } = await staffBrowser(t.issuer, support, '/admin/accounts/new');
    const bad = await submit(ua, page, '/accounts/new', { email: 'not-an-email', name: 'Walk In' });
    expect(bad.status).toBe(400);
    expect(textOf(bad.html)).toContain('Enter a valid email address.');
    expect(bad.html).toContain('value="Walk In"');

    const done = await submit(ua, page, '/accounts/new', { email, name: 'Walk In', locale: 'en' });
    expect(done.url.searchParams.get('done')).toBe('provisioned');
    const account = (await t.latchkey.services.accounts.findByEmail(email))!;
    expect(done.url.pathname).toBe(`/admin/accounts/${account.id}`);
    expect(account).toMatchObject({ name: 'Walk In', password_hash: null, status: 'active' });

    const mail = await mailbox.next(t.latchkey, email);
    const link = linkTo(mail, '/invitation');
    const person2 = new UserAgent();
    const form = await open(person2, link);
    expect(form.status).toBe(200);
    const set = await open(person2, form.forms.find((f) => 'password' in f.fields || 'new_password' in f.fields)!.action, {
      form: { ...form.forms.find((f) => 'password' in f.fields || 'new_password' in f.fields)!.fields, password: 'a brand new passphrase 42', new_password: 'a brand new passphrase 42' },
    });
    expect(set.status).toBe(200);
    expect((await t.latchkey.services.accounts.findByEmail(email))?.password_hash).toEqual(expect.any(String));

    // Support can send a fresh link to an account that still has no password; not to one that has.
    const pending = await submit(ua, page, '/accounts/new', { email: `late-${kind}@example.com` });
    const lateId = pending.url.pathname.split('/').pop()!;
    const firstLink = linkTo(await mailbox.next(t.latchkey, `late-${kind}@example.com`), '/invitation');
    const resent = await submit(ua, pending, `/accounts/${lateId}/resend-invitation`);
    expect(resent.url.searchParams.get('done')).toBe('invitation-sent');
    const secondLink = linkTo(await mailbox.next(t.latchkey, `late-${kind}@example.com`), '/invitation');
    expect(secondLink.href).not.toBe(firstLink.href);
    expect((await open(new UserAgent(), firstLink)).status).not.toBe(200);
    const hasPassword = await postForm(ua, page, `${t.issuer}/admin/accounts/${account.id}/resend-invitation`);
    expect(hasPassword.status).toBe(400);
    expect(textOf(hasPassword.html)).toContain('This account already has a password');

    // Provisioning an existing email changes nothing and sends nothing.
    const again = await submit(ua, page, '/accounts/new', { email, name: 'Someone Else' });
    expect(again.url.searchParams.get('done')).toBe('already-exists');
    expect((await t.latchkey.services.accounts.findByEmail(email))?.name).toBe('Walk In');
  });

  it('links and unlinks customer IDs; an unknown one is a form message', async () => {
    await t.latchkey.db.query(`INSERT INTO customers (customer_id, company_name, tax_id, country) VALUES ('C-${kind}-1', 'Northwind', 'CZ123', 'CZ') ON CONFLICT DO NOTHING`);
    const user = await person(t.latchkey, 'linked');
    const { ua, page } = await staffBrowser(t.issuer, support, `/admin/accounts/${user.id}`);
    const unknown = await submit(ua, page, `/accounts/${user.id}/customers/link`, { customer_id: 'NOPE-404' });
    expect(unknown.status).toBe(404);
    expect(textOf(unknown.html)).toContain('The customer directory has no such customer ID.');
    const empty = await submit(ua, page, `/accounts/${user.id}/customers/link`, { customer_id: '' });
    expect(empty.status).toBe(400);
    expect(textOf(empty.html)).toContain('Enter the customer ID.');

    const linked = await submit(ua, page, `/accounts/${user.id}/customers/link`, { customer_id: `C-${kind}-1` });
    expect(linked.url.searchParams.get('done')).toBe('customer-linked');
    expect(textOf(linked.html)).toContain('Northwind');
    expect((await t.latchkey.services.customers.linksOf(user.id)).map((l) => l.customer_id)).toEqual([`C-${kind}-1`]);
    const unlinked = await submit(ua, linked, `/accounts/${user.id}/customers/unlink`);
    expect(unlinked.url.searchParams.get('done')).toBe('customer-unlinked');
    expect(await t.latchkey.services.customers.linksOf(user.id)).toEqual([]);
  });

  it('finds the staff actions in the audit search by actor, type and company, page by page', async () => {
    const { companyId } = await pendingCompany(t.latchkey, 'Audited Ltd', `CZ${(Date.now() + 33) % 1e8}`);
    const { ua, page } = await staffBrowser(t.issuer, admin, '/admin/queue');
    await submit(ua, page, `/companies/${companyId}/moderate`, { decision: 'approve' });
    const victims = [await person(t.latchkey, 'audited'), await person(t.latchkey, 'audited')];
    for (const v of victims) {
      const detail = await open(ua, `${t.issuer}/admin/accounts/${v.id}`);
      await submit(ua, detail, `/accounts/${v.id}/block`, { reason: `audit test ${v.email}` });
    }

    const byActor = await open(ua, `${t.issuer}/admin/audit?${new URLSearchParams({ account: admin.email, type: 'staff.' })}`);
    expect(byActor.status).toBe(200);
    const blockedEvents = [...byActor.html.matchAll(/data-audit-type="staff\.account-blocked"/g)];
    expect(blockedEvents).toHaveLength(2);
    expect(byActor.html).not.toContain('data-audit-type="company.approved"');

    const byCompany = await open(ua, `${t.issuer}/admin/audit?${new URLSearchParams({ company: companyId })}`);
    expect(byCompany.html).toContain('data-audit-type="company.approved"');
    expect(byCompany.html).toContain('data-audit-type="company.registered"');

    const today = new Date().toISOString().slice(0, 10);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const inRange = await open(ua, `${t.issuer}/admin/audit?${new URLSearchParams({ account: victims[0]!.id, from: today, to: tomorrow })}`);
    expect(inRange.html).toContain('data-audit-type="staff.account-blocked"');
    const outOfRange = await open(ua, `${t.issuer}/admin/audit?${new URLSearchParams({ account: victims[0]!.id, to: today })}`);
    expect(textOf(outOfRange.html)).toContain('No events match.');

    // Pages: the service pages with `before`; the console links to the older page.
    const page1 = await t.latchkey.services.staff.searchAudit({ accountId: admin.id, staffRoles: ['admin'] }, { account: admin.id, type: 'staff.account-blocked', limit: 1 });
    expect(page1.events).toHaveLength(1);
    expect(page1.nextBefore).toEqual(expect.any(Number));
    const page2 = await t.latchkey.services.staff.searchAudit({ accountId: admin.id, staffRoles: ['admin'] }, { account: admin.id, type: 'staff.account-blocked', limit: 1, before: page1.nextBefore! });
    expect(page2.events).toHaveLength(1);
    expect(page2.events[0]!.id).toBeLessThan(page1.events[0]!.id);
    expect(page2.events[0]!.data).toMatchObject({ actorId: admin.id });

    for (const [filters, message] of [
      [{ company: 'not-a-uuid' }, 'A company id looks like'],
      [{ from: '31/01/2026' }, 'Enter a date like 2026-01-31'],
      [{ from: tomorrow, to: today }, 'Enter a date like 2026-01-31'],
      [{ type: 'DROP TABLE;' }, 'An event type looks like'],
      [{ account: 'somebody' }, 'Enter an account id or email address.'],
    ] as const) {
      const bad = await open(ua, `${t.issuer}/admin/audit?${new URLSearchParams(filters)}`);
      expect({ status: bad.status, text: textOf(bad.html) }).toEqual({ status: 400, text: expect.stringContaining(message) });
    }
  });

  it('answers unknown or malformed ids with the 404 page and odd searches with results, never a 500', async () => {
    const { ua } = await staffBrowser(t.issuer, admin, '/admin/accounts');
    expect((await open(ua, `${t.issuer}/admin/accounts/00000000-0000-4000-8000-000000000000`)).status).toBe(404);
    expect((await open(ua, `${t.issuer}/admin/accounts/not-an-id`)).status).toBe(404);
    expect((await open(ua, `${t.issuer}/admin/companies/00000000-0000-4000-8000-000000000000`)).status).toBe(404);
    const search = await open(ua, `${t.issuer}/admin/accounts?${new URLSearchParams({ q: `%_\\' OR 1=1 --${'x'.repeat(400)}`, page: '-3' })}`);
    expect(search.status).toBe(200);
    expect(textOf(search.html)).toContain('Found: 0');
    const found = await open(ua, `${t.issuer}/admin/accounts?${new URLSearchParams({ q: support.email.toUpperCase() })}`);
    expect(found.html).toContain(`data-account-id="${support.id}"`);
    const companies = await open(ua, `${t.issuer}/admin/companies?${new URLSearchParams({ q: '%', status: 'bogus' })}`);
    expect(companies.status).toBe(200);
  });
});
