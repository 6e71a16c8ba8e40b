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
import type { Queryable } from '../../../db/types.js';
import { createLegacyIdentityQueries, type IdentityUpsert, type ProfileUpdate } from '../../../queries/legacy-identities.js';
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
  const emails = [...new Set(rows.filter((r) => !staying(r)).map((r) => r.emailNormalized))].sort();
  const created = new Set(await q.createMissingAccounts(emails));
  counts.accountsCreated = created.size;
  const targets = new Map((await q.lockAccountsByEmail(emails)).map((t) => [t.email, t]));
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
  await mergeProfiles(q, accounts, options.precedence);
  if (rows.some((r) => r.customerId !== undefined) && accounts.length) counts.customerLinks = await q.linkClaimedCustomers({ accountIds: accounts });
  return counts;
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
