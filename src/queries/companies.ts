// SQL for companies (migrations/0010_companies.sql). Rows are checked against schemas, never cast.
import { z } from 'zod';
import type { Queryable } from '../db/types.js';

const address = z.record(z.string(), z.unknown()).nullable();

export const companyRow = z.object({
  id: z.string().uuid(),
  kind: z.enum(['legal_entity', 'sole_trader']),
  name: z.string(),
  country: z.string(),
  tax_id: z.string(),
  tax_id_key: z.string(),
  vat_id: z.string().nullable(),
  address,
  status: z.enum(['pending', 'approved', 'rejected', 'suspended']),
  status_reason: z.string().nullable(),
  created_by: z.string().uuid().nullable(),
  created_at: z.date(),
  updated_at: z.date(),
  decided_at: z.date().nullable(),
  decided_by: z.string().uuid().nullable(),
});
export type CompanyRow = z.infer<typeof companyRow>;

export interface NewCompany {
  kind: 'legal_entity' | 'sole_trader';
  name: string;
  country: string;
  taxId: string;
  taxIdKey: string;
  vatId: string | null;
  address: Record<string, unknown> | null;
  createdBy: string;
}

/** Column values of a company update (only the keys present are written). */
export interface CompanyColumns {
  kind?: 'legal_entity' | 'sole_trader';
  name?: string;
  country?: string;
  tax_id?: string;
  tax_id_key?: string;
  vat_id?: string | null;
  address?: Record<string, unknown> | null;
}

const UPDATABLE = ['kind', 'name', 'country', 'tax_id', 'tax_id_key', 'vat_id', 'address'] as const;

const first = (rows: unknown[]): CompanyRow | undefined => (rows[0] === undefined ? undefined : companyRow.parse(rows[0]));

/** Typed access to companies. */
export function createCompanyQueries(db: Queryable) {
  return {
    async find(id: string): Promise<CompanyRow | undefined> {
      return first((await db.query('SELECT * FROM companies WHERE id = $1', [id])).rows);
    },

    /** The company, locked until the transaction ends. */
    async lock(id: string): Promise<CompanyRow | undefined> {
      return first((await db.query('SELECT * FROM companies WHERE id = $1 FOR UPDATE', [id])).rows);
    },

    /** The company (not rejected) holding this normalised tax ID in this country. */
    async findByTaxId(country: string, taxIdKey: string): Promise<CompanyRow | undefined> {
      return first((await db.query("SELECT * FROM companies WHERE country = $1 AND tax_id_key = $2 AND status <> 'rejected'", [country, taxIdKey])).rows);
    },

    /** Inserts a pending company; undefined when the tax ID is taken in that country. */
    async insert(c: NewCompany): Promise<CompanyRow | undefined> {
      const { rows } = await db.query(
        `INSERT INTO companies (kind, name, country, tax_id, tax_id_key, vat_id, address, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (country, tax_id_key) WHERE status <> 'rejected' DO NOTHING RETURNING *`,
        [c.kind, c.name, c.country, c.taxId, c.taxIdKey, c.vatId, c.address === null ? null : JSON.stringify(c.address), c.createdBy],
      );
      return first(rows);
    },

    /** Writes the given columns; returns the updated row. Throws the unique violation when the tax ID is taken. */
    async update(id: string, columns: CompanyColumns): Promise<CompanyRow | undefined> {
      const keys = UPDATABLE.filter((k) => columns[k] !== undefined);
      if (keys.length === 0) return this.find(id);
      const values = keys.map((k) => (k === 'address' && columns.address !== null ? JSON.stringify(columns.address) : columns[k]));
      const sets = keys.map((k, i) => `${k} = $${i + 2}`).join(', ');
      return first((await db.query(`UPDATE companies SET ${sets}, updated_at = now() WHERE id = $1 RETURNING *`, [id, ...values])).rows);
    },

    /** Sets the status (with reason and deciding account); returns the updated row. */
    async setStatus(id: string, status: CompanyRow['status'], reason: string | null, decidedBy: string | null): Promise<CompanyRow | undefined> {
      return first((await db.query(
        `UPDATE companies SET status = $2, status_reason = $3, decided_by = $4, decided_at = now(), updated_at = now() WHERE id = $1 RETURNING *`,
        [id, status, reason, decidedBy],
      )).rows);
    },

    /** Companies whose name, tax ID or VAT ID contains the query (case-insensitive), newest first. */
    async search(query: string, taxIdKey: string, status: CompanyRow['status'] | undefined, limit: number, offset: number): Promise<{ rows: CompanyRow[]; total: number }> {
      const pattern = `%${query.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      const where = `($1 = '' OR lower(name) LIKE lower($2) OR ($3 <> '' AND tax_id_key LIKE '%' || $3 || '%') OR lower(coalesce(vat_id, '')) LIKE lower($2) OR id::text = $1)
        AND ($4::text IS NULL OR status = $4)`;
      const params = [query, pattern, taxIdKey, status ?? null];
      const { rows } = await db.query(`SELECT * FROM companies WHERE ${where} ORDER BY created_at DESC, id LIMIT $5 OFFSET $6`, [...params, limit, offset]);
      const count = await db.query(`SELECT count(*)::int AS n FROM companies WHERE ${where}`, params);
      return { rows: rows.map((r) => companyRow.parse(r)), total: z.number().parse(count.rows[0]?.n) };
    },

    /** Pending companies, oldest first (the moderation queue). */
    async listPending(limit: number, offset: number): Promise<CompanyRow[]> {
      const { rows } = await db.query("SELECT * FROM companies WHERE status = 'pending' ORDER BY created_at, id LIMIT $1 OFFSET $2", [limit, offset]);
      return rows.map((r) => companyRow.parse(r));
    },
  };
}
export type CompanyQueries = ReturnType<typeof createCompanyQueries>;
