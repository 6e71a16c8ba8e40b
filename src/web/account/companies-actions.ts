// The company page's forms (issue 5, item 4): remove members, grant and revoke roles, decide join requests
// as the company admin, invite by email, define company roles, edit the company, transfer ownership,
// leave. Each POST is [parseForm, csrf, requireAccount, member, action]; the company service enforces
// who may do what (nobody grants what they do not hold, last-owner rules) and every refusal is shown on
// the page as a message with its status (403/404/409), never a 500.
import type Koa from 'koa';
import type { Middleware } from 'koa';
import type { Actor, Company, CompanyPatch } from '../../services/companies/types.js';
import type { RouteDeps } from '../route-deps.js';
import { actorOf, checkedAny, redirectDone } from './companies-common.js';
import { companyErrorOf } from './companies-errors.js';
import { addressOf, companyFormValues, type FormValues } from './companies-forms.js';
import { myMembership, showCompany, type CompanyTab } from './companies-page.js';
import { field } from './page.js';

type Run = (ctx: Koa.ParameterizedContext, companyId: string, actor: Actor, company: Company) => Promise<unknown>;

interface ActionSpec {
  /** The tab shown again with the message when the service refuses. */
  tab: CompanyTab;
  /** The success message key (the page's `done`). */
  done: string | ((ctx: Koa.ParameterizedContext) => string);
  /** Where to go after success: the tab (default) or the list of my companies. */
  after?: 'tab' | 'list';
  /** The form values to show again after a refusal. */
  values?: (ctx: Koa.ParameterizedContext) => FormValues;
  run: Run;
}

/** One company form: checks membership (404 otherwise), runs the change, then redirects or shows the refusal. */
function companyAction(deps: RouteDeps, spec: ActionSpec): Middleware {
  return async function companyFormSubmission(ctx) {
    const mine = await myMembership(deps, ctx);
    try {
      await spec.run(ctx, mine.company.id, actorOf(ctx), mine.company);
    } catch (err) {
      const refusal = companyErrorOf(err, deps.render.translator(ctx));
      if (!refusal) throw err;
      // Leaving or a lost permission may have ended what this page can show: the overview always works for a member.
      await showCompany(deps, ctx, spec.tab, { error: refusal, values: spec.values?.(ctx) });
      return;
    }
    deps.mailer.notify();
    const done = typeof spec.done === 'string' ? spec.done : spec.done(ctx);
    if (spec.after === 'list') return redirectDone(deps, ctx, '', done);
    const tabPath = spec.tab === 'overview' ? '' : `/${spec.tab}`;
    redirectDone(deps, ctx, `/${mine.company.id}${tabPath}`, done);
  };
}

const accountIdField = (ctx: Koa.ParameterizedContext) => field(ctx, 'account_id', 64);
const roleField = (ctx: Koa.ParameterizedContext) => field(ctx, 'role', 64);
const decisionField = (ctx: Koa.ParameterizedContext) => (field(ctx, 'decision', 20) === 'approve' ? 'approve' as const : 'reject' as const);

/** The company forms, by path under /account/companies/:id. */
export function companyActions(deps: RouteDeps): Record<string, Middleware> {
  const companies = deps.services.companies;
  return {
    '/members/remove': companyAction(deps, {
      tab: 'employees', done: 'member-removed',
      run: (ctx, id, actor) => companies.removeMember(actor, id, accountIdField(ctx)),
    }),
    '/roles/grant': companyAction(deps, {
      tab: 'employees', done: 'role-granted',
      run: async (ctx, id, actor) => {
        const role = roleField(ctx);
        await companies.grantRole(actor, id, accountIdField(ctx), role, role === 'contact' ? { contactPermissions: checkedAny(ctx, 'perm_') } : {});
      },
    }),
    '/roles/revoke': companyAction(deps, {
      tab: 'employees', done: 'role-revoked',
      run: (ctx, id, actor) => companies.revokeRole(actor, id, accountIdField(ctx), roleField(ctx)),
    }),
    '/requests/decide': companyAction(deps, {
      tab: 'requests', done: (ctx) => (decisionField(ctx) === 'approve' ? 'request-approved' : 'request-rejected'),
      run: async (ctx, _id, actor) => {
        const reason = field(ctx, 'reason', 1200).trim();
        await companies.decideJoin(actor, field(ctx, 'request_id', 64), { as: 'company-admin', decision: decisionField(ctx), reason: reason || null });
      },
    }),
    '/invitations': companyAction(deps, {
      tab: 'invitations', done: 'invited',
      values: (ctx) => ({ ...(ctx.state.form as FormValues), _csrf: '' }),
      run: async (ctx, id, actor) => {
        const roles = checkedAny(ctx, 'role_');
        const contact = checkedAny(ctx, 'perm_');
        await companies.invite(actor, id, {
          email: field(ctx, 'email', 320).trim(),
          roles: roles.length ? roles : ['member'],
          contactPermissions: roles.includes('contact') ? contact : undefined,
        });
      },
    }),
    '/invitations/revoke': companyAction(deps, {
      tab: 'invitations', done: 'invitation-revoked',
      run: async (ctx, id, actor) => {
        await companies.revokeInvitation(actor, id, field(ctx, 'invitation_id', 64));
      },
    }),
    '/roles/define': companyAction(deps, {
      tab: 'roles', done: 'role-defined',
      values: (ctx) => ({ ...(ctx.state.form as FormValues), _csrf: '' }),
      run: (ctx, id, actor) => companies.defineRole(actor, id, {
        key: field(ctx, 'key', 64).trim(), name: field(ctx, 'name', 200).trim(), permissions: checkedAny(ctx, 'perm_'),
      }),
    }),
    '/roles/delete': companyAction(deps, {
      tab: 'roles', done: 'role-deleted',
      run: (ctx, id, actor) => companies.deleteRole(actor, id, field(ctx, 'key', 64)),
    }),
    '/settings': companyAction(deps, {
      tab: 'settings', done: 'updated',
      values: (ctx) => companyFormValues(ctx),
      run: (ctx, id, actor, company) => companies.updateCompany(actor, id, settingsPatch(ctx, company)),
    }),
    '/transfer': companyAction(deps, {
      tab: 'overview', done: 'transferred',
      run: (ctx, id, actor) => companies.transferOwnership(actor, id, accountIdField(ctx)),
    }),
    '/leave': companyAction(deps, {
      tab: 'overview', done: 'left', after: 'list',
      run: (_ctx, id, actor) => companies.leave(actor, id),
    }),
  };
}

/**
 * The settings form as a patch. The tax ID goes in only when the form carries a different one: the page
 * shows no tax ID field once it is locked, and a forged one is refused by the service.
 */
function settingsPatch(ctx: Koa.ParameterizedContext, company: Company): CompanyPatch {
  const values = companyFormValues(ctx);
  const patch: CompanyPatch = { name: values.name, vatId: values.vat_id || null, address: addressOf(values) };
  const form = (ctx.state.form ?? {}) as Record<string, string>;
  if ('tax_id' in form && values.tax_id !== company.taxId) patch.taxId = values.tax_id;
  return patch;
}
