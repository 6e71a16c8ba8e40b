// The password policy for new passwords (issue 3, item 1; OWASP ASVS V2.1): a configurable minimum length
// counted in code points, long passwords accepted, no composition rules, the bundled common-password list,
// and no password containing the email. Plus the wiring: assertAcceptablePassword and the configuration.
import { describe, it, expect } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig, ConfigError } from '../../../src/config/index.js';
import { packageRoot } from '../../../src/paths.js';
import { InvalidInput } from '../../../src/services/errors.js';
import { assertAcceptablePassword } from '../../../src/services/accounts/index.js';
import { MAX_PASSWORD_LENGTH } from '../../../src/services/accounts/password.js';
import {
  assertPasswordAllowed, checkPassword, commonPasswordListPath, commonPasswords, isCommonPassword, UnacceptablePassword,
  type PasswordPolicyOptions, type PasswordRefusal,
} from '../../../src/services/accounts/password-policy.js';

const STRONG = 'violet tram under the lighthouse';

function refusal(password: string, options?: PasswordPolicyOptions): { reason: PasswordRefusal; error: UnacceptablePassword } | undefined {
  try {
    assertPasswordAllowed(password, options);
    return undefined;
  } catch (error) {
    if (!(error instanceof UnacceptablePassword)) throw error;
    return { reason: error.reason, error };
  }
}

describe('the bundled common-password list', () => {
  it('is shipped at the package root and holds at least 10,000 lower-cased, unique entries', () => {
    expect(commonPasswordListPath).toBe(path.join(packageRoot, 'data', 'common-passwords.txt'));
    expect(existsSync(commonPasswordListPath)).toBe(true);
    const pkg = JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { files: string[] };
    expect(pkg.files).toContain('data');
    const list = commonPasswords();
    expect(list.size).toBeGreaterThanOrEqual(10_000);
    // Every entry a default minimum length can still reach is enough on its own: at least 10,000 of those too.
    expect([...list].filter((p) => [...p].length >= 8).length).toBeGreaterThanOrEqual(10_000);
    expect([...list].filter((entry) => entry !== entry.normalize('NFC').toLowerCase() || /\s/.test(entry))).toEqual([]);
    const lines = readFileSync(commonPasswordListPath, 'utf8').split('\n').filter((l) => l !== '' && !l.startsWith('# '));
    expect(lines.length).toBe(list.size); // no duplicates
  });

  it('names its source and licence in its header', () => {
    const header = readFileSync(commonPasswordListPath, 'utf8').split('\n').filter((l) => l.startsWith('# ')).join('\n');
    expect(header).toMatch(/@zxcvbn-ts\/language-common/);
    expect(header).toMatch(/Permission is hereby granted/);
  });

  it('is loaded once and kept', () => {
    expect(commonPasswords()).toBe(commonPasswords());
  });

  it('contains the usual suspects, compared case-insensitively', () => {
    for (const p of ['password', '123456', 'qwerty123', 'iloveyou', 'Password', 'QWERTY123']) expect(isCommonPassword(p)).toBe(true);
    expect(isCommonPassword(STRONG)).toBe(false);
  });
});

