// Argon2 PHC strings: $argon2id$ / $argon2i$ / $argon2d$, v=19 (1.3) or v=16 (1.0; a missing v= means 1.0,
// as in the reference decoder), m,t,p, unpadded base64 salt and tag (RFC 9106; P-H-C/phc-winner-argon2
// src/encoding.c). The tag is recomputed with @node-rs/argon2's hashRaw and compared in constant time here.
import { Algorithm, Version, hashRaw } from '@node-rs/argon2';
import { COST_MS, LEGACY_HASH_LIMITS as LIMITS } from './limits.js';
import { constantTimeEqual, decodeUnpaddedBase64, parseCanonicalInteger } from './primitives.js';
import { reject, type LegacyHashParse } from './types.js';

const PHC = /^\$(argon2id|argon2i|argon2d)\$(?:v=([0-9]+)\$)?m=([0-9]+),t=([0-9]+),p=([0-9]+)\$([^$]+)\$([^$]+)$/;

const ALGORITHMS = { argon2id: Algorithm.Argon2id, argon2i: Algorithm.Argon2i, argon2d: Algorithm.Argon2d } as const;

/** Salt and tag lengths we accept: RFC 9106's salt minimum, and a tag long enough not to be guessable. */
const MIN_SALT_BYTES = 8;
const MAX_SALT_BYTES = 64;
const MIN_TAG_BYTES = 16;
const MAX_TAG_BYTES = 128;

/** Parses an Argon2 PHC string. */
export function parseArgon2(hash: string): LegacyHashParse {
  const match = PHC.exec(hash);
  if (!match) return reject('argon2 hash is not a valid PHC string ($argon2id$v=19$m=..,t=..,p=..$salt$hash)');
  const [, variant, versionText, mText, tText, pText, saltText, tagText] = match as unknown as [string, keyof typeof ALGORITHMS, string | undefined, string, string, string, string, string];
  let version: Version;
  if (versionText === undefined || versionText === '16') version = Version.V0x10;
  else if (versionText === '19') version = Version.V0x13;
  else return reject('argon2 version must be v=19 or v=16');
  const memoryCost = parseCanonicalInteger(mText);
  const timeCost = parseCanonicalInteger(tText);
  const parallelism = parseCanonicalInteger(pText);
  if (memoryCost === undefined || timeCost === undefined || parallelism === undefined) return reject('argon2 parameters m, t and p must be positive integers');
  if (parallelism > LIMITS.argon2MaxLanes) return reject(`argon2 parallelism ${parallelism} exceeds the limit of ${LIMITS.argon2MaxLanes}`);
  if (memoryCost < 8 * parallelism) return reject('argon2 memory must be at least 8 KiB per lane');
  if (memoryCost > LIMITS.argon2MaxMemoryKiB) return reject(`argon2 memory ${memoryCost} KiB exceeds the limit of ${LIMITS.argon2MaxMemoryKiB} KiB`);
  if (timeCost > LIMITS.argon2MaxPasses) return reject(`argon2 time cost ${timeCost} exceeds the limit of ${LIMITS.argon2MaxPasses}`);
  if (memoryCost * timeCost > LIMITS.argon2MaxMemoryPassesKiB) return reject('argon2 memory times passes exceeds the limit of 1 GiB');
  const salt = decodeUnpaddedBase64(saltText);
  const tag = decodeUnpaddedBase64(tagText);
  if (!salt || !tag) return reject('argon2 salt or hash is not canonical unpadded base64');
  if (salt.length < MIN_SALT_BYTES || salt.length > MAX_SALT_BYTES) return reject(`argon2 salt must be ${MIN_SALT_BYTES} to ${MAX_SALT_BYTES} bytes`);
  if (tag.length < MIN_TAG_BYTES || tag.length > MAX_TAG_BYTES) return reject(`argon2 hash must be ${MIN_TAG_BYTES} to ${MAX_TAG_BYTES} bytes`);
  const options = { algorithm: ALGORITHMS[variant], version, memoryCost, timeCost, parallelism, outputLen: tag.length, salt };
  return {
    ok: true,
    scheme: variant,
    cost: memoryCost * timeCost * COST_MS.argon2PerKiBPass,
    async verify(password) {
      const computed = await hashRaw(password, options);
      return constantTimeEqual(computed, tag);
    },
  };
}
