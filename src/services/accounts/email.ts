// One module owns email normalisation: trim, Unicode NFC, lower-case. Every lookup and unique check uses it.

/** The canonical form of an email address used for storage, lookups and uniqueness. */
export function normalizeEmail(input: string): string {
  return input.trim().normalize('NFC').toLowerCase();
}

// Deliberately permissive (RFC 5322 is broader than anything real mail systems accept; this keeps
// obvious garbage out): one @, no spaces, a dot in the domain, sane lengths.
const EMAIL_SHAPE = /^[^\s@]{1,64}@[^\s@.]+(\.[^\s@.]+)+$/u;

/** True when a normalised address looks like a deliverable email address. */
export function isPlausibleEmail(normalized: string): boolean {
  return normalized.length <= 254 && EMAIL_SHAPE.test(normalized);
}
