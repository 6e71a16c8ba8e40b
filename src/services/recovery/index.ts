// Recovery: the forgotten-password flow and accepting an invitation from a sibling app (issue 3, items 2, 10).
import type { Database, Queryable } from '../../db/types.js';
import type { AccountTokens } from '../account-tokens/index.js';
import type { AccountService } from '../accounts/index.js';
import type { PasswordHasher } from '../accounts/password.js';
import type { AuditLog } from '../audit/index.js';
import type { RateLimiter } from '../rate-limit/index.js';
import { createInvitationAcceptance } from './invitation.js';
import { createPasswordReset } from './reset.js';

export type { OpenLink, PasswordSet } from './reset.js';

export interface RecoveryDeps {
  issuer: string;
  /** Ends every session and revokes every grant and token of an account; returns how many were removed. */
  revokeAccountArtifacts: (accountId: string, tx: Queryable) => Promise<number>;
  /** Clears the brute-force wait of a login email (the owner just proved the mailbox). */
  forgetLoginFailures: (normalizedEmail: string) => Promise<void>;
}

/** Builds the recovery flows. */
export function createRecoveryService(deps: RecoveryDeps & { db: Database; accounts: AccountService; hasher: PasswordHasher; audit: AuditLog; tokens: AccountTokens; limiter: RateLimiter }) {
  return { ...createPasswordReset(deps), ...createInvitationAcceptance(deps) };
}
export type RecoveryService = ReturnType<typeof createRecoveryService>;
