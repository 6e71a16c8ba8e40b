// SQL for legacy identities (migrations/0008_legacy.sql) and the account side of the legacy import:
// set-based statements over a whole batch (arrays and jsonb record sets), so an import runs a handful of
// statements per 500 rows. Rows are checked against schemas, never cast.
import { z } from 'zod';
import type { Queryable } from '../db/types.js';

export const legacyIdentityRow = z.object({
  id: z.string().uuid(),
  source: z.string(),
  legacy_id: z.string(),
  account_id: z.string().uuid(),
  email: z.string(),
  email_normalized: z.string(),
  email_verified: z.boolean(),
  password_hash: z.string().nullable(),
  hash_scheme: z.string().nullable(),
  salt: z.string().nullable(),
  salt_position: z.enum(['prefix', 'suffix']).nullable(),
  hash_algorithm: z.string().nullable(),
  hash_dropped_reason: z.string().nullable(),
  locked_in_at: z.date().nullable(),
  name: z.string().nullable(),
  given_name: z.string().nullable(),
  family_name: z.string().nullable(),
  phone: z.string().nullable(),
  locale: z.string().nullable(),
  customer_id: z.string().nullable(),
  company: z.record(z.string(), z.unknown()).nullable(),
  legacy_created_at: z.date().nullable(),
  last_login_at: z.date().nullable(),
  raw: z.record(z.string(), z.unknown()),
  imported_at: z.date(),
  updated_at: z.date(),
});
export type LegacyIdentityRow = z.infer<typeof legacyIdentityRow>;

/** An account as the import sees it, locked for the batch. */
const importTargetRow = z.object({
  id: z.string().uuid(),
  email: z.string(),
  has_password: z.boolean(),
  email_verified: z.boolean(),
});
export type ImportTarget = z.infer<typeof importTargetRow>;

const existingIdentityRow = z.object({
  legacy_id: z.string(),
  account_id: z.string().uuid(),
  account_has_password: z.boolean(),
  account_email_verified: z.boolean(),
});
export type ExistingIdentity = z.infer<typeof existingIdentityRow>;

const profileSourceRow = z.object({
  account_id: z.string().uuid(),
  source: z.string(),
  legacy_id: z.string(),
  last_login_at: z.date().nullable(),
  name: z.string().nullable(),
  given_name: z.string().nullable(),
  family_name: z.string().nullable(),
  phone: z.string().nullable(),
  locale: z.string().nullable(),
});
export type ProfileSourceRow = z.infer<typeof profileSourceRow>;

const accountProfileRow = z.object({
  id: z.string().uuid(),
  name: z.string().nullable(),
  given_name: z.string().nullable(),
  family_name: z.string().nullable(),
  phone_number: z.string().nullable(),
  locale: z.string().nullable(),
  legacy_profile: z.record(z.string(), z.string()).nullable(),
});
export type AccountProfileRow = z.infer<typeof accountProfileRow>;

/** One identity to write (the import's upsert); dates as ISO strings. */
export interface IdentityUpsert {
  source: string;
  legacy_id: string;
  account_id: string;
  email: string;
  email_normalized: string;
  email_verified: boolean;
  password_hash: string | null;
  hash_scheme: string | null;
  salt: string | null;
  salt_position: string | null;
  hash_algorithm: string | null;
  hash_dropped_reason: string | null;
  name: string | null;
  given_name: string | null;
  family_name: string | null;
  phone: string | null;
  locale: string | null;
  customer_id: string | null;
  company: Record<string, string> | null;
  legacy_created_at: string | null;
  last_login_at: string | null;
  raw: Record<string, unknown>;
}

/** An account the import creates, with the profile merged from the batch's rows for it (profile.ts). */
export interface NewImportAccount {
  email: string;
  name: string | null;
  given_name: string | null;
  family_name: string | null;
  phone_number: string | null;
  locale: string | null;
  /** What the import wrote (accounts.legacy_profile); null when it wrote nothing. */
  legacy_profile: Record<string, string> | null;
}

/** Profile values to write into accounts, and what the import remembers having written. */
export interface ProfileUpdate {
  id: string;
  changes: Record<string, string>;
  remembered: Record<string, string>;
}

