// SHA-crypt: $5$ (SHA-256) and $6$ (SHA-512), optional rounds=N (1000..999999999, default 5000), a salt of
// at most 16 crypt(3)-alphabet characters, then 43 / 86 characters of hash (Ulrich Drepper, "Unix crypt
// using SHA-256 and SHA-512", akkadia.org/drepper/SHA-crypt.txt; glibc and libxcrypt crypt(3)).
// Implemented here from the specification; checked against its test vectors, libxcrypt, OpenSSL and PHP.
import { createHash } from 'node:crypto';
import { COST_MS, LEGACY_HASH_LIMITS as LIMITS, YIELD_EVERY } from './limits.js';
import { constantTimeEqual, cryptBase64Group, parseCanonicalInteger, yieldToEventLoop } from './primitives.js';
import { reject, type LegacyHashParse } from './types.js';

const DEFAULT_ROUNDS = 5000;
const MIN_ROUNDS = 1000;
const MCF = /^\$([56])\$(?:rounds=([0-9]+)\$)?([./0-9A-Za-z]{0,16})\$([./0-9A-Za-z]+)$/;

type Variant = { algorithm: 'sha256' | 'sha512'; digestBytes: number; encodedLength: number; order: number[][] };

// Byte order of the final digest in the output: triples of (B2, B1, B0) from the specification.
const SHA256: Variant = {
  algorithm: 'sha256',
  digestBytes: 32,
  encodedLength: 43,
  order: [[0, 10, 20], [21, 1, 11], [12, 22, 2], [3, 13, 23], [24, 4, 14], [15, 25, 5], [6, 16, 26], [27, 7, 17], [18, 28, 8], [9, 19, 29]],
};
const SHA512: Variant = {
  algorithm: 'sha512',
  digestBytes: 64,
  encodedLength: 86,
  order: [
    [0, 21, 42], [22, 43, 1], [44, 2, 23], [3, 24, 45], [25, 46, 4], [47, 5, 26], [6, 27, 48], [28, 49, 7], [50, 8, 29], [9, 30, 51], [31, 52, 10],
    [53, 11, 32], [12, 33, 54], [34, 55, 13], [56, 14, 35], [15, 36, 57], [37, 58, 16], [59, 17, 38], [18, 39, 60], [40, 61, 19], [62, 20, 41],
  ],
};

function encode(variant: Variant, d: Buffer): string {
  let out = '';
  for (const [b2, b1, b0] of variant.order) out += cryptBase64Group(d[b0!]!, d[b1!]!, d[b2!]!, 4);
  return variant.algorithm === 'sha256' ? out + cryptBase64Group(d[30]!, d[31]!, 0, 3) : out + cryptBase64Group(d[63]!, 0, 0, 2);
}

/** `length` bytes of `block` repeated (the specification's P and S sequences). */
function repeatTo(block: Buffer, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let offset = 0; offset < length; offset += block.length) block.copy(out, offset, 0, Math.min(block.length, length - offset));
  return out;
}

async function shaCrypt(variant: Variant, password: Buffer, salt: Buffer, rounds: number): Promise<string> {
  const H = () => createHash(variant.algorithm);
  const n = variant.digestBytes;
  const b = H().update(password).update(salt).update(password).digest();
  const a = H().update(password).update(salt);
  let remaining = password.length;
  for (; remaining > n; remaining -= n) a.update(b);
  a.update(b.subarray(0, remaining));
  for (let bits = password.length; bits > 0; bits >>= 1) a.update(bits & 1 ? b : password);
  const digestA = a.digest();
  const dp = H();
  for (let i = 0; i < password.length; i += 1) dp.update(password);
  const p = repeatTo(dp.digest(), password.length);
  const ds = H();
  for (let i = 0; i < 16 + digestA[0]!; i += 1) ds.update(salt);
  const s = repeatTo(ds.digest(), salt.length);
  let c = digestA;
  for (let i = 0; i < rounds; i += 1) {
    const round = H().update(i & 1 ? p : c);
    if (i % 3 !== 0) round.update(s);
    if (i % 7 !== 0) round.update(p);
    c = round.update(i & 1 ? c : p).digest();
    if ((i + 1) % YIELD_EVERY === 0) await yieldToEventLoop();
  }
  return encode(variant, c);
}

/** Parses a SHA-crypt hash. */
export function parseShaCrypt(hash: string): LegacyHashParse {
  const match = MCF.exec(hash);
  if (!match) return reject('sha-crypt hash must be $5$ or $6$, optional rounds=N$, a salt of up to 16 characters, $ and the hash');
  const [, id, roundsText, saltText, digest] = match as unknown as [string, string, string | undefined, string, string];
  const variant = id === '5' ? SHA256 : SHA512;
  if (digest.length !== variant.encodedLength) return reject(`sha-crypt $${id}$ hash must have ${variant.encodedLength} characters after the salt`);
  let rounds = DEFAULT_ROUNDS;
  if (roundsText !== undefined) {
    const parsed = parseCanonicalInteger(roundsText);
    if (parsed === undefined || parsed < MIN_ROUNDS) return reject(`sha-crypt rounds must be an integer of at least ${MIN_ROUNDS}, without leading zeros`);
    if (parsed > LIMITS.shaCryptMaxRounds) return reject(`sha-crypt rounds ${parsed} exceeds the limit of ${LIMITS.shaCryptMaxRounds}`);
    rounds = parsed;
  }
  const salt = Buffer.from(saltText, 'latin1');
  const expected = Buffer.from(digest, 'latin1');
  return {
    ok: true,
    scheme: id === '5' ? 'sha256-crypt' : 'sha512-crypt',
    cost: rounds * COST_MS.shaCryptPerRound[variant.algorithm],
    async verify(password) {
      // Each round hashes the password up to twice, plus salt and digest; refuse what would run away.
      if (rounds * (2 * password.length + salt.length + variant.digestBytes) > LIMITS.loopMaxHashedBytes) return false;
      const computed = await shaCrypt(variant, password, salt, rounds);
      return constantTimeEqual(Buffer.from(computed, 'latin1'), expected);
    },
  };
}
