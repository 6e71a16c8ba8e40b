// Shared pieces of the account-center pages: the signed-in account, the audit origin of a request,
// form values, and how a service error becomes a message next to its field.
import type Koa from 'koa';
import type { AccountRow } from '../../queries/accounts.js';
import type { Origin } from '../../services/account-center/index.js';
import { CurrentPasswordIncorrect, EmailUnavailable, FieldNotEditable, TooManyAttempts } from '../../services/account-center/index.js';
import { UnacceptablePassword } from '../../services/accounts/index.js';
import { InvalidInput } from '../../services/errors.js';
import { SoleCompanyOwner } from '../../services/account-center/deletion.js';
import type { AccountSession } from '../../oidc/account-session.js';
import type { Translate } from '../../i18n/index.js';

/** What requireAccount puts in ctx.state.account. */
export interface SignedIn {
  session: AccountSession;
  account: AccountRow;
}

/** The signed-in account of a request that passed requireAccount. */
export const signedIn = (ctx: Koa.ParameterizedContext): SignedIn => ctx.state.account as SignedIn;

/** The request facts the audit log records. */
export function originOf(ctx: Koa.ParameterizedContext): Origin {
  return { ip: ctx.ip, userAgent: ctx.get('user-agent') || null, locale: typeof ctx.state.locale === 'string' ? ctx.state.locale : undefined };
}

/** A form field as a string, cut to max characters. */
export function field(ctx: Koa.ParameterizedContext, name: string, max = 1000): string {
  const value = (ctx.state.form as Record<string, string> | undefined)?.[name];
  return typeof value === 'string' ? value.slice(0, max) : '';
}

/** A form error: the field it belongs to and the translated message. */
export interface FormError {
  field: string;
  message: string;
}

/**
 * The translated message for an error a form can show next to a field; undefined for anything else
 * (the caller rethrows it to the error page).
 */
export function formErrorOf(err: unknown, t: Translate, fallbackField: string, minPasswordLength = 8): FormError | undefined {
  if (err instanceof CurrentPasswordIncorrect) return { field: 'current_password', message: t('account.error.current_password') };
  if (err instanceof TooManyAttempts) return { field: 'current_password', message: t('account.error.too_many_attempts') };
  if (err instanceof EmailUnavailable) return { field: 'new_email', message: t('account.error.email_unavailable') };
  if (err instanceof FieldNotEditable) return { field: err.field, message: t('account.error.not_editable') };
  if (err instanceof UnacceptablePassword) return { field: 'new_password', message: passwordRefusal(err, t, minPasswordLength) };
  if (err instanceof SoleCompanyOwner) return { field: 'current_password', message: t('account.error.sole_company_owner', { companies: err.companies.join(', ') }) };
  if (err instanceof InvalidInput) return { field: err.field ?? fallbackField, message: fieldMessage(err.field ?? fallbackField, t) };
  return undefined;
}

function passwordRefusal(err: UnacceptablePassword, t: Translate, minLength: number): string {
  switch (err.reason) {
    case 'too_short': return t('account.error.password_too_short', { min: minLength });
    case 'too_long': return t('account.error.password_too_long');
    case 'common': return t('account.error.password_common');
    case 'contains_email': return t('account.error.password_contains_email');
  }
}

function fieldMessage(name: string, t: Translate): string {
  switch (name) {
    case 'phone_number': return t('account.error.phone_number');
    case 'locale': return t('account.error.locale');
    case 'new_email': return t('account.error.new_email');
    case 'address': case 'street_address': case 'locality': case 'postal_code': case 'region': case 'country':
      return t('account.error.address');
    default: return t('account.error.text');
  }
}