describe('checkPassword', () => {
  it('accepts a strong passphrase, with no composition rules', () => {
    expect(checkPassword(STRONG)).toBeUndefined();
    expect(checkPassword('lowercaseonlybutlongenough')).toBeUndefined(); // no digits, capitals or symbols required
    expect(() => assertPasswordAllowed(STRONG, { email: 'jana.novakova@example.cz' })).not.toThrow();
  });

  it('refuses fewer than 8 characters and accepts 8', () => {
    expect(checkPassword('xk4#pq9')).toBe('too_short'); // 7
    expect(checkPassword('xk4#pq9z')).toBeUndefined(); // 8
    expect(checkPassword('')).toBe('too_short');
  });

  it('counts code points: an emoji is one character, and NFC decides', () => {
    expect(checkPassword('🔑🔑🔑🔑🔑🔑🔑')).toBe('too_short'); // 7 emoji, 14 UTF-16 units
    expect(checkPassword('🔑🔑🔑🔑🔑🔑🔑🔑')).toBeUndefined(); // 8 emoji
    const decomposed = 'z\u030Cluva\u0301k1'; // "žluvák1" in NFD: 9 code points, 7 after NFC
    expect(checkPassword(decomposed)).toBe('too_short');
    expect(checkPassword(decomposed + 'x')).toBeUndefined();
  });

  it('honours a configured minimum length', () => {
    expect(checkPassword('xk4#pq9zab', { minLength: 12 })).toBe('too_short'); // 10
    expect(checkPassword('xk4#pq9zabcd', { minLength: 12 })).toBeUndefined(); // 12
  });

  it('accepts long passwords up to 1024 characters and refuses 1025', () => {
    expect(MAX_PASSWORD_LENGTH).toBe(1024);
    expect(checkPassword('q'.repeat(128))).toBeUndefined();
    expect(checkPassword('q'.repeat(1024))).toBeUndefined();
    expect(checkPassword('q'.repeat(1025))).toBe('too_long');
  });

  it('refuses above 1024 UTF-16 units too, the measure the hasher applies at sign-in', () => {
    expect(checkPassword('🔑'.repeat(512))).toBeUndefined(); // 1024 units
    expect(checkPassword('🔑'.repeat(513))).toBe('too_long'); // 513 code points but 1026 units: could never sign in
  });

  it('refuses common passwords whatever their case', () => {
    for (const p of ['password', 'PASSWORD', 'Password', 'qwerty123', 'Qwerty123', 'iloveyou', '12345678', 'baseball']) {
      expect(checkPassword(p)).toBe('common');
    }
    // Too short ones are refused too, for their length.
    expect(checkPassword('123456')).toBe('too_short');
  });

  it('refuses a password containing the email or its local part, case-insensitively', () => {
    const email = 'Jana.Novakova@Example.cz';
    expect(checkPassword('jana.novakova@example.cz!', { email })).toBe('contains_email');
    expect(checkPassword('my JANA.NOVAKOVA secret', { email })).toBe('contains_email');
    expect(checkPassword('my jana novakova secret', { email })).toBeUndefined(); // not the local part as such
    expect(checkPassword('my JANA.NOVAKOVA secret')).toBeUndefined(); // no email given
  });

  it('looks for the local part with and without a +tag', () => {
    const email = 'petr+shop@example.cz';
    expect(checkPassword('petr+shop rocks', { email })).toBe('contains_email');
    expect(checkPassword('petr rocks hard', { email })).toBe('contains_email');
  });

  it('ignores local parts shorter than 3 characters, but not the whole address', () => {
    const email = 'al@example.cz';
    expect(checkPassword('totally alright', { email })).toBeUndefined();
    expect(checkPassword('al@example.cz rocks', { email })).toBe('contains_email');
    expect(checkPassword('bob is a builder', { email: 'bob@example.cz' })).toBe('contains_email');
  });
});

describe('assertPasswordAllowed and assertAcceptablePassword', () => {
  it('throw an InvalidInput on the field password with a reason code and a clear message', () => {
    const cases: Array<[string, PasswordPolicyOptions | undefined, PasswordRefusal, RegExp]> = [
      ['short', undefined, 'too_short', /at least 8 characters/],
      ['q'.repeat(1025), undefined, 'too_long', /at most 1024 characters/],
      ['qwerty123', undefined, 'common', /most commonly used passwords/],
      ['jana.novakova2024', { email: 'jana.novakova@example.cz' }, 'contains_email', /must not contain your email/],
    ];
    for (const [password, options, reason, message] of cases) {
      const found = refusal(password, options);
      expect(found?.reason).toBe(reason);
      expect(found?.error).toBeInstanceOf(InvalidInput);
      expect(found?.error.field).toBe('password');
      expect(found?.error.status).toBe(400);
      expect(found?.error.message).toMatch(message);
      expect(() => assertAcceptablePassword(password, options)).toThrow(UnacceptablePassword);
    }
    expect(refusal('short', { minLength: 10 })?.error.message).toMatch(/at least 10 characters/);
  });

  it('assertAcceptablePassword keeps its one-argument form', () => {
    expect(() => assertAcceptablePassword(STRONG)).not.toThrow();
    expect(() => assertAcceptablePassword('password')).toThrow(/most commonly used/);
  });
});

describe('LATCHKEY_PASSWORD_MIN_LENGTH', () => {
  it('defaults to 8 and accepts 8..64', () => {
    expect(loadConfig({}).passwordPolicy.minLength).toBe(8);
    expect(loadConfig({ LATCHKEY_PASSWORD_MIN_LENGTH: '12' }).passwordPolicy.minLength).toBe(12);
    expect(loadConfig({ LATCHKEY_PASSWORD_MIN_LENGTH: '64' }).passwordPolicy.minLength).toBe(64);
  });

  it('refuses values outside 8..64, naming the variable', () => {
    expect(() => loadConfig({ LATCHKEY_PASSWORD_MIN_LENGTH: '7' })).toThrow(ConfigError);
    expect(() => loadConfig({ LATCHKEY_PASSWORD_MIN_LENGTH: '7' })).toThrow(/LATCHKEY_PASSWORD_MIN_LENGTH must be at least 8/);
    expect(() => loadConfig({ LATCHKEY_PASSWORD_MIN_LENGTH: '65' })).toThrow(/LATCHKEY_PASSWORD_MIN_LENGTH must be at most 64/);
  });
});
