// The whole services context on a fresh database (PGlite or PostgreSQL) for company service tests, with
// helpers to create accounts and staff actors, build an approved company with members, and read the mail
// a change queued and the audit events it wrote.
import { randomBytes } from 'node:crypto';
import { loadConfig, type LatchkeyConfig } from '../../../src/config/index.js';
import { createAccountQueries } from '../../../src/queries/accounts.js';
import type { Actor, Company, StaffActor } from '../../../src/services/companies/index.js';
import { createServices, type LatchkeyServices } from '../../../src/services/index.js';
import { createSecretBox } from '../../../src/services/secrets/secret-box.js';
import { createTestDatabase, type DatabaseKind, type TestDatabase } from '../../support/databases.js';

export type Person = Actor & { email: string };

export interface CompanyHarness {
  services: LatchkeyServices;
  companies: LatchkeyServices['companies'];
  database: TestDatabase;
  config: LatchkeyConfig;
  /** A verified account with a unique address (`<label>.<n>@example.com`); returns it as an actor with its email. */
  person(label: string, name?: string): Promise<Person>;
  /** A staff actor holding these staff roles. */
  staff(label: string, ...roles: string[]): Promise<StaffActor & { email: string }>;
  /** A tax ID nobody used yet in this database (country prefix + 8 digits). */
  taxId(country?: string): string;
  /** A company registered by owner (CZ, a fresh tax ID) and approved by a moderator. */
  approvedCompany(owner: Actor, name?: string): Promise<Company>;
  /** Makes a person a member (role 'member') through a join request approved by both sides. */
  addMember(company: Company, admin: Actor, person: Actor): Promise<void>;
  /** Data of every queued mail to an address with this template, oldest first. */
  mails(to: string, template: string): Promise<Record<string, unknown>[]>;
  /** Audit events of a type, oldest first. */
  audit(type: string): Promise<{ account_id: string | null; ip: string | null; data: Record<string, unknown> }[]>;
  close(): Promise<void>;
}

/** Services over a fresh database; env adds configuration (e.g. LATCHKEY_COMPANY_PERMISSIONS). */
export async function startCompanyServices(kind: DatabaseKind, env: Record<string, string> = {}): Promise<CompanyHarness> {
  const database = await createTestDatabase(kind);
  const config = loadConfig(env, { issuer: 'https://id.example.com', cookieKeys: ['k'.repeat(43)], keyEncryptionKey: randomBytes(32) });
  const services = await createServices({ config, db: database.db, box: createSecretBox(randomBytes(32)) });
  const { db } = database;
  const companies = services.companies;
  let moderator: StaffActor | undefined;
  let seq = 0;
  const harness: CompanyHarness = {
    services,
    companies,
    database,
    config,
    async person(label, name) {
      const email = `${label}.${++seq}@example.com`;
      const row = await createAccountQueries(db).insert({ email, emailVerified: true, passwordHash: null, name: name ?? null, locale: 'en' });
      return { accountId: row!.id, ip: '198.51.100.7', userAgent: 'jest', email };
    },
    async staff(label, ...roles) {
      return { ...(await harness.person(label)), staffRoles: roles };
    },
    taxId(country = 'CZ') {
      return `${country}${String(10_000_000 + ++seq)}`;
    },
    async approvedCompany(owner, name = 'Acme') {
      moderator ??= await harness.staff('moderator', 'moderator');
      const company = await companies.register(owner, { kind: 'legal_entity', country: 'CZ', taxId: harness.taxId(), name });
      return companies.moderateCompany(moderator, company.id, { decision: 'approve' });
    },
    async addMember(company, admin, person) {
      moderator ??= await harness.staff('moderator', 'moderator');
      const request = await companies.requestJoin(person, company.id);
      await companies.decideJoin(moderator, request.id, { as: 'moderator', decision: 'approve' });
      await companies.decideJoin(admin, request.id, { as: 'company-admin', decision: 'approve' });
    },
    async mails(to, template) {
      const { rows } = await db.query<{ data: Record<string, unknown> }>(
        'SELECT data FROM mail_outbox WHERE recipient = $1 AND template = $2 ORDER BY created_at, id', [to, template]);
      return rows.map((r) => r.data);
    },
    async audit(type) {
      const { rows } = await db.query<{ account_id: string | null; ip: string | null; data: Record<string, unknown> }>(
        'SELECT account_id, ip, data FROM audit_events WHERE type = $1 ORDER BY id', [type]);
      return rows;
    },
    close: () => database.close(),
  };
  return harness;
}
