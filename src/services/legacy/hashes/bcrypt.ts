// bcrypt Modular Crypt Format $2a$ / $2b$ / $2y$ + two-digit cost + 22-char salt + 31-char hash, bcrypt's
// own base64 (Provos & Mazières 1999; OpenBSD bcrypt.c; openwall crypt_blowfish for $2y$). Passwords keep
// bcrypt's semantics: only the first 72 bytes count. $2x$ (crypt_blowfish's pre-2011 sign-extension bug)
// is refused. @node-rs/bcrypt recomputes the hash with the stored salt; the comparison is ours.
import { hash as bcryptHash } from '@node-rs/bcrypt';
import { COST_MS, LEGACY_HASH_LIMITS as LIMITS } from './limits.js';
import { constantTimeEqual } from './primitives.js';
import { reject, type LegacyHashParse } from './types.js';

const BCRYPT_ALPHABET = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const MCF = /^\$(2[aby])\$([0-9]{2})\$([./A-Za-z0-9]{22})([./A-Za-z0-9]{31})$/;

/** bcrypt's base64 leaves spare low bits in the last character; canonical encoders write them as zero. */
function hasZeroSpareBits(text: string, spareBits: number): boolean {
  return BCRYPT_ALPHABET.indexOf(text[text.length - 1]!) % (1 << spareBits) === 0;
}

/** Parses a bcrypt hash. */
export function parseBcrypt(hash: string): LegacyHashParse {
  if (/^\$2x\$/.test(hash)) return reject('bcrypt $2x$ hashes (crypt_blowfish sign-extension bug) are not supported');
  if (!/^\$2[aby]\$/.test(hash)) return reject('unknown bcrypt variant (expected $2a$, $2b$ or $2y$)');
  if (hash.length !== 60) return reject('bcrypt hash has wrong length');
  const match = MCF.exec(hash);
  if (!match) return reject('bcrypt hash has invalid characters');
  const [, version, costText, salt, digest] = match as unknown as [string, string, string, string, string];
  const cost = Number(costText);
  if (cost < 4 || cost > 31) return reject('bcrypt cost must be between 04 and 31');
  if (cost > LIMITS.bcryptMaxCost) return reject(`bcrypt cost ${cost} exceeds the limit of ${LIMITS.bcryptMaxCost}`);
  // 16 salt bytes in 22 characters leave 4 spare bits; 23 hash bytes in 31 characters leave 2.
  if (!hasZeroSpareBits(salt, 4) || !hasZeroSpareBits(digest, 2)) return reject('bcrypt hash is not canonically encoded');
  const setting = `$${version}$${costText}$${salt}`;
  const expected = Buffer.from(digest, 'latin1');
  return {
    ok: true,
    scheme: 'bcrypt',
    cost: 2 ** cost * COST_MS.bcryptCost0,
    async verify(password) {
      const computed = await bcryptHash(password, { salt: setting });
      return constantTimeEqual(Buffer.from(computed.slice(-31), 'latin1'), expected);
    },
  };
}
