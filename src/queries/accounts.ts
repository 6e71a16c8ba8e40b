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
    async count(): Promise<number> {
      const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM accounts');
      return z.number().parse(rows[0]?.n);
    },
  };
}
export type AccountQueries = ReturnType<typeof createAccountQueries>;
