// One batch of legacy rows merged into accounts, inside the caller's transaction (issue 4, items 1 and 3):
//  - identities are upserted by (source, legacy_id): re-importing updates, never duplicates;
//  - rows with the same normalised email, from any source, share one account (created when none exists,
//    with no password and an unverified email: the first sign-in's lock-in decides both);
//  - an account that has a password (locked in, or made in Latchkey) never gains a way in: the row's hash
//    is not stored and is counted as ignored; its identity stays with that account even if the source's
//    email changed, while identities of accounts without a password follow their email;
//  - profile fields merge by source precedence without overwriting the user's edits (profile.ts), and the
//    source's customer_id pre-links the account once the customer directory knows the customer;
//  - nothing from a source reaches an account that has a password but an unproven email.
// A batch is a handful of set-based statements: lock the known identities, create-or-lock the accounts (a new
// account is written once, with its merged profile), upsert the identities, merge the profiles of the others.
import type { Queryable } from '../../../db/types.js';
import { createLegacyIdentityQueries, type IdentityUpsert, type ImportTarget, type NewImportAccount, type ProfileUpdate } from '../../../queries/legacy-identities.js';
import { decideProfile, importedProfile, type MergedProfile, type SourceProfile } from './profile.js';
import type { LegacyImportRow } from './rows.js';

export interface MergeOptions {
  source: string;
  /** The source checked that people own their addresses (--emails-verified). */
  emailsVerified: boolean;
  /** Source keys, best first (LATCHKEY_LEGACY_SOURCE_PRECEDENCE). */
  precedence: readonly string[];
}

/** What a batch did; the import's summary adds these up. */
export interface MergeCounts {
  /** New identities. */
  inserted: number;
  /** Identities imported before, written again. */
  updated: number;
  /** New identities that joined an account that already existed or that another row of the import joined. */
  merged: number;
  /** Identities that followed a changed email to another account. */
  moved: number;
  accountsCreated: number;
  /** Accounts the import had created and that lost their last identity to a move. */
  accountsRemoved: number;
  /** Hashes not stored because the account already has a Latchkey password. */
  hashesIgnored: number;
  /** Earlier rows of the same legacy_id in one batch, superseded by the later row. */
  duplicates: number;
  /** Accounts newly linked to a customer through a source's customer_id. */
  customerLinks: number;
}

/** Zeroed counts. */
export const emptyMergeCounts = (): MergeCounts => ({
  inserted: 0, updated: 0, merged: 0, moved: 0, accountsCreated: 0, accountsRemoved: 0, hashesIgnored: 0, duplicates: 0, customerLinks: 0,
});

const iso = (d: Date | undefined) => (d ? d.toISOString() : null);

