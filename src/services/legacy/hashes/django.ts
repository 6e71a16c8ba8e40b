// Django's PBKDF2 hashers: pbkdf2_sha256$ITERATIONS$SALT$BASE64 and pbkdf2_sha1$..., where the hash is
// standard base64 of PBKDF2-HMAC (RFC 8018) over the UTF-8 password and salt, output length = digest size
// (django/contrib/auth/hashers.py, PBKDF2PasswordHasher and PBKDF2SHA1PasswordHasher).
import { COST_MS, LEGACY_HASH_LIMITS as LIMITS } from './limits.js';
import { DIGEST_BYTES, constantTimeEqual, decodePaddedBase64, derivePbkdf2, parseCanonicalInteger } from './primitives.js';
import { reject, type LegacyHashParse } from './types.js';

const ENCODED = /^(pbkdf2_sha256|pbkdf2_sha1)\$([^$]*)\$([^$]*)\$([^$]*)$/;

/** Parses a Django PBKDF2 hash. */
export function parseDjango(hash: string): LegacyHashParse {
  const match = ENCODED.exec(hash);
  if (!match) return reject('django hash must be ALGORITHM$ITERATIONS$SALT$HASH');
  const [, algorithm, iterationsText, saltText, hashText] = match as unknown as [string, string, string, string, string];
  const digest = algorithm === 'pbkdf2_sha256' ? 'sha256' : 'sha1';
  const iterations = parseCanonicalInteger(iterationsText);
  if (iterations === undefined) return reject('django iteration count must be a positive integer');
  if (iterations > LIMITS.pbkdf2MaxWork) return reject(`django iteration count ${iterations} exceeds the limit of ${LIMITS.pbkdf2MaxWork}`);
  if (saltText === '') return reject('django hash has an empty salt');
  const expected = decodePaddedBase64(hashText);
  if (!expected || expected.length !== DIGEST_BYTES[digest]) return reject(`django ${algorithm} hash must be base64 of ${DIGEST_BYTES[digest]} bytes`);
  const salt = Buffer.from(saltText, 'utf8');
  return {
    ok: true,
    scheme: digest === 'sha256' ? 'django-pbkdf2-sha256' : 'django-pbkdf2-sha1',
    cost: iterations * COST_MS.pbkdf2PerIteration[digest],
    async verify(password) {
      const computed = await derivePbkdf2(password, salt, iterations, expected.length, digest);
      return constantTimeEqual(computed, expected);
    },
  };
}
