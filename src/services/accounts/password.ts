// Password hashing: Argon2id with OWASP parameters (m=19 MiB, t=2, p=1 by default, configurable).
// Hashes made with older parameters verify and are flagged for re-hashing on the next successful login.
// Unknown emails are verified against a dummy hash so they take the same time as a wrong password.
import { Algorithm, hash, verify } from '@node-rs/argon2';
import type { PasswordHashingConfig } from '../../config/index.js';

export interface PasswordVerification {
  valid: boolean;
  /** The stored hash was made with other parameters and should be replaced. */
  needsRehash: boolean;
}

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(storedHash: string, password: string): Promise<PasswordVerification>;
  /** Burns the time of one verification; used when there is no account, to hide that fact. */
  verifyDummy(password: string): Promise<void>;
}

/** Passwords longer than this are refused before hashing (DoS guard; ASVS allows capping at >= 128). */
export const MAX_PASSWORD_LENGTH = 1024;

function parametersOf(phc: string): { m: number; t: number; p: number } | undefined {
  const match = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(phc);
  if (!match) return undefined;
  return { m: Number(match[1]), t: Number(match[2]), p: Number(match[3]) };
}

/** Creates the Argon2id hasher for the configured cost. */
export async function createPasswordHasher(config: PasswordHashingConfig): Promise<PasswordHasher> {
  const options = {
    algorithm: Algorithm.Argon2id,
    memoryCost: config.memoryCost,
    timeCost: config.timeCost,
    parallelism: config.parallelism,
  };
  const dummyHash = await hash('latchkey-dummy-password', options);
  return {
    // NFC first: the same password typed on devices that encode accented letters differently must match.
    hash: (password) => hash(password.normalize('NFC'), options),
    async verify(storedHash, password) {
      if (password.length > MAX_PASSWORD_LENGTH) return { valid: false, needsRehash: false };
      let valid = false;
      try {
        valid = await verify(storedHash, password.normalize('NFC'));
      } catch {
        valid = false; // malformed stored hash: never a way in
      }
      const params = parametersOf(storedHash);
      const needsRehash = valid && (!params || params.m !== config.memoryCost || params.t !== config.timeCost || params.p !== config.parallelism);
      return { valid, needsRehash };
    },
    async verifyDummy(password) {
      try {
        await verify(dummyHash, password.slice(0, MAX_PASSWORD_LENGTH).normalize('NFC'));
      } catch {
        // timing only
      }
    },
  };
}
