// The "customer" prompt (issue 4, item 8): a client whose metadata says require_customer_link gets tokens
// only for accounts linked to a customer of the directory; an unlinked account meets the profile-completion
// page inside the flow (src/web/interactions/customer-link.ts). Clients without the flag never see it.
import type Provider from 'oidc-provider';
import { interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';

/** The customer links of an account (services.customers.linksOf), oldest first. */
export type CustomerLinkLookup = (accountId: string) => Promise<{ customer_id: string; company_name: string; tax_id: string | null; vat_id: string | null; country: string | null }[]>;

const lookups = new WeakMap<Provider, CustomerLinkLookup>();

/** Tells the provider's customer prompt and claims how to find an account's customer links. */
export function useCustomerLinks(provider: Provider, lookup: CustomerLinkLookup): void {
  lookups.set(provider, lookup);
}

/** The customer links of an account; empty when no lookup is registered. */
export async function customerLinksOf(provider: Provider, accountId: string): ReturnType<CustomerLinkLookup> {
  const lookup = lookups.get(provider);
  return lookup ? lookup(accountId) : [];
}

const requiresLink = (ctx: KoaContextWithOIDC) => (ctx.oidc.client?.metadata() as { require_customer_link?: boolean } | undefined)?.require_customer_link === true;

/** The prompt: asked when the client requires a customer link and the signed-in account has none. */
export function customerPrompt(): InstanceType<typeof interactionPolicy.Prompt> {
  const { Prompt, Check } = interactionPolicy;
  return new Prompt(
    { name: 'customer', requestable: false },
    new Check('customer_link_missing', 'the client requires an account linked to a customer', 'interaction_required', async (ctx: KoaContextWithOIDC) => {
      const accountId = ctx.oidc.session?.accountId;
      if (!accountId || !requiresLink(ctx)) return Check.NO_NEED_TO_PROMPT;
      const links = await customerLinksOf(ctx.oidc.provider, accountId);
      return links.length === 0 ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT;
    }),
  );
}

/** The interaction policy: login, then the customer prompt, then consent. */
export function latchkeyInteractionPolicy() {
  const policy = interactionPolicy.base();
  policy.add(customerPrompt(), 1);
  return policy;
}

/** The `customer` scope's claims from the account's first customer link (DESIGN.md "Scopes and claims"). */
export async function customerClaims(provider: Provider, accountId: string): Promise<{ customer_id?: string; company?: Record<string, string> }> {
  const [link] = await customerLinksOf(provider, accountId);
  if (!link) return {};
  const company: Record<string, string> = { name: link.company_name };
  if (link.tax_id) company.tax_id = link.tax_id;
  if (link.vat_id) company.vat_id = link.vat_id;
  if (link.country) company.country = link.country;
  return { customer_id: link.customer_id, company };
}
