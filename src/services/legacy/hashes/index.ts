// Legacy password hashes from imported systems (DESIGN.md, "Legacy import format"): recognises every listed
// format, explains why a hash cannot be used, and verifies a typed password against one in constant time,
// within documented work-factor caps (limits.ts). Never throws on a malformed hash: it simply never matches.
import { MAX_PASSWORD_LENGTH } from '../../accounts/password.js';
import { parseArgon2 } from './argon2.js';
import { looksLikeAspNetIdentity, parseAspNetIdentity } from './aspnet-identity.js';
import { parseBcrypt } from './bcrypt.js';
import { isDigestScheme, parseDigest } from './digest.js';
import { parseDjango } from './django.js';
import { LEGACY_HASH_LIMITS } from './limits.js';
import { parsePhpass } from './phpass.js';
import { parseShaCrypt } from './sha-crypt.js';
import { reject, type LegacyHashParse, type LegacyScheme } from './types.js';
import { looksLikeWerkzeug, parseWerkzeug } from './werkzeug.js';

export type { LegacyScheme } from './types.js';
export { LEGACY_HASH_LIMITS } from './limits.js';

/** One imported hash as it appears in an import row (password_hash, hash_scheme, salt, salt_position). */
export type LegacyHashInput = { hash: string; scheme?: string; salt?: string; saltPosition?: 'prefix' | 'suffix' };

/** hash_scheme values that may accompany a self-describing hash: a scheme itself or its family. */
const SCHEME_HINTS: Record<string, readonly LegacyScheme[]> = {
  argon2: ['argon2id', 'argon2i', 'argon2d'],
  django: ['django-pbkdf2-sha256', 'django-pbkdf2-sha1'],
  'sha-crypt': ['sha256-crypt', 'sha512-crypt'],
  'aspnet-identity': ['aspnet-identity-v2', 'aspnet-identity-v3'],
  werkzeug: ['werkzeug-pbkdf2', 'werkzeug-scrypt'],
  ...Object.fromEntries(
    (['argon2id', 'argon2i', 'argon2d', 'bcrypt', 'django-pbkdf2-sha256', 'django-pbkdf2-sha1', 'phpass', 'sha256-crypt', 'sha512-crypt',
      'aspnet-identity-v2', 'aspnet-identity-v3', 'werkzeug-pbkdf2', 'werkzeug-scrypt'] as const).map((s) => [s, [s]]),
  ),
};

/** Formats people will meet in legacy exports that Latchkey recognises but does not verify. */
const UNSUPPORTED: ReadonlyArray<readonly [RegExp, string]> = [
  [/^\$1\$/, 'md5-crypt ($1$)'],
  [/^\$apr1\$/, 'Apache md5 ($apr1$)'],
  [/^\$(y|gy|7)\$/, 'yescrypt or scrypt crypt(3)'],
  [/^\$S\$/, 'Drupal 7 ($S$)'],
  [/^\$wp\$/, 'WordPress 6.8 bcrypt ($wp$)'],
  [/^\$2x\$/, 'bcrypt $2x$ (crypt_blowfish sign-extension bug)'],
  [/^(argon2|bcrypt|bcrypt_sha256|unsalted_md5|unsalted_sha1|crypt)\$/, 'a Django hasher other than pbkdf2_sha256 and pbkdf2_sha1'],
  [/^(md5|sha1|sha224|sha256|sha384|sha512)\$/, 'a salted Django or Werkzeug digest (ALGORITHM$SALT$HASH)'],
];

