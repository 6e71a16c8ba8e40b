// Profile merge (issue 4, item 3): an account's name, given_name, family_name, phone_number and locale come
// from the highest-precedence source that has them (LATCHKEY_LEGACY_SOURCE_PRECEDENCE; sources not listed
// rank after the listed ones, alphabetically; within one source the most recently used identity wins).
// A value the user edited in Latchkey is never overwritten: the import remembers what it last wrote
// (accounts.legacy_profile) and writes a field only while it is empty and was never imported, or still
// equals what the import last wrote. A field the user cleared stays clear.

/** Account profile columns the import fills. */
export const MERGED_FIELDS = ['name', 'given_name', 'family_name', 'phone_number', 'locale'] as const;
export type MergedField = (typeof MERGED_FIELDS)[number];
export type MergedProfile = Partial<Record<MergedField, string>>;

/** One source's profile of the account, as stored on its legacy identity. */
export interface SourceProfile {
  source: string;
  legacyId: string;
  lastLoginAt: Date | null;
  name: string | null;
  given_name: string | null;
  family_name: string | null;
  phone: string | null;
  locale: string | null;
}

/** Orders identities best first by the configured source precedence. */
export function byPrecedence(precedence: readonly string[]) {
  const rank = (source: string) => {
    const i = precedence.indexOf(source);
    return i === -1 ? precedence.length : i;
  };
  return (a: SourceProfile, b: SourceProfile): number =>
    rank(a.source) - rank(b.source)
    || (rank(a.source) === precedence.length ? a.source.localeCompare(b.source) : 0)
    || (b.lastLoginAt?.getTime() ?? 0) - (a.lastLoginAt?.getTime() ?? 0)
    || a.legacyId.localeCompare(b.legacyId);
}

/** The profile the sources give the account: each field from the best source that has it. */
export function importedProfile(identities: readonly SourceProfile[], precedence: readonly string[]): MergedProfile {
  const sorted = [...identities].sort(byPrecedence(precedence));
  const result: MergedProfile = {};
  for (const field of MERGED_FIELDS) {
    const from = field === 'phone_number' ? 'phone' : field;
    const best = sorted.find((i) => i[from] !== null && i[from] !== '');
    if (best) result[field] = best[from]!;
  }
  return result;
}

export interface ProfileDecision {
  /** The fields to write into the account (empty when nothing changes). */
  changes: MergedProfile;
  /** What to remember as last imported (accounts.legacy_profile). */
  remembered: MergedProfile;
}

/** Decides which imported values reach the account without overwriting the user's own edits. */
export function decideProfile(
  current: Partial<Record<MergedField, string | null>>,
  previouslyImported: MergedProfile | null,
  imported: MergedProfile,
): ProfileDecision {
  const changes: MergedProfile = {};
  const remembered: MergedProfile = { ...previouslyImported };
  for (const field of MERGED_FIELDS) {
    const value = imported[field];
    if (value === undefined) continue;
    const now = current[field] ?? null;
    const before = previouslyImported?.[field];
    const empty = now === null || now === '';
    const untouched = before === undefined ? empty : now === before;
    if (untouched && now !== value) changes[field] = value;
    remembered[field] = value;
  }
  return { changes, remembered };
}
