// One module owns how customer-directory identifiers compare: tax IDs and licence numbers are matched
// after removing what people type differently (spaces; for tax IDs also dashes, dots and slashes) and
// upper-casing; customer IDs are matched exactly after trimming.

/** The canonical form of a tax ID (e.g. "cz 123-45-678" -> "CZ12345678"). */
export function normalizeTaxId(input: string): string {
  return input.normalize('NFKC').replace(/[\s\-./]/g, '').toUpperCase();
}

/** The canonical form of a licence number (spaces removed, upper-case). */
export function normalizeLicenceNumber(input: string): string {
  return input.normalize('NFKC').replace(/\s/g, '').toUpperCase();
}

/** The canonical form of a customer ID (trimmed). */
export function normalizeCustomerId(input: string): string {
  return input.normalize('NFKC').trim();
}
