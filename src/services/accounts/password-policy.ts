// The password policy for new passwords (OWASP ASVS 4 V2.1): a configurable minimum length (at least 8),
// long passwords accepted (up to MAX_PASSWORD_LENGTH, far above the 128 ASVS asks for), no composition
// rules, the most common passwords refused (a bundled list, data/common-passwords.txt), and a password
// that contains the account's email refused. Only new passwords are checked; logins never are.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../../paths.js';
import { InvalidInput } from '../errors.js';
import { normalizeEmail } from './email.js';
import { MAX_PASSWORD_LENGTH } from './password.js';

/** The minimum length when none is configured (ASVS 2.1.1). */
export const DEFAULT_MIN_PASSWORD_LENGTH = 8;
/** The configurable minimum length must stay within these bounds. */
export const MIN_PASSWORD_LENGTH_BOUNDS = { min: 8, max: 64 } as const;
/** Local parts of an email shorter than this are not searched for in the password ("al@x.cz"). */
const MIN_EMAIL_PART_LENGTH = 3;

/** The bundled list of common passwords, one per line, lower-cased; lines starting with "# " are comments. */
export const commonPasswordListPath = path.join(packageRoot, 'data', 'common-passwords.txt');

/** Why a password was refused; the UI keys its message on this. */
export type PasswordRefusal = 'too_short' | 'too_long' | 'common' | 'contains_email';

export interface PasswordPolicyOptions {
  /** Minimum length in Unicode code points (after NFC); defaults to DEFAULT_MIN_PASSWORD_LENGTH. */
  minLength?: number;
  /** The account's email: a password containing it (or its local part) is refused. */
  email?: string;
}

/** A new password breaks the policy. Still an InvalidInput on the field 'password', with a reason code. */
export class UnacceptablePassword extends InvalidInput {
  override name = 'UnacceptablePassword';
  constructor(message: string, readonly reason: PasswordRefusal) {
    super(message, 'password');
  }
}

let commonPasswordSet: ReadonlySet<string> | undefined;

/** The common passwords, read from the bundled list on first use and kept. */
export function commonPasswords(): ReadonlySet<string> {
  if (!commonPasswordSet) {
    const set = new Set<string>();
    for (const line of readFileSync(commonPasswordListPath, 'utf8').split('\n')) {
      const entry = line.trim();
      if (entry !== '' && !line.startsWith('# ')) set.add(entry);
    }
    commonPasswordSet = set;
  }
  return commonPasswordSet;
}

/** True when the password (compared lower-cased, NFC) is on the bundled list of common passwords. */
export function isCommonPassword(password: string): boolean {
  return commonPasswords().has(password.normalize('NFC').toLowerCase());
}

function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** The email's pieces a password must not contain: the whole address and its local part (with and without a +tag). */
function emailPieces(email: string): string[] {
  const normalized = normalizeEmail(email);
  if (normalized === '') return [];
  const pieces = [normalized];
  const at = normalized.lastIndexOf('@');
  if (at > 0) {
    const local = normalized.slice(0, at);
    const untagged = local.split('+')[0] ?? '';
    for (const piece of [local, untagged]) {
      if (codePoints(piece) >= MIN_EMAIL_PART_LENGTH && !pieces.includes(piece)) pieces.push(piece);
    }
  }
  return pieces;
}

/**
 * Checks a new password; returns why it is refused, or undefined when it is acceptable. Length is counted
 * in Unicode code points after NFC (an emoji is one character). The upper limit is also enforced in UTF-16
 * code units, the measure the hasher uses when verifying, so an accepted password can always sign in.
 */
export function checkPassword(password: string, options: PasswordPolicyOptions = {}): PasswordRefusal | undefined {
  const minLength = options.minLength ?? DEFAULT_MIN_PASSWORD_LENGTH;
  const normalized = password.normalize('NFC');
  const length = codePoints(normalized);
  if (length < minLength) return 'too_short';
  if (length > MAX_PASSWORD_LENGTH || password.length > MAX_PASSWORD_LENGTH) return 'too_long';
  const lowered = normalized.toLowerCase();
  if (commonPasswords().has(lowered)) return 'common';
  if (options.email !== undefined && emailPieces(options.email).some((piece) => lowered.includes(piece))) return 'contains_email';
  return undefined;
}

/** The English message for a refusal (the web layer may translate by reason). */
export function passwordRefusalMessage(reason: PasswordRefusal, options: PasswordPolicyOptions = {}): string {
  switch (reason) {
    case 'too_short':
      return `The password must have at least ${options.minLength ?? DEFAULT_MIN_PASSWORD_LENGTH} characters.`;
    case 'too_long':
      return `The password must have at most ${MAX_PASSWORD_LENGTH} characters.`;
    case 'common':
      return 'This password is one of the most commonly used passwords and is easy to guess; please choose another.';
    case 'contains_email':
      return 'The password must not contain your email address or its name part; please choose another.';
  }
}

/** Throws UnacceptablePassword (an InvalidInput on 'password', with a reason code) when the policy refuses it. */
export function assertPasswordAllowed(password: string, options: PasswordPolicyOptions = {}): void {
  const reason = checkPassword(password, options);
  if (reason) throw new UnacceptablePassword(passwordRefusalMessage(reason, options), reason);
}
