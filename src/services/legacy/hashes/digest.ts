// Bare hex digests named by the import's hash_scheme: md5 (RFC 1321), sha1, sha256, sha512 (FIPS 180-4),
// of the password alone or of salt+password / password+salt (salt_position prefix|suffix), all as UTF-8.
// Hex is accepted in either case, since databases export both. Weak by design: only for migration.
import { createHash } from 'node:crypto';
import { COST_MS } from './limits.js';
import { constantTimeEqual } from './primitives.js';
import { reject, type LegacyHashParse } from './types.js';

export type DigestScheme = 'md5' | 'sha1' | 'sha256' | 'sha512';

const HEX_DIGITS: Record<DigestScheme, number> = { md5: 32, sha1: 40, sha256: 64, sha512: 128 };

/** Whether a hash_scheme value names a bare digest. */
export function isDigestScheme(scheme: string): scheme is DigestScheme {
  return Object.hasOwn(HEX_DIGITS, scheme);
}

/** Parses a bare digest; salt_position is required whenever a salt is given. */
export function parseDigest(scheme: DigestScheme, hash: string, salt: string | undefined, saltPosition: string | undefined): LegacyHashParse {
  const digits = HEX_DIGITS[scheme];
  if (!new RegExp(`^[0-9a-fA-F]{${digits}}$`).test(hash)) return reject(`hash_scheme ${scheme} expects ${digits} hex digits`);
  if (salt !== undefined && saltPosition !== 'prefix' && saltPosition !== 'suffix') {
    return reject('salt_position must be prefix or suffix when a salt is given');
  }
  const expected = Buffer.from(hash, 'hex');
  const saltBytes = salt === undefined ? Buffer.alloc(0) : Buffer.from(salt, 'utf8');
  return {
    ok: true,
    scheme,
    cost: COST_MS.digest,
    async verify(password) {
      const input = saltPosition === 'prefix' ? [saltBytes, password] : [password, saltBytes];
      const computed = createHash(scheme).update(input[0]!).update(input[1]!).digest();
      return constantTimeEqual(computed, expected);
    },
  };
}
