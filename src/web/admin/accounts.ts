// The console's account pages (issue 5, item 7): search by email or name, an account's detail (status,
// verification, customer links, companies, recent audit events), block and unblock (sessions, grants and
// refresh tokens end at once), resend the set-password mail, link and unlink customer IDs, and provision a
// person verified in the office. Every change goes through services.staff, which checks the role matrix and
// audits it with the staff actor.
import type Koa from 'koa';
import type { Middleware } from 'koa';
import { NotFound } from '../../services/errors.js';
import type { RouteDeps } from '../route-deps.js';
import { actorOf, adminFormError, adminPageLocals, field, queryParam, redirectAfterPost, type FormError } from './page.js';

const PAGE_SIZE = 25;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The :id of the URL when it can be an account id; NotFound (the 404 page) otherwise. */
export function idParam(ctx: Koa.ParameterizedContext): string {
  const id = String(ctx.params.id ?? '');
  if (!UUID.test(id)) throw new NotFound('No such page.');
  return id.toLowerCase();
}

/** GET /admin/accounts?q=&page= */
export function accountSearchPage(deps: RouteDeps): Middleware {
  return async function renderAccountSearch(ctx) {
    const query = queryParam(ctx, 'q');
    const page = Math.max(1, Math.min(4000, Number.parseInt(queryParam(ctx, 'page', 6), 10) || 1));
    const result = await deps.services.staff.searchAccounts(actorOf(ctx), { query, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE });
    deps.render(ctx, 'admin/accounts', {
      ...adminPageLocals(deps, ctx, 'accounts'),
      query,
      page,
      accounts: result.accounts,
      total: result.total,
      hasMore: page * PAGE_SIZE < result.total,
    });
  };
}

async function showAccount(deps: RouteDeps, ctx: Koa.ParameterizedContext, accountId: string, options: { error?: FormError; values?: Record<string, string>; status?: number } = {}) {
  const actor = actorOf(ctx);
  const detail = await deps.services.staff.accountDetail(actor, accountId);
  const companies = await deps.services.companies.listMyCompanies(detail.account.id);
  deps.render(ctx, 'admin/account', {
    ...adminPageLocals(deps, ctx, 'accounts'),
    detail,
    companies,
    isSelf: detail.account.id === actor.accountId,
    error: options.error,
    values: options.values ?? {},
  }, options.status ?? 200);
}

/** GET /admin/accounts/:id */
export function accountPage(deps: RouteDeps): Middleware {
  return async function renderAccount(ctx) {
    await showAccount(deps, ctx, idParam(ctx));
  };
}

/** Runs an account action; service refusals are shown on the account page next to the form `form`. */
function accountAction(deps: RouteDeps, form: string, fallbackField: string, action: (ctx: Koa.ParameterizedContext, accountId: string) => Promise<string>): Middleware {
  return async function runAccountAction(ctx) {
    const accountId = idParam(ctx);
    let done: string;
    try {
      done = await action(ctx, accountId);
    } catch (err) {
      const error = adminFormError(err, deps.render.translator(ctx), fallbackField);
      if (!error || (err instanceof NotFound && fallbackField !== 'customer_id')) throw err;
      await showAccount(deps, ctx, accountId, { error: { ...error, form }, values: { ...(ctx.state.form as Record<string, string>) }, status: (err as { status?: number }).status ?? 400 });
      return;
    }
    deps.mailer.notify();
    redirectAfterPost(deps, ctx, `/accounts/${accountId}`, done);
  };
}

/** POST /admin/accounts/:id/block (reason) */
export const blockSubmission = (deps: RouteDeps) => accountAction(deps, 'block', 'reason', async (ctx, id) => {
  await deps.services.staff.blockAccount(actorOf(ctx), id, field(ctx, 'reason', 1000));
  return 'blocked';
});

/** POST /admin/accounts/:id/unblock */
export const unblockSubmission = (deps: RouteDeps) => accountAction(deps, 'block', 'account', async (ctx, id) => {
  await deps.services.staff.unblockAccount(actorOf(ctx), id);
  return 'unblocked';
});

/** POST /admin/accounts/:id/resend-invitation */
export const resendInvitationSubmission = (deps: RouteDeps) => accountAction(deps, 'resend', 'account', async (ctx, id) => {
  await deps.services.staff.resendInvitation(actorOf(ctx), id);
  return 'invitation-sent';
});

/** POST /admin/accounts/:id/customers/link (customer_id) */
export const customerLinkSubmission = (deps: RouteDeps) => accountAction(deps, 'link', 'customer_id', async (ctx, id) => {
  const linked = await deps.services.staff.linkCustomer(actorOf(ctx), id, field(ctx, 'customer_id', 200));
  return linked ? 'customer-linked' : 'customer-already-linked';
});

/** POST /admin/accounts/:id/customers/unlink (customer_id) */
export const customerUnlinkSubmission = (deps: RouteDeps) => accountAction(deps, 'unlink', 'customer_id', async (ctx, id) => {
  await deps.services.staff.unlinkCustomer(actorOf(ctx), id, field(ctx, 'customer_id', 200));
  return 'customer-unlinked';
});

function showProvision(deps: RouteDeps, ctx: Koa.ParameterizedContext, options: { error?: FormError; values?: Record<string, string>; status?: number } = {}) {
  deps.render(ctx, 'admin/provision', {
    ...adminPageLocals(deps, ctx, 'accounts'),
    locales: deps.services.accountCenter.supportedLocales,
    error: options.error,
    values: options.values ?? {},
  }, options.status ?? 200);
}

/** GET /admin/accounts/new: the form to create an account for a person verified in the office. */
export function provisionPage(deps: RouteDeps): Middleware {
  return async function renderProvision(ctx) {
    showProvision(deps, ctx);
  };
}

/** POST /admin/accounts/new (email, name, locale): creates the account and mails the set-password link. */
export function provisionSubmission(deps: RouteDeps): Middleware {
  return async function provisionAccount(ctx) {
    const values = { email: field(ctx, 'email', 320), name: field(ctx, 'name', 300), locale: field(ctx, 'locale', 20) };
    const locale = deps.services.accountCenter.supportedLocales.includes(values.locale) ? values.locale : undefined;
    let result;
    try {
      result = await deps.services.staff.provision(actorOf(ctx), { email: values.email, name: values.name, locale });
    } catch (err) {
      const error = adminFormError(err, deps.render.translator(ctx), 'email');
      if (!error) throw err;
      showProvision(deps, ctx, { error, values, status: (err as { status?: number }).status ?? 400 });
      return;
    }
    deps.mailer.notify();
    redirectAfterPost(deps, ctx, `/accounts/${result.sub}`, result.created ? 'provisioned' : 'already-exists');
  };
}
