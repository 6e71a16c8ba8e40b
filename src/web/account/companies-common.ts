// Shared pieces of the company pages in the account center (issue 5): the acting account as the company
// service wants it, page locals, role names, the company id from the URL, the lookup rate limit, and
// the redirect after a successful form post (Post/Redirect/Get).
import type Koa from 'koa';
import { BUILT_IN_ROLES } from '../../services/companies/permissions.js';
import type { Actor, RoleDefinition } from '../../services/companies/types.js';
import { NotFound } from '../../services/errors.js';
import type { Translate } from '../../i18n/index.js';
import type { RouteDeps } from '../route-deps.js';
import { signedIn } from './page.js';
import { accountPageLocals } from './profile.js';

/** Registry lookups and "find a company" searches per account (OWASP ASVS V11.1.4 anti-automation: tax IDs are guessable). */
export const COMPANY_LOOKUP_LIMIT = { bucket: 'company-lookup:account', limit: 30, windowSeconds: 3600 } as const;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The signed-in account as the company service's actor (ip and user agent go to the audit log). */
export function actorOf(ctx: Koa.ParameterizedContext): Actor {
  return { accountId: signedIn(ctx).account.id, ip: ctx.ip, userAgent: ctx.get('user-agent') || null };
}

/** The :id of /account/companies/:id; a malformed id is simply "no such page". */
export function companyIdOf(ctx: Koa.ParameterizedContext): string {
  const id = (ctx.params as Record<string, string | undefined>).id ?? '';
  if (!UUID.test(id)) throw new NotFound('No such company.');
  return id.toLowerCase();
}

/** The locals every company page shares with the rest of the account center (navigation: Companies). */
export function companiesPageLocals(deps: RouteDeps, ctx: Koa.ParameterizedContext) {
  return { ...accountPageLocals(deps, ctx, 'profile'), section: 'companies' };
}

/** Turns a role key into what people read: built-in roles translated, company roles by their name. */
export function roleNamer(t: Translate, roles: readonly RoleDefinition[] = []): (key: string) => string {
  return (key) => ((BUILT_IN_ROLES as readonly string[]).includes(key) ? t(`companies.role.${key}`) : roles.find((r) => r.key === key)?.name ?? key);
}

/** Counts a registry lookup or company search; false when the account is over the limit. */
export async function withinLookupLimit(deps: RouteDeps, ctx: Koa.ParameterizedContext): Promise<{ allowed: boolean; retryAfterSeconds: number }> {
  const { bucket, limit, windowSeconds } = COMPANY_LOOKUP_LIMIT;
  return deps.services.rateLimits.hit(bucket, signedIn(ctx).account.id, limit, windowSeconds);
}

/** 303 to a company-center path with `done` (the page shows the matching success message). */
export function redirectDone(deps: RouteDeps, ctx: Koa.ParameterizedContext, path: string, done: string): void {
  ctx.status = 303;
  ctx.redirect(`${deps.config.mountPath}/account/companies${path}?done=${encodeURIComponent(done)}`);
}

/** The `done` query value when it is one the page knows. */
export function doneOf(ctx: Koa.ParameterizedContext, known: readonly string[]): string | undefined {
  const done = ctx.query.done;
  return typeof done === 'string' && known.includes(done) ? done : undefined;
}

/** Checkbox names present in the form under a prefix, including unknown keys (a forged form may add some). */
export function checkedAny(ctx: Koa.ParameterizedContext, prefix: string): string[] {
  const form = (ctx.state.form ?? {}) as Record<string, string>;
  return Object.keys(form).filter((name) => name.startsWith(prefix) && form[name] === 'on').map((name) => name.slice(prefix.length)).slice(0, 50);
}
