// Joining a company (issue 5, item 3): type the country and tax ID, see "Company found: NAME. Ask to
// join?", send the request. Only approved companies are found; each search counts against the account's
// lookup limit (OWASP ASVS V11.1.4). The request form re-sends the tax ID, not a company id, so a forged
// form cannot aim a request at a company the search would not find.
import type Koa from 'koa';
import type { Middleware } from 'koa';
import type { CompanyForJoin } from '../../services/companies/types.js';
import type { RouteDeps } from '../route-deps.js';
import { actorOf, companiesPageLocals, redirectDone, withinLookupLimit } from './companies-common.js';
import { companyErrorOf, type CompanyFormError } from './companies-errors.js';
import { companyFormValues, parseCompanyKey, type FormValues } from './companies-forms.js';
import { field } from './page.js';

function showJoin(deps: RouteDeps, ctx: Koa.ParameterizedContext, options: { values?: FormValues; found?: CompanyForJoin; notFound?: boolean; error?: CompanyFormError } = {}) {
  deps.render(ctx, 'account/company-join', {
    ...companiesPageLocals(deps, ctx),
    values: { country: '', tax_id: '', ...options.values },
    found: options.found,
    notFound: options.notFound ?? false,
    error: options.error,
  }, options.error?.status ?? 200);
}

/** GET /account/companies/join */
export function joinCompanyPage(deps: RouteDeps): Middleware {
  return async function renderJoinCompany(ctx) {
    showJoin(deps, ctx);
  };
}

/** POST /account/companies/join: step=find shows the company found; step=request sends the join request. */
export function joinCompanySubmission(deps: RouteDeps): Middleware {
  return async function joinCompany(ctx) {
    const t = deps.render.translator(ctx);
    const values = companyFormValues(ctx);
    const key = parseCompanyKey(values, t, ['country', 'tax_id']);
    if (!key.ok) return showJoin(deps, ctx, { values, error: key.error });
    const step = field(ctx, 'step', 20) === 'request' ? 'request' : 'find';

    if (step === 'find') {
      const decision = await withinLookupLimit(deps, ctx);
      if (!decision.allowed) {
        ctx.set('Retry-After', String(decision.retryAfterSeconds));
        return showJoin(deps, ctx, { values, error: { status: 429, message: t('companies.error.too_many_lookups', { minutes: Math.ceil(decision.retryAfterSeconds / 60) }) } });
      }
    }
    const found = await deps.services.companies.findForJoin(key.country, key.taxId);
    if (!found) return showJoin(deps, ctx, { values, notFound: true });
    if (step === 'find') return showJoin(deps, ctx, { values, found });

    try {
      await deps.services.companies.requestJoin(actorOf(ctx), found.id);
    } catch (err) {
      const refusal = companyErrorOf(err, t);
      if (!refusal) throw err;
      return showJoin(deps, ctx, { values, found, error: refusal });
    }
    deps.mailer.notify();
    redirectDone(deps, ctx, '', 'join-requested');
  };
}
