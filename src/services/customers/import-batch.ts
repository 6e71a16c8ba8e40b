// One batch of the customer directory import, inside the caller's transaction: customers upserted by
// customer_id (a re-import updates the company data), licences added or assigned. The directory only adds:
// a licence dropped from a customer's list stays, and a licence that belongs to another customer is never
// moved (the row is rejected, naming the owner). New customers activate the legacy pre-links: accounts
// whose imported sources named that customer_id get linked.
import type { Queryable } from '../../db/types.js';
import { createCustomerQueries, type CustomerUpsert } from '../../queries/customers.js';
import { createLegacyIdentityQueries } from '../../queries/legacy-identities.js';
import type { CustomerImportRow } from './rows.js';

export interface CustomerImportCounts {
  inserted: number;
  updated: number;
  /** Licences added to the directory or assigned to a customer. */
  licences: number;
  /** Accounts linked through a legacy source's customer_id. */
  customerLinks: number;
  /** Earlier rows of the same customer_id in one batch, superseded by the later row. */
  duplicates: number;
}

export const emptyCustomerCounts = (): CustomerImportCounts => ({ inserted: 0, updated: 0, licences: 0, customerLinks: 0, duplicates: 0 });

/** Applies one batch of directory rows; refuse(i, reason) rejects a row whose licences belong to someone else. */
export async function importCustomerBatch(tx: Queryable, rows: readonly CustomerImportRow[], refuse: (index: number, reason: string) => void): Promise<CustomerImportCounts> {
  const q = createCustomerQueries(tx);
  const counts = emptyCustomerCounts();
  const owners = await q.lockLicences([...new Set(rows.flatMap((r) => r.licences))].sort());

  // Later rows of a customer win; a licence keeps its first owner.
  const latest = new Map<string, number>();
  rows.forEach((r, i) => {
    if (r.kind === 'customer') latest.set(r.customerId, i);
  });
  const customers = new Map<string, CustomerUpsert>();
  const licences = new Map<string, string | null>();
  rows.forEach((row, i) => {
    const customerId = row.kind === 'customer' ? row.customerId : null;
    if (row.kind === 'customer' && latest.get(row.customerId) !== i) {
      counts.duplicates += 1;
      return;
    }
    const taken = row.licences.filter((l) => {
      const owner = licences.has(l) ? licences.get(l) : owners.get(l);
      return owner !== undefined && owner !== null && customerId !== null && owner !== customerId;
    });
    if (taken.length) {
      const owner = licences.get(taken[0]!) ?? owners.get(taken[0]!);
      refuse(i, `licence ${taken[0]} belongs to customer ${owner}${taken.length > 1 ? ` (and ${taken.length - 1} more licences to other customers)` : ''}`);
      return;
    }
    if (row.kind === 'customer') {
      customers.set(row.customerId, { customer_id: row.customerId, company_name: row.companyName, tax_id: row.taxId, vat_id: row.vatId, country: row.country });
    }
    for (const l of row.licences) {
      const owner = licences.has(l) ? licences.get(l) : owners.get(l);
      if (owner === undefined || (owner === null && customerId !== null)) licences.set(l, customerId);
    }
  });

  const created = await q.upsert([...customers.values()]);
  counts.inserted = created.length;
  counts.updated = customers.size - created.length;
  counts.licences = await q.upsertLicences([...licences].map(([licence_number, customer_id]) => ({ licence_number, customer_id })));
  if (created.length) counts.customerLinks = await createLegacyIdentityQueries(tx).linkClaimedCustomers({ customerIds: created });
  return counts;
}
