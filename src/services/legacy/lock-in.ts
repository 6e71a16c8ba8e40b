// Security rule (issue 4, item 4): first sign-in lock-in of a legacy password. The typed password is checked
// against EVERY legacy hash of the account (all of them, always, so the time reveals neither which matched nor
// how many exist; the import caps each hash's cost). On a match, ONE transaction holding the account row lock
// re-checks that the account still has no Latchkey password, stores the Argon2id hash of the typed password,
// drops every legacy hash and audits 'legacy.locked_in' with the winning source (never the hash). A concurrent
// loser finds the stored Argon2 hash and is checked against it instead (so it fails unless it typed the same
// password). Takeover defence (item 5) is the caller's job: lock in an unverified source's password only after
// the mailbox is proven (see needsMailboxProof).
import type { Database } from '../../db/types.js';
import { createAccountQueries } from '../../queries/accounts.js';
import { createLegacyIdentityQueries, type LegacyIdentityRow } from '../../queries/legacy-identities.js';
import type { PasswordHasher } from '../accounts/password.js';
import type { AuditLog } from '../audit/index.js';
import { verifyLegacyHash } from './hashes/index.js';

export interface LegacyLockInDeps {
  db: Database;
  hasher: PasswordHasher;
  audit: AuditLog;
}

/** The outcome of a lock-in attempt: 'locked-in' (this call stored the password), 'already-set' (another won; valid tells whether the typed password is the stored one). */
export type LockInResult = { outcome: 'locked-in'; source: string } | { outcome: 'already-set'; valid: boolean };

const hashInput = (i: LegacyIdentityRow) => ({
  hash: i.password_hash ?? '',
  scheme: i.hash_scheme ?? undefined,
  salt: i.salt ?? undefined,
  saltPosition: i.salt_position ?? undefined,
});

/** First-sign-in lock-in of legacy passwords (migrations/0008_legacy.sql). */
export function createLegacyLockIn(deps: LegacyLockInDeps) {
  const { db, hasher, audit } = deps;

  return {
    /** Checks the password against every legacy hash of the account (no early exit); the first matching identity in (source, legacy_id) order, or undefined. */
    async match(accountId: string, password: string): Promise<LegacyIdentityRow | undefined> {
      const identities = (await createLegacyIdentityQueries(db).listByAccount(accountId)).filter((i) => i.password_hash !== null);
      let winner: LegacyIdentityRow | undefined;
      for (const identity of identities) {
        const ok = await verifyLegacyHash(hashInput(identity), password).catch(() => false);
        if (ok && winner === undefined) winner = identity;
      }
      return winner;
    },

    /** True when signing in with this identity's password must first prove the mailbox (neither the source nor the account verified the email). */
    needsMailboxProof(identity: LegacyIdentityRow, accountEmailVerified: boolean): boolean {
      return !identity.email_verified && !accountEmailVerified;
    },

    /** Stores the typed password as the account's Argon2id password and drops every legacy hash, under the account row lock. */
    async lockIn(accountId: string, winner: LegacyIdentityRow, password: string, context: { ip?: string | null; userAgent?: string | null } = {}): Promise<LockInResult> {
      const passwordHash = await hasher.hash(password);
      const result = await db.transaction(async (tx): Promise<LockInResult | { outcome: 'recheck'; stored: string }> => {
        const account = await createAccountQueries(tx).lockById(accountId);
        if (!account) return { outcome: 'already-set', valid: false };
        if (account.password_hash !== null) return { outcome: 'recheck', stored: account.password_hash };
        const current = await createLegacyIdentityQueries(tx).find(winner.source, winner.legacy_id);
        if (!current || current.account_id !== accountId || current.password_hash !== winner.password_hash) {
          return { outcome: 'already-set', valid: false };
        }
        await createAccountQueries(tx).setPasswordHash(accountId, passwordHash);
        await createLegacyIdentityQueries(tx).dropHashesAfterLockIn(accountId, winner.id);
        if (winner.email_verified) await createAccountQueries(tx).markEmailVerified(accountId);
        await audit.record({
          accountId, type: 'legacy.locked_in', ip: context.ip ?? null, userAgent: context.userAgent ?? null,
          data: { source: winner.source, algorithm: winner.hash_algorithm, emailVerified: winner.email_verified },
        }, tx);
        return { outcome: 'locked-in', source: winner.source };
      });
      if (result.outcome !== 'recheck') return result;
      return { outcome: 'already-set', valid: (await hasher.verify(result.stored, password)).valid };
    },
  };
}
export type LegacyLockIn = ReturnType<typeof createLegacyLockIn>;
