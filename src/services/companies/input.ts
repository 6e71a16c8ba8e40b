// Checks and normalises company input at the service boundary (zod): kind, country, tax ID (as typed and
// normalised for uniqueness), name, VAT ID, address, reasons. Bad input throws InvalidCompanyInput naming the field.
import { z } from 'zod';
import { normalizeTaxId } from '../customers/normalize.js';
import { InvalidCompanyInput } from './errors.js';
import { companyKinds, type CompanyAddress, type CompanyKind } from './types.js';

export { normalizeTaxId };

const line = (max: number) => z.string().transform((s) => s.normalize('NFC').replace(/[\u0000-\u001f\u007f]+/g, ' ').trim()).pipe(z.string().max(max));

const addressSchema = z.strictObject({
  street_address: line(200).nullish(),
  locality: line(100).nullish(),
  postal_code: line(20).nullish(),
  region: line(100).nullish(),
  country: line(2).nullish(),
});

function check<T>(schema: z.ZodType<T>, value: unknown, field: string, message: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new InvalidCompanyInput(message, field);
  return parsed.data;
}

/** 'legal_entity' or 'sole_trader'. */
export const checkKind = (kind: unknown): CompanyKind =>
  check(z.enum(companyKinds as [CompanyKind, ...CompanyKind[]]), kind, 'kind', 'Choose whether the company is a legal entity or a sole trader.');

/** An ISO 3166-1 alpha-2 code, upper-cased. */
export const checkCountry = (country: unknown): string =>
  check(z.string().trim().toUpperCase().regex(/^[A-Z]{2}$/), country, 'country', 'The country must be a two-letter code, such as CZ.');

/** The tax ID as typed (trimmed) and its normalised key. */
export function checkTaxId(taxId: unknown): { taxId: string; taxIdKey: string } {
  const typed = check(line(50), taxId, 'tax_id', 'The tax ID must have at most 50 characters.');
  const taxIdKey = normalizeTaxId(typed);
  if (!/^[A-Z0-9]{2,30}$/.test(taxIdKey)) throw new InvalidCompanyInput('Enter a valid tax ID (letters and digits).', 'tax_id');
  return { taxId: typed, taxIdKey };
}

/** A company name: 1-200 characters. */
export const checkName = (name: unknown): string =>
  check(line(200).pipe(z.string().min(1)), name, 'name', 'Enter the company name (at most 200 characters).');

/** A VAT ID or null (empty = null). */
export function checkVatId(vatId: unknown): string | null {
  if (vatId === null || vatId === undefined) return null;
  const v = check(line(50), vatId, 'vat_id', 'The VAT ID must have at most 50 characters.');
  return v === '' ? null : v.replace(/\s+/g, '').toUpperCase();
}

/** An address (empty members dropped) or null. */
export function checkAddress(address: unknown): CompanyAddress | null {
  if (address === null || address === undefined) return null;
  const a = check(addressSchema, address, 'address', 'Check the address: a value is too long or not allowed.');
  const kept = Object.fromEntries(Object.entries(a).filter(([, v]) => typeof v === 'string' && v !== '')) as CompanyAddress;
  if (kept.country !== undefined && kept.country !== null) kept.country = kept.country.toUpperCase();
  return Object.keys(kept).length ? kept : null;
}

/** A rejection or suspension reason: required, up to 1000 characters. */
export const checkReason = (reason: unknown): string =>
  check(z.string().transform((s) => s.trim()).pipe(z.string().min(1).max(1000)), reason, 'reason', 'Give a reason (at most 1000 characters).');
