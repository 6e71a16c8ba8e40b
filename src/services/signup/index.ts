// Sign-up and email verification (issue 3, item 1): a new account is created unverified and gets a
// single-use link plus a 6-digit code; signing up with a taken email changes nothing and mails the owner
// instead. Both answers and both amounts of work (one Argon2 hash) are the same, so the page reveals
// nothing about which addresses have accounts (OWASP ASVS V2.1, V2.5.x, V3.x; no user enumeration). The owner
// of an imported account with no Latchkey password yet is told to sign in with an old password (issue 4, item 7).
import type { SelfServiceConfig } from '../../config/index.js';
import type { Database, Queryable } from '../../db/types.js';
import { createAccountQueries, type AccountRow } from '../../queries/accounts.js';
import { createLegacyIdentityQueries } from '../../queries/legacy-identities.js';
import { forgotPasswordLink, signInLink, verifyEmailLink } from '../account-links.js';
import type { AccountTokens } from '../account-tokens/index.js';
import { isPlausibleEmail, normalizeEmail } from '../accounts/email.js';
import type { AccountService } from '../accounts/index.js';
import type { PasswordHasher } from '../accounts/password.js';
import type { AuditLog } from '../audit/index.js';
import { InvalidInput } from '../errors.js';
import { enqueueMail } from '../mail/index.js';
import type { RateLimiter } from '../rate-limit/index.js';
import { SELF_SERVICE_LIMITS as L, type LimitRule } from '../rate-limit/self-service-limits.js';
import { auditOrigin, interactionOf, tokenOrigin, type RequestOrigin } from './origin.js';

export type { RequestOrigin } from './origin.js';

/** Longest name accepted at sign-up. */
export const MAX_NAME_LENGTH = 200;

export interface SignupServiceDeps {
  db: Database;
  issuer: string;
  selfService: Pick<SelfServiceConfig, 'registrationEnabled' | 'requireVerifiedEmail'>;
  accounts: AccountService;
  hasher: PasswordHasher;
  audit: AuditLog;
  tokens: AccountTokens;
  limiter: RateLimiter;
}

/** A sign-up form as typed. */
export interface Registration {
  email: string;
  password: string;
  name: string;
}

/** An email just verified, and where the person was going. */
export interface VerifiedEmail {
  accountId: string;
  email: string;
  interactionUid: string | undefined;
}