/** Typed access to legacy_identities and the accounts the import creates and fills. */
export function createLegacyIdentityQueries(db: Queryable) {
  return {
    /**
     * In one statement: creates the accounts of these emails that have none (no password, unverified, with the
     * merged profile the import computed for a new account) and locks the ones that exist. Returns both, each
     * with whether this statement created it. An email whose account another transaction created meanwhile is
     * missing from the answer (this statement's snapshot predates it): lock it with lockAccountsByEmail.
     */
    async createOrLockAccounts(wanted: readonly NewImportAccount[]): Promise<(ImportTarget & { created: boolean })[]> {
      if (wanted.length === 0) return [];
      const { rows } = await db.query(
        `WITH wanted AS (
           SELECT * FROM jsonb_to_recordset($1::jsonb) AS w(email text, name text, given_name text, family_name text,
             phone_number text, locale text, legacy_profile jsonb)
         ), created AS (
           INSERT INTO accounts (email, email_verified, created_by_legacy_import, name, given_name, family_name, phone_number, locale, legacy_profile)
           SELECT email, false, true, name, given_name, family_name, phone_number, locale, legacy_profile FROM wanted ORDER BY email
           ON CONFLICT (email) DO NOTHING
           RETURNING id, email, email_verified
         ), existing AS (
           SELECT id, email, password_hash IS NOT NULL AS has_password, email_verified FROM accounts
           WHERE email = ANY (SELECT email FROM wanted) ORDER BY email FOR UPDATE
         )
         SELECT id, email, false AS has_password, email_verified, true AS created FROM created
         UNION ALL
         SELECT id, email, has_password, email_verified, false AS created FROM existing`,
        [JSON.stringify(wanted)],
      );
      return rows.map((r) => ({ ...importTargetRow.parse(r), created: z.boolean().parse(r.created) }));
    },

    /** The accounts of these emails, locked until the transaction ends (lock-in takes the same lock). */
    async lockAccountsByEmail(emails: readonly string[]): Promise<ImportTarget[]> {
      const { rows } = await db.query(
        `SELECT id, email, password_hash IS NOT NULL AS has_password, email_verified
         FROM accounts WHERE email = ANY($1::text[]) ORDER BY email FOR UPDATE`,
        [emails],
      );
      return rows.map((r) => importTargetRow.parse(r));
    },

    /** The already-imported identities of these legacy ids of one source, with their accounts, locked. */
    async lockExisting(source: string, legacyIds: readonly string[]): Promise<ExistingIdentity[]> {
      const { rows } = await db.query(
        // One probe of the (source, legacy_id) key per legacy id, whatever the statistics say: with statistics
        // lagging behind a fast-growing table, "legacy_id = ANY(...)" was planned as a scan of every identity of
        // the source, once per batch (quadratic in the file's size). LIMIT 1 (the key is unique) keeps the
        // planner from flattening the per-key lookup back into that scan.
        `SELECT li.legacy_id, li.account_id, a.password_hash IS NOT NULL AS account_has_password,
                a.email_verified AS account_email_verified
         FROM unnest($2::text[]) AS k(legacy_id)
         CROSS JOIN LATERAL (SELECT x.legacy_id, x.account_id FROM legacy_identities x
                             WHERE x.source = $1 AND x.legacy_id = k.legacy_id LIMIT 1) li
         JOIN accounts a ON a.id = li.account_id
         ORDER BY li.legacy_id FOR UPDATE OF li, a`,
        [source, legacyIds],
      );
      return rows.map((r) => existingIdentityRow.parse(r));
    },

    /** Inserts or updates identities by (source, legacy_id). */
    async upsert(identities: readonly IdentityUpsert[]): Promise<void> {
      if (identities.length === 0) return;
      await db.query(
        `INSERT INTO legacy_identities (source, legacy_id, account_id, email, email_normalized, email_verified, password_hash,
           hash_scheme, salt, salt_position, hash_algorithm, hash_dropped_reason, name, given_name, family_name, phone, locale,
           customer_id, company, legacy_created_at, last_login_at, raw)
         SELECT source, legacy_id, account_id, email, email_normalized, email_verified, password_hash,
           hash_scheme, salt, salt_position, hash_algorithm, hash_dropped_reason, name, given_name, family_name, phone, locale,
           customer_id, company, legacy_created_at, last_login_at, raw
         FROM jsonb_to_recordset($1::jsonb) AS r(source text, legacy_id text, account_id uuid, email text, email_normalized text,
           email_verified boolean, password_hash text, hash_scheme text, salt text, salt_position text, hash_algorithm text,
           hash_dropped_reason text, name text, given_name text, family_name text, phone text, locale text, customer_id text,
           company jsonb, legacy_created_at timestamptz, last_login_at timestamptz, raw jsonb)
         ON CONFLICT (source, legacy_id) DO UPDATE SET
           account_id = EXCLUDED.account_id, email = EXCLUDED.email, email_normalized = EXCLUDED.email_normalized,
           email_verified = EXCLUDED.email_verified, password_hash = EXCLUDED.password_hash, hash_scheme = EXCLUDED.hash_scheme,
           salt = EXCLUDED.salt, salt_position = EXCLUDED.salt_position, hash_algorithm = EXCLUDED.hash_algorithm,
           hash_dropped_reason = EXCLUDED.hash_dropped_reason, name = EXCLUDED.name, given_name = EXCLUDED.given_name,
           family_name = EXCLUDED.family_name, phone = EXCLUDED.phone, locale = EXCLUDED.locale,
           customer_id = EXCLUDED.customer_id, company = EXCLUDED.company, legacy_created_at = EXCLUDED.legacy_created_at,
           last_login_at = EXCLUDED.last_login_at, raw = EXCLUDED.raw, updated_at = now()`,
        [JSON.stringify(identities)],
      );
    },

    /** Deletes accounts the import created that lost their last identity and never got a password; returns how many. */
    async deleteAbandonedImportAccounts(accountIds: readonly string[]): Promise<number> {
      if (accountIds.length === 0) return 0;
      const { rowCount } = await db.query(
        `DELETE FROM accounts a WHERE a.id = ANY($1::uuid[]) AND a.created_by_legacy_import AND a.password_hash IS NULL
           AND NOT EXISTS (SELECT 1 FROM legacy_identities li WHERE li.account_id = a.id)`,
        [accountIds],
      );
      return rowCount;
    },

    /** Every source's profile of these accounts. */
    async profileSources(accountIds: readonly string[]): Promise<ProfileSourceRow[]> {
      const { rows } = await db.query(
        `SELECT account_id, source, legacy_id, last_login_at, name, given_name, family_name, phone, locale
         FROM legacy_identities WHERE account_id = ANY($1::uuid[])`,
        [accountIds],
      );
      return rows.map((r) => profileSourceRow.parse(r));
    },

    /** The current profile of these accounts and what the import last wrote into it. */
    async accountProfiles(accountIds: readonly string[]): Promise<AccountProfileRow[]> {
      const { rows } = await db.query(
        `SELECT id, name, given_name, family_name, phone_number, locale, legacy_profile FROM accounts WHERE id = ANY($1::uuid[])`,
        [accountIds],
      );
      return rows.map((r) => accountProfileRow.parse(r));
    },

    /** Writes merged profile fields (a new phone number is unverified) and remembers what was imported. */
    async applyProfiles(updates: readonly ProfileUpdate[]): Promise<void> {
      if (updates.length === 0) return;
      const field = (f: string) => `${f} = CASE WHEN v.changes ? '${f}' THEN v.changes->>'${f}' ELSE a.${f} END`;
      await db.query(
        `UPDATE accounts a SET ${['name', 'given_name', 'family_name', 'phone_number', 'locale'].map(field).join(', ')},
           phone_number_verified = CASE WHEN v.changes ? 'phone_number' THEN false ELSE a.phone_number_verified END,
           legacy_profile = v.remembered,
           updated_at = CASE WHEN v.changes = '{}'::jsonb THEN a.updated_at ELSE now() END
         FROM jsonb_to_recordset($1::jsonb) AS v(id uuid, changes jsonb, remembered jsonb)
         WHERE a.id = v.id`,
        [JSON.stringify(updates)],
      );
    },

    /**
     * Links accounts to the customers their sources name (the legacy pre-link), once the customer directory
     * knows that customer. Accounts with a password but an unproven email are skipped: nothing from a source
     * reaches an account whose owner has not shown they own the address. Returns how many links were made.
     */
    async linkClaimedCustomers(scope: { accountIds?: readonly string[]; customerIds?: readonly string[] }): Promise<number> {
      const { rowCount } = await db.query(
        `INSERT INTO account_customer_links (account_id, customer_id, linked_by)
         SELECT DISTINCT ON (li.account_id, li.customer_id) li.account_id, li.customer_id, 'legacy:' || li.source
         FROM legacy_identities li
         JOIN accounts a ON a.id = li.account_id
         JOIN customers c ON c.customer_id = li.customer_id
         WHERE ($1::uuid[] IS NULL OR li.account_id = ANY($1::uuid[]))
           AND ($2::text[] IS NULL OR li.customer_id = ANY($2::text[]))
           AND (a.password_hash IS NULL OR a.email_verified)
         ORDER BY li.account_id, li.customer_id, li.source
         ON CONFLICT (account_id, customer_id) DO NOTHING`,
        [scope.accountIds ?? null, scope.customerIds ?? null],
      );
      return rowCount;
    },

    /** Every legacy identity of an account (for the account's audit view and the first sign-in). */
    /** An account that still has a legacy password to check (to calibrate the failed sign-in time), if any. */
    async someAccountWithPendingHashes(): Promise<string | undefined> {
      const { rows } = await db.query('SELECT account_id FROM legacy_identities WHERE password_hash IS NOT NULL LIMIT 1');
      return rows[0] ? z.string().parse(rows[0].account_id) : undefined;
    },

    async listByAccount(accountId: string): Promise<LegacyIdentityRow[]> {
      const { rows } = await db.query('SELECT * FROM legacy_identities WHERE account_id = $1 ORDER BY source, legacy_id', [accountId]);
      return rows.map((r) => legacyIdentityRow.parse(r));
    },

    /** One identity by its key. */
    async find(source: string, legacyId: string): Promise<LegacyIdentityRow | undefined> {
      const { rows } = await db.query('SELECT * FROM legacy_identities WHERE source = $1 AND legacy_id = $2', [source, legacyId]);
      return rows[0] === undefined ? undefined : legacyIdentityRow.parse(rows[0]);
    },

    /**
     * The first sign-in's lock-in, inside the caller's transaction (which holds the account row lock): every
     * legacy hash of the account is dropped and the winning identity is stamped.
     */
    async dropHashesAfterLockIn(accountId: string, winnerIdentityId: string): Promise<void> {
      await db.query(
        `UPDATE legacy_identities SET password_hash = NULL, hash_scheme = NULL, salt = NULL, salt_position = NULL,
           locked_in_at = CASE WHEN id = $2 THEN now() ELSE locked_in_at END, updated_at = now()
         WHERE account_id = $1`,
        [accountId, winnerIdentityId],
      );
    },

    /**
     * True when the account is waiting for its first sign-in with a legacy password: no Latchkey password yet and
     * at least one legacy hash kept (the derived state described in migrations/0008_legacy.sql).
     */
    async hasPendingLegacyPassword(accountId: string): Promise<boolean> {
      const { rows } = await db.query(
        `SELECT EXISTS (SELECT 1 FROM accounts a JOIN legacy_identities li ON li.account_id = a.id
           WHERE a.id = $1 AND a.password_hash IS NULL AND li.password_hash IS NOT NULL) AS pending`,
        [accountId],
      );
      return z.boolean().parse(rows[0]?.pending);
    },

    /**
     * A Latchkey password was set some other way than a first sign-in (a reset link, an invitation), inside the
     * caller's transaction holding the account row lock: every kept legacy hash of the account is dropped, so no
     * old password opens it any more. Returns the algorithms dropped (for the audit log; never the hashes).
     */
    async dropAllHashes(accountId: string, reason: string): Promise<string[]> {
      const { rows } = await db.query(
        `UPDATE legacy_identities SET password_hash = NULL, hash_scheme = NULL, salt = NULL, salt_position = NULL,
           hash_dropped_reason = $2, updated_at = now()
         WHERE account_id = $1 AND password_hash IS NOT NULL
         RETURNING coalesce(hash_algorithm, 'unknown') AS algorithm`,
        [accountId, reason],
      );
      return rows.map((r) => z.string().parse(r.algorithm)).sort();
    },

    async count(): Promise<number> {
      const { rows } = await db.query('SELECT count(*)::int AS n FROM legacy_identities');
      return z.number().parse(rows[0]?.n);
    },
  };
}
export type LegacyIdentityQueries = ReturnType<typeof createLegacyIdentityQueries>;
