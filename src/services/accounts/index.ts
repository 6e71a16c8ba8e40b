// Accounts: creation, password authentication, blocking. Knows nothing of HTTP.
import { randomBytes } from 'node:crypto';
import type { Database, Queryable } from '../../db/types.js';
import { createAccountQueries, type AccountRow } from '../../queries/accounts.js';
import { createLegacyIdentityQueries } from '../../queries/legacy-identities.js';
import type { AuditLog } from '../audit/index.js';
import { createLegacyLockIn, type PendingLegacyLockIn } from '../legacy/lock-in.js';
import { AlreadyExists, InvalidInput, NotFound } from '../errors.js';
import { isPlausibleEmail, normalizeEmail } from './email.js';
import type { PasswordHasher } from './password.js';
import { assertPasswordAllowed, DEFAULT_MIN_PASSWORD_LENGTH, type PasswordPolicyOptions } from './password-policy.js';
import { createFailureTiming } from './failure-timing.js';

export { normalizeEmail } from './email.js';
export type { AccountRow } from '../../queries/accounts.js';

export const MIN_PASSWORD_LENGTH = DEFAULT_MIN_PASSWORD_LENGTH;
export { UnacceptablePassword, checkPassword, type PasswordRefusal } from './password-policy.js';

/** The outcome of a password check: the account when it succeeded; the id of the email's account either way (for the audit log, never for the user). */
export interface Authentication {
  account: AccountRow | undefined;
  knownAccountId: string | null;
  /** Set when the password was a legacy one that needs a mailbox proof first (issue 4, item 5): hold the sign-in. */
  mailboxProof?: PendingLegacyLockIn;
}

export interface AccountServiceDeps {
  db: Database;
  hasher: PasswordHasher;
  audit: AuditLog;
  /** Ends every session and revokes every grant and token of an account; returns how many were removed. */
  revokeAccountArtifacts: (accountId: string, tx: Queryable) => Promise<number>;
  /** The configured password policy (LATCHKEY_PASSWORD_MIN_LENGTH); defaults apply when absent. */
  passwordPolicy?: { minLength?: number };
}

export interface NewAccountInput {
  email: string;
  password?: string;
  name?: string;
  emailVerified?: boolean;
  locale?: string;
}

/**
 * Checks a new password against the policy (./password-policy.ts: length, common passwords, the email);
 * throws UnacceptablePassword, an InvalidInput on the field 'password' carrying a reason code.
 */
export function assertAcceptablePassword(password: string, options: PasswordPolicyOptions = {}): void {
  assertPasswordAllowed(password, options);
}