function parseSelfDescribing(hash: string): LegacyHashParse {
  for (const [pattern, name] of UNSUPPORTED) if (pattern.test(hash)) return reject(`unsupported hash format: ${name}`);
  if (hash.startsWith('$argon2')) return parseArgon2(hash);
  if (hash.startsWith('$2')) return parseBcrypt(hash);
  if (hash.startsWith('$P$') || hash.startsWith('$H$')) return parsePhpass(hash);
  if (hash.startsWith('$5$') || hash.startsWith('$6$')) return parseShaCrypt(hash);
  if (hash.startsWith('pbkdf2_sha256$') || hash.startsWith('pbkdf2_sha1$')) return parseDjango(hash);
  if (looksLikeWerkzeug(hash)) return parseWerkzeug(hash);
  if (/^([0-9a-fA-F]{32}|[0-9a-fA-F]{40}|[0-9a-fA-F]{64}|[0-9a-fA-F]{128})$/.test(hash)) {
    return reject('a bare hex digest needs hash_scheme md5, sha1, sha256 or sha512');
  }
  if (looksLikeAspNetIdentity(hash)) return parseAspNetIdentity(hash);
  return reject('unknown hash format');
}

/** Turns an import row's hash fields into a verifiable hash, or the reason it cannot be one. */
function parseLegacyHash(input: LegacyHashInput): LegacyHashParse {
  if (typeof input !== 'object' || input === null || typeof input.hash !== 'string') return reject('password_hash is missing');
  const hash = input.hash.trim();
  if (hash === '') return reject('password_hash is empty');
  if (hash.length > LEGACY_HASH_LIMITS.maxHashLength) return reject(`password_hash is longer than ${LEGACY_HASH_LIMITS.maxHashLength} characters`);
  const scheme = typeof input.scheme === 'string' && input.scheme.trim() !== '' ? input.scheme.trim().toLowerCase() : undefined;
  const salt = typeof input.salt === 'string' && input.salt !== '' ? input.salt : undefined;
  const saltPosition = typeof input.saltPosition === 'string' ? input.saltPosition.trim().toLowerCase() : undefined;
  if (scheme !== undefined && isDigestScheme(scheme)) return parseDigest(scheme, hash, salt, saltPosition);
  if (scheme !== undefined && !Object.hasOwn(SCHEME_HINTS, scheme)) {
    return reject('unknown hash_scheme (use md5, sha1, sha256 or sha512 for bare digests; self-describing hashes need none)');
  }
  const parsed = parseSelfDescribing(hash);
  if (!parsed.ok) return parsed;
  if (salt !== undefined) return reject('salt and salt_position are only for hash_scheme md5, sha1, sha256 or sha512');
  if (scheme !== undefined && !SCHEME_HINTS[scheme]!.includes(parsed.scheme)) return reject(`hash_scheme ${scheme} does not match the hash, which is ${parsed.scheme}`);
  return parsed;
}

/** Recognises an imported hash without computing anything; the reason is written to the import rejects file. */
export function identifyLegacyHash(input: LegacyHashInput): { ok: true; scheme: LegacyScheme } | { ok: false; reason: string } {
  const parsed = parseLegacyHash(input);
  return parsed.ok ? { ok: true, scheme: parsed.scheme } : { ok: false, reason: parsed.reason };
}

/**
 * Checks a typed password against an imported hash. False for a wrong password, an empty or over-long
 * password, and any malformed or over-limit hash; never throws.
 */
export async function verifyLegacyHash(input: LegacyHashInput, password: string): Promise<boolean> {
  if (typeof password !== 'string' || password === '' || password.length > MAX_PASSWORD_LENGTH) return false;
  const parsed = parseLegacyHash(input);
  if (!parsed.ok) return false;
  try {
    return await parsed.verify(Buffer.from(password, 'utf8'));
  } catch {
    return false; // a library refusing odd parameters is a non-match, never a way in
  }
}

/**
 * Rough relative cost of verifying this hash (milliseconds on the reference machine; 0 when it cannot be
 * verified at all), for callers that equalise the timing of checking several hashes.
 */
export function legacyHashCost(input: LegacyHashInput): number {
  const parsed = parseLegacyHash(input);
  return parsed.ok ? parsed.cost : 0;
}
