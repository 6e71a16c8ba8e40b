// Building blocks shared by the legacy hash modules: the one constant-time comparison every scheme uses
// (crypto.timingSafeEqual on equal-length buffers), PBKDF2 off the main thread, strict decoders that refuse
// non-canonical encodings (so a corrupted hash is rejected instead of half-matching), and crypt(3)'s base64.
import { pbkdf2, timingSafeEqual } from 'node:crypto';

/**
 * Compares a computed digest with the stored one without leaking where they differ. Lengths are not
 * secret (they follow from the stored hash's format), so unequal lengths simply answer false.
 */
export function constantTimeEqual(computed: Uint8Array, stored: Uint8Array): boolean {
  if (computed.length !== stored.length) return false;
  return timingSafeEqual(computed, stored);
}

export type Pbkdf2Digest = 'sha1' | 'sha224' | 'sha256' | 'sha384' | 'sha512';

export const DIGEST_BYTES: Record<Pbkdf2Digest, number> = { sha1: 20, sha224: 28, sha256: 32, sha384: 48, sha512: 64 };

/** PBKDF2-HMAC (RFC 8018) on the libuv pool. */
export function derivePbkdf2(password: Buffer, salt: Buffer, iterations: number, keyLength: number, digest: Pbkdf2Digest): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    pbkdf2(password, salt, iterations, keyLength, digest, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/** PBKDF2 work: iterations times the number of digest-sized blocks in the output. */
export function pbkdf2Work(iterations: number, keyLength: number, digest: Pbkdf2Digest): number {
  return iterations * Math.ceil(keyLength / DIGEST_BYTES[digest]);
}

/** Lets the event loop run between chunks of a long JavaScript hash loop. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A positive decimal integer without sign, spaces or leading zeros, or undefined. */
export function parseCanonicalInteger(text: string | undefined, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (text === undefined || !/^[1-9][0-9]{0,15}$/.test(text)) return undefined;
  const value = Number(text);
  return value <= max ? value : undefined;
}

const STANDARD_BASE64 = /^[A-Za-z0-9+/]*$/;

/** Standard base64 without padding (PHC strings); only the canonical spelling of a value is accepted. */
export function decodeUnpaddedBase64(text: string): Buffer | undefined {
  if (!STANDARD_BASE64.test(text) || text.length % 4 === 1) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64').replace(/=+$/, '') === text ? bytes : undefined;
}

/** Standard base64 with padding (Django, ASP.NET); only the canonical spelling of a value is accepted. */
export function decodePaddedBase64(text: string): Buffer | undefined {
  if (text.length === 0 || text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : undefined;
}

/** The alphabet of crypt(3) (DES, MD5, SHA-crypt, phpass): `./0-9A-Za-z`. */
export const CRYPT_ALPHABET = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** crypt(3)'s base64 of one 24-bit group `b0 | b1 << 8 | b2 << 16`, least significant six bits first. */
export function cryptBase64Group(b0: number, b1: number, b2: number, characters: number): string {
  let value = b0 | (b1 << 8) | (b2 << 16);
  let out = '';
  for (let i = 0; i < characters; i += 1) {
    out += CRYPT_ALPHABET[value & 0x3f];
    value >>= 6;
  }
  return out;
}
