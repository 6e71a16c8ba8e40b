// SQL for the accounts table. Rows are checked against the schema, never cast.
import { z } from 'zod';
import type { Queryable } from '../db/types.js';

export const accountRow = z.object({
  id: z.string().uuid(),
  email: z.string(),
  email_verified: z.boolean(),
  password_hash: z.string().nullable(),
  status: z.enum(['active', 'blocked', 'locked']),
  name: z.string().nullable(),
  given_name: z.string().nullable(),
  family_name: z.string().nullable(),
  phone_number: z.string().nullable(),
  phone_number_verified: z.boolean(),
  locale: z.string().nullable(),
  created_at: z.date(),
  updated_at: z.date(),
  blocked_at: z.date().nullable(),
  address: z.record(z.string(), z.unknown()).nullable(),
  password_changed_at: z.date().nullable(),
  locked_at: z.date().nullable(),
});
export type AccountRow = z.infer<typeof accountRow>;

export interface NewAccount {
  email: string;
  emailVerified: boolean;
  passwordHash: string | null;
  name?: string | null;
  givenName?: string | null;
  familyName?: string | null;
  locale?: string | null;
}

/** The profile columns an account-center change may write (OIDC standard claim names). */
export interface ProfileColumns {
  name?: string | null;
  given_name?: string | null;
  family_name?: string | null;
  phone_number?: string | null;
  locale?: string | null;
  address?: Record<string, string> | null;
}
const PROFILE_COLUMNS: (keyof ProfileColumns)[] = ['name', 'given_name', 'family_name', 'phone_number', 'locale', 'address'];

const one = (rows: unknown[]) => (rows[0] === undefined ? undefined : accountRow.parse(rows[0]));

/** Typed access to the accounts table. */
export function createAccountQueries(db: Queryable) {
  return {
    async findById(id: string): Promise<AccountRow | undefined> {
      if (!z.string().uuid().safeParse(id).success) return undefined;
      return one((await db.query('SELECT * FROM accounts WHERE id = $1', [id])).rows);
    },
    async findByEmail(normalizedEmail: string): Promise<AccountRow | undefined> {
      return one((await db.query('SELECT * FROM accounts WHERE email = $1', [normalizedEmail])).rows);
    },
    /** Inserts an account; undefined when the email is already taken. */
    async insert(a: NewAccount): Promise<AccountRow | undefined> {
      const { rows } = await db.query(
        `INSERT INTO accounts (email, email_verified, password_hash, name, given_name, family_name, locale)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (email) DO NOTHING RETURNING *`,
        [a.email, a.emailVerified, a.passwordHash, a.name ?? null, a.givenName ?? null, a.familyName ?? null, a.locale ?? null],
      );
      return one(rows);
    },
    /** A new password chosen by the user (change, reset, invitation): records when, for "dies with any password change". */
    async setPasswordHash(id: string, passwordHash: string): Promise<void> {
      await db.query('UPDATE accounts SET password_hash = $2, password_changed_at = now(), updated_at = now() WHERE id = $1', [id, passwordHash]);
    },
    /** Replaces the hash only if it is still the one that was verified (no lost concurrent change). */
    async replacePasswordHash(id: string, expected: string, next: string): Promise<boolean> {
      const { rowCount } = await db.query('UPDATE accounts SET password_hash = $3, updated_at = now() WHERE id = $1 AND password_hash = $2', [id, expected, next]);
      return rowCount === 1;
    },
    async setStatus(id: string, status: AccountRow['status']): Promise<AccountRow | undefined> {
      const { rows } = await db.query(
        `UPDATE accounts SET status = $2,
           blocked_at = CASE WHEN $2 = 'blocked' THEN now() ELSE NULL END,
           locked_at = CASE WHEN $2 = 'locked' THEN now() ELSE NULL END,
           updated_at = now()
         WHERE id = $1 RETURNING *`,
        [id, status],
      );
      return one(rows);
    },
    /** Writes profile fields (OIDC claim names; address as the claim's object); returns the updated row. */
    async updateProfile(id: string, fields: ProfileColumns): Promise<AccountRow | undefined> {
      const entries = Object.entries(fields).filter(([k]) => PROFILE_COLUMNS.includes(k as keyof ProfileColumns));
      if (entries.length === 0) return this.findById(id);
      const sets = entries.map(([k], i) => (k === 'address' ? `address = $${i + 2}::jsonb` : `${k} = $${i + 2}`));
      // A new phone number has not been verified.
      if (entries.some(([k]) => k === 'phone_number')) sets.push('phone_number_verified = false');
      const values = entries.map(([k, v]) => (k === 'address' && v !== null ? JSON.stringify(v) : v));
      const { rows } = await db.query(`UPDATE accounts SET ${sets.join(', ')}, updated_at = now() WHERE id = $1 RETURNING *`, [id, ...values]);
      return one(rows);
    },
    /** Sets a new (verified) email; undefined when no such account. */
    async setVerifiedEmail(id: string, normalizedEmail: string): Promise<AccountRow | undefined> {
      const { rows } = await db.query('UPDATE accounts SET email = $2, email_verified = true, updated_at = now() WHERE id = $1 RETURNING *', [id, normalizedEmail]);
      return one(rows);
    },
    /** Deletes the account (consents, tokens, devices and email changes cascade; audit events keep a NULL account). */
    async deleteById(id: string): Promise<boolean> {
      const { rowCount } = await db.query('DELETE FROM accounts WHERE id = $1', [id]);
      return rowCount > 0;
    },
    async count(): Promise<number> {
      const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM accounts');
      return z.number().parse(rows[0]?.n);
    },
    /** The mailbox was proven (a verification link or code, a reset, an invitation). */
    async markEmailVerified(id: string): Promise<void> {
      await db.query('UPDATE accounts SET email_verified = true, updated_at = now() WHERE id = $1 AND NOT email_verified', [id]);
    },
    /** Sets the display name only when the account has none (an invitation's set-password form). */
    async setNameIfEmpty(id: string, name: string): Promise<void> {
      await db.query("UPDATE accounts SET name = $2, updated_at = now() WHERE id = $1 AND coalesce(name, '') = ''", [id, name]);
    },
    /** The account, locked against concurrent changes until the transaction ends. */
    async lockById(id: string): Promise<AccountRow | undefined> {
      if (!z.string().uuid().safeParse(id).success) return undefined;
      return one((await db.query('SELECT * FROM accounts WHERE id = $1 FOR UPDATE', [id])).rows);
    },
  };
}
export type AccountQueries = ReturnType<typeof createAccountQueries>;
