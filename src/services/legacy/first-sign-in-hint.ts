// Whether the login page tells people "first time here? use your e-shop, customer center or mobile app
// password" (issue 4, item 4): only on deployments that imported legacy users. One cheap EXISTS probe, cached
// (a "yes" for good, since imports are not undone; a "no" for a minute, so a fresh import shows up soon).
import type { Queryable } from '../../db/types.js';
import { createLegacyPendingQueries } from '../../queries/legacy-pending.js';

/** How long a "no legacy users" answer is trusted before asking the database again. */
const NO_RECHECK_MS = 60_000;

/** The login page's first-time hint switch. */
export function createFirstSignInHint(db: Queryable, now: () => number = Date.now) {
  let known = false;
  let checkedAt = -Infinity;
  return {
    /** True when legacy users were imported, so first sign-ins with old passwords can happen. */
    async shown(): Promise<boolean> {
      if (known || now() - checkedAt < NO_RECHECK_MS) return known;
      known = await createLegacyPendingQueries(db).anyLegacyIdentity();
      checkedAt = now();
      return known;
    },
  };
}
export type FirstSignInHint = ReturnType<typeof createFirstSignInHint>;
