// Shared pieces of the admin console's pages: the layout locals (navigation by what the staff member's roles
// allow, header with sign-out), form fields, and how a service error becomes a translated form message.
import type Koa from 'koa';
import type { Translate } from '../../i18n/index.js';
import { InvalidInput, NotFound } from '../../services/errors.js';
import {
  AlreadyMember, CompanyNotActive, CompanyNotFound, CompanyStatusConflict, JoinRequestClosed, JoinRequestNotFound, LastOwner, MemberNotFound, NotPermitted, TaxIdTaken,
} from '../../services/companies/errors.js';
import { AccountBlocked, AccountHasPassword, CannotBlockOwnAccount, StaffActionForbidden } from '../../services/staff/index.js';
import type { RouteDeps } from '../route-deps.js';
import { staffOf, staffSignOutUrl } from './sign-in.js';

export type AdminSection = 'queue' | 'accounts' | 'companies' | 'audit';

/** The locals every console page shares: navigation (only what the roles allow), header, base path. */
export function adminPageLocals(deps: RouteDeps, ctx: Koa.ParameterizedContext, section: AdminSection) {
  const { account, actor } = staffOf(ctx);
  const base = `${deps.config.mountPath}/admin`;
  const allowed = deps.services.staff.allowedActions(actor.staffRoles);
  return {
    section,
    base,
    wide: true,
    allowed,
    staffRoles: actor.staffRoles,
    accountHeader: { email: account.email, accountUrl: base, signOutUrl: staffSignOutUrl(deps) },
    notice: typeof ctx.query.done === 'string' && /^[a-z-]{1,40}$/.test(ctx.query.done) ? ctx.query.done : undefined,
  };
}

/** A form field as a trimmed string, cut to max characters. */
export function field(ctx: Koa.ParameterizedContext, name: string, max = 1000): string {
  const value = (ctx.state.form as Record<string, string> | undefined)?.[name];
  return typeof value === 'string' ? value.trim().slice(0, max) : '';
}

/** A query parameter as a trimmed string, cut to max characters. */
export function queryParam(ctx: Koa.ParameterizedContext, name: string, max = 320): string {
  const value = ctx.query[name];
  return typeof value === 'string' ? value.trim().slice(0, max) : '';
}

/** The request facts a staff action records (from the actor put there by requireStaff). */
export const actorOf = (ctx: Koa.ParameterizedContext) => staffOf(ctx).actor;

/** A form error: the form it belongs to, the field, the translated message. */
export interface FormError {
  form?: string;
  field: string;
  message: string;
}

/** Redirects after a successful POST (303, so a reload does not post again). */
export function redirectAfterPost(deps: RouteDeps, ctx: Koa.ParameterizedContext, path: string, done: string): void {
  ctx.status = 303;
  ctx.redirect(`${deps.config.mountPath}/admin${path}${path.includes('?') ? '&' : '?'}done=${done}`);
}

/**
 * The translated message for an error a console form can show; undefined for anything else (the caller
 * rethrows it to the error page). Classes are mapped, never message text.
 */
export function adminFormError(err: unknown, t: Translate, fallbackField: string): FormError | undefined {
  if (err instanceof CannotBlockOwnAccount) return { field: 'account', message: t('admin.error.block_self') };
  if (err instanceof AccountHasPassword) return { field: 'account', message: t('admin.error.has_password') };
  if (err instanceof AccountBlocked) return { field: 'account', message: t('admin.error.account_blocked') };
  if (err instanceof StaffActionForbidden || err instanceof NotPermitted) return { field: fallbackField, message: t('admin.error.not_allowed') };
  if (err instanceof CompanyStatusConflict || err instanceof CompanyNotActive) return { field: fallbackField, message: t('admin.error.company_status') };
  if (err instanceof JoinRequestClosed) return { field: fallbackField, message: t('admin.error.join_closed') };
  if (err instanceof JoinRequestNotFound || err instanceof CompanyNotFound || err instanceof MemberNotFound) return { field: fallbackField, message: t('admin.error.not_found') };
  if (err instanceof TaxIdTaken) return { field: 'tax_id', message: t('admin.error.tax_id_taken') };
  if (err instanceof LastOwner) return { field: fallbackField, message: t('admin.error.last_owner') };
  if (err instanceof AlreadyMember) return { field: fallbackField, message: t('admin.error.already_member') };
  if (err instanceof NotFound) return { field: fallbackField === 'customer_id' ? 'customer_id' : fallbackField, message: t(fallbackField === 'customer_id' ? 'admin.error.customer_unknown' : 'admin.error.not_found') };
  if (err instanceof InvalidInput) {
    const name = err.field ?? fallbackField;
    return { field: name, message: t(fieldKey(name)) };
  }
  return undefined;
}

function fieldKey(name: string): string {
  switch (name) {
    case 'email': return 'admin.error.email';
    case 'name': return 'admin.error.name';
    case 'reason': return 'admin.error.reason';
    case 'customer_id': return 'admin.error.customer_id';
    case 'tax_id': return 'admin.error.tax_id';
    case 'country': return 'admin.error.country';
    case 'account': return 'admin.error.account';
    case 'owner_email': return 'admin.error.owner_email';
    case 'company_id': return 'admin.error.company_id';
    case 'type': return 'admin.error.type';
    case 'from': case 'to': return 'admin.error.date';
    case 'query': return 'admin.error.query';
    default: return 'admin.error.invalid';
  }
}
