// The "customer" prompt's pages (issue 4, item 8): "Complete your profile" links the signed-in account to a
// customer of the directory (customer ID + its tax ID or one of its licence numbers), and product
// registration ("I have no customer ID yet") registers a known licence under a new customer ID.
// Anti-automation (OWASP ASVS V2.2.1): at most 5 attempts per account and per IP address in an hour.
import type { Middleware } from 'koa';
import type Provider from 'oidc-provider';
import type { LatchkeyServices } from '../../services/index.js';
import { InvalidInput } from '../../services/errors.js';
import type { Renderer } from '../render.js';
import { clientView, type InteractionState } from './details.js';

type Ctx = Parameters<Middleware>[0];
export interface CustomerLinkDeps {
  provider: Provider;
  services: LatchkeyServices;
  render: Renderer;
}

const ATTEMPTS = 5;
const WINDOW_SECONDS = 3600;
const LINK_FIELDS = ['customer_id', 'tax_id'] as const;
const REGISTER_FIELDS = ['licence_number', 'company_name', 'tax_id', 'vat_id', 'country'] as const;
const field = (form: Record<string, unknown>, name: string, max = 200) => String(form[name] ?? '').trim().slice(0, max);
const base = (ctx: Ctx, uid: string) => `${ctx.state.mountPath}/interaction/${uid}`;

/** Renders "Complete your profile" (mode link) or product registration (mode register). */
export async function renderCustomerStep(deps: CustomerLinkDeps, ctx: Ctx, interaction: InteractionState, mode: 'link' | 'register', values: Record<string, string> = {}, error?: { field?: string; message: string }, status = 200) {
  const account = interaction.accountId ? await deps.services.accounts.findById(interaction.accountId) : undefined;
  const url = base(ctx, interaction.uid);
  const names = mode === 'link' ? LINK_FIELDS : REGISTER_FIELDS;
  deps.render(ctx, mode === 'link' ? 'complete-profile' : 'register-product', {
    client: clientView(interaction.client),
    accountEmail: account?.email ?? '',
    values: Object.fromEntries(names.map((n) => [n, values[n] ?? ''])),
    error,
    action: `${url}/${mode === 'link' ? 'customer-link' : 'register-product'}`,
    registerUrl: `${url}/register-product`,
    linkUrl: url,
    abortAction: `${url}/abort`,
  }, status);
}

/** Counts an attempt per account and per IP; false (and the "wait" message rendered) when over the limit. */
async function withinLimit(deps: CustomerLinkDeps, ctx: Ctx, interaction: InteractionState & { accountId: string }, mode: 'link' | 'register', values: Record<string, string>) {
  const byAccount = await deps.services.rateLimits.hit('customer-proof:account', interaction.accountId, ATTEMPTS, WINDOW_SECONDS);
  const byIp = await deps.services.rateLimits.hit('customer-proof:ip', ctx.ip, ATTEMPTS, WINDOW_SECONDS);
  if (byAccount.allowed && byIp.allowed) return true;
  const minutes = Math.ceil(Math.max(byAccount.retryAfterSeconds, byIp.retryAfterSeconds) / 60);
  ctx.set('Retry-After', String(Math.max(byAccount.retryAfterSeconds, byIp.retryAfterSeconds)));
  await renderCustomerStep(deps, ctx, interaction, mode, values, { message: deps.render.translator(ctx)('customer.too_many', { minutes }) }, 429);
  return false;
}

/** The interaction when it is at the customer prompt with a signed-in account; otherwise redirects to its page. */
function pending(ctx: Ctx): (InteractionState & { accountId: string }) | undefined {
  const interaction = ctx.state.interaction as InteractionState;
  if (interaction.prompt === 'customer' && interaction.accountId) return { ...interaction, accountId: interaction.accountId };
  ctx.redirect(base(ctx, interaction.uid));
  return undefined;
}

