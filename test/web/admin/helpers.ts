// Helpers for the admin console's HTTP tests: staff accounts, signing in through the real login page,
// pending companies and join requests made through services.companies, and aging a sign-in.
import type { Latchkey } from '../../../src/app.js';
import type { StaffRole } from '../../../src/services/staff/index.js';
import { UserAgent } from '../../support/user-agent.js';
import { open, signIn, type AccountPage } from '../account/helpers.js';

export { open, submit, textOf, type AccountPage } from '../account/helpers.js';

export interface Person {
  id: string;
  email: string;
  password: string;
}

let n = 0;

/** A verified account with a password; with roles, a staff member. */
export async function person(lk: Latchkey, label: string, roles: StaffRole[] = []): Promise<Person> {
  const email = `${label}${++n}@example.com`;
  const password = `a long secret phrase ${label} ${n}`;
  const account = await lk.services.accounts.create({ email, password, name: `${label} ${n}`, emailVerified: true });
  for (const role of roles) await lk.services.staff.grant(email, role);
  return { id: account.id, email, password };
}

/** A new browser signed in at `path` of the console (through the login page); returns it and the page it lands on. */
export async function staffBrowser(issuer: string, who: Person, path = '/admin'): Promise<{ ua: UserAgent; page: AccountPage }> {
  const ua = new UserAgent({ 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AdminTest/1.0' });
  const page = await signIn(ua, issuer, who, path);
  return { ua, page };
}

const csrfOf = (page: AccountPage) => page.forms.map((f) => f.fields._csrf).find((v) => typeof v === 'string' && v !== '');

/**
 * Posts a form to a console URL with this browser's valid CSRF token (from `page`, or else from the account
 * center's page, which shares the browser's CSRF secret): what a hand-crafted request from the signed-in
 * browser would send.
 */
export async function postForm(ua: UserAgent, page: AccountPage, url: string, fields: Record<string, string> = {}): Promise<AccountPage> {
  const token = csrfOf(page) ?? csrfOf(await open(ua, `${page.url.origin}/account`));
  if (!token) throw new Error(`No CSRF token for the browser on ${page.url.href}`);
  return open(ua, url, { form: { _csrf: token, ...fields } });
}

/** A pending company registered by a fresh owner; returns the company id and the owner. */
export async function pendingCompany(lk: Latchkey, name: string, taxId: string): Promise<{ companyId: string; owner: Person }> {
  const owner = await person(lk, 'owner');
  const company = await lk.services.companies.register({ accountId: owner.id }, { kind: 'legal_entity', country: 'CZ', taxId, name });
  return { companyId: company.id, owner };
}

/** Makes every provider session of the account look as if the password was entered an hour ago. */
export async function ageSignIn(lk: Latchkey, accountId: string, seconds = 3600): Promise<number> {
  const { rowCount } = await lk.db.query(
    `UPDATE oidc_payloads SET payload = jsonb_set(payload, '{loginTs}', to_jsonb((extract(epoch from now())::bigint - $2::bigint)))
      WHERE model = 'Session' AND payload->>'accountId' = $1`,
    [accountId, seconds],
  );
  return rowCount;
}