/** Merges rows of one source into accounts; the caller's transaction makes the batch all-or-nothing. */
export async function mergeLegacyBatch(tx: Queryable, batch: readonly LegacyImportRow[], options: MergeOptions): Promise<MergeCounts> {
  const q = createLegacyIdentityQueries(tx);
  const counts = emptyMergeCounts();
  // The later of two rows with one legacy_id wins, as it would in a later batch.
  const rows = [...new Map(batch.map((r) => [r.legacyId, r])).values()];
  counts.duplicates = batch.length - rows.length;

  const existing = new Map((await q.lockExisting(options.source, rows.map((r) => r.legacyId).sort())).map((e) => [e.legacy_id, e]));
  // An identity of an account with a password stays there; every other row goes to its email's account.
  const staying = (row: LegacyImportRow) => existing.get(row.legacyId)?.account_has_password === true;
  const moving = rows.filter((r) => !staying(r));
  // An account created now belongs to this batch's rows of its email alone, so its merged profile is known
  // before it exists and is written with it (no second write, no read back).
  const wanted = [...groupBy(moving, (r) => r.emailNormalized)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([email, group]) => newAccount(email, group, options));
  const targetList = await q.createOrLockAccounts(wanted);
  const created = new Set(targetList.filter((t) => t.created).map((t) => t.email));
  counts.accountsCreated = created.size;
  const targets = new Map<string, ImportTarget>(targetList.map((t) => [t.email, t]));
  // Accounts another transaction created after this statement's snapshot: lock them now.
  const late = wanted.map((w) => w.email).filter((e) => !targets.has(e));
  if (late.length) for (const t of await q.lockAccountsByEmail(late)) targets.set(t.email, t);
  const createdIds = new Set(targetList.filter((t) => t.created).map((t) => t.id));
  const joined = new Set<string>(); // accounts a row of this batch has joined

  const upserts: IdentityUpsert[] = [];
  const movedFrom = new Set<string>();
  const eligible = new Set<string>(); // accounts the sources' profile and customer link may reach
  for (const row of rows) {
    const before = existing.get(row.legacyId);
    const target = before && staying(row)
      ? { id: before.account_id, email: '', has_password: true, email_verified: before.account_email_verified }
      : targets.get(row.emailNormalized);
    if (!target) throw new Error(`no account for ${row.emailNormalized} after creating missing accounts`);
    const accountId = target.id;
    const hasPassword = target.has_password;
    const emailVerified = target.email_verified;
    if (!before) {
      counts.inserted += 1;
      if (!created.has(target.email) || joined.has(accountId)) counts.merged += 1;
    } else {
      counts.updated += 1;
      if (before.account_id !== accountId) {
        counts.moved += 1;
        movedFrom.add(before.account_id);
      }
    }
    joined.add(accountId);
    const ignored = row.hash !== undefined && hasPassword;
    if (ignored) counts.hashesIgnored += 1;
    if (!hasPassword || emailVerified) eligible.add(accountId);
    const keep = row.hash !== undefined && !ignored ? row.hash : undefined;
    upserts.push({
      source: options.source,
      legacy_id: row.legacyId,
      account_id: accountId,
      email: row.email,
      email_normalized: row.emailNormalized,
      email_verified: options.emailsVerified,
      password_hash: keep?.hash ?? null,
      hash_scheme: keep?.scheme ?? null,
      salt: keep?.salt ?? null,
      salt_position: keep?.saltPosition ?? null,
      hash_algorithm: row.hash?.algorithm ?? null,
      hash_dropped_reason: ignored ? 'account-has-password' : null,
      name: row.profile.name ?? null,
      given_name: row.profile.given_name ?? null,
      family_name: row.profile.family_name ?? null,
      phone: row.profile.phone ?? null,
      locale: row.profile.locale ?? null,
      customer_id: row.customerId ?? null,
      company: (row.company as Record<string, string> | undefined) ?? null,
      legacy_created_at: iso(row.createdAt),
      last_login_at: iso(row.lastLoginAt),
      raw: row.raw,
    });
  }
  await q.upsert(upserts);
  counts.accountsRemoved = await q.deleteAbandonedImportAccounts([...movedFrom]);

  const accounts = [...eligible].sort();
  await mergeProfiles(q, accounts.filter((id) => !createdIds.has(id)), options.precedence);
  if (rows.some((r) => r.customerId !== undefined) && accounts.length) counts.customerLinks = await q.linkClaimedCustomers({ accountIds: accounts });
  return counts;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

/** The account the import creates for an email: the profile its rows give an empty account (as mergeProfiles would). */
function newAccount(email: string, rows: readonly LegacyImportRow[], options: MergeOptions): NewImportAccount {
  const sources: SourceProfile[] = rows.map((r) => ({
    source: options.source, legacyId: r.legacyId, lastLoginAt: r.lastLoginAt ?? null, name: r.profile.name ?? null, given_name: r.profile.given_name ?? null,
    family_name: r.profile.family_name ?? null, phone: r.profile.phone ?? null, locale: r.profile.locale ?? null,
  }));
  const { changes, remembered } = decideProfile({}, null, importedProfile(sources, options.precedence));
  return {
    email,
    name: changes.name ?? null,
    given_name: changes.given_name ?? null,
    family_name: changes.family_name ?? null,
    phone_number: changes.phone_number ?? null,
    locale: changes.locale ?? null,
    legacy_profile: Object.keys(remembered).length ? remembered : null,
  };
}

async function mergeProfiles(q: ReturnType<typeof createLegacyIdentityQueries>, accountIds: string[], precedence: readonly string[]): Promise<void> {
  if (accountIds.length === 0) return;
  const sources = new Map<string, SourceProfile[]>();
  for (const s of await q.profileSources(accountIds)) {
    const list = sources.get(s.account_id) ?? [];
    list.push({ source: s.source, legacyId: s.legacy_id, lastLoginAt: s.last_login_at, name: s.name, given_name: s.given_name, family_name: s.family_name, phone: s.phone, locale: s.locale });
    sources.set(s.account_id, list);
  }
  const updates: ProfileUpdate[] = [];
  for (const account of await q.accountProfiles(accountIds)) {
    const previous = (account.legacy_profile ?? null) as MergedProfile | null;
    const { changes, remembered } = decideProfile(account, previous, importedProfile(sources.get(account.id) ?? [], precedence));
    if (Object.keys(changes).length || JSON.stringify(remembered) !== JSON.stringify(previous ?? {})) {
      updates.push({ id: account.id, changes, remembered });
    }
  }
  await q.applyProfiles(updates);
}
