// Shapes shared by the legacy hash modules: every scheme module turns a stored hash into either a
// parsed hash (which can check a password) or a rejection whose reason goes into the import rejects file.

/** The legacy hash formats Latchkey can verify (DESIGN.md, "Legacy import format"). */
export type LegacyScheme =
  | 'argon2id'
  | 'argon2i'
  | 'argon2d'
  | 'bcrypt'
  | 'django-pbkdf2-sha256'
  | 'django-pbkdf2-sha1'
  | 'phpass'
  | 'sha256-crypt'
  | 'sha512-crypt'
  | 'aspnet-identity-v2'
  | 'aspnet-identity-v3'
  | 'werkzeug-pbkdf2'
  | 'werkzeug-scrypt'
  | 'md5'
  | 'sha1'
  | 'sha256'
  | 'sha512';

/** A stored hash that parsed cleanly and is within the work-factor limits. */
export interface ParsedLegacyHash {
  ok: true;
  scheme: LegacyScheme;
  /** Rough CPU cost of one verification, in milliseconds on the reference machine (see limits.ts). */
  cost: number;
  /** Checks the UTF-8 bytes of a typed password; compares in constant time. */
  verify(password: Buffer): Promise<boolean>;
}

/** Why a stored hash cannot be used; the reason is safe to write to a rejects file (it never echoes the hash). */
export interface LegacyHashRejection {
  ok: false;
  reason: string;
}

export type LegacyHashParse = ParsedLegacyHash | LegacyHashRejection;

/** Builds a rejection. */
export function reject(reason: string): LegacyHashRejection {
  return { ok: false, reason };
}
