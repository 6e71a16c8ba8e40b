// The console's company pages (issue 5, item 7): search by name, tax ID, VAT ID or id (optionally by
// status), a company's detail with its members and join requests, suspend and restore with a reason
// (admin), change the country and tax ID after approval (admin), and move ownership when the company's
// authorised person changes (admin). Changes go through services.companies, which audits them.
import type Koa from 'koa';
import type { Middleware } from 'koa';
import { companyStatuses, type CompanyStatus } from '../../services/companies/types.js';
import { CompanyNotFound } from '../../services/companies/errors.js';
import { InvalidInput, NotFound } from '../../services/errors.js';
import type { RouteDeps } from '../route-deps.js';
import { idParam } from './accounts.js';
import { actorOf, adminFormError, adminPageLocals, field, queryParam, redirectAfterPost, type FormError } from './page.js';

const PAGE_SIZE = 25;

/** GET /admin/companies?q=&status=&page= */
export function companySearchPage(deps: RouteDeps): Middleware {
  return async function renderCompanySearch(ctx) {
    const query = queryParam(ctx, 'q', 200);
    const statusText = queryParam(ctx, 'status', 20);
    const status = (companyStatuses as readonly string[]).includes(statusText) ? (statusText as CompanyStatus) : undefined;
    const page = Math.max(1, Math.min(4000, Number.parseInt(queryParam(ctx, 'page', 6), 10) || 1));
    const result = await deps.services.companies.searchCompanies(query, { status, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE });
    deps.render(ctx, 'admin/companies', {
      ...adminPageLocals(deps, ctx, 'companies'),
      query,
      status: status ?? '',
      statuses: companyStatuses,
      page,
      companies: result.companies,
      total: result.total,
      hasMore: page * PAGE_SIZE < result.total,
    });
  };
}

async function showCompany(deps: RouteDeps, ctx: Koa.ParameterizedContext, companyId: string, options: { error?: FormError; values?: Record<string, string>; status?: number } = {}) {
  const actor = actorOf(ctx);
  const company = await deps.services.companies.getCompany(companyId);
  if (!company) throw new NotFound('No such company.');
  deps.render(ctx, 'admin/company', {
    ...adminPageLocals(deps, ctx, 'companies'),
    company,
    members: await deps.services.companies.listMembers(actor, company.id),
    joinRequests: await deps.services.companies.listJoinRequests(actor, company.id, { status: 'pending' }),
    error: options.error,
    values: options.values ?? {},
  }, options.status ?? 200);
}

/** GET /admin/companies/:id */
export function companyPage(deps: RouteDeps): Middleware {
  return async function renderCompany(ctx) {
    await showCompany(deps, ctx, idParam(ctx));
  };
}

/** Runs a company action; refusals are shown on the company page next to the form `form`. */
function companyAction(deps: RouteDeps, form: string, fallbackField: string, action: (ctx: Koa.ParameterizedContext, companyId: string) => Promise<string>): Middleware {
  return async function runCompanyAction(ctx) {
    const companyId = idParam(ctx);
    let done: string;
    try {
      done = await action(ctx, companyId);
    } catch (err) {
      if (err instanceof CompanyNotFound) throw new NotFound('No such company.');
      const error = adminFormError(err, deps.render.translator(ctx), fallbackField);
      if (!error) throw err;
      await showCompany(deps, ctx, companyId, { error: { ...error, form }, values: { ...(ctx.state.form as Record<string, string>) }, status: (err as { status?: number }).status ?? 400 });
      return;
    }
    deps.mailer.notify();
    redirectAfterPost(deps, ctx, `/companies/${companyId}`, done);
  };
}

/** POST /admin/companies/:id/suspend (reason) */
export const suspendSubmission = (deps: RouteDeps) => companyAction(deps, 'suspend', 'reason', async (ctx, id) => {
  const reason = field(ctx, 'reason', 1000);
  if (reason === '') throw new InvalidInput('Give a reason.', 'reason');
  await deps.services.companies.suspendCompany(actorOf(ctx), id, reason);
  return 'suspended';
});

/** POST /admin/companies/:id/restore */
export const restoreSubmission = (deps: RouteDeps) => companyAction(deps, 'suspend', 'reason', async (ctx, id) => {
  await deps.services.companies.restoreCompany(actorOf(ctx), id);
  return 'restored';
});

/** POST /admin/companies/:id/tax-id (country, tax_id): staff may change them after approval. */
export const taxIdSubmission = (deps: RouteDeps) => companyAction(deps, 'tax-id', 'tax_id', async (ctx, id) => {
  await deps.services.companies.updateCompany(actorOf(ctx), id, { country: field(ctx, 'country', 10), taxId: field(ctx, 'tax_id', 100) });
  return 'tax-id-changed';
});

/** POST /admin/companies/:id/transfer (email of the new owner, an existing account). */
export const transferSubmission = (deps: RouteDeps) => companyAction(deps, 'transfer', 'email', async (ctx, id) => {
  const email = field(ctx, 'email', 320);
  const account = email.includes('@') ? await deps.services.accounts.findByEmail(email) : undefined;
  if (!account) throw new InvalidInput('No account with this email.', 'owner_email');
  await deps.services.companies.transferOwnership(actorOf(ctx), id, account.id);
  return 'ownership-transferred';
});
