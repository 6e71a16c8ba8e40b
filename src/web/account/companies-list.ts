// The Companies section of the account center (issue 5, items 2-3): my companies with their status and
// my roles, the ways to register or join one, and my join requests with each side's decision.
import type Koa from 'koa';
import type { Middleware } from 'koa';
import type { RouteDeps } from '../route-deps.js';
import { actorOf, companiesPageLocals, doneOf, redirectDone, roleNamer } from './companies-common.js';
import { companyErrorOf, type CompanyFormError } from './companies-errors.js';
import { field, signedIn } from './page.js';

const DONE = ['join-requested', 'join-cancelled', 'left', 'invitation-accepted'] as const;

/** Renders the list of my companies and join requests, optionally with a refusal message. */
async function showCompanies(deps: RouteDeps, ctx: Koa.ParameterizedContext, error?: CompanyFormError) {
  const { account } = signedIn(ctx);
  const companies = deps.services.companies;
  deps.render(ctx, 'account/companies', {
    ...companiesPageLocals(deps, ctx),
    companies: await companies.listMyCompanies(account.id),
    joinRequests: await companies.listMyJoinRequests(account.id),
    roleName: roleNamer(deps.render.translator(ctx)),
    done: error ? undefined : doneOf(ctx, DONE),
    error,
  }, error?.status ?? 200);
}

/** GET /account/companies */
export function companiesPage(deps: RouteDeps): Middleware {
  return async function renderCompanies(ctx) {
    await showCompanies(deps, ctx);
  };
}

/** POST /account/companies/join-requests/cancel (field `request_id`): withdraws my pending join request. */
export function joinRequestCancelSubmission(deps: RouteDeps): Middleware {
  return async function cancelJoinRequest(ctx) {
    try {
      await deps.services.companies.cancelJoinRequest(actorOf(ctx), field(ctx, 'request_id', 64));
    } catch (err) {
      const refusal = companyErrorOf(err, deps.render.translator(ctx));
      if (!refusal) throw err;
      await showCompanies(deps, ctx, refusal);
      return;
    }
    redirectDone(deps, ctx, '', 'join-cancelled');
  };
}
