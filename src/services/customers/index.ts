// The customer directory (issue 4, item 8): customers with their company data and licence numbers,
// imported by `latchkey customers import`, and the checks the profile-completion step builds on: is this
// (customer ID, tax ID or licence number) pair right, register a licence (a new customer ID for a first
// purchase, or a further licence of one's customer), link and unlink accounts. Knows nothing of HTTP.
import { randomInt } from 'node:crypto';
import type { Database } from '../../db/types.js';
import { createCustomerQueries, type CustomerRow, type LicenceRow } from '../../queries/customers.js';
import type { AuditLog } from '../audit/index.js';
import { Forbidden, InvalidInput, NotFound } from '../errors.js';
import { defaultRejectsPath } from '../legacy/import/rejects.js';
import { keyField } from '../legacy/import/fields.js';
import { resolveFormat, type ImportFormat } from '../legacy/import/records.js';
import { runImport, type ImportProgress } from '../legacy/import/run-import.js';
import { emptyCustomerCounts, importCustomerBatch, type CustomerImportCounts } from './import-batch.js';
import { normalizeCustomerId, normalizeLicenceNumber, normalizeTaxId } from './normalize.js';
import { CUSTOMER_CSV_COLUMNS, parseCustomerRecord } from './rows.js';

export type { CustomerRow, LicenceRow } from '../../queries/customers.js';
export { normalizeCustomerId, normalizeLicenceNumber, normalizeTaxId } from './normalize.js';

export interface CustomerDirectoryDeps {
  db: Database;
  audit: AuditLog;
}

/** What proves someone belongs to a customer: its tax ID or one of its licence numbers. */
export interface CustomerProof {
  taxId?: string;
  licenceNumber?: string;
}

export interface CompanyData {
  name: string;
  taxId?: string;
  vatId?: string;
  country?: string;
}

export interface CustomerImportOptions {
  file: string;
  format?: ImportFormat;
  dryRun?: boolean;
  rejectsPath?: string;
  batchSize?: number;
  onProgress?: (progress: ImportProgress) => void;
}

export interface CustomerImportSummary extends CustomerImportCounts {
  file: string;
  format: ImportFormat;
  dryRun: boolean;
  rows: number;
  rejected: number;
  batches: number;
  rejectsFile: string | null;
}

/** A licence that cannot be registered: unknown, or already registered (one answer for both). */
export class LicenceUnavailable extends InvalidInput {
  constructor() {
    super('This licence number is unknown or already registered.', 'licence_number');
  }
}

/** New customer IDs made by product registration: "LK" and 10 random digits. */
const newCustomerId = () => `LK${String(randomInt(0, 1e10)).padStart(10, '0')}`;

