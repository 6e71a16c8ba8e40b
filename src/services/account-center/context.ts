// What every account-center operation is built from, and the request facts it records in the audit log.
import type { LatchkeyConfig } from '../../config/index.js';
import type { Database } from '../../db/types.js';
import type { AccountRow, AccountService } from '../accounts/index.js';
import type { PasswordHasher } from '../accounts/password.js';
import type { AccountTokens } from '../account-tokens/index.js';
import type { AuditLog } from '../audit/index.js';
import type { BruteForceGuard } from '../brute-force/index.js';
import { NotFound } from '../errors.js';

/** Where an action came from: written to the audit log with it. */
export interface Origin {
  ip?: string | null;
  userAgent?: string | null;
  /** The app acting for the user (the Account API's client); absent for the account center pages. */
  clientId?: string | null;
  /** The page's language, used for mail when the account has no locale of its own. */
  locale?: string;
}

export interface AccountCenterDeps {
  db: Database;
  config: Pick<LatchkeyConfig, 'issuer' | 'selfService'>;
  accounts: AccountService;
  hasher: PasswordHasher;
  audit: AuditLog;
  bruteForce: BruteForceGuard;
  tokens: AccountTokens;
  /** Locales a profile may choose (the ones Latchkey has translations for). */
  supportedLocales: readonly string[];
  /** Client ids that are Latchkey itself (the account center): not listed or revocable as connected apps. */
  internalClientIds: readonly string[];
}

/** The account, or NotFound (also for accounts that are blocked, locked or gone: they have no account center). */
export async function requireActiveAccount(deps: AccountCenterDeps, accountId: string): Promise<AccountRow> {
  const account = await deps.accounts.findById(accountId);
  if (!account || account.status !== 'active') throw new NotFound('No such account.');
  return account;
}

/** The audit fields of an origin. */
export function auditOrigin(origin: Origin) {
  return { ip: origin.ip ?? null, userAgent: origin.userAgent ?? null, clientId: origin.clientId ?? null };
}

/** The language of mail to this account. */
export function mailLocale(account: AccountRow, origin: Origin): string {
  return account.locale ?? origin.locale ?? 'en';
}
