// One legacy import record (DESIGN.md, "Legacy import format") checked and shaped for storage: a typed row,
// or the reason it is rejected. Unknown fields are refused (a misspelt column must not silently drop data),
// and a hash Latchkey cannot verify rejects the row (src/services/legacy/hashes).
import { z } from 'zod';
import { isPlausibleEmail, normalizeEmail } from '../../accounts/email.js';
import { identifyLegacyHash, LEGACY_HASH_LIMITS, type LegacyScheme } from '../hashes/index.js';
import { describeIssue, optionalCountry, optionalDate, optionalId, optionalText, requiredId } from './fields.js';

/** Profile fields a source may provide (import names; `phone` becomes the account's phone_number). */
export interface LegacyProfile {
  name?: string;
  given_name?: string;
  family_name?: string;
  phone?: string;
  locale?: string;
}

export interface LegacyCompany {
  name?: string;
  tax_id?: string;
  vat_id?: string;
  country?: string;
}

export interface LegacyHashFields {
  hash: string;
  scheme?: string;
  salt?: string;
  saltPosition?: 'prefix' | 'suffix';
  /** The recognised format. */
  algorithm: LegacyScheme;
}

/** A valid import row, ready to be merged. */
export interface LegacyImportRow {
  legacyId: string;
  email: string;
  emailNormalized: string;
  hash?: LegacyHashFields;
  profile: LegacyProfile;
  customerId?: string;
  company?: LegacyCompany;
  createdAt?: Date;
  lastLoginAt?: Date;
  /** The record without its hash fields (kept for audit). */
  raw: Record<string, unknown>;
}

const HASH_FIELDS = ['password_hash', 'hash_scheme', 'salt', 'salt_position'] as const;
const COMPANY_FIELDS = ['name', 'tax_id', 'vat_id', 'country'] as const;

/** CSV columns of the legacy format (company fields flattened as company_*). */
export const LEGACY_CSV_COLUMNS = {
  known: ['legacy_id', 'email', ...HASH_FIELDS, 'name', 'given_name', 'family_name', 'phone', 'locale', 'customer_id',
    ...COMPANY_FIELDS.map((f) => `company_${f}`), 'created_at', 'last_login_at'],
  required: ['legacy_id', 'email'],
} as const;

const companySchema = z.strictObject({
  name: optionalText(200),
  tax_id: optionalText(50),
  vat_id: optionalText(50),
  country: optionalCountry,
}, { error: 'must be an object {name, tax_id, vat_id, country}' });

const recordSchema = z.strictObject({
  legacy_id: requiredId(200),
  email: z.string({ error: (iss) => (iss.input === undefined || iss.input === null ? 'is missing' : 'must be text') })
    .trim().min(1, 'is missing').max(320, 'is longer than 320 characters'),
  password_hash: optionalText(LEGACY_HASH_LIMITS.maxHashLength),
  hash_scheme: optionalText(40),
  salt: z.preprocess((v) => (v === null || v === '' ? undefined : v), z.string({ error: 'must be text' }).max(1024, 'is longer than 1024 characters').optional()),
  salt_position: optionalText(10).pipe(z.enum(['prefix', 'suffix'], { error: 'must be prefix or suffix' }).optional()),
  name: optionalText(200),
  given_name: optionalText(200),
  family_name: optionalText(200),
  phone: optionalText(40),
  locale: optionalText(35).pipe(z.string().regex(/^[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8})*$/, 'is not a language tag (e.g. cs or en-GB)').optional()),
  customer_id: optionalId(100),
  company: z.preprocess((v) => (v === null ? undefined : v), companySchema.optional()),
  created_at: optionalDate,
  last_login_at: optionalDate,
});

/** CSV's flat company_* columns as the nested company object of the NDJSON format. */
function nestCompany(record: Record<string, unknown>): Record<string, unknown> {
  if (!COMPANY_FIELDS.some((f) => `company_${f}` in record)) return record;
  const { company_name, company_tax_id, company_vat_id, company_country, ...rest } = record;
  return { ...rest, company: { name: company_name, tax_id: company_tax_id, vat_id: company_vat_id, country: company_country } };
}

const withoutEmpty = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

/** Checks one record; a LegacyImportRow, or the reason for the rejects file. */
export function parseLegacyRecord(input: Record<string, unknown>): { ok: true; row: LegacyImportRow } | { ok: false; reason: string } {
  const parsed = recordSchema.safeParse(nestCompany(input));
  if (!parsed.success) return { ok: false, reason: describeIssue(parsed.error) };
  const r = parsed.data;
  const emailNormalized = normalizeEmail(r.email);
  if (!isPlausibleEmail(emailNormalized)) return { ok: false, reason: `email ${JSON.stringify(r.email)} is not a valid email address` };
  let hash: LegacyHashFields | undefined;
  if (r.password_hash !== undefined) {
    const input = { hash: r.password_hash, scheme: r.hash_scheme, salt: r.salt, saltPosition: r.salt_position };
    const identified = identifyLegacyHash(input);
    if (!identified.ok) return { ok: false, reason: `password_hash: ${identified.reason}` };
    hash = { ...withoutEmpty(input), algorithm: identified.scheme };
  } else if (r.hash_scheme !== undefined || r.salt !== undefined || r.salt_position !== undefined) {
    return { ok: false, reason: 'hash_scheme, salt and salt_position need a password_hash' };
  }
  const company = r.company ? withoutEmpty(r.company) : undefined;
  const raw = Object.fromEntries(Object.entries(input).filter(([k]) => !(HASH_FIELDS as readonly string[]).includes(k)));
  return {
    ok: true,
    row: {
      legacyId: r.legacy_id,
      email: r.email,
      emailNormalized,
      hash,
      profile: withoutEmpty({ name: r.name, given_name: r.given_name, family_name: r.family_name, phone: r.phone, locale: r.locale?.replace(/_/g, '-') }),
      customerId: r.customer_id,
      company: company && Object.keys(company).length ? company : undefined,
      createdAt: r.created_at,
      lastLoginAt: r.last_login_at,
      raw,
    },
  };
}
