// SQL for the built-in company registry (company_registry, migrations/0010_companies.sql), imported with
// `latchkey companies registry-import`.
import { z } from 'zod';
import type { Queryable } from '../db/types.js';

export const registryRow = z.object({
  country: z.string(),
  tax_id_key: z.string(),
  tax_id: z.string(),
  kind: z.enum(['legal_entity', 'sole_trader']).nullable(),
  name: z.string(),
  vat_id: z.string().nullable(),
  address: z.record(z.string(), z.unknown()).nullable(),
  source: z.string(),
  updated_at: z.date(),
});
export type RegistryRow = z.infer<typeof registryRow>;

export type RegistryUpsert = Omit<RegistryRow, 'updated_at'>;

/** Typed access to company_registry. */
export function createCompanyRegistryQueries(db: Queryable) {
  return {
    async find(country: string, taxIdKey: string): Promise<RegistryRow | undefined> {
      const { rows } = await db.query('SELECT * FROM company_registry WHERE country = $1 AND tax_id_key = $2', [country, taxIdKey]);
      return rows[0] === undefined ? undefined : registryRow.parse(rows[0]);
    },

    /** The customer-directory entry with this normalised tax ID (the directory stores tax IDs normalised). */
    async findCustomer(country: string, taxIdKey: string): Promise<{ company_name: string; tax_id: string; vat_id: string | null; country: string | null } | undefined> {
      const { rows } = await db.query(
        `SELECT company_name, tax_id, vat_id, country FROM customers
         WHERE tax_id = $2 AND (country IS NULL OR upper(country) = $1)
         ORDER BY (country IS NULL), updated_at DESC LIMIT 1`,
        [country, taxIdKey],
      );
      return rows[0] === undefined ? undefined
        : z.object({ company_name: z.string(), tax_id: z.string(), vat_id: z.string().nullable(), country: z.string().nullable() }).parse(rows[0]);
    },

    /** Inserts or updates registry rows; returns how many were new. */
    async upsert(entries: readonly RegistryUpsert[]): Promise<{ inserted: number; updated: number }> {
      if (entries.length === 0) return { inserted: 0, updated: 0 };
      const { rows } = await db.query(
        `INSERT INTO company_registry (country, tax_id_key, tax_id, kind, name, vat_id, address, source)
         SELECT country, tax_id_key, tax_id, kind, name, vat_id, address, source
         FROM jsonb_to_recordset($1::jsonb) AS r(country text, tax_id_key text, tax_id text, kind text, name text, vat_id text, address jsonb, source text)
         ON CONFLICT (country, tax_id_key) DO UPDATE SET tax_id = EXCLUDED.tax_id, kind = EXCLUDED.kind, name = EXCLUDED.name,
           vat_id = EXCLUDED.vat_id, address = EXCLUDED.address, source = EXCLUDED.source, updated_at = now()
         RETURNING (xmax = 0) AS inserted`,
        [JSON.stringify(entries)],
      );
      const inserted = rows.filter((r) => r.inserted === true).length;
      return { inserted, updated: rows.length - inserted };
    },

    async count(): Promise<number> {
      const { rows } = await db.query('SELECT count(*)::int AS n FROM company_registry');
      return z.number().parse(rows[0]?.n);
    },
  };
}
export type CompanyRegistryQueries = ReturnType<typeof createCompanyRegistryQueries>;