/** Registration, the verification link and code, and the login gate for unverified addresses. */
export function createSignupService(deps: SignupServiceDeps) {
  const { db, issuer, accounts, hasher, audit, tokens, limiter } = deps;

  const within = async (rule: LimitRule, key: string) => (await limiter.hit(rule.bucket, key, rule.limit, rule.windowSeconds)).allowed;

  /** Issues a verification link + code for the account and queues its mail, in tx. */
  async function sendVerification(tx: Queryable, account: AccountRow, origin: RequestOrigin): Promise<void> {
    const issued = await tokens.issue(tx, {
      purpose: 'verify-email', accountId: account.id, withCode: true, replace: true,
      data: { email: account.email, ...tokenOrigin(origin) },
    });
    await enqueueMail(tx, {
      to: account.email, template: 'verify-email', locale: origin.locale,
      data: { link: verifyEmailLink(issuer, issued.token), code: issued.code!, name: account.name, clientName: origin.clientName ?? null },
    });
  }

  /** Marks the token's account verified in tx if the token still names its current address. */
  async function applyVerification(tx: Queryable, redeemed: { accountId: string; data: Record<string, unknown> }, origin: RequestOrigin, via: string): Promise<VerifiedEmail | undefined> {
    const queries = createAccountQueries(tx);
    const account = await queries.lockById(redeemed.accountId);
    // A link for an address the account no longer has proves nothing.
    if (!account || account.email !== redeemed.data.email) return undefined;
    await queries.markEmailVerified(account.id);
    await audit.record({ accountId: account.id, type: 'email.verified', data: { via }, ...auditOrigin(origin) }, tx);
    return { accountId: account.id, email: account.email, interactionUid: interactionOf(redeemed.data) };
  }

  return {
    /** Whether the "Create account" page exists (LATCHKEY_REGISTRATION). */
    registrationEnabled: deps.selfService.registrationEnabled,

    /** True when this account may not finish a login yet (LATCHKEY_REQUIRE_VERIFIED_EMAIL and not verified). */
    mustVerifyBeforeLogin: (account: AccountRow) => deps.selfService.requireVerifiedEmail && !account.email_verified,

    /**
     * Signs up: throws InvalidInput (field 'email' or 'name') or UnacceptablePassword for a bad form; otherwise
     * creates the unverified account and mails the link and code, or mails the owner of a taken address.
     * Resolves the same way in both cases (and when rate limited, when nothing is mailed).
     */
    async register(form: Registration, origin: RequestOrigin): Promise<void> {
      const email = normalizeEmail(form.email);
      if (!isPlausibleEmail(email)) throw new InvalidInput('Enter a valid email address.', 'email');
      const name = form.name.trim();
      if (name.length > MAX_NAME_LENGTH) throw new InvalidInput(`The name must have at most ${MAX_NAME_LENGTH} characters.`, 'name');
      accounts.assertAcceptablePassword(form.password, email);
      // Hashed whether or not the address is taken: the same work either way.
      const passwordHash = await hasher.hash(form.password);
      if (!(await within(L.registerPerIp, origin.ip)) || !(await within(L.registerPerEmail, email))) {
        await audit.record({ type: 'signup.throttled', data: { email }, ...auditOrigin(origin) });
        return;
      }
      await db.transaction(async (tx) => {
        const queries = createAccountQueries(tx);
        const created = await queries.insert({ email, emailVerified: false, passwordHash, name: name || null, locale: origin.locale });
        if (created) {
          await sendVerification(tx, created, origin);
          await audit.record({ accountId: created.id, type: 'account.created', data: { via: 'registration' }, ...auditOrigin(origin) }, tx);
          return;
        }
        const existing = await queries.findByEmail(email);
        if (!existing) return;
        // An imported account still waiting for its first sign-in (issue 4, item 7): the mail says to sign in
        // with the old password from the e-shop, the customer center or the mobile app. The page is the same.
        const legacyPassword = existing.password_hash === null && (await createLegacyIdentityQueries(tx).hasPendingLegacyPassword(existing.id));
        await enqueueMail(tx, {
          to: existing.email, template: 'already-registered', locale: origin.locale,
          data: { signInLink: signInLink(issuer), resetLink: forgotPasswordLink(issuer), name: existing.name, clientName: origin.clientName ?? null, legacyPassword },
        });
        await audit.record({ accountId: existing.id, type: 'signup.existing_email', data: { legacyPassword }, ...auditOrigin(origin) }, tx);
      });
    },

    /** The account a live verification link is for, without using the link. */
    async peekVerification(token: string): Promise<AccountRow | undefined> {
      const live = await tokens.peek('verify-email', token);
      const account = live && (await accounts.findById(live.accountId));
      return account && account.email === live.data.email ? account : undefined;
    },

    /** Uses a verification link; undefined when it is bad, used, expired or for an old address. */
    verifyByLink(token: string, origin: RequestOrigin): Promise<VerifiedEmail | undefined> {
      return db.transaction(async (tx) => {
        const redeemed = await tokens.consume('verify-email', token, tx);
        return redeemed && applyVerification(tx, redeemed, origin, 'link');
      });
    },

    /**
     * Checks a mailed code typed with its email (or for a known account inside a login). Wrong, unknown and
     * expired codes, unknown emails and rate-limited attempts all give undefined.
     */
    async verifyByCode(target: { email: string } | { accountId: string }, code: string, origin: RequestOrigin): Promise<VerifiedEmail | undefined> {
      if (!(await within(L.verifyCodePerIp, origin.ip))) {
        await audit.record({ type: 'email.verify_throttled', ...auditOrigin(origin) });
        return undefined;
      }
      const account = 'email' in target ? await accounts.findByEmail(target.email) : await accounts.findById(target.accountId);
      if (!account) return undefined;
      const verified = await db.transaction(async (tx) => {
        const redeemed = await tokens.consumeCode(tx, 'verify-email', account.id, code.trim());
        return redeemed && applyVerification(tx, redeemed, origin, 'code');
      });
      if (!verified) await audit.record({ accountId: account.id, type: 'email.verify_failed', ...auditOrigin(origin) });
      return verified;
    },

    /** Mails a new link and code (the old ones die); false when rate limited or nothing to verify. */
    async resendVerification(accountId: string, origin: RequestOrigin): Promise<boolean> {
      const account = await accounts.findById(accountId);
      if (!account || account.email_verified || account.status !== 'active') return false;
      if (!(await within(L.resendPerIp, origin.ip)) || !(await within(L.resendPerAccount, account.id))) {
        await audit.record({ accountId: account.id, type: 'email.verification_throttled', ...auditOrigin(origin) });
        return false;
      }
      await db.transaction(async (tx) => {
        await sendVerification(tx, account, origin);
        await audit.record({ accountId: account.id, type: 'email.verification_resent', ...auditOrigin(origin) }, tx);
      });
      return true;
    },
  };
}
export type SignupService = ReturnType<typeof createSignupService>;
