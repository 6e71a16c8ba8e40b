// Argon2id hashing: OWASP parameters, re-hash when they change, NFC so the same password typed with
// composed or decomposed accents matches, and malformed stored hashes never let anyone in.
import { describe, expect, it } from '@jest/globals';
import { createPasswordHasher } from '../../../src/services/accounts/password.js';

const owasp = { memoryCost: 19456, timeCost: 2, parallelism: 1 };

describe('password hashing', () => {
  it('stores Argon2id with the configured parameters and verifies only the right password', async () => {
    const hasher = await createPasswordHasher(owasp);
    const stored = await hasher.hash('žluťoučký kůň');
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await hasher.verify(stored, 'žluťoučký kůň')).toEqual({ valid: true, needsRehash: false });
    expect(await hasher.verify(stored, 'zlutoucky kun')).toEqual({ valid: false, needsRehash: false });
  });

  it('matches the same password typed in decomposed form (NFD) and composed form (NFC)', async () => {
    const hasher = await createPasswordHasher(owasp);
    const composed = 'Mu\u0161ka-\u010Dern\u00E1-2024';
    const decomposed = composed.normalize('NFD');
    expect(decomposed).not.toBe(composed);
    expect((await hasher.verify(await hasher.hash(decomposed), composed)).valid).toBe(true);
    expect((await hasher.verify(await hasher.hash(composed), decomposed)).valid).toBe(true);
  });

  it('flags hashes made with other parameters for re-hashing, only when the password is right', async () => {
    const old = await (await createPasswordHasher({ ...owasp, timeCost: 1 })).hash('a long enough password');
    const hasher = await createPasswordHasher(owasp);
    expect(await hasher.verify(old, 'a long enough password')).toEqual({ valid: true, needsRehash: true });
    expect(await hasher.verify(old, 'wrong password here')).toEqual({ valid: false, needsRehash: false });
  });

  it('never accepts a malformed stored hash', async () => {
    const hasher = await createPasswordHasher(owasp);
    for (const stored of ['', 'plaintext', '$argon2id$v=19$m=19456,t=2,p=1$', '$2b$10$abc']) {
      expect((await hasher.verify(stored, 'plaintext')).valid).toBe(false);
    }
  });
});
