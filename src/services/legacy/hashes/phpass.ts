// phpass portable hashes, $P$ (WordPress) and $H$ (phpBB3): one crypt(3)-alphabet character giving log2 of
// the iteration count (7..30), an 8-character salt, then 22 characters of an iterated MD5
// (openwall phpass 0.3 PasswordHash::crypt_private: h = md5(salt.password); repeat 2^n: h = md5(h.password)).
import { createHash } from 'node:crypto';
import { COST_MS, LEGACY_HASH_LIMITS as LIMITS, YIELD_EVERY } from './limits.js';
import { CRYPT_ALPHABET, constantTimeEqual, cryptBase64Group, yieldToEventLoop } from './primitives.js';
import { reject, type LegacyHashParse } from './types.js';

const PORTABLE = /^\$[PH]\$([./0-9A-Za-z])([./0-9A-Za-z]{8})([./0-9A-Za-z]{22})$/;

/** phpass's encode64 of the 16-byte MD5: little-endian 24-bit groups, 22 characters. */
function encode16(bytes: Buffer): string {
  let out = '';
  for (let i = 0; i < 15; i += 3) out += cryptBase64Group(bytes[i]!, bytes[i + 1]!, bytes[i + 2]!, 4);
  return out + cryptBase64Group(bytes[15]!, 0, 0, 2);
}

/** Parses a phpass portable hash. */
export function parsePhpass(hash: string): LegacyHashParse {
  if (hash.length !== 34) return reject('phpass hash has wrong length');
  const match = PORTABLE.exec(hash);
  if (!match) return reject('phpass hash has invalid characters');
  const [, countChar, saltText, digest] = match as unknown as [string, string, string, string];
  const log2Rounds = CRYPT_ALPHABET.indexOf(countChar);
  if (log2Rounds < 7 || log2Rounds > 30) return reject('phpass iteration count must be 2^7 to 2^30');
  if (log2Rounds > LIMITS.phpassMaxLog2Rounds) return reject(`phpass iteration count 2^${log2Rounds} exceeds the limit of 2^${LIMITS.phpassMaxLog2Rounds}`);
  const salt = Buffer.from(saltText, 'latin1');
  const expected = Buffer.from(digest, 'latin1');
  const rounds = 2 ** log2Rounds;
  return {
    ok: true,
    scheme: 'phpass',
    cost: rounds * COST_MS.phpassPerRound,
    async verify(password) {
      if (rounds * (16 + password.length) > LIMITS.loopMaxHashedBytes) return false; // each round hashes h.password
      let h = createHash('md5').update(salt).update(password).digest();
      for (let i = 1; i <= rounds; i += 1) {
        h = createHash('md5').update(h).update(password).digest();
        if (i % YIELD_EVERY === 0) await yieldToEventLoop();
      }
      return constantTimeEqual(Buffer.from(encode16(h), 'latin1'), expected);
    },
  };
}
