// ASP.NET (Core) Identity PasswordHasher, base64 of a format byte and payload (dotnet/aspnetcore
// src/Identity/Extensions.Core/src/PasswordHasher.cs):
//   v2 (0x00): salt[16] | subkey[32], PBKDF2-HMAC-SHA1, 1000 iterations (ASP.NET Identity 2 / Core compat)
//   v3 (0x01): PRF u32be (0 SHA-1, 1 SHA-256, 2 SHA-512) | iterations u32be | salt length u32be | salt | subkey,
//              salt and subkey at least 16 bytes each; the subkey is whatever follows the salt.
// The password is UTF-8, as in KeyDerivation.Pbkdf2.
import { COST_MS, LEGACY_HASH_LIMITS as LIMITS } from './limits.js';
import { constantTimeEqual, decodePaddedBase64, derivePbkdf2, pbkdf2Work, type Pbkdf2Digest } from './primitives.js';
import { reject, type LegacyHashParse } from './types.js';

const V2_LENGTH = 1 + 16 + 32;
const V3_HEADER = 13;
const MIN_V3_BYTES = 16; // 128 bits, the minimum PasswordHasher accepts for salt and subkey
const PRFS: Pbkdf2Digest[] = ['sha1', 'sha256', 'sha512'];

/** Whether a string looks like an ASP.NET Identity hash: base64 whose first byte is 0x00 or 0x01 ("AA".."Af"). */
export function looksLikeAspNetIdentity(hash: string): boolean {
  return /^A[A-Za-f][A-Za-z0-9+/]*={0,2}$/.test(hash) && hash.length >= 44;
}

/** Parses an ASP.NET Identity v2 or v3 hash. */
export function parseAspNetIdentity(hash: string): LegacyHashParse {
  const bytes = decodePaddedBase64(hash);
  if (!bytes) return reject('aspnet identity hash is not canonical base64');
  if (bytes[0] === 0x00) {
    if (bytes.length !== V2_LENGTH) return reject('aspnet identity v2 hash has wrong length');
    return pbkdf2Hash('aspnet-identity-v2', 'sha1', 1000, bytes.subarray(1, 17), bytes.subarray(17));
  }
  if (bytes[0] !== 0x01) return reject('aspnet identity hash has an unknown format byte');
  if (bytes.length < V3_HEADER + 2 * MIN_V3_BYTES) return reject('aspnet identity v3 hash is too short');
  const prf = PRFS[bytes.readUInt32BE(1)];
  const iterations = bytes.readUInt32BE(5);
  const saltLength = bytes.readUInt32BE(9);
  if (!prf) return reject('aspnet identity v3 hash has an unknown PRF (expected 0 SHA-1, 1 SHA-256, 2 SHA-512)');
  if (iterations < 1 || iterations > 0x7fffffff) return reject('aspnet identity v3 iteration count is out of range');
  if (saltLength < MIN_V3_BYTES || bytes.length - V3_HEADER - saltLength < MIN_V3_BYTES) return reject('aspnet identity v3 salt or subkey is shorter than 16 bytes');
  const salt = bytes.subarray(V3_HEADER, V3_HEADER + saltLength);
  const subkey = bytes.subarray(V3_HEADER + saltLength);
  if (pbkdf2Work(iterations, subkey.length, prf) > LIMITS.pbkdf2MaxWork) {
    return reject(`aspnet identity v3 work (${iterations} iterations) exceeds the limit of ${LIMITS.pbkdf2MaxWork}`);
  }
  return pbkdf2Hash('aspnet-identity-v3', prf, iterations, salt, subkey);
}

function pbkdf2Hash(scheme: 'aspnet-identity-v2' | 'aspnet-identity-v3', digest: Pbkdf2Digest, iterations: number, salt: Buffer, subkey: Buffer): LegacyHashParse {
  const saltCopy = Buffer.from(salt);
  const expected = Buffer.from(subkey);
  return {
    ok: true,
    scheme,
    cost: pbkdf2Work(iterations, expected.length, digest) * COST_MS.pbkdf2PerIteration[digest],
    async verify(password) {
      const computed = await derivePbkdf2(password, saltCopy, iterations, expected.length, digest);
      return constantTimeEqual(computed, expected);
    },
  };
}
