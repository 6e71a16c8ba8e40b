// Test data for the organization claims: approved companies, members and roles, created through
// services.companies exactly as the account center and the staff console do (register -> moderator approval,
// join request -> moderator + company-admin approval, role grants), with a real staff moderator/admin.
import type { TestLatchkey } from '../support/latchkey.js';

export const PASSWORD = 'correct horse battery staple';

export interface Person {
  id: string;
  email: string;
  password: string;
}

/** Builds people and companies on one test server. */
export function companyFixtures(t: TestLatchkey, prefix: string) {
  const services = () => t.latchkey.services;
  let serial = 0;
  let staffId: string | undefined;

  /** A staff account holding moderator and admin, as `latchkey staff grant` makes it. */
  async function staff() {
    if (!staffId) {
      const email = `${prefix}-staff@example.com`;
      staffId = (await services().accounts.create({ email, password: PASSWORD, emailVerified: true })).id;
      await services().staff.grant(email, 'moderator');
      await services().staff.grant(email, 'admin');
    }
    const actor = await services().staff.actorFor(staffId, { ip: '127.0.0.1', userAgent: 'test' });
    if (!actor) throw new Error('staff actor missing');
    return actor;
  }

  return {
    staff,
    /** A verified account with a password. */
    async person(name: string): Promise<Person> {
      serial += 1;
      const email = `${prefix}-${name}-${serial}@example.com`.toLowerCase();
      const { id } = await services().accounts.create({ email, password: PASSWORD, name, emailVerified: true });
      return { id, email, password: PASSWORD };
    },
    /** A company registered by owner; approved by a moderator unless approve is false. */
    async company(owner: Person, name: string, options: { approve?: boolean } = {}) {
      serial += 1;
      const taxId = String(40000000 + serial);
      const company = await services().companies.register({ accountId: owner.id }, { kind: 'legal_entity', country: 'CZ', taxId, name });
      if (options.approve !== false) await services().companies.moderateCompany(await staff(), company.id, { decision: 'approve' });
      return { id: company.id, name, taxId: company.taxId };
    },
    /** person joins company with both approvals (moderator, then the owner as company admin); optionally gets extra roles. */
    async join(person: Person, company: { id: string }, owner: Person, roles: string[] = []) {
      const request = await services().companies.requestJoin({ accountId: person.id }, company.id);
      await services().companies.decideJoin(await staff(), request.id, { as: 'moderator', decision: 'approve' });
      await services().companies.decideJoin({ accountId: owner.id }, request.id, { as: 'company-admin', decision: 'approve' });
      for (const role of roles) await services().companies.grantRole({ accountId: owner.id }, company.id, person.id, role);
    },
  };
}
