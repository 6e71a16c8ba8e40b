// SQL for the customer directory (migrations/0009_customers.sql): customers, their licences, and the
// accounts linked to them. Rows are checked against schemas, never cast.
import { z } from 'zod';
import type { Queryable } from '../db/types.js';

export const customerRow = z.object({
  customer_id: z.string(),
  company_name: z.string(),
  tax_id: z.string().nullable(),
  vat_id: z.string().nullable(),
  country: z.string().nullable(),
  origin: z.enum(['import', 'registration']),
  created_at: z.date(),
  updated_at: z.date(),
});
export type CustomerRow = z.infer<typeof customerRow>;

export const licenceRow = z.object({
  licence_number: z.string(),
  customer_id: z.string().nullable(),
  registered_at: z.date().nullable(),
  registered_by: z.string().uuid().nullable(),
  created_at: z.date(),
});
export type LicenceRow = z.infer<typeof licenceRow>;

export const customerLinkRow = z.object({
  account_id: z.string().uuid(),
  customer_id: z.string(),
  linked_at: z.date(),
  linked_by: z.string(),
});
export type CustomerLinkRow = z.infer<typeof customerLinkRow>;

/** A customer as the directory import writes it. */
export interface CustomerUpsert {
  customer_id: string;
  company_name: string;
  tax_id: string | null;
  vat_id: string | null;
  country: string | null;
}

const first = <T>(schema: z.ZodType<T>, rows: unknown[]): T | undefined => (rows[0] === undefined ? undefined : schema.parse(rows[0]));

/** Typed access to customers, customer_licences and account_customer_links. */
export function createCustomerQueries(db: Queryable) {
  return {
    async find(customerId: string): Promise<CustomerRow | undefined> {
      return first(customerRow, (await db.query('SELECT * FROM customers WHERE customer_id = $1', [customerId])).rows);
    },

    async licencesOf(customerId: string): Promise<LicenceRow[]> {
      const { rows } = await db.query('SELECT * FROM customer_licences WHERE customer_id = $1 ORDER BY licence_number', [customerId]);
      return rows.map((r) => licenceRow.parse(r));
    },

    /** One licence; locked until the transaction ends when forUpdate. */
    async findLicence(licenceNumber: string, forUpdate = false): Promise<LicenceRow | undefined> {
      const { rows } = await db.query(`SELECT * FROM customer_licences WHERE licence_number = $1${forUpdate ? ' FOR UPDATE' : ''}`, [licenceNumber]);
      return first(licenceRow, rows);
    },

    /** Inserts or updates customers by customer_id; returns the ids that were new. */
    async upsert(customers: readonly CustomerUpsert[]): Promise<string[]> {
      if (customers.length === 0) return [];
      const { rows } = await db.query(
        `INSERT INTO customers (customer_id, company_name, tax_id, vat_id, country, origin)
         SELECT customer_id, company_name, tax_id, vat_id, country, 'import'
         FROM jsonb_to_recordset($1::jsonb) AS r(customer_id text, company_name text, tax_id text, vat_id text, country text)
         ON CONFLICT (customer_id) DO UPDATE SET company_name = EXCLUDED.company_name, tax_id = EXCLUDED.tax_id,
           vat_id = EXCLUDED.vat_id, country = EXCLUDED.country, updated_at = now()
         RETURNING customer_id, (xmax = 0) AS inserted`,
        [JSON.stringify(customers)],
      );
      return rows.map((r) => z.object({ customer_id: z.string(), inserted: z.boolean() }).parse(r)).filter((r) => r.inserted).map((r) => r.customer_id);
    },

    /** The owners of these licence numbers (null: known, unassigned), locked until the transaction ends. */
    async lockLicences(licenceNumbers: readonly string[]): Promise<Map<string, string | null>> {
      const { rows } = await db.query(
        'SELECT licence_number, customer_id FROM customer_licences WHERE licence_number = ANY($1::text[]) ORDER BY licence_number FOR UPDATE',
        [licenceNumbers],
      );
      return new Map(rows.map((r) => {
        const row = z.object({ licence_number: z.string(), customer_id: z.string().nullable() }).parse(r);
        return [row.licence_number, row.customer_id];
      }));
    },

    /** Adds licences, or assigns unassigned ones to a customer; returns how many rows changed. */
    async upsertLicences(licences: readonly { licence_number: string; customer_id: string | null }[]): Promise<number> {
      if (licences.length === 0) return 0;
      const { rowCount } = await db.query(
        `INSERT INTO customer_licences (licence_number, customer_id)
         SELECT licence_number, customer_id FROM jsonb_to_recordset($1::jsonb) AS r(licence_number text, customer_id text)
         ON CONFLICT (licence_number) DO UPDATE SET customer_id = EXCLUDED.customer_id
           WHERE customer_licences.customer_id IS NULL AND EXCLUDED.customer_id IS NOT NULL`,
        [JSON.stringify(licences)],
      );
      return rowCount;
    },

    /** Inserts a customer created by a product registration; false when the id is taken. */
    async insertRegistered(customer: CustomerUpsert): Promise<boolean> {
      const { rowCount } = await db.query(
        `INSERT INTO customers (customer_id, company_name, tax_id, vat_id, country, origin)
         VALUES ($1, $2, $3, $4, $5, 'registration') ON CONFLICT (customer_id) DO NOTHING`,
        [customer.customer_id, customer.company_name, customer.tax_id, customer.vat_id, customer.country],
      );
      return rowCount === 1;
    },

    /** Registers an unassigned licence to a customer; false when it is unknown or already assigned. */
    async assignLicence(licenceNumber: string, customerId: string, accountId: string): Promise<boolean> {
      const { rowCount } = await db.query(
        `UPDATE customer_licences SET customer_id = $2, registered_at = now(), registered_by = $3
         WHERE licence_number = $1 AND customer_id IS NULL`,
        [licenceNumber, customerId, accountId],
      );
      return rowCount === 1;
    },

    /** Links an account to a customer; false when already linked. */
    async link(accountId: string, customerId: string, linkedBy: string): Promise<boolean> {
      const { rowCount } = await db.query(
        'INSERT INTO account_customer_links (account_id, customer_id, linked_by) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
        [accountId, customerId, linkedBy],
      );
      return rowCount === 1;
    },

    /** Removes a link; false when there was none. */
    async unlink(accountId: string, customerId: string): Promise<boolean> {
      const { rowCount } = await db.query('DELETE FROM account_customer_links WHERE account_id = $1 AND customer_id = $2', [accountId, customerId]);
      return rowCount === 1;
    },

    /** The customers an account is linked to, oldest link first. */
    async linksOf(accountId: string): Promise<(CustomerLinkRow & { company_name: string; tax_id: string | null; vat_id: string | null; country: string | null })[]> {
      const { rows } = await db.query(
        `SELECT l.*, c.company_name, c.tax_id, c.vat_id, c.country FROM account_customer_links l
         JOIN customers c ON c.customer_id = l.customer_id WHERE l.account_id = $1 ORDER BY l.linked_at, l.customer_id`,
        [accountId],
      );
      return rows.map((r) => customerLinkRow.extend({ company_name: z.string(), tax_id: z.string().nullable(), vat_id: z.string().nullable(), country: z.string().nullable() }).parse(r));
    },

    async count(): Promise<number> {
      const { rows } = await db.query('SELECT count(*)::int AS n FROM customers');
      return z.number().parse(rows[0]?.n);
    },
  };
}
export type CustomerQueries = ReturnType<typeof createCustomerQueries>;