async function finish(deps: CustomerLinkDeps, ctx: Ctx, customerId: string) {
  await deps.provider.interactionFinished(ctx.req, ctx.res, { customer: { customerId } }, { mergeWithLastSubmission: true });
  ctx.respond = false;
}

/** GET /interaction/:uid/register-product: the product registration page. */
export function registerProductPage(deps: CustomerLinkDeps): Middleware {
  return async function showRegisterProduct(ctx) {
    const interaction = pending(ctx);
    if (interaction) await renderCustomerStep(deps, ctx, interaction, 'register');
  };
}

/** POST /interaction/:uid/customer-link: checks the customer ID + tax ID (or licence number) pair and links the account. */
export function customerLinkSubmission(deps: CustomerLinkDeps): Middleware {
  return async function linkCustomer(ctx) {
    const interaction = pending(ctx);
    if (!interaction) return;
    const form = ctx.state.form as Record<string, unknown>;
    const values = { customer_id: field(form, 'customer_id', 50), tax_id: field(form, 'tax_id', 50) };
    const t = deps.render.translator(ctx);
    if (values.customer_id === '' || values.tax_id === '') {
      const missing = values.customer_id === '' ? 'customer_id' : 'tax_id';
      return renderCustomerStep(deps, ctx, interaction, 'link', values, { field: missing, message: t(`customer.required.${missing}`) }, 400);
    }
    if (!(await withinLimit(deps, ctx, interaction, 'link', values))) return;
    // The second field takes the tax ID or one of the customer's licence numbers.
    const customer = await deps.services.customers.checkProof(values.customer_id, { taxId: values.tax_id, licenceNumber: values.tax_id });
    if (!customer) {
      await deps.services.audit.record({ accountId: interaction.accountId, type: 'customer.link-failed', clientId: interaction.client.clientId, ip: ctx.ip, userAgent: ctx.get('user-agent'), data: {} });
      return renderCustomerStep(deps, ctx, interaction, 'link', values, { field: 'customer_id', message: t('customer.link.mismatch') }, 400);
    }
    await deps.services.customers.link(interaction.accountId, customer.customer_id, 'profile-completion');
    await deps.services.rateLimits.clear('customer-proof:account', interaction.accountId);
    await finish(deps, ctx, customer.customer_id);
  };
}

/** POST /interaction/:uid/register-product: registers a known, unregistered licence under a new customer ID. */
export function registerProductSubmission(deps: CustomerLinkDeps): Middleware {
  return async function registerProduct(ctx) {
    const interaction = pending(ctx);
    if (!interaction) return;
    const form = ctx.state.form as Record<string, unknown>;
    const values = Object.fromEntries(REGISTER_FIELDS.map((n) => [n, field(form, n, n === 'company_name' ? 200 : 50)])) as Record<(typeof REGISTER_FIELDS)[number], string>;
    const t = deps.render.translator(ctx);
    if (values.licence_number === '' || values.company_name === '') {
      const missing = values.licence_number === '' ? 'licence_number' : 'company_name';
      return renderCustomerStep(deps, ctx, interaction, 'register', values, { field: missing, message: t(`customer.required.${missing}`) }, 400);
    }
    if (!(await withinLimit(deps, ctx, interaction, 'register', values))) return;
    try {
      const { customerId } = await deps.services.customers.registerLicence({
        accountId: interaction.accountId,
        licenceNumber: values.licence_number,
        company: { name: values.company_name, taxId: values.tax_id || undefined, vatId: values.vat_id || undefined, country: values.country || undefined },
      });
      await finish(deps, ctx, customerId);
    } catch (err) {
      if (!(err instanceof InvalidInput)) throw err;
      const key = err.field === 'licence_number' ? 'customer.register.unavailable' : err.field === 'country' ? 'customer.register.bad_country' : 'customer.register.bad_company';
      return renderCustomerStep(deps, ctx, interaction, 'register', values, { field: err.field, message: t(key) }, 400);
    }
  };
}
