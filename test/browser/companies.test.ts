// The company pages as people use them, in headless Chromium (issue 5): an owner registers a company by
// tax ID (the lookup fills the form from the registry), a moderator approves it (service), an employee
// finds it by tax ID and asks to join, the owner approves on the Requests tab and a moderator (service)
// approves too, the employee sees the company with their role, the owner makes them accountant, and a
// forged form post trying to make the employee admin is refused with a message. Also: the pages fit a
// 375 px phone and cause no CSP violation. Real Latchkey (PGlite), real browser, nothing mocked.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { fillSignIn, launchChromium, pageProblems, phone, Screenshots, scrollsSideways, watchedPage } from '../support/browser.js';
import { startTestLatchkey, type TestLatchkey } from '../support/latchkey.js';

const OWNER = { email: 'olga@example.com', password: 'owner of a wholesale business', name: 'Olga Owner' };
const EMPLOYEE = { email: 'erik@example.com', password: 'employee who books invoices', name: 'Erik Employee' };
const screenshots = new Screenshots('companies');

describe('company pages in a browser', () => {
  let t: TestLatchkey;
  let browser: Browser;
  let ownerContext: BrowserContext;
  let employeeContext: BrowserContext;
  let owner: Page;
  let employee: Page;
  let companyId = '';
  let employeeId = '';
  let moderator: { accountId: string; staffRoles: string[] };
  const problems = pageProblems();
  async function signIn(p: Page, user: { email: string; password: string }, target: string) {
    await p.goto(`${t.issuer}${target}`);
    await fillSignIn(p, user.email, user.password);
    await p.waitForURL(`${t.issuer}${target}`);
  }

  beforeAll(async () => {
    t = await startTestLatchkey('pglite', {}, { LATCHKEY_BRUTE_FORCE_QUICK_LOGIN_MS: '0' });
    const file = path.join(screenshots.folder, 'registry.csv');
    writeFileSync(file, 'country,tax_id,kind,name,vat_id,street_address,locality,postal_code\nCZ,27082440,legal_entity,Alza.cz a.s.,CZ27082440,Jankovcova 1522/53,Praha 7,17000\n');
    await t.latchkey.services.companies.importRegistry(file, 'csv');
    await t.latchkey.services.accounts.create({ ...OWNER, emailVerified: true });
    employeeId = (await t.latchkey.services.accounts.create({ ...EMPLOYEE, emailVerified: true })).id;
    const staff = await t.latchkey.services.accounts.create({ email: 'mona@example.com', password: 'moderator of the queue', emailVerified: true });
    await t.latchkey.services.staff.grant('mona@example.com', 'moderator');
    moderator = { accountId: staff.id, staffRoles: ['moderator'] };
    browser = await launchChromium();
    ownerContext = await browser.newContext({ viewport: { width: 1024, height: 800 }, locale: 'en-US' });
    employeeContext = await browser.newContext({ viewport: { width: 1024, height: 800 }, locale: 'en-US' });
    owner = await watchedPage(ownerContext, problems);
    employee = await watchedPage(employeeContext, problems);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('registers a company by tax ID, with the details filled in from the registry', async () => {
    await signIn(owner, OWNER, '/account/companies');
    await expect(owner.locator('[aria-current="page"]').first().textContent()).resolves.toBe('Companies');
    await owner.getByRole('link', { name: 'Register a company' }).click();
    await owner.getByLabel('Legal entity (company)').check();
    await owner.getByLabel('Country').fill('cz');
    await owner.getByLabel('Tax ID').fill('27082440');
    await owner.getByRole('button', { name: 'Look up' }).click();
    await expect(owner.getByRole('status').first().textContent()).resolves.toContain('Found in the registry: Alza.cz a.s.');
    await expect(owner.getByLabel('Company name').inputValue()).resolves.toBe('Alza.cz a.s.');
    await expect(owner.getByLabel('City').inputValue()).resolves.toBe('Praha 7');
    await screenshots.take(owner, 'register-prefilled');
    await owner.getByRole('button', { name: 'Register company' }).click();
    await expect(owner.getByRole('status').first().textContent()).resolves.toContain('A moderator will review it');
    await expect(owner.locator('[data-status]').first().textContent()).resolves.toBe('Waiting for review');
    companyId = /\/account\/companies\/([0-9a-f-]{36})/.exec(owner.url())![1]!;
  });

  it('shows the company as approved once a moderator approves it', async () => {
    await t.latchkey.services.companies.moderateCompany(moderator, companyId, { decision: 'approve' });
    await owner.reload();
    await expect(owner.locator('[data-status]').first().textContent()).resolves.toBe('Approved');
    await expect(owner.locator('[data-my-roles]').textContent()).resolves.toBe('Owner');
  });

  it('lets an employee find the company by tax ID and ask to join', async () => {
    await signIn(employee, EMPLOYEE, '/account/companies/join');
    await employee.getByLabel('Country').fill('CZ');
    await employee.getByLabel('Tax ID').fill('270 82 440');
    await employee.getByRole('button', { name: 'Find company' }).click();
    await expect(employee.getByRole('heading', { name: 'Company found: Alza.cz a.s.' }).isVisible()).resolves.toBe(true);
    await employee.getByRole('button', { name: 'Send join request' }).click();
    await expect(employee.getByRole('status').first().textContent()).resolves.toContain('Your join request has been sent.');
    const request = employee.locator('[data-join-request]');
    await expect(request.textContent()).resolves.toContain('Moderator: waiting');
    await expect(request.textContent()).resolves.toContain('Company administrator: waiting');
  });

  it('the owner approves on the Requests tab, a moderator approves too, and the employee is a member', async () => {
    await owner.getByRole('navigation', { name: 'Company sections' }).getByRole('link', { name: 'Requests' }).click();
    const row = owner.locator(`[data-join-request="${EMPLOYEE.email}"]`);
    await expect(row.textContent()).resolves.toContain(EMPLOYEE.name);
    await screenshots.take(owner, 'requests');
    await row.getByRole('button', { name: 'Approve' }).click();
    await expect(owner.getByRole('status').first().textContent()).resolves.toContain('You approved the join request.');

    await employee.reload();
    await expect(employee.locator('[data-join-request]').textContent()).resolves.toContain('Company administrator: approved');
    const [request] = await t.latchkey.services.companies.listMyJoinRequests(employeeId);
    await t.latchkey.services.companies.decideJoin(moderator, request!.id, { as: 'moderator', decision: 'approve' });

    await employee.reload();
    const company = employee.locator(`[data-company="${companyId}"]`);
    await expect(company.textContent()).resolves.toContain('Your roles: Member');
    await company.getByRole('link', { name: 'Alza.cz a.s.' }).click();
    await expect(employee.locator('[data-my-roles]').textContent()).resolves.toBe('Member');
    await expect(employee.getByRole('navigation', { name: 'Company sections' }).getByRole('link').allTextContents()).resolves.toEqual(['Overview']);
  });

  it('refuses a forged form post that tries to make the employee admin, with a message', async () => {
    // What an attacker's copy of the owner's grant form would post (the page's own CSRF token, a role it does not offer).
    const fields = JSON.stringify({ account_id: employeeId, role: 'admin' });
    await employee.evaluate(`(() => {
      const form = document.createElement('form');
      form.method = 'post';
      form.action = '/account/companies/${companyId}/roles/grant';
      const fields = { ...${fields}, _csrf: document.querySelector('input[name="_csrf"]').value };
      for (const [name, value] of Object.entries(fields)) {
        const input = document.createElement('input');
        input.type = 'hidden';
        input.name = name;
        input.value = value;
        form.append(input);
      }
      document.body.append(form);
      form.submit();
    })()`);
    await employee.waitForURL(`${t.issuer}/account/companies/${companyId}/roles/grant`);
    await expect(employee.getByRole('alert').first().textContent()).resolves.toContain('You are not allowed to do this.');
    await expect(employee.locator('[data-my-roles]').textContent()).resolves.toBe('Member');
    expect(await t.latchkey.services.companies.permissionsOf(employeeId, companyId)).toEqual([]);
    await screenshots.take(employee, 'forged-refused');
  });

  it('the owner makes the employee accountant on the Employees tab; the employee sees invoices only', async () => {
    await owner.goto(`${t.issuer}/account/companies/${companyId}/employees`);
    const row = owner.locator(`[data-member="${EMPLOYEE.email}"]`);
    await row.getByText('Grant a role').click();
    await row.getByLabel('Role', { exact: true }).selectOption('accountant');
    await row.getByRole('button', { name: 'Grant role' }).click();
    await expect(owner.getByRole('status').first().textContent()).resolves.toContain('The role has been granted.');
    await expect(owner.locator(`[data-member="${EMPLOYEE.email}"] [data-member-roles]`).textContent()).resolves.toContain('Accountant');
    await screenshots.take(owner, 'employees');

    await employee.goto(`${t.issuer}/account/companies/${companyId}`);
    await expect(employee.locator('[data-my-roles]').textContent()).resolves.toBe('Member, Accountant');
    await expect(employee.locator('[data-my-permissions]').textContent()).resolves.toBe('invoices');
  });

  it('fits a 375 px phone screen', async () => {
    const phoneContext = await browser.newContext(phone);
    const p = await watchedPage(phoneContext, problems);
    await signIn(p, OWNER, '/account/companies');
    for (const section of ['', '/register', '/join', `/${companyId}`, `/${companyId}/employees`, `/${companyId}/roles`, `/${companyId}/settings`]) {
      await p.goto(`${t.issuer}/account/companies${section}`);
      expect([section, await scrollsSideways(p)]).toEqual([section, false]);
    }
    await screenshots.take(p, 'phone-employees');
    await phoneContext.close();
  });

  it('caused no CSP violation and no script error', () => {
    expect(problems.cspViolations).toEqual([]);
    expect(problems.pageErrors).toEqual([]);
  });
});
