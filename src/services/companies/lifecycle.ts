// A company's life (issue 5, items 1-2): registration by tax ID (prefilled from the registry; the
// registering person becomes its owner), moderation (pending -> approved | rejected, with a reason),
// suspension by staff, and edits (tax ID locked for users after approval; staff may change it).
// Every change is audited and mailed in the same transaction.
import { pgErrorCode } from '../../db/errors.js';
import type { Queryable } from '../../db/types.js';
import { createCompanyMemberQueries } from '../../queries/companies-members.js';
import { createCompanyQueries, type CompanyColumns, type CompanyRow } from '../../queries/companies.js';
import { toCompany, isStaff, type CompanyContext } from './context.js';
import { CompanyNotActive, CompanyNotFound, CompanyStatusConflict, InvalidCompanyInput, NotPermitted, TaxIdLocked, TaxIdTaken } from './errors.js';
import { checkAddress, checkCountry, checkKind, checkName, checkReason, checkTaxId, checkVatId } from './input.js';
import { companyLink } from './links.js';
import type { Actor, Company, CompanyForJoin, CompanyPatch, CompanyRegistry, ModerateCompanyInput, RegisterCompanyInput, SearchCompaniesOptions, StaffActor } from './types.js';

const MAX_PAGE = 200;
const page = (n: number | undefined, fallback: number) => Math.min(Math.max(Math.trunc(n ?? fallback), 0), MAX_PAGE);

