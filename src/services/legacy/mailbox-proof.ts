// Security rule (issue 4, item 5; OWASP ASVS V2.5, V3.x): no takeover through a careless source. A first
// sign-in whose matching legacy password comes from a source imported without --emails-verified, on an
// unverified address, is HELD: nothing is locked in and no session exists until the person proves the mailbox
// with the mailed 6-digit code or link, in the browser that typed the password. The hold is server-side
// (migrations/0012_legacy_pending.sql): the typed password only as its future Argon2id hash; the browser
// secret, link token and code only as hashes; 5 wrong codes kill the hold, codes per IP and holds per account
// are rate limited, and an expired or dead hold means signing in again.
import { createHash, createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type { Database, Queryable } from '../../db/types.js';
import { createLegacyPendingQueries, type LegacyPendingRow } from '../../queries/legacy-pending.js';
import type { AuditLog } from '../audit/index.js';
import { enqueueMail } from '../mail/index.js';
import type { RateLimiter } from '../rate-limit/index.js';
import type { LimitRule } from '../rate-limit/self-service-limits.js';
import type { RequestOrigin } from '../signup/origin.js';
import type { LegacyLockIn, PendingLegacyLockIn } from './lock-in.js';

/** How long a held first sign-in waits for the code or link. */
export const HOLD_SECONDS = 30 * 60;
/** Wrong codes accepted against one hold before it dies. */
export const MAX_CODE_FAILURES = 5;

/** The limits of the held first sign-in. */
export const MAILBOX_PROOF_LIMITS = {
  /** Held sign-ins (each mails a fresh code) per account: bounds code guessing across holds and mail to the owner. */
  holdPerAccount: { bucket: 'legacy-proof-hold:account', limit: 10, windowSeconds: 3600 },
  /** Codes and links tried from one IP, right or wrong. */
  proofPerIp: { bucket: 'legacy-proof:ip', limit: 30, windowSeconds: 15 * 60 },
  /** "Send a new code" per account and per IP. */
  resendPerAccount: { bucket: 'legacy-proof-resend:account', limit: 3, windowSeconds: 3600 },
  resendPerIp: { bucket: 'legacy-proof-resend:ip', limit: 20, windowSeconds: 3600 },
} as const satisfies Record<string, LimitRule>;

export interface MailboxProofDeps {
  db: Database;
  issuer: string;
  audit: AuditLog;
  limiter: RateLimiter;
  lockIn: LegacyLockIn;
}

/** What a browser's live hold shows on its page. */
export interface HeldSignIn {
  accountId: string;
  email: string;
}

/** The outcome of a code or link: locked in (finish the login), wrong (try again), or start again. */
export type ProofResult =
  | { outcome: 'locked-in'; accountId: string; source: string }
  | { outcome: 'wrong' }
  | { outcome: 'start-again' }
  | { outcome: 'password-set' };

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;
const CODE_SHAPE = /^\d{6}$/;
const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest();
const hashCode = (linkHash: Buffer, code: string) => createHmac('sha256', linkHash).update(code, 'utf8').digest();

/** The mailed link of a hold: opened in the browser that typed the password, it finishes the sign-in there. */
export const mailboxProofLink = (issuer: string, interactionUid: string, token: string) =>
  `${issuer}/interaction/${encodeURIComponent(interactionUid)}/verify-email/link?token=${encodeURIComponent(token)}`;

const audited = (origin: RequestOrigin) => ({ ip: origin.ip, userAgent: origin.userAgent ?? null, clientId: origin.clientId ?? null });

const pendingOf = (row: LegacyPendingRow, source: string): PendingLegacyLockIn => ({
  accountId: row.account_id, email: row.email, name: null, identityId: row.legacy_identity_id, source,
  legacyHashDigest: row.legacy_hash_digest, passwordHash: row.password_hash,
});

/** Holds, proves and finishes first sign-ins that need a mailbox proof. */
export function createLegacyMailboxProof(deps: MailboxProofDeps) {
  const { db, issuer, audit, limiter, lockIn } = deps;
  const within = async (rule: LimitRule, key: string) => (await limiter.hit(rule.bucket, key, rule.limit, rule.windowSeconds)).allowed;

  /** New link token and code; what to store and what to mail. */
  function freshSecrets() {
    const token = randomBytes(32).toString('base64url');
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const linkHash = sha256(token);
    return { token, code, linkHash, codeHash: hashCode(linkHash, code) };
  }

  /** Uses the hold up and locks in, in one transaction; the hold is gone afterwards whatever the outcome. */
  async function finish(row: LegacyPendingRow, origin: RequestOrigin, via: 'code' | 'link', tx: Queryable): Promise<ProofResult> {
    const q = createLegacyPendingQueries(tx);
    if (!(await q.consume(row.id))) return { outcome: 'start-again' };
    const result = await lockIn.lockInProven(tx, pendingOf(row, ''), audited(origin));
    await q.consumeAllOfAccount(row.account_id);
    if (result.outcome === 'locked-in') {
      await audit.record({ accountId: row.account_id, type: 'legacy.mailbox_proven', data: { via, source: result.source }, ...audited(origin) }, tx);
      return { outcome: 'locked-in', accountId: row.account_id, source: result.source };
    }
    await audit.record({ accountId: row.account_id, type: 'legacy.mailbox_proof_void', data: { via, reason: result.reason }, ...audited(origin) }, tx);
    return result.reason === 'password-set' ? { outcome: 'password-set' } : { outcome: 'start-again' };
  }

  return {
    /**
     * Holds a first sign-in: stores the pending lock-in and queues the mail with the code and link, in one
     * transaction. Returns the browser secret to keep in a cookie (the only handle on the hold); none when too
   * many holds were started for the account this hour.
     */
    async hold(pending: PendingLegacyLockIn, interactionUid: string, origin: RequestOrigin): Promise<{ browserSecret: string | undefined }> {
      if (!(await within(MAILBOX_PROOF_LIMITS.holdPerAccount, pending.accountId))) {
        // The page looks the same; no hold exists, so any code typed there only leads back to the sign-in.
        await audit.record({ accountId: pending.accountId, type: 'legacy.mailbox_proof_throttled', data: { step: 'hold' }, ...audited(origin) });
        return { browserSecret: undefined };
      }
      const browserSecret = randomBytes(32).toString('base64url');
      const secrets = freshSecrets();
      await db.transaction(async (tx) => {
        const q = createLegacyPendingQueries(tx);
        await q.purge();
        await q.insert({
          accountId: pending.accountId, legacyIdentityId: pending.identityId, legacyHashDigest: pending.legacyHashDigest,
          passwordHash: pending.passwordHash, email: pending.email, interactionUid, browserHash: sha256(browserSecret),
          linkHash: secrets.linkHash, codeHash: secrets.codeHash, ttlSeconds: HOLD_SECONDS,
        });
        await enqueueMail(tx, {
          to: pending.email, template: 'legacy-mailbox-proof', locale: origin.locale,
          data: { link: mailboxProofLink(issuer, interactionUid, secrets.token), code: secrets.code, name: pending.name, clientName: origin.clientName ?? null },
        });
        await audit.record({ accountId: pending.accountId, type: 'legacy.mailbox_proof_requested', data: { source: pending.source }, ...audited(origin) }, tx);
      });
      return { browserSecret };
    },

    /** The live hold this browser secret stands for in this interaction, if any. */
    async held(browserSecret: string, interactionUid: string): Promise<HeldSignIn | undefined> {
      if (!TOKEN_SHAPE.test(browserSecret)) return undefined;
      const row = await createLegacyPendingQueries(db).findLiveByBrowser(sha256(browserSecret));
      return row && row.interaction_uid === interactionUid ? { accountId: row.account_id, email: row.email } : undefined;
    },

    /** Checks a typed code; a wrong one counts against the hold (dead at MAX_CODE_FAILURES) and the IP's limit. */
    async proveByCode(browserSecret: string, interactionUid: string, code: string, origin: RequestOrigin): Promise<ProofResult> {
      if (!TOKEN_SHAPE.test(browserSecret)) return { outcome: 'start-again' };
      if (!(await within(MAILBOX_PROOF_LIMITS.proofPerIp, origin.ip))) {
        await audit.record({ type: 'legacy.mailbox_proof_throttled', ...audited(origin) });
        return { outcome: 'wrong' };
      }
      const candidate = CODE_SHAPE.test(code.trim()) ? code.trim() : '000000x';
      return db.transaction(async (tx): Promise<ProofResult> => {
        const q = createLegacyPendingQueries(tx);
        const row = await q.lockLiveByBrowser(sha256(browserSecret));
        if (!row || row.interaction_uid !== interactionUid) return { outcome: 'start-again' };
        if (timingSafeEqual(hashCode(row.link_hash, candidate), row.code_hash)) return finish(row, origin, 'code', tx);
        const failures = await q.recordCodeFailure(row.id, MAX_CODE_FAILURES);
        await audit.record({ accountId: row.account_id, type: 'legacy.mailbox_proof_failed', data: { failures }, ...audited(origin) }, tx);
        return failures >= MAX_CODE_FAILURES ? { outcome: 'start-again' } : { outcome: 'wrong' };
      });
    },

    /** Uses the mailed link, which works only in the browser (and interaction) whose hold it belongs to. */
    async proveByLink(browserSecret: string, interactionUid: string, token: string, origin: RequestOrigin): Promise<ProofResult> {
      if (!TOKEN_SHAPE.test(browserSecret)) return { outcome: 'start-again' };
      if (!(await within(MAILBOX_PROOF_LIMITS.proofPerIp, origin.ip))) return { outcome: 'wrong' };
      return db.transaction(async (tx): Promise<ProofResult> => {
        const row = await createLegacyPendingQueries(tx).lockLiveByBrowser(sha256(browserSecret));
        if (!row || row.interaction_uid !== interactionUid) return { outcome: 'start-again' };
        if (!TOKEN_SHAPE.test(token) || !timingSafeEqual(sha256(token), row.link_hash)) return { outcome: 'wrong' };
        return finish(row, origin, 'link', tx);
      });
    },

    /** Mails a new code and link for the hold (the old ones stop working); false when rate limited or gone. */
    async resend(browserSecret: string, interactionUid: string, origin: RequestOrigin): Promise<boolean> {
      if (!TOKEN_SHAPE.test(browserSecret)) return false;
      const held = await createLegacyPendingQueries(db).findLiveByBrowser(sha256(browserSecret));
      if (!held || held.interaction_uid !== interactionUid) return false;
      if (!(await within(MAILBOX_PROOF_LIMITS.resendPerIp, origin.ip)) || !(await within(MAILBOX_PROOF_LIMITS.resendPerAccount, held.account_id))) {
        await audit.record({ accountId: held.account_id, type: 'legacy.mailbox_proof_throttled', ...audited(origin) });
        return false;
      }
      const secrets = freshSecrets();
      return db.transaction(async (tx) => {
        if (!(await createLegacyPendingQueries(tx).replaceSecrets(held.id, secrets.linkHash, secrets.codeHash))) return false;
        await enqueueMail(tx, {
          to: held.email, template: 'legacy-mailbox-proof', locale: origin.locale,
          data: { link: mailboxProofLink(issuer, interactionUid, secrets.token), code: secrets.code, clientName: origin.clientName ?? null },
        });
        await audit.record({ accountId: held.account_id, type: 'legacy.mailbox_proof_resent', ...audited(origin) }, tx);
        return true;
      });
    },
  };
}
export type LegacyMailboxProof = ReturnType<typeof createLegacyMailboxProof>;
