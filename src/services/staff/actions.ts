// The staff console's and Admin API's account operations (issue 5, item 7): search and read accounts, block
// and unblock (sessions, grants and refresh tokens end at once: services.accounts.block), provision a person
// verified in the office, resend their set-password mail, link and unlink customer IDs, search the audit log.
// Each checks the permission matrix (deny by default, OWASP ASVS 4.0 V4.1.5) and records a 'staff.*' audit
// event with the acting staff account (data.actorId) besides the events the underlying services write.
import { z } from 'zod';
import type { Database } from '../../db/types.js';
import { createAuditQueries, type AuditRow } from '../../queries/audit.js';
import { createAccountQueries } from '../../queries/accounts.js';
import { createStaffQueries, type StaffRole } from '../../queries/staff.js';
import type { AccountRow, AccountService } from '../accounts/index.js';
import type { AccountTokens } from '../account-tokens/index.js';
import { invitationLink } from '../account-links.js';
import type { AuditLog } from '../audit/index.js';
import type { CustomerDirectory } from '../customers/index.js';
import { InvalidInput, NotFound } from '../errors.js';
import { enqueueMail } from '../mail/index.js';
import type { Provisioning, ProvisionResult } from '../provisioning/index.js';
import { AccountBlocked, AccountHasPassword, CannotBlockOwnAccount } from './errors.js';
import type { StaffAction } from './matrix.js';

/** The console's built-in client id; provisioned accounts and staff events carry it as their origin. */
export const STAFF_CONSOLE_CLIENT_ID = 'latchkey-admin';

/** A staff member acting: the account, its roles read at the start of the request, and where from. */
export interface StaffActor {
  accountId: string;
  staffRoles: StaffRole[];
  ip?: string | null;
  userAgent?: string | null;
}

/** What the staff service is built from. */
export interface StaffServiceDeps {
  db: Database;
  issuer: string;
  audit: AuditLog;
  accounts: AccountService;
  provisioning: Provisioning;
  customers: CustomerDirectory;
  tokens: AccountTokens;
}

export interface StaffActionDeps extends StaffServiceDeps {
  assertCan: (actor: StaffActor, action: StaffAction) => void;
}

export interface AccountSearchResult {
  accounts: AccountRow[];
  total: number;
}

/** What the console's account page shows. */
export interface AccountDetail {
  account: AccountRow;
  staffRoles: StaffRole[];
  customerLinks: Awaited<ReturnType<CustomerDirectory['linksOf']>>;
  recentAudit: AuditRow[];
}

export interface ProvisionInput {
  email: string;
  name?: string | undefined;
  locale?: string | undefined;
}

/** The audit search's filters as typed in a form or query string (strings; empty means "any"). */
export interface AuditSearchInput {
  /** An account id or email: events about that account or done by it. */
  account?: string | undefined;
  companyId?: string | undefined;
  /** A type or its start ('staff.' finds every staff action). */
  type?: string | undefined;
  /** ISO date or date-time; `to` is exclusive (a date means the start of that day, UTC). */
  from?: string | undefined;
  to?: string | undefined;
  before?: string | number | undefined;
  limit?: string | number | undefined;
}

export interface AuditPage {
  events: AuditRow[];
  /** Pass as `before` for the next (older) page; null on the last page. */
  nextBefore: number | null;
}

const uuid = z.string().uuid();
const optionalText = (max: number) => z.string().trim().max(max).optional().transform((s) => s || undefined);
const pageSize = (max: number, fallback: number) => z.coerce.number().int().min(1).max(max).catch(fallback);

function invalid(field: string, message: string): never {
  throw new InvalidInput(message, field);
}

function parseDate(value: string | undefined, field: string): Date | undefined {
  if (!value) return undefined;
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(value)) invalid(field, `${field} must be a date like 2026-01-31.`);
  const date = new Date(value.length === 10 ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(date.getTime())) invalid(field, `${field} must be a date like 2026-01-31.`);
  return date;
}

