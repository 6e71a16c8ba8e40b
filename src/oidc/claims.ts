// Which claims each scope releases, and an account's claim values (OpenID Connect Core §5.4).
import type { AccountClaims } from 'oidc-provider';
import type { AccountRow } from '../queries/accounts.js';

export const CLAIMS_BY_SCOPE = {
  profile: ['name', 'given_name', 'family_name', 'locale', 'updated_at'],
  email: ['email', 'email_verified'],
  phone: ['phone_number', 'phone_number_verified'],
  address: ['address'],
  // Filled from the account's customer link (src/oidc/customer-prompt.ts customerClaims).
  customer: ['customer_id', 'company'],
  // Filled from company memberships (src/oidc/organization-prompt.ts): every membership, or the company picked at login.
  organizations: ['organizations'],
  organization: ['org_id', 'org_name', 'org_roles', 'org_permissions'],
} as const;

/** The claim values of an account; oidc-provider filters them by the granted scopes and claims. */
export function accountClaims(account: AccountRow): AccountClaims {
  const claims: AccountClaims = {
    sub: account.id,
    email: account.email,
    email_verified: account.email_verified,
    updated_at: Math.floor(account.updated_at.getTime() / 1000),
  };
  if (account.name) claims.name = account.name;
  if (account.given_name) claims.given_name = account.given_name;
  if (account.family_name) claims.family_name = account.family_name;
  if (account.locale) claims.locale = account.locale;
  // OIDC Core §5.1.1: the address claim is a JSON object of its parts (street_address, locality, ...).
  if (account.address && Object.keys(account.address).length > 0) claims.address = account.address as AccountClaims['address'];
  if (account.phone_number) {
    claims.phone_number = account.phone_number;
    claims.phone_number_verified = account.phone_number_verified;
  }
  return claims;
}
