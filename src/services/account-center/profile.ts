// The profile: name, given and family name, phone, address, locale (OIDC standard claims). Only the fields
// in LATCHKEY_PROFILE_EDITABLE change through self-service; support changes any. Every change is audited
// with the old and new values of the fields that changed.
import { PROFILE_FIELDS, type ProfileField } from '../../config/index.js';
import { createAccountQueries, type AccountRow, type ProfileColumns } from '../../queries/accounts.js';
import { InvalidInput, NotFound } from '../errors.js';
import { auditOrigin, requireActiveAccount, type AccountCenterDeps, type Origin } from './context.js';
import { FieldNotEditable } from './errors.js';

export const ADDRESS_FIELDS = ['street_address', 'locality', 'postal_code', 'region', 'country'] as const;
export type AddressField = (typeof ADDRESS_FIELDS)[number];
export type PostalAddress = Partial<Record<AddressField, string>>;

/** A change to the profile: absent fields stay, '' or null clears a field. */
export interface ProfileChanges {
  name?: string | null;
  given_name?: string | null;
  family_name?: string | null;
  phone_number?: string | null;
  locale?: string | null;
  /** Replaces the whole address; null or all parts empty clears it. */
  address?: PostalAddress | null;
}

/** The account as its owner sees it. */
export interface AccountProfile {
  sub: string;
  email: string;
  email_verified: boolean;
  name: string | null;
  given_name: string | null;
  family_name: string | null;
  phone_number: string | null;
  phone_number_verified: boolean;
  address: PostalAddress | null;
  locale: string | null;
  created_at: Date;
  updated_at: Date;
  password_changed_at: Date | null;
  /** The fields the owner may change; the others only support can. */
  editable_fields: ProfileField[];
}

const MAX_LENGTH: Record<string, number> = { name: 200, given_name: 100, family_name: 100, phone_number: 32, street_address: 300, locality: 100, postal_code: 20, region: 100, country: 100 };
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/;
const LINE_BREAK = /[\r\n]/;
const PHONE = /^\+?[0-9(][0-9 ()./-]*[0-9]$/;

/** The owner's view of an account. */
export function toProfile(account: AccountRow, editable: readonly ProfileField[]): AccountProfile {
  return {
    sub: account.id,
    email: account.email,
    email_verified: account.email_verified,
    name: account.name,
    given_name: account.given_name,
    family_name: account.family_name,
    phone_number: account.phone_number,
    phone_number_verified: account.phone_number_verified,
    address: toAddress(account.address),
    locale: account.locale,
    created_at: account.created_at,
    updated_at: account.updated_at,
    password_changed_at: account.password_changed_at,
    editable_fields: [...editable],
  };
}

function toAddress(stored: Record<string, unknown> | null): PostalAddress | null {
  if (!stored) return null;
  const address: PostalAddress = {};
  for (const field of ADDRESS_FIELDS) if (typeof stored[field] === 'string') address[field] = stored[field];
  return Object.keys(address).length ? address : null;
}

function cleanText(field: string, value: unknown, multiline = false): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string') throw new InvalidInput(`${field} must be text.`, field);
  const text = value.trim();
  if (text === '') return null;
  if (CONTROL.test(text) || (!multiline && LINE_BREAK.test(text))) throw new InvalidInput(`${field} contains characters that are not allowed.`, field);
  if (text.length > (MAX_LENGTH[field] ?? 200)) throw new InvalidInput(`${field} is too long (at most ${MAX_LENGTH[field] ?? 200} characters).`, field);
  return text.normalize('NFC');
}

/** Checks and normalises each changed field; throws InvalidInput naming the field. */
export function validateProfileChanges(changes: ProfileChanges, supportedLocales: readonly string[]): ProfileColumns {
  const out: ProfileColumns = {};
  for (const key of Object.keys(changes)) {
    if (!(PROFILE_FIELDS as readonly string[]).includes(key)) throw new InvalidInput(`Unknown profile field ${key}.`, key);
  }
  for (const field of ['name', 'given_name', 'family_name'] as const) {
    if (field in changes) out[field] = cleanText(field, changes[field]);
  }
  if ('phone_number' in changes) {
    const phone = cleanText('phone_number', changes.phone_number);
    const digits = phone?.replace(/\D/g, '').length ?? 0;
    if (phone !== null && (!PHONE.test(phone) || digits < 5 || digits > 15)) {
      throw new InvalidInput('Enter the phone number with digits only, e.g. +420 601 234 567.', 'phone_number');
    }
    out.phone_number = phone?.replace(/\s+/g, ' ') ?? null;
  }
  if ('locale' in changes) {
    const locale = cleanText('locale', changes.locale);
    if (locale !== null && !supportedLocales.includes(locale)) throw new InvalidInput(`Choose one of the languages offered: ${supportedLocales.join(', ')}.`, 'locale');
    out.locale = locale;
  }
  if ('address' in changes) {
    const given = changes.address;
    if (given !== null && given !== undefined && (typeof given !== 'object' || Array.isArray(given))) throw new InvalidInput('address must be an object.', 'address');
    const address: Record<string, string> = {};
    for (const key of Object.keys(given ?? {})) {
      if (!(ADDRESS_FIELDS as readonly string[]).includes(key)) throw new InvalidInput(`Unknown address field ${key}.`, 'address');
    }
    for (const part of ADDRESS_FIELDS) {
      const value = cleanText(part, given?.[part], part === 'street_address');
      if (value !== null) address[part] = value;
    }
    out.address = Object.keys(address).length ? address : null;
  }
  return out;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** The profile of an active account. */
export async function getProfile(deps: AccountCenterDeps, accountId: string): Promise<AccountProfile> {
  return toProfile(await requireActiveAccount(deps, accountId), deps.config.selfService.editableProfileFields);
}

/**
 * Applies profile changes. As the owner ('user'), a change to a field not in editableProfileFields throws
 * FieldNotEditable (sending a field's current value is allowed); as 'support', every field may change.
 */
export async function updateProfile(deps: AccountCenterDeps, accountId: string, changes: ProfileChanges, origin: Origin, actor: 'user' | 'support' = 'user'): Promise<AccountProfile> {
  const editable = deps.config.selfService.editableProfileFields;
  const clean = validateProfileChanges(changes, deps.supportedLocales);
  return deps.db.transaction(async (tx) => {
    const queries = createAccountQueries(tx);
    // Inside the transaction only `tx` may be used (the embedded database runs one thing at a time).
    const account = await queries.findById(accountId);
    if (!account || (actor === 'user' && account.status !== 'active')) throw new NotFound('No such account.');
    const current = toProfile(account, editable);
    const diff: Record<string, { from: unknown; to: unknown }> = {};
    const write: ProfileColumns = {};
    for (const [field, value] of Object.entries(clean) as [keyof ProfileColumns, unknown][]) {
      if (same(current[field], value)) continue;
      if (actor === 'user' && !editable.includes(field)) throw new FieldNotEditable(field);
      diff[field] = { from: current[field] ?? null, to: value ?? null };
      (write as Record<string, unknown>)[field] = value;
    }
    if (Object.keys(diff).length === 0) return current;
    const updated = await queries.updateProfile(account.id, write);
    if (!updated) throw new NotFound('No such account.');
    await deps.audit.record({ accountId: account.id, type: 'profile.updated', data: { by: actor, changes: diff }, ...auditOrigin(origin) }, tx);
    return toProfile(updated, editable);
  });
}
