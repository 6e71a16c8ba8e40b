// Security rule (issue 4, item 4): first sign-in lock-in of a legacy password. The typed password is checked
// against EVERY legacy hash of the account (all of them, always, so the time reveals neither which matched nor
// how many exist; the import caps each hash's cost). On a match, ONE transaction holding the account row lock
// re-checks that the account still has no Latchkey password, stores the Argon2id hash of the typed password,
// drops every legacy hash and audits 'legacy.locked_in' with the winning source (never the hash). A concurrent
// loser finds the stored Argon2 hash and is checked against it instead (so it fails unless it typed the same
// password). Takeover defence (item 5): an unverified source's password on an unverified address is never
// locked in here; the sign-in is held (./mailbox-proof.ts) and, once the mailbox is proven, lockInProven stores
// the Argon2id hash computed at sign-in under the same lock and re-checks.
import { createHash } from 'node:crypto';
import type { Database, Queryable } from '../../db/types.js';
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

/** A first sign-in waiting for its mailbox proof: what authenticate hands the web layer (never the password itself). */
export interface PendingLegacyLockIn {
  accountId: string;
  email: string;
  name: string | null;
  identityId: string;
  source: string;
  /** SHA-256 of the matched legacy hash: a re-import that changed it since voids the proof. */
  legacyHashDigest: Buffer;
  /** The Argon2id hash of the typed password, to be stored once the mailbox is proven. */
  passwordHash: string;
}

/** The outcome of a proven lock-in: 'locked-in', or why it could not happen (the hold is then useless). */
export type ProvenLockInResult = { outcome: 'locked-in'; source: string } | { outcome: 'refused'; reason: 'password-set' | 'account-changed' | 'identity-changed' };

/** SHA-256 of a legacy hash string (to notice a change without keeping a copy). */
export const legacyHashDigest = (hash: string) => createHash('sha256').update(hash, 'utf8').digest();

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

    /** The hold of a first sign-in whose mailbox must be proven first: the typed password hashed now, nothing stored yet. */
    async prepareHold(account: { id: string; email: string; name: string | null }, winner: LegacyIdentityRow, password: string): Promise<PendingLegacyLockIn> {
      return {
        accountId: account.id, email: account.email, name: account.name, identityId: winner.id, source: winner.source,
        legacyHashDigest: legacyHashDigest(winner.password_hash ?? ''), passwordHash: await hasher.hash(password),
      };
    },

    /**
     * The lock-in after a proven mailbox, inside the caller's transaction (which used up the hold): under the
     * account row lock, re-checks that no password was set meanwhile, that the address is still the one mailed
     * and that the winning legacy hash is unchanged; then stores the precomputed Argon2id hash, drops every
     * legacy hash, marks the address verified and audits. Exactly one of concurrent lock-ins wins.
     */
    async lockInProven(tx: Queryable, pending: PendingLegacyLockIn, context: { ip?: string | null; userAgent?: string | null; clientId?: string | null } = {}): Promise<ProvenLockInResult> {
      const accountQueries = createAccountQueries(tx);
      const account = await accountQueries.lockById(pending.accountId);
      if (!account || account.status !== 'active' || account.email !== pending.email) return { outcome: 'refused', reason: 'account-changed' };
      if (account.password_hash !== null) return { outcome: 'refused', reason: 'password-set' };
      const identity = (await createLegacyIdentityQueries(tx).listByAccount(account.id)).find((i) => i.id === pending.identityId);
      if (!identity?.password_hash || !legacyHashDigest(identity.password_hash).equals(pending.legacyHashDigest)) {
        return { outcome: 'refused', reason: 'identity-changed' };
      }
      await accountQueries.setPasswordHash(account.id, pending.passwordHash);
      await createLegacyIdentityQueries(tx).dropHashesAfterLockIn(account.id, identity.id);
      await accountQueries.markEmailVerified(account.id);
      await audit.record({
        accountId: account.id, type: 'legacy.locked_in', ip: context.ip ?? null, userAgent: context.userAgent ?? null, clientId: context.clientId ?? null,
        data: { source: identity.source, algorithm: identity.hash_algorithm, emailVerified: identity.email_verified, mailboxProven: true },
      }, tx);
      return { outcome: 'locked-in', source: identity.source };
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
