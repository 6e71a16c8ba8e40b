// Security rule (issue 4, item 4: "afterwards only that password works"): when a Latchkey password is set on an
// account some other way than a first sign-in (a reset link, an invitation), every legacy hash the account still
// has is dropped in the same transaction, so no old e-shop / customer-center / mobile password opens it again,
// and the drop is audited ('legacy.hashes_dropped', with the algorithms, never the hashes).
import type { Queryable } from '../../db/types.js';
import { createLegacyIdentityQueries } from '../../queries/legacy-identities.js';
import type { AuditLog } from '../audit/index.js';
import { auditOrigin, type RequestOrigin } from '../signup/origin.js';

/** Why the hashes went: recorded on each identity and in the audit event. */
export type LegacyHashDropReason = 'password-reset' | 'invitation-accepted';

/** Drops every kept legacy hash of the account in tx (which holds the account row lock); returns how many. */
export async function dropLegacyHashes(tx: Queryable, audit: AuditLog, accountId: string, reason: LegacyHashDropReason, origin: RequestOrigin): Promise<number> {
  const algorithms = await createLegacyIdentityQueries(tx).dropAllHashes(accountId, reason);
  if (algorithms.length > 0) {
    await audit.record({ accountId, type: 'legacy.hashes_dropped', data: { reason, count: algorithms.length, algorithms }, ...auditOrigin(origin) }, tx);
  }
  return algorithms.length;
}
