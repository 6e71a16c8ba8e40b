// The company forms' input at the boundary (zod): kind, country and tax ID as the registration, join and
// settings forms submit them, and the company details (name, VAT ID, address). A malformed value becomes a
// message next to its field; the service checks the same rules again.
import type Koa from 'koa';
import { z } from 'zod';
import type { Translate } from '../../i18n/index.js';
import type { CompanyAddress, CompanyKind, RegistryEntry } from '../../services/companies/types.js';
import type { CompanyFormError } from './companies-errors.js';
import { field } from './page.js';

/** Names of the detail fields (besides kind, country and tax ID) the forms show. */
export const DETAIL_FIELDS = ['name', 'vat_id', 'street_address', 'locality', 'postal_code', 'region'] as const;
const ADDRESS_PARTS = ['street_address', 'locality', 'postal_code', 'region'] as const;

const companyKey = z.object({
  kind: z.enum(['legal_entity', 'sole_trader']),
  country: z.string().regex(/^[A-Za-z]{2}$/).transform((c) => c.toUpperCase()),
  tax_id: z.string().trim().min(1).max(40),
});

/** The form's values as text, for redisplay. */
export type FormValues = Record<string, string>;

/** Every company field of the form, trimmed and cut to a sane length. */
export function companyFormValues(ctx: Koa.ParameterizedContext): FormValues {
  const values: FormValues = { kind: field(ctx, 'kind', 20), country: field(ctx, 'country', 10).trim(), tax_id: field(ctx, 'tax_id', 100).trim() };
  for (const name of DETAIL_FIELDS) values[name] = field(ctx, name, 500).trim();
  return values;
}

/** The key fields checked; an error names the first bad field. */
export function parseCompanyKey(values: FormValues, t: Translate, fields: readonly ('kind' | 'country' | 'tax_id')[] = ['kind', 'country', 'tax_id']):
  { ok: true; kind: CompanyKind; country: string; taxId: string } | { ok: false; error: CompanyFormError } {
  const parsed = companyKey.safeParse({ kind: fields.includes('kind') ? values.kind : 'legal_entity', country: values.country, tax_id: values.tax_id });
  if (parsed.success) return { ok: true, kind: parsed.data.kind, country: parsed.data.country, taxId: parsed.data.tax_id };
  const name = String(parsed.error.issues[0]?.path[0] ?? 'tax_id');
  return { ok: false, error: { status: 400, field: name, message: t(`companies.error.field.${name}`) } };
}

/** The address parts of the form, or null when all are empty. */
export function addressOf(values: FormValues): CompanyAddress | null {
  const address: CompanyAddress = {};
  for (const part of ADDRESS_PARTS) if (values[part]) address[part] = values[part];
  return Object.keys(address).length ? address : null;
}

/** Form values with a registry entry's data filled in. */
export function prefilled(values: FormValues, entry: RegistryEntry): FormValues {
  return {
    ...values,
    kind: entry.kind ?? values.kind ?? 'legal_entity',
    name: entry.name,
    vat_id: entry.vatId ?? '',
    street_address: entry.address?.street_address ?? '',
    locality: entry.address?.locality ?? '',
    postal_code: entry.address?.postal_code ?? '',
    region: entry.address?.region ?? '',
  };
}