/** The staff operations on accounts and the audit log. */
export function createStaffActions(deps: StaffActionDeps) {
  const { db, audit, accounts, assertCan } = deps;

  async function targetAccount(accountId: string): Promise<AccountRow> {
    const account = uuid.safeParse(accountId).success ? await accounts.findById(accountId) : undefined;
    if (!account) throw new NotFound('No such account.');
    return account;
  }

  const record = (actor: StaffActor, type: string, accountId: string | null, data: Record<string, unknown>, tx?: Parameters<AuditLog['record']>[1]) =>
    audit.record({ accountId, type, clientId: STAFF_CONSOLE_CLIENT_ID, ip: actor.ip ?? null, userAgent: actor.userAgent ?? null, data: { ...data, actorId: actor.accountId } }, tx);

  return {
    /** Accounts whose email or name contains the text (or with that id); newest first. */
    async searchAccounts(actor: StaffActor, input: { query?: string; limit?: number | string; offset?: number | string }): Promise<AccountSearchResult> {
      assertCan(actor, 'accounts.read');
      const query = (input.query ?? '').trim();
      if (query.length > 320) invalid('query', 'The search text is too long.');
      const limit = pageSize(100, 25).parse(input.limit);
      const offset = z.coerce.number().int().min(0).max(100_000).catch(0).parse(input.offset);
      return createStaffQueries(db).searchAccounts(query, limit, offset);
    },

    /** An account with its staff roles, customer links and recent audit events. */
    async accountDetail(actor: StaffActor, accountId: string): Promise<AccountDetail> {
      assertCan(actor, 'accounts.read');
      const account = await targetAccount(accountId);
      return {
        account,
        staffRoles: await createStaffQueries(db).rolesOf(account.id),
        customerLinks: await deps.customers.linksOf(account.id),
        recentAudit: await createAuditQueries(db).search({ accountId: account.id, limit: 20 }),
      };
    },

    /** Blocks an account: sessions end, grants and refresh tokens are revoked at once. Not one's own. */
    async blockAccount(actor: StaffActor, accountId: string, reason?: string): Promise<{ account: AccountRow; revoked: number }> {
      assertCan(actor, 'accounts.block');
      const target = await targetAccount(accountId);
      if (target.id === actor.accountId) throw new CannotBlockOwnAccount();
      const why = z.string().trim().max(500).optional().safeParse(reason);
      if (!why.success) invalid('reason', 'The reason is too long (500 characters at most).');
      const result = await accounts.block(target.id, why.data || undefined);
      await record(actor, 'staff.account-blocked', target.id, { reason: why.data || null, revoked: result.revoked });
      return result;
    },

    /** Lets a blocked account sign in again. */
    async unblockAccount(actor: StaffActor, accountId: string): Promise<AccountRow> {
      assertCan(actor, 'accounts.block');
      const target = await targetAccount(accountId);
      const account = await accounts.unblock(target.id);
      await record(actor, 'staff.account-unblocked', target.id, {});
      return account;
    },

    /**
     * Creates an account for a person whose identity staff verified in person and mails them a set-password
     * link (7 days); an existing account is left unchanged (created: false). Call mailer.notify() after.
     */
    async provision(actor: StaffActor, input: ProvisionInput): Promise<ProvisionResult> {
      assertCan(actor, 'accounts.provision');
      const name = optionalText(200).safeParse(input.name);
      if (!name.success) invalid('name', 'The name is too long (200 characters at most).');
      const email = (input.email ?? '').trim();
      if (email === '' || email.length > 320) invalid('email', 'Enter a valid email address.');
      const result = await deps.provisioning.provision(
        { email, name: name.data, locale: input.locale },
        { clientId: STAFF_CONSOLE_CLIENT_ID, clientName: '', ip: actor.ip ?? null, userAgent: actor.userAgent ?? null },
      );
      await record(actor, 'staff.account-provisioned', result.sub, { created: result.created });
      return result;
    },

    /** Mails a new set-password link to an account that has no password yet (the old link stops working). */
    async resendInvitation(actor: StaffActor, accountId: string): Promise<void> {
      assertCan(actor, 'mail.resend');
      const target = await targetAccount(accountId);
      if (target.status !== 'active') throw new AccountBlocked();
      if (target.password_hash !== null) throw new AccountHasPassword();
      await db.transaction(async (tx) => {
        const locked = await createAccountQueries(tx).lockById(target.id);
        if (!locked || locked.password_hash !== null) throw new AccountHasPassword();
        const { token } = await deps.tokens.issue(tx, { purpose: 'invitation', accountId: target.id, data: { clientId: STAFF_CONSOLE_CLIENT_ID } });
        await enqueueMail(tx, { to: locked.email, template: 'invitation', locale: locked.locale ?? 'en', data: { link: invitationLink(deps.issuer, token), name: locked.name } });
        await record(actor, 'staff.invitation-resent', target.id, {}, tx);
      });
    },

    /** Links an account to a customer ID of the directory; false when it already was. */
    async linkCustomer(actor: StaffActor, accountId: string, customerId: string): Promise<boolean> {
      assertCan(actor, 'customers.link');
      const target = await targetAccount(accountId);
      const id = (customerId ?? '').trim();
      if (id === '' || id.length > 100) invalid('customer_id', 'Enter the customer ID.');
      const linked = await deps.customers.link(target.id, id, `staff:${actor.accountId}`);
      if (linked) await record(actor, 'staff.customer-linked', target.id, { customerId: id });
      return linked;
    },

    /** Removes an account's link to a customer ID; false when there was none. */
    async unlinkCustomer(actor: StaffActor, accountId: string, customerId: string): Promise<boolean> {
      assertCan(actor, 'customers.link');
      const target = await targetAccount(accountId);
      const id = (customerId ?? '').trim();
      if (id === '' || id.length > 100) invalid('customer_id', 'Enter the customer ID.');
      const unlinked = await deps.customers.unlink(target.id, id, `staff:${actor.accountId}`);
      if (unlinked) await record(actor, 'staff.customer-unlinked', target.id, { customerId: id });
      return unlinked;
    },

    /** The audit log, newest first, filtered; `nextBefore` pages on. Bad filters throw InvalidInput naming the field. */
    async searchAudit(actor: StaffActor, input: AuditSearchInput): Promise<AuditPage> {
      assertCan(actor, 'audit.read');
      const text = (v: string | number | undefined) => (v === undefined ? '' : String(v).trim());
      let accountId: string | undefined;
      const account = text(input.account);
      if (account) {
        if (account.length > 320) invalid('account', 'Enter an account id or email.');
        if (uuid.safeParse(account).success) accountId = account;
        else if (account.includes('@')) accountId = (await accounts.findByEmail(account))?.id;
        else invalid('account', 'Enter an account id or email.');
        // An email without an account has no events: an empty page, not an error.
        if (!accountId) return { events: [], nextBefore: null };
      }
      const companyId = text(input.companyId) || undefined;
      if (companyId && !uuid.safeParse(companyId).success) invalid('company_id', 'A company id looks like 123e4567-e89b-12d3-a456-426614174000.');
      const type = text(input.type) || undefined;
      if (type && !/^[a-z0-9._:-]{1,100}$/i.test(type)) invalid('type', 'An event type looks like staff.account-blocked.');
      const from = parseDate(text(input.from) || undefined, 'from');
      const to = parseDate(text(input.to) || undefined, 'to');
      if (from && to && from >= to) invalid('to', '"to" must be after "from".');
      const beforeText = text(input.before);
      const before = beforeText ? z.coerce.number().int().positive().safeParse(beforeText) : undefined;
      if (before && !before.success) invalid('before', 'Not a page of the audit log.');
      const limit = pageSize(200, 50).parse(input.limit);
      const rows = await createAuditQueries(db).search({ accountId, companyId, type, from, to, beforeId: before?.data, limit: limit + 1 });
      const events = rows.slice(0, limit);
      return { events, nextBefore: rows.length > limit ? events[events.length - 1]!.id : null };
    },
  };
}
