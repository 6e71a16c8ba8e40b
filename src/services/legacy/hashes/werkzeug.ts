// Werkzeug generate_password_hash (pallets/werkzeug src/werkzeug/security.py), METHOD$SALT$HEX with the
// UTF-8 salt text used as is and lower-case hex compared exactly, as check_password_hash does:
//   pbkdf2:HASH:ITERATIONS  PBKDF2-HMAC-HASH, output = digest size (hashlib.pbkdf2_hmac)
//   pbkdf2:HASH, pbkdf2     no count: Werkzeug used ITS default at check time, which changed over releases
//                           (1000, 50000, 150000, 260000, 600000, 1000000); any of those is accepted
//   scrypt:N:R:P, scrypt    hashlib.scrypt, dklen 64; bare "scrypt" means N=2^15, r=8, p=1 (Werkzeug >= 2.3)
// Werkzeug's deprecated plain/HMAC methods (e.g. sha256$salt$hmac) are not supported.
import { scrypt } from 'node:crypto';
import { COST_MS, LEGACY_HASH_LIMITS as LIMITS } from './limits.js';
import { DIGEST_BYTES, constantTimeEqual, derivePbkdf2, type Pbkdf2Digest } from './primitives.js';
import { reject, type LegacyHashParse } from './types.js';

/** Werkzeug's DEFAULT_PBKDF2_ITERATIONS across releases (0.9, 0.1x, 0.15, 2.0, 2.3, 3.1). */
export const WERKZEUG_DEFAULT_ITERATIONS = [1000, 50_000, 150_000, 260_000, 600_000, 1_000_000] as const;

const PBKDF2_HASHES = new Set<string>(['sha1', 'sha224', 'sha256', 'sha384', 'sha512']);
const SCRYPT_BYTES = 64;

/** Whether a string starts like a Werkzeug hash. */
export function looksLikeWerkzeug(hash: string): boolean {
  return /^(pbkdf2|scrypt)[:$]/.test(hash);
}

/** Parses a Werkzeug pbkdf2 or scrypt hash. */
export function parseWerkzeug(hash: string): LegacyHashParse {
  const parts = hash.split('$');
  if (parts.length !== 3) return reject('werkzeug hash must be METHOD$SALT$HASH');
  const [method, saltText, hex] = parts as [string, string, string];
  if (saltText === '') return reject('werkzeug hash has an empty salt');
  const salt = Buffer.from(saltText, 'utf8');
  const [kind, ...args] = method.split(':');
  if (kind === 'pbkdf2') return parsePbkdf2(args, salt, hex);
  if (kind === 'scrypt') return parseScrypt(args, salt, hex);
  return reject('werkzeug method must be pbkdf2 or scrypt');
}

function lowerHex(hex: string, bytes: number): Buffer | undefined {
  return new RegExp(`^[0-9a-f]{${bytes * 2}}$`).test(hex) ? Buffer.from(hex, 'hex') : undefined;
}

/** Werkzeug reads numbers with int(): decimal digits, leading zeros allowed. */
function werkzeugInt(text: string): number | undefined {
  return /^[0-9]{1,16}$/.test(text) ? Number(text) : undefined;
}

function parsePbkdf2(args: string[], salt: Buffer, hex: string): LegacyHashParse {
  if (args.length > 2) return reject('werkzeug pbkdf2 method must be pbkdf2:HASH:ITERATIONS');
  const name = args[0] ?? 'sha256';
  if (!PBKDF2_HASHES.has(name)) return reject('werkzeug pbkdf2 hash function must be sha1, sha224, sha256, sha384 or sha512');
  const digest = name as Pbkdf2Digest;
  let candidates: readonly number[] = WERKZEUG_DEFAULT_ITERATIONS;
  if (args.length === 2) {
    const iterations = werkzeugInt(args[1]!);
    if (iterations === undefined || iterations < 1) return reject('werkzeug pbkdf2 iteration count must be a positive integer');
    if (iterations > LIMITS.pbkdf2MaxWork) return reject(`werkzeug pbkdf2 iteration count ${iterations} exceeds the limit of ${LIMITS.pbkdf2MaxWork}`);
    candidates = [iterations];
  }
  const expected = lowerHex(hex, DIGEST_BYTES[digest]);
  if (!expected) return reject(`werkzeug pbkdf2:${digest} hash must be ${DIGEST_BYTES[digest] * 2} lower-case hex digits`);
  const total = candidates.reduce((sum, n) => sum + n, 0);
  return {
    ok: true,
    scheme: 'werkzeug-pbkdf2',
    cost: total * COST_MS.pbkdf2PerIteration[digest],
    async verify(password) {
      // Every candidate is computed and compared; no early exit, so timing does not depend on which matched.
      const keys = await Promise.all(candidates.map((n) => derivePbkdf2(password, salt, n, expected.length, digest)));
      return keys.map((key) => constantTimeEqual(key, expected)).reduce((a, b) => a || b, false);
    },
  };
}

function parseScrypt(args: string[], salt: Buffer, hex: string): LegacyHashParse {
  let n = 2 ** 15;
  let r = 8;
  let p = 1;
  if (args.length !== 0) {
    const values = args.map(werkzeugInt);
    if (values.length !== 3 || values.some((v) => v === undefined || v < 1)) return reject('werkzeug scrypt method must be scrypt:N:R:P with positive integers');
    [n, r, p] = values as [number, number, number];
  }
  if (n < 2 || (n & (n - 1)) !== 0) return reject('werkzeug scrypt N must be a power of 2 greater than 1');
  if (128 * n * r > LIMITS.scryptMaxMemoryBytes) return reject(`werkzeug scrypt memory (128*N*r) exceeds the limit of ${LIMITS.scryptMaxMemoryBytes} bytes`);
  if (n * r * p > LIMITS.scryptMaxWork) return reject(`werkzeug scrypt work (N*r*p) exceeds the limit of ${LIMITS.scryptMaxWork}`);
  const expected = lowerHex(hex, SCRYPT_BYTES);
  if (!expected) return reject(`werkzeug scrypt hash must be ${SCRYPT_BYTES * 2} lower-case hex digits`);
  const options = { N: n, r, p, maxmem: 128 * n * r + 128 * r * p + 1024 * 1024 };
  return {
    ok: true,
    scheme: 'werkzeug-scrypt',
    cost: n * r * p * COST_MS.scryptPerNrp,
    verify(password) {
      return new Promise((resolve, rejectPromise) => {
        scrypt(password, salt, SCRYPT_BYTES, options, (error, key) => (error ? rejectPromise(error) : resolve(constantTimeEqual(key, expected))));
      });
    },
  };
}