/** Registration, moderation, suspension, edits and reads of companies. */
export function createCompanyLifecycle(ctx: CompanyContext, registry: CompanyRegistry) {
  const { db, issuer } = ctx.deps;

  async function mailOwners(tx: Queryable, company: CompanyRow, mail: (accountId: string) => Promise<void>): Promise<void> {
    for (const owner of await createCompanyMemberQueries(tx).holders(company.id, 'owner')) await mail(owner);
  }

  function requireStaff(actor: Actor | StaffActor, ...roles: string[]): asserts actor is StaffActor {
    if (!isStaff(actor, ...roles)) throw new NotPermitted(`This needs the staff role ${roles.join(' or ')}.`);
  }

  return {
    /** Registers a pending company; the actor becomes its owner and gets the 'company-registered' mail. */
    async register(actor: Actor, input: RegisterCompanyInput): Promise<Company> {
      const kind = checkKind(input.kind);
      const country = checkCountry(input.country);
      const { taxId, taxIdKey } = checkTaxId(input.taxId);
      const typedName = input.name === undefined || input.name.trim() === '' ? undefined : checkName(input.name);
      const known = typedName && input.vatId !== undefined && input.address !== undefined ? undefined : await registry.lookup(country, taxId);
      const name = typedName ?? (known ? checkName(known.name) : undefined);
      if (!name) throw new InvalidCompanyInput('Enter the company name: the registry does not know this tax ID.', 'name');
      const vatId = input.vatId !== undefined ? checkVatId(input.vatId) : checkVatId(known?.vatId ?? null);
      const address = input.address !== undefined ? checkAddress(input.address) : checkAddress(known?.address ?? null);
      return db.transaction(async (tx) => {
        const row = await createCompanyQueries(tx).insert({ kind, name, country, taxId, taxIdKey, vatId, address: address && { ...address }, createdBy: actor.accountId });
        if (!row) throw new TaxIdTaken();
        const members = createCompanyMemberQueries(tx);
        await members.insert(row.id, actor.accountId);
        await members.grant(row.id, actor.accountId, 'owner', actor.accountId);
        await ctx.audit(tx, actor, 'company.registered', row.id, { name, country, taxId, kind, prefilledFrom: known?.source ?? null });
        await ctx.mailAccount(tx, actor.accountId, 'company-registered', (n) => ({ name: n, companyName: name, taxId, link: companyLink(issuer, row.id) }));
        return toCompany(row);
      });
    },

    /** An approved company with this tax ID, showing only what a person asking to join may see. */
    async findForJoin(country: string, taxId: string): Promise<CompanyForJoin | undefined> {
      const row = await createCompanyQueries(db).findByTaxId(checkCountry(country), checkTaxId(taxId).taxIdKey);
      return row?.status === 'approved' ? { id: row.id, name: row.name, country: row.country, taxId: row.tax_id } : undefined;
    },

    /** A moderator approves or rejects (with a reason) a pending company; its owners are mailed. */
    async moderateCompany(staff: StaffActor, companyId: string, input: ModerateCompanyInput): Promise<Company> {
      requireStaff(staff, 'moderator', 'admin');
      const decision = input.decision;
      if (decision !== 'approve' && decision !== 'reject') throw new InvalidCompanyInput('The decision must be approve or reject.', 'decision');
      const reason = decision === 'reject' ? checkReason(input.reason) : null;
      return db.transaction(async (tx) => {
        const company = await ctx.company(tx, companyId, true);
        if (company.status !== 'pending') throw new CompanyStatusConflict(`This company is already ${company.status}.`);
        const updated = (await createCompanyQueries(tx).setStatus(company.id, decision === 'approve' ? 'approved' : 'rejected', reason, staff.accountId))!;
        await ctx.audit(tx, staff, decision === 'approve' ? 'company.approved' : 'company.rejected', company.id, { name: company.name, reason });
        await mailOwners(tx, updated, (owner) => (decision === 'approve'
          ? ctx.mailAccount(tx, owner, 'company-approved', (n) => ({ name: n, companyName: updated.name, link: companyLink(issuer, updated.id) }))
          : ctx.mailAccount(tx, owner, 'company-rejected', (n) => ({ name: n, companyName: updated.name, reason: reason! }))));
        return toCompany(updated);
      });
    },

    /** Staff (admin) suspend an approved company: it disappears from every token's claims. */
    async suspendCompany(staff: StaffActor, companyId: string, reason: string): Promise<Company> {
      requireStaff(staff, 'admin');
      const why = checkReason(reason);
      return db.transaction(async (tx) => {
        const company = await ctx.company(tx, companyId, true);
        if (company.status !== 'approved') throw new CompanyStatusConflict(`Only an approved company can be suspended; this one is ${company.status}.`);
        const updated = (await createCompanyQueries(tx).setStatus(company.id, 'suspended', why, staff.accountId))!;
        await ctx.audit(tx, staff, 'company.suspended', company.id, { reason: why });
        for (const owner of await createCompanyMemberQueries(tx).holders(company.id, 'owner')) {
          await ctx.mailAccount(tx, owner, 'company-suspended', (n) => ({ name: n, companyName: company.name, reason: why }));
        }
        return toCompany(updated);
      });
    },

    /** Staff (admin) restore a suspended company to approved. */
    async restoreCompany(staff: StaffActor, companyId: string): Promise<Company> {
      requireStaff(staff, 'admin');
      return db.transaction(async (tx) => {
        const company = await ctx.company(tx, companyId, true);
        if (company.status !== 'suspended') throw new CompanyStatusConflict(`Only a suspended company can be restored; this one is ${company.status}.`);
        const updated = (await createCompanyQueries(tx).setStatus(company.id, 'approved', null, staff.accountId))!;
        await ctx.audit(tx, staff, 'company.restored', company.id);
        for (const owner of await createCompanyMemberQueries(tx).holders(company.id, 'owner')) {
          await ctx.mailAccount(tx, owner, 'company-restored', (n) => ({ name: n, companyName: company.name, link: companyLink(issuer, company.id) }));
        }
        return toCompany(updated);
      });
    },

    /** Edits company data: members with company:manage (tax ID and country only while pending), or staff admins. */
    async updateCompany(actor: Actor | StaffActor, companyId: string, patch: CompanyPatch): Promise<Company> {
      const staff = isStaff(actor, 'admin');
      return db.transaction(async (tx) => {
        const company = await ctx.company(tx, companyId, true);
        if (!staff) {
          const standing = await ctx.standing(tx, company.id, actor.accountId);
          if (!standing.isMember) throw isStaff(actor, 'moderator', 'support') ? new NotPermitted('Only staff admins can change company data.') : new CompanyNotFound();
          if (!standing.permissions.includes('company:manage')) throw new NotPermitted('You need the company:manage permission to edit the company.');
          if (company.status === 'suspended' || company.status === 'rejected') throw new CompanyNotActive();
        }
        const columns: CompanyColumns = {};
        if (patch.kind !== undefined) columns.kind = checkKind(patch.kind);
        if (patch.name !== undefined) columns.name = checkName(patch.name);
        if (patch.vatId !== undefined) columns.vat_id = checkVatId(patch.vatId);
        if (patch.address !== undefined) {
          const address = checkAddress(patch.address);
          columns.address = address && { ...address };
        }
        const country = patch.country === undefined ? company.country : checkCountry(patch.country);
        const tax = patch.taxId === undefined ? { taxId: company.tax_id, taxIdKey: company.tax_id_key } : checkTaxId(patch.taxId);
        const identityChanged = country !== company.country || tax.taxIdKey !== company.tax_id_key;
        if (identityChanged && !staff && company.status !== 'pending') throw new TaxIdLocked();
        if (country !== company.country || tax.taxId !== company.tax_id) Object.assign(columns, { country, tax_id: tax.taxId, tax_id_key: tax.taxIdKey });
        let updated: CompanyRow | undefined;
        try {
          updated = await createCompanyQueries(tx).update(company.id, columns);
        } catch (err) {
          if (pgErrorCode(err) === '23505') throw new TaxIdTaken();
          throw err;
        }
        const changed = Object.keys(columns).filter((k) => k !== 'tax_id_key');
        const before = Object.fromEntries(changed.map((k) => [k, company[k as keyof CompanyRow]]));
        await ctx.audit(tx, actor, 'company.updated', company.id, { changed, before, after: Object.fromEntries(changed.map((k) => [k, columns[k as keyof CompanyColumns]])) });
        return toCompany(updated!);
      });
    },

    /** A company by id, or undefined. */
    async getCompany(companyId: string): Promise<Company | undefined> {
      try {
        return toCompany(await ctx.company(db, companyId));
      } catch (err) {
        if (err instanceof CompanyNotFound) return undefined;
        throw err;
      }
    },

    /** Staff search by name, tax ID, VAT ID or id, optionally by status; newest first. */
    async searchCompanies(query: string, options: SearchCompaniesOptions = {}): Promise<{ companies: Company[]; total: number }> {
      const q = query.trim().slice(0, 200);
      const key = q.replace(/[\s\-./]/g, '').toUpperCase();
      const { rows, total } = await createCompanyQueries(db).search(q, /^[A-Z0-9]{2,}$/.test(key) ? key : '', options.status, page(options.limit, 50), Math.max(0, Math.trunc(options.offset ?? 0)));
      return { companies: rows.map(toCompany), total };
    },

    /** Pending companies, oldest first. */
    async pendingCompanies(limit?: number, offset?: number): Promise<Company[]> {
      return (await createCompanyQueries(db).listPending(page(limit, 50), Math.max(0, Math.trunc(offset ?? 0)))).map(toCompany);
    },
  };
}
