// Accounts created by a sibling app (issue 3, item 10): a service client holding `accounts:provision`
// creates or looks up an account by email. Idempotent and race-safe (one INSERT ... ON CONFLICT DO NOTHING
// decides who created it); an existing account is never changed nor revealed beyond its id; no password
// travels here. A new account is unverified and has no password: the person gets an 'invitation' mail
// with a single-use set-password link valid 7 days.
import type { Database } from '../../db/types.js';
import { createAccountQueries } from '../../queries/accounts.js';
import { isPlausibleEmail, normalizeEmail } from '../accounts/email.js';
import { invitationLink } from '../account-links.js';
import type { AccountTokens } from '../account-tokens/index.js';
import type { AuditLog } from '../audit/index.js';
import { InvalidInput } from '../errors.js';
import { enqueueMail } from '../mail/index.js';

export interface ProvisioningDeps {
  db: Database;
  issuer: string;
  tokens: AccountTokens;
  audit: AuditLog;
}

/** What a sibling app asks for. */
export interface ProvisionRequest {
  email: string;
  name?: string | undefined;
  locale?: string | undefined;
}

/** Which app asks, and from where (for the audit log and the invitation's wording). */
export interface ProvisioningClient {
  clientId: string;
  clientName: string;
  ip?: string | null;
  userAgent?: string | null;
}

/** The answer: the account's id, and whether this call created it. */
export interface ProvisionResult {
  sub: string;
  created: boolean;
}

/** Creates or looks up accounts for service clients. */
export function createProvisioning(deps: ProvisioningDeps) {
  const { db, issuer, tokens, audit } = deps;

  return {
    /** Creates the account (and queues its invitation) or returns the existing one unchanged; call notify() on the mailer after. */
    async provision(input: ProvisionRequest, client: ProvisioningClient): Promise<ProvisionResult> {
      const email = normalizeEmail(input.email);
      if (!isPlausibleEmail(email)) throw new InvalidInput('email is not a valid email address.', 'email');
      const name = input.name?.trim() || null;
      const origin = { clientId: client.clientId, ip: client.ip ?? null, userAgent: client.userAgent ?? null };
      return db.transaction(async (tx) => {
        const accounts = createAccountQueries(tx);
        // Two parallel calls: PostgreSQL makes the second INSERT wait for the first and then do nothing.
        const inserted = await accounts.insert({ email, emailVerified: false, passwordHash: null, name, locale: input.locale ?? null });
        if (!inserted) {
          const existing = await accounts.findByEmail(email);
          if (!existing) throw new Error('provisioning: the email is taken but its account cannot be read');
          await audit.record({ accountId: existing.id, type: 'account.provisioned', ...origin, data: { created: false } }, tx);
          return { sub: existing.id, created: false };
        }
        const { token } = await tokens.issue(tx, { purpose: 'invitation', accountId: inserted.id, data: { clientId: client.clientId } });
        await enqueueMail(tx, {
          to: inserted.email,
          template: 'invitation',
          locale: inserted.locale ?? 'en',
          data: { link: invitationLink(issuer, token), name, clientName: client.clientName },
        });
        await audit.record({ accountId: inserted.id, type: 'account.provisioned', ...origin, data: { created: true } }, tx);
        return { sub: inserted.id, created: true };
      });
    },
  };
}
export type Provisioning = ReturnType<typeof createProvisioning>;