/** The account rules: one account per normalised email, Argon2id passwords, active or blocked. */
export function createAccountService(deps: AccountServiceDeps) {
  const { db, hasher, audit } = deps;
  const minLength = deps.passwordPolicy?.minLength ?? DEFAULT_MIN_PASSWORD_LENGTH;
  const accounts = createAccountQueries(db);
  const legacy = createLegacyLockIn({ db, hasher, audit });
  const failureTiming = createFailureTiming({
    async calibrate() {
      const accountId = await createLegacyIdentityQueries(db).someAccountWithPendingHashes();
      if (!accountId) return undefined;
      const startedAt = performance.now();
      await legacy.match(accountId, randomBytes(18).toString('base64url'));
      await hasher.verifyDummy('');
      return performance.now() - startedAt;
    },
  });

  async function requireAccount(idOrEmail: string): Promise<AccountRow> {
    const account = idOrEmail.includes('@')
      ? await accounts.findByEmail(normalizeEmail(idOrEmail))
      : await accounts.findById(idOrEmail);
    if (!account) throw new NotFound(`No account with ${idOrEmail.includes('@') ? 'email' : 'id'} ${idOrEmail}.`);
    return account;
  }

  return {
    findById: (id: string) => accounts.findById(id),
    findByEmail: (email: string) => accounts.findByEmail(normalizeEmail(email)),
    requireAccount,
    normalizeEmail,

    /** The configured minimum password length (for the page's hint). */
    passwordMinLength: minLength,

    /** Checks a new password for an account with this email against the configured policy; throws UnacceptablePassword. */
    assertAcceptablePassword: (password: string, email?: string) => assertAcceptablePassword(password, { email, minLength }),

    /** Spends the time of a failed sign-in without checking anything (for refusals). */
    async burnPasswordCheck(password: string): Promise<void> {
      const startedAt = failureTiming.start();
      await hasher.verifyDummy(password);
      await failureTiming.failed(startedAt);
    },

    /** Creates an account; throws InvalidInput for a bad email or password, AlreadyExists for a taken email. */
    async create(input: NewAccountInput): Promise<AccountRow> {
      const email = normalizeEmail(input.email);
      if (!isPlausibleEmail(email)) throw new InvalidInput(`"${input.email.trim()}" is not a valid email address.`, 'email');
      if (input.password !== undefined) assertAcceptablePassword(input.password, { email, minLength });
      const passwordHash = input.password === undefined ? null : await hasher.hash(input.password);
      return db.transaction(async (tx) => {
        const account = await createAccountQueries(tx).insert({
          email,
          emailVerified: input.emailVerified ?? false,
          passwordHash,
          name: input.name?.trim() || null,
          locale: input.locale ?? null,
        });
        if (!account) throw new AlreadyExists(`An account with the email ${email} already exists.`);
        await audit.record({ accountId: account.id, type: 'account.created', data: { via: 'cli' } }, tx);
        return account;
      });
    },

    /**
     * Checks an email and password. Unknown emails, accounts without a password and blocked accounts fail
     * exactly like a wrong password and take the same time. Re-hashes when the parameters changed.
     */
    async authenticate(emailInput: string, password: string): Promise<Authentication> {
      const startedAt = failureTiming.start();
      const fail = async (knownAccountId: string | null): Promise<Authentication> => {
        // Every failure takes as long as a failed legacy check (./failure-timing.ts).
        await failureTiming.failed(startedAt);
        return { account: undefined, knownAccountId };
      };
      const account = await accounts.findByEmail(normalizeEmail(emailInput));
      if (!account?.password_hash) {
        // No Latchkey password yet: first sign-in with a legacy password (src/services/legacy/lock-in.ts).
        // Every legacy hash is checked, and the Argon2 dummy runs too.
        const winner = account ? await legacy.match(account.id, password) : undefined;
        await hasher.verifyDummy(password);
        if (account) failureTiming.legacyChecked(startedAt);
        if (!account || !winner || account.status !== 'active') return fail(account?.id ?? null);
        // Takeover defence (item 5): an unverified source's password on an unverified email signs nobody in; the
        // caller holds the sign-in until the mailbox is proven (src/services/legacy/mailbox-proof.ts).
        if (legacy.needsMailboxProof(winner, account.email_verified)) {
          return { account: undefined, knownAccountId: account.id, mailboxProof: await legacy.prepareHold(account, winner, password) };
        }
        const locked = await legacy.lockIn(account.id, winner, password);
        const valid = locked.outcome === 'locked-in' || locked.valid;
        if (!valid) return fail(account.id);
        return { account: await accounts.findById(account.id), knownAccountId: account.id };
      }
      const result = await hasher.verify(account.password_hash, password);
      if (!result.valid || account.status !== 'active') return fail(account.id);
      if (result.needsRehash) {
        await accounts.replacePasswordHash(account.id, account.password_hash, await hasher.hash(password));
      }
      return { account, knownAccountId: account.id };
    },

    /** Blocks an account: its sessions end and its grants and tokens are revoked at once. */
    async block(idOrEmail: string, reason?: string): Promise<{ account: AccountRow; revoked: number }> {
      const existing = await requireAccount(idOrEmail);
      return db.transaction(async (tx) => {
        const account = await createAccountQueries(tx).setStatus(existing.id, 'blocked');
        if (!account) throw new NotFound(`No account with id ${existing.id}.`);
        const revoked = await deps.revokeAccountArtifacts(account.id, tx);
        await audit.record({ accountId: account.id, type: 'account.blocked', data: { reason: reason ?? null, revoked } }, tx);
        return { account, revoked };
      });
    },

    async unblock(idOrEmail: string): Promise<AccountRow> {
      const existing = await requireAccount(idOrEmail);
      return db.transaction(async (tx) => {
        const account = await createAccountQueries(tx).setStatus(existing.id, 'active');
        if (!account) throw new NotFound(`No account with id ${existing.id}.`);
        await audit.record({ accountId: account.id, type: 'account.unblocked' }, tx);
        return account;
      });
    },
  };
}
export type AccountService = ReturnType<typeof createAccountService>;