/** The customer directory service. */
export function createCustomerDirectory(deps: CustomerDirectoryDeps) {
  const { db, audit } = deps;
  const customers = createCustomerQueries(db);

  return {
    /** A customer by its ID, with its licences; undefined when unknown. */
    async find(customerId: string): Promise<(CustomerRow & { licences: LicenceRow[] }) | undefined> {
      const id = normalizeCustomerId(customerId);
      const customer = await customers.find(id);
      return customer && { ...customer, licences: await customers.licencesOf(id) };
    },

    /**
     * The customer when the pair is right: the ID exists and the tax ID equals the customer's, or the licence
     * number is one of its licences. Undefined otherwise, whichever part was wrong.
     */
    async checkProof(customerId: string, proof: CustomerProof): Promise<CustomerRow | undefined> {
      // Both lookups always run, so the answer's timing does not tell which part was wrong.
      const customer = await customers.find(normalizeCustomerId(customerId));
      const licence = proof.licenceNumber === undefined ? '' : normalizeLicenceNumber(proof.licenceNumber);
      const owner = licence === '' ? undefined : (await customers.findLicence(licence))?.customer_id;
      if (!customer) return undefined;
      const taxId = proof.taxId === undefined ? '' : normalizeTaxId(proof.taxId);
      if (taxId !== '' && customer.tax_id !== null && taxId === customer.tax_id) return customer;
      return owner === customer.customer_id ? customer : undefined;
    },

    /**
     * Product registration: assigns a known, unregistered licence to a customer and links the account. Without
     * customerId a new customer is created from the company data; with it, the account must already be linked
     * to that customer. Throws LicenceUnavailable, InvalidInput (company data) or Forbidden (not linked).
     */
    async registerLicence(input: { accountId: string; licenceNumber: string; company?: CompanyData; customerId?: string }): Promise<{ customerId: string; createdCustomer: boolean }> {
      const licenceNumber = normalizeLicenceNumber(input.licenceNumber);
      if (licenceNumber === '') throw new InvalidInput('Enter the licence number.', 'licence_number');
      const company = input.customerId === undefined ? checkCompany(input.company) : undefined;
      return db.transaction(async (tx) => {
        const q = createCustomerQueries(tx);
        const licence = await q.findLicence(licenceNumber, true);
        if (!licence || licence.customer_id !== null) throw new LicenceUnavailable();
        let customerId: string;
        if (input.customerId !== undefined) {
          customerId = normalizeCustomerId(input.customerId);
          const linked = (await q.linksOf(input.accountId)).some((l) => l.customer_id === customerId);
          if (!linked) throw new Forbidden('Only people linked to this customer can register licences for it.');
        } else {
          customerId = await insertNewCustomer(q, company!);
        }
        if (!(await q.assignLicence(licenceNumber, customerId, input.accountId))) throw new LicenceUnavailable();
        await q.link(input.accountId, customerId, 'registration');
        await audit.record({ accountId: input.accountId, type: 'customer.licence-registered', data: { customerId, licenceNumber, createdCustomer: input.customerId === undefined } }, tx);
        return { customerId, createdCustomer: input.customerId === undefined };
      });
    },

    /** Links an account to an existing customer (profile completion, staff); false when it already was. */
    async link(accountId: string, customerId: string, linkedBy: string): Promise<boolean> {
      const id = normalizeCustomerId(customerId);
      return db.transaction(async (tx) => {
        const q = createCustomerQueries(tx);
        if (!(await q.find(id))) throw new NotFound(`No customer with ID ${id}.`);
        const linked = await q.link(accountId, id, linkedBy);
        if (linked) await audit.record({ accountId, type: 'customer.linked', data: { customerId: id, linkedBy } }, tx);
        return linked;
      });
    },

    /** Removes an account's link to a customer; false when there was none. */
    async unlink(accountId: string, customerId: string, by: string): Promise<boolean> {
      const id = normalizeCustomerId(customerId);
      return db.transaction(async (tx) => {
        const unlinked = await createCustomerQueries(tx).unlink(accountId, id);
        if (unlinked) await audit.record({ accountId, type: 'customer.unlinked', data: { customerId: id, by } }, tx);
        return unlinked;
      });
    },

    /** The customers an account is linked to, with their company data. */
    linksOf: (accountId: string) => customers.linksOf(accountId),

    /** Imports a customer directory file (CSV or NDJSON). */
    async importFile(options: CustomerImportOptions): Promise<CustomerImportSummary> {
      const format = resolveFormat(options.file, options.format);
      const dryRun = options.dryRun ?? false;
      const totals = await runImport({
        db,
        file: options.file,
        format,
        columns: CUSTOMER_CSV_COLUMNS,
        dryRun,
        rejectsPath: options.rejectsPath ?? defaultRejectsPath(options.file),
        batchSize: options.batchSize,
        parse: parseCustomerRecord,
        keyOf: (record) => keyField(record, 'customer_id'),
        applyBatch: importCustomerBatch,
        emptyCounts: emptyCustomerCounts,
        onProgress: options.onProgress,
      });
      const summary: CustomerImportSummary = {
        file: options.file, format, dryRun, rows: totals.rows, ...totals.counts, rejected: totals.rejected, batches: totals.batches, rejectsFile: totals.rejectsFile,
      };
      if (!dryRun) await audit.record({ type: 'customers.imported', data: { ...summary, file: options.file.split('/').pop(), rejectsFile: summary.rejectsFile?.split('/').pop() ?? null } });
      return summary;
    },
  };
}
export type CustomerDirectory = ReturnType<typeof createCustomerDirectory>;

function checkCompany(company: CompanyData | undefined): Required<Pick<CompanyData, 'name'>> & { taxId: string | null; vatId: string | null; country: string | null } {
  const name = company?.name?.trim() ?? '';
  if (name === '') throw new InvalidInput('Enter the company name.', 'company_name');
  if (name.length > 200) throw new InvalidInput('The company name is too long.', 'company_name');
  const country = company?.country?.trim().toUpperCase() || null;
  if (country !== null && !/^[A-Z]{2}$/.test(country)) throw new InvalidInput('The country must be a two-letter code (e.g. CZ).', 'country');
  const taxId = company?.taxId ? normalizeTaxId(company.taxId) || null : null;
  const vatId = company?.vatId ? normalizeTaxId(company.vatId) || null : null;
  if ((taxId?.length ?? 0) > 50 || (vatId?.length ?? 0) > 50) throw new InvalidInput('The tax ID is too long.', 'tax_id');
  return { name, taxId, vatId, country };
}

async function insertNewCustomer(q: ReturnType<typeof createCustomerQueries>, company: ReturnType<typeof checkCompany>): Promise<string> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const customerId = newCustomerId();
    if (await q.insertRegistered({ customer_id: customerId, company_name: company.name, tax_id: company.taxId, vat_id: company.vatId, country: company.country })) return customerId;
  }
  throw new Error('could not pick an unused customer ID');
}
