// One customer directory record (DESIGN.md, "Customer directory import format") checked and normalised:
// customer_id, company_name, tax_id, vat_id, country, licence_numbers (';'-separated in CSV, an array in
// NDJSON). A record with an empty customer_id and only licence_numbers lists licences sold but not yet
// registered to any customer (product registration assigns them later).
import { z } from 'zod';
import { describeIssue, optionalCountry, optionalId, optionalText } from '../legacy/import/fields.js';
import { normalizeCustomerId, normalizeLicenceNumber, normalizeTaxId } from './normalize.js';

export const CUSTOMER_CSV_COLUMNS = {
  known: ['customer_id', 'company_name', 'tax_id', 'vat_id', 'country', 'licence_numbers'],
  required: ['customer_id', 'company_name'],
} as const;

/** A checked directory record: a customer (with its licences), or licences not yet registered. */
export type CustomerImportRow =
  | { kind: 'customer'; customerId: string; companyName: string; taxId: string | null; vatId: string | null; country: string | null; licences: string[] }
  | { kind: 'unassigned-licences'; licences: string[] };

const licenceList = z.preprocess(
  (v) => (typeof v === 'string' ? v.split(';') : v === null ? undefined : v),
  z.array(z.string({ error: 'must be text' }).max(100, 'has a licence number longer than 100 characters'), {
    error: 'must be a list of licence numbers (an array in NDJSON, ;-separated in CSV)',
  }).max(10_000, 'lists more than 10000 licences').optional(),
);

const recordSchema = z.strictObject({
  customer_id: optionalId(100),
  company_name: optionalText(200),
  tax_id: optionalText(50),
  vat_id: optionalText(50),
  country: optionalCountry,
  licence_numbers: licenceList,
});

/** Checks one record; a row, or the reason for the rejects file. */
export function parseCustomerRecord(input: Record<string, unknown>): { ok: true; row: CustomerImportRow } | { ok: false; reason: string } {
  const parsed = recordSchema.safeParse(input);
  if (!parsed.success) return { ok: false, reason: describeIssue(parsed.error) };
  const r = parsed.data;
  const licences = [...new Set((r.licence_numbers ?? []).map(normalizeLicenceNumber).filter((l) => l !== ''))];
  if (r.customer_id === undefined || normalizeCustomerId(r.customer_id) === '') {
    if (r.company_name !== undefined || r.tax_id !== undefined || r.vat_id !== undefined || r.country !== undefined) {
      return { ok: false, reason: 'customer_id is missing' };
    }
    if (licences.length === 0) return { ok: false, reason: 'customer_id is missing (a row without one lists licences not yet registered, so it needs licence_numbers)' };
    return { ok: true, row: { kind: 'unassigned-licences', licences } };
  }
  if (r.company_name === undefined) return { ok: false, reason: 'company_name is missing' };
  const taxId = r.tax_id === undefined ? null : normalizeTaxId(r.tax_id) || null;
  const vatId = r.vat_id === undefined ? null : normalizeTaxId(r.vat_id) || null;
  return {
    ok: true,
    row: { kind: 'customer', customerId: normalizeCustomerId(r.customer_id), companyName: r.company_name, taxId, vatId, country: r.country ?? null, licences },
  };
}
