// The company registry (issue 5, item 2): what the registration form is prefilled from. The built-in
// registry reads the company_registry table (imported with `latchkey companies registry-import`), then the
// customer directory; network registries (CompanyRegistry) plug in after them through configuration.
import { access } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { Queryable } from '../../db/types.js';
import { createCompanyRegistryQueries, type RegistryUpsert } from '../../queries/companies-registry.js';
import { InvalidInput } from '../errors.js';
import { readRecords, resolveFormat } from '../legacy/import/records.js';
import { checkAddress, checkCountry, checkKind, checkName, checkTaxId, checkVatId } from './input.js';
import type { CompanyRegistry, RegistryEntry, RegistryImportFormat, RegistryImportSummary } from './types.js';

/** The columns of a registry file (CSV header or NDJSON keys). */
export const REGISTRY_COLUMNS = ['country', 'tax_id', 'kind', 'name', 'vat_id', 'street_address', 'locality', 'postal_code', 'region'] as const;
const REQUIRED = ['country', 'tax_id', 'name'] as const;
const BATCH = 500;
const MAX_REPORTED_ERRORS = 100;

/** The built-in registry over one database: company_registry first, then the customer directory. */
export function createBuiltInRegistry(db: Queryable): CompanyRegistry {
  return {
    async lookup(country, taxId) {
      const c = checkCountry(country);
      const { taxIdKey } = checkTaxId(taxId);
      const q = createCompanyRegistryQueries(db);
      const row = await q.find(c, taxIdKey);
      if (row) {
        return { country: row.country, taxId: row.tax_id, kind: row.kind, name: row.name, vatId: row.vat_id, address: row.address, source: 'registry' };
      }
      const customer = await q.findCustomer(c, taxIdKey);
      if (customer) {
        return { country: c, taxId: customer.tax_id, kind: null, name: customer.company_name, vatId: customer.vat_id, address: null, source: 'customers' };
      }
      return undefined;
    },
  };
}

/** Asks each registry in turn; the first that knows the tax ID answers. */
export function chainRegistries(registries: readonly CompanyRegistry[]): CompanyRegistry {
  return {
    async lookup(country, taxId) {
      for (const registry of registries) {
        const found = await registry.lookup(country, taxId);
        if (found) return found;
      }
      return undefined;
    },
  };
}

const cell = z.union([z.string(), z.number().transform(String)]).optional();

/** One file row as a registry entry, or the reason it is rejected. */
function toEntry(record: Record<string, unknown>, source: string): RegistryUpsert | string {
  const unknown = Object.keys(record).filter((k) => !(REGISTRY_COLUMNS as readonly string[]).includes(k));
  if (unknown.length) return `unknown field${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}`;
  const r: Record<string, string | undefined> = {};
  for (const k of REGISTRY_COLUMNS) {
    const v = cell.safeParse(record[k]);
    if (!v.success) return `${k} must be text`;
    r[k] = v.data?.trim() || undefined;
  }
  const missing = REQUIRED.filter((k) => r[k] === undefined);
  if (missing.length) return `missing ${missing.join(', ')}`;
  try {
    const country = checkCountry(r.country);
    const { taxId, taxIdKey } = checkTaxId(r.tax_id);
    const address = checkAddress({ street_address: r.street_address, locality: r.locality, postal_code: r.postal_code, region: r.region, country: r.country ? country : undefined });
    return {
      country,
      tax_id_key: taxIdKey,
      tax_id: taxId,
      kind: r.kind === undefined ? null : checkKind(r.kind),
      name: checkName(r.name),
      vat_id: checkVatId(r.vat_id),
      address: address && (address.street_address || address.locality || address.postal_code) ? { ...address } : null,
      source,
    };
  } catch (err) {
    if (err instanceof InvalidInput) return `${err.field ?? 'row'}: ${err.message}`;
    throw err;
  }
}

/** Imports a registry file (CSV or NDJSON) into company_registry; bad rows are reported by line, never stop the import. */
export async function importRegistryFile(db: { transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> }, file: string, format?: RegistryImportFormat): Promise<RegistryImportSummary> {
  const resolved = resolveFormat(file, format);
  try {
    await access(file);
  } catch {
    throw new InvalidInput(`Cannot read ${file}: no such file, or no permission to read it.`, 'file');
  }
  const source = path.basename(file);
  const summary: RegistryImportSummary = { file, rows: 0, inserted: 0, updated: 0, rejected: 0, errors: [] };
  const reject = (line: number, reason: string) => {
    summary.rejected += 1;
    if (summary.errors.length < MAX_REPORTED_ERRORS) summary.errors.push({ line, reason });
  };
  // Later rows of a tax ID win; rows are written in batches, each in its own transaction.
  let batch = new Map<string, RegistryUpsert>();
  const flush = async () => {
    if (batch.size === 0) return;
    const entries = [...batch.values()];
    batch = new Map();
    const counts = await db.transaction((tx) => createCompanyRegistryQueries(tx).upsert(entries));
    summary.inserted += counts.inserted;
    summary.updated += counts.updated;
  };
  for await (const item of readRecords(file, resolved, { known: REGISTRY_COLUMNS, required: REQUIRED }, { bytesRead: 0 })) {
    summary.rows += 1;
    if ('error' in item) {
      reject(item.line, item.error);
      continue;
    }
    const entry = toEntry(item.record, source);
    if (typeof entry === 'string') {
      reject(item.line, entry);
      continue;
    }
    const key = `${entry.country}:${entry.tax_id_key}`;
    if (batch.has(key)) batch.delete(key);
    batch.set(key, entry);
    if (batch.size >= BATCH) await flush();
  }
  await flush();
  return summary;
}

/** A registry answer as the form shows it (convenience for callers printing it). */
export type { RegistryEntry };
