// Registering a company from the account center (issue 5, item 2): choose the kind, country and tax ID,
// "Look up" fills the other fields from the company registry (a server-side round trip: no script
// needed), then "Register" files it as pending until a moderator decides. Lookups are rate limited per
// account because tax IDs are guessable (OWASP ASVS V11.1.4).
import type Koa from 'koa';
import type { Middleware } from 'koa';
import type { RouteDeps } from '../route-deps.js';
import { actorOf, companiesPageLocals, withinLookupLimit } from './companies-common.js';
import { companyErrorOf, type CompanyFormError } from './companies-errors.js';
import { addressOf, companyFormValues, parseCompanyKey, prefilled, type FormValues } from './companies-forms.js';
import { field } from './page.js';

/** found / not_found: after a lookup; manual: details shown after a failed registration. */
type LookupState = 'found' | 'not_found' | 'manual' | undefined;

const EMPTY: FormValues = { kind: 'legal_entity', country: '', tax_id: '', name: '', vat_id: '', street_address: '', locality: '', postal_code: '', region: '' };

function showRegister(deps: RouteDeps, ctx: Koa.ParameterizedContext, options: { values?: FormValues; lookup?: LookupState; error?: CompanyFormError; welcome?: boolean } = {}) {
  deps.render(ctx, 'account/company-register', {
    ...companiesPageLocals(deps, ctx),
    values: { ...EMPTY, ...options.values },
    lookup: options.lookup,
    error: options.error,
    welcome: options.welcome ?? false,
  }, options.error?.status ?? 200);
}

/** GET /account/companies/register[?welcome=1] (welcome: arrived from "I buy for a business" at sign-up). */
export function registerCompanyPage(deps: RouteDeps): Middleware {
  return async function renderRegisterCompany(ctx) {
    showRegister(deps, ctx, { welcome: ctx.query.welcome === '1' });
  };
}

/** The "wait a while" message when the account has looked up too many tax IDs. */
async function refuseOverLimit(deps: RouteDeps, ctx: Koa.ParameterizedContext, values: FormValues, lookup: LookupState): Promise<boolean> {
  const decision = await withinLookupLimit(deps, ctx);
  if (decision.allowed) return false;
  ctx.set('Retry-After', String(decision.retryAfterSeconds));
  const message = deps.render.translator(ctx)('companies.error.too_many_lookups', { minutes: Math.ceil(decision.retryAfterSeconds / 60) });
  showRegister(deps, ctx, { values, lookup, error: { status: 429, message } });
  return true;
}

/** POST /account/companies/register: step=lookup prefills the form from the registry; step=register files the company. */
export function registerCompanySubmission(deps: RouteDeps): Middleware {
  return async function registerCompany(ctx) {
    const t = deps.render.translator(ctx);
    const values = companyFormValues(ctx);
    const step = field(ctx, 'step', 20) === 'register' ? 'register' : 'lookup';
    const key = parseCompanyKey(values, t);
    if (!key.ok) return showRegister(deps, ctx, { values, lookup: step === 'register' ? 'manual' : undefined, error: key.error });
    if (await refuseOverLimit(deps, ctx, values, step === 'register' ? 'manual' : undefined)) return;

    if (step === 'lookup') {
      const entry = await deps.services.companies.lookupRegistry(key.country, key.taxId);
      return showRegister(deps, ctx, entry ? { values: prefilled(values, entry), lookup: 'found' } : { values, lookup: 'not_found' });
    }

    let companyId: string;
    try {
      const company = await deps.services.companies.register(actorOf(ctx), {
        kind: key.kind,
        country: key.country,
        taxId: key.taxId,
        name: values.name || undefined,
        vatId: values.vat_id || null,
        address: addressOf(values),
      });
      companyId = company.id;
    } catch (err) {
      const refusal = companyErrorOf(err, t);
      if (!refusal) throw err;
      return showRegister(deps, ctx, { values, lookup: 'manual', error: refusal });
    }
    deps.mailer.notify();
    ctx.status = 303;
    ctx.redirect(`${deps.config.mountPath}/account/companies/${companyId}?done=registered`);
  };
}
