// Test helpers for the companies Account API and the Admin API: people signed in to a first-party mobile
// app through the real code flow (openid-client), staff holding roles granted as `latchkey staff grant` does,
// and a company registry file imported as `latchkey companies registry-import` does.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestLatchkey } from '../../support/latchkey.js';
import { nativeApp, signIn } from './api-client.js';

export const PASSWORD = 'company api secret phrase';
/** What a company app asks for: the Account API, the organizations claim, a refresh token. */
export const MEMBER_SCOPE = 'openid email organizations account offline_access';
/** What a staff tool asks for. */
export const STAFF_SCOPE = 'openid email account admin';

export interface ApiPerson {
  id: string;
  email: string;
  password: string;
  token: string;
  refreshToken: string | undefined;
}

/** People on one test server, each signed in to the same first-party app. */
export async function apiPeople(t: TestLatchkey, prefix: string) {
  const app = await nativeApp(t, `${prefix} app`);
  let serial = 0;

  /** A verified account with `staffRoles`, signed in with `scope`. */
  async function person(name: string, options: { staffRoles?: string[]; scope?: string } = {}): Promise<ApiPerson> {
    serial += 1;
    const email = `${prefix}-${name}-${serial}@example.com`.toLowerCase();
    const { id } = await t.latchkey.services.accounts.create({ email, password: PASSWORD, name, emailVerified: true });
    for (const role of options.staffRoles ?? []) await t.latchkey.services.staff.grant(email, role);
    const scope = options.scope ?? (options.staffRoles?.length ? STAFF_SCOPE : MEMBER_SCOPE);
    const tokens = await signIn(app.config, { email, password: PASSWORD }, scope);
    return { id, email, password: PASSWORD, token: tokens.access_token, refreshToken: tokens.refresh_token };
  }

  return { app, person };
}

/** Imports registry rows (CSV) through the company service, as the CLI does. */
export async function importRegistry(t: TestLatchkey, rows: string[]): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'latchkey-registry-'));
  try {
    const file = path.join(dir, 'registry.csv');
    await writeFile(file, ['country,tax_id,kind,name,vat_id,street_address,locality,postal_code,region', ...rows].join('\n') + '\n');
    const summary = await t.latchkey.services.companies.importRegistry(file, 'csv');
    if (summary.rejected > 0) throw new Error(`registry rows rejected: ${JSON.stringify(summary.errors)}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
