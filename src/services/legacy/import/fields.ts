// Field rules shared by the import row schemas (zod): optional text with a length cap, ids that may be
// JSON numbers, ISO 8601 dates, country codes; and turning the first zod issue into a one-line reason.
import { z } from 'zod';

const blankToUndefined = (v: unknown) => (v === null || (typeof v === 'string' && v.trim() === '') ? undefined : v);

/** Optional text, trimmed, at most max characters (empty or null counts as absent). */
export const optionalText = (max: number) =>
  z.preprocess(blankToUndefined, z.string({ error: 'must be text' }).trim().max(max, `is longer than ${max} characters`).optional());

/** A required identifier: text or a whole JSON number, trimmed. */
export const requiredId = (max: number) =>
  z.preprocess(
    (v) => (typeof v === 'number' && Number.isSafeInteger(v) ? String(v) : blankToUndefined(v)),
    z.string({ error: (iss) => (iss.input === undefined ? 'is missing' : 'must be text or a whole number') })
      .trim().max(max, `is longer than ${max} characters`),
  );

/** An optional identifier (text or a whole JSON number); empty text or null counts as absent. */
export const optionalId = (max: number) =>
  z.preprocess(
    (v) => (typeof v === 'number' && Number.isSafeInteger(v) ? String(v) : blankToUndefined(v)),
    z.string({ error: 'must be text or a whole number' }).trim().max(max, `is longer than ${max} characters`).optional(),
  );

const ISO_8601 = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)?)?$/i;

/** An optional ISO 8601 date or date-time. */
export const optionalDate = z.preprocess(
  blankToUndefined,
  z.string({ error: 'must be an ISO 8601 date' })
    .trim()
    .refine((s) => ISO_8601.test(s) && !Number.isNaN(Date.parse(s)), 'is not an ISO 8601 date (e.g. 2021-03-04T05:06:07Z)')
    .transform((s) => new Date(s))
    .optional(),
);

/** An optional ISO 3166-1 alpha-2 country code, upper-cased. */
export const optionalCountry = z.preprocess(
  blankToUndefined,
  z.string({ error: 'must be text' }).trim().regex(/^[A-Za-z]{2}$/, 'is not a two-letter country code (ISO 3166-1, e.g. CZ)')
    .transform((s) => s.toUpperCase())
    .optional(),
);

/** The first problem of a failed parse as `field: what is wrong`. */
export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid record';
  if (issue.code === 'unrecognized_keys') {
    const where = issue.path.length ? ` in ${issue.path.join('.')}` : '';
    return `unknown field${issue.keys.length > 1 ? 's' : ''}${where}: ${issue.keys.join(', ')}`;
  }
  const field = issue.path.join('.');
  return field ? `${field} ${issue.message}` : issue.message;
}

/** True when any text in the record holds a NUL character (PostgreSQL text cannot store it). */
export function hasNulCharacter(record: Record<string, unknown>): boolean {
  return JSON.stringify(record).includes('\\u0000');
}

/** A record's identifying field for the rejects file (trimmed, at most 200 characters), if readable. */
export function keyField(record: Record<string, unknown>, name: string): Record<string, unknown> {
  const value = record[name];
  if (typeof value === 'number' && Number.isFinite(value)) return { [name]: String(value) };
  if (typeof value === 'string' && value.trim() !== '') return { [name]: value.trim().slice(0, 200) };
  return {};
}
