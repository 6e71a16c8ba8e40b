// How the company service's refusals become messages on the company pages (issue 5): each error class
// maps to a translated message, the field it belongs to (if any) and the HTTP status of the page, so a
// forbidden or impossible action shows a clear message instead of an error page or a 500.
import {
  AlreadyMember, CompanyNotActive, CompanyNotFound, CompanyStatusConflict, InvalidCompanyInput, InvitationEmailMismatch,
  InvitationInvalid, JoinRequestClosed, JoinRequestNotFound, LastOwner, MemberNotFound, NotPermitted, RoleNotFound, TaxIdTaken,
} from '../../services/companies/errors.js';
import { InvalidInput } from '../../services/errors.js';
import type { Translate } from '../../i18n/index.js';

/** A refusal as a page shows it. `field` is set when the message belongs next to a form field. */
export interface CompanyFormError {
  status: number;
  message: string;
  field?: string | undefined;
}

/** Fields the company forms show messages for (others get the generic text). */
const KNOWN_FIELDS = new Set(['kind', 'country', 'tax_id', 'name', 'vat_id', 'address', 'street_address', 'locality', 'postal_code', 'region', 'reason', 'key', 'permissions', 'roles', 'email', 'role', 'account_id']);

/** The status of a refusal the user can recover from on the page. */
const statusOf = (err: unknown, fallback: number) => {
  const status = (err as { status?: unknown }).status;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : fallback;
};

/**
 * The page message for a company-service refusal; undefined for anything else (the caller rethrows it to
 * the error page). CompanyNotFound is left to the error page on purpose: a non-member sees a plain 404.
 */
export function companyErrorOf(err: unknown, t: Translate): CompanyFormError | undefined {
  if (err instanceof CompanyNotFound) return undefined;
  if (err instanceof InvalidCompanyInput || err instanceof InvalidInput) {
    const field = err.field && KNOWN_FIELDS.has(err.field) ? err.field : undefined;
    return { status: 400, field, message: t(field ? `companies.error.field.${field}` : 'companies.error.invalid') };
  }
  const simple: [new (...args: never[]) => Error, string, string?][] = [
    [TaxIdTaken, 'companies.error.tax_id_taken', 'tax_id'],
    [NotPermitted, 'companies.error.not_permitted'],
    [LastOwner, 'companies.error.last_owner'],
    [CompanyNotActive, 'companies.error.not_active'],
    [CompanyStatusConflict, 'companies.error.status_conflict'],
    [JoinRequestNotFound, 'companies.error.join_request_not_found'],
    [JoinRequestClosed, 'companies.error.join_request_closed'],
    [AlreadyMember, 'companies.error.already_member'],
    [MemberNotFound, 'companies.error.member_not_found'],
    [RoleNotFound, 'companies.error.role_not_found'],
    [InvitationInvalid, 'companies.error.invitation_invalid'],
    [InvitationEmailMismatch, 'companies.error.invitation_email_mismatch'],
  ];
  for (const [type, key, field] of simple) {
    if (err instanceof type) return { status: statusOf(err, 400), message: t(key), field };
  }
  return undefined;
}
