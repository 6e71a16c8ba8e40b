// The company page of the account center (issue 5, items 4-5): the company's data and my roles for every
// member; for those holding the management permissions, tabs Employees, Requests, Invitations, Roles and
// Settings. Someone who is not a member gets a plain 404 (the page does not confirm the company exists).
// Tabs only decide what is shown: every action is authorised again by the company service.
import type Koa from 'koa';
import type { Middleware } from 'koa';
import { INVITATION_DAYS } from '../../services/companies/invitations.js';
import { allPermissions } from '../../services/companies/permissions.js';
import type { Member, MyCompany } from '../../services/companies/types.js';
import { NotFound } from '../../services/errors.js';
import type { RouteDeps } from '../route-deps.js';
import { actorOf, companiesPageLocals, companyIdOf, doneOf, roleNamer } from './companies-common.js';
import type { CompanyFormError } from './companies-errors.js';
import type { FormValues } from './companies-forms.js';
import { signedIn } from './page.js';

export const COMPANY_TABS = ['overview', 'employees', 'requests', 'invitations', 'roles', 'settings'] as const;
export type CompanyTab = (typeof COMPANY_TABS)[number];

/** The permission a tab needs (overview: membership). */
const TAB_PERMISSION: Record<CompanyTab, string[]> = {
  overview: [],
  employees: ['members:manage', 'roles:manage'],
  requests: ['members:manage'],
  invitations: ['members:manage'],
  roles: ['roles:manage'],
  settings: ['company:manage'],
};

const DONE = [
  'registered', 'updated', 'transferred', 'member-removed', 'role-granted', 'role-revoked', 'request-approved', 'request-rejected',
  'invited', 'invitation-revoked', 'role-defined', 'role-deleted', 'invitation-accepted',
] as const;


/** My membership of the company in the URL; NotFound for non-members and unknown ids alike. */
export async function myMembership(deps: RouteDeps, ctx: Koa.ParameterizedContext): Promise<MyCompany> {
  const id = companyIdOf(ctx);
  const mine = (await deps.services.companies.listMyCompanies(signedIn(ctx).account.id)).find((m) => m.company.id === id);
  if (!mine) throw new NotFound('No such company.');
  return mine;
}

const tabsFor = (permissions: readonly string[]) =>
  COMPANY_TABS.filter((tab) => TAB_PERMISSION[tab].length === 0 || TAB_PERMISSION[tab].some((p) => permissions.includes(p)));

function settingsValues(mine: MyCompany): FormValues {
  const { company } = mine;
  return {
    tax_id: company.taxId,
    name: company.name,
    vat_id: company.vatId ?? '',
    street_address: company.address?.street_address ?? '',
    locality: company.address?.locality ?? '',
    postal_code: company.address?.postal_code ?? '',
    region: company.address?.region ?? '',
  };
}

/** True when users may no longer change the tax ID (after approval; staff still can). */
export const taxIdLocked = (mine: MyCompany) => mine.company.status === 'approved' || mine.company.status === 'suspended';

export interface ShowCompanyOptions {
  error?: CompanyFormError | undefined;
  values?: FormValues | undefined;
}

/** Renders a tab of the company page; a tab the member may not see shows the overview with a message. */
export async function showCompany(deps: RouteDeps, ctx: Koa.ParameterizedContext, requested: CompanyTab, options: ShowCompanyOptions = {}) {
  const mine = await myMembership(deps, ctx);
  const t = deps.render.translator(ctx);
  const services = deps.services.companies;
  const tabs = tabsFor(mine.permissions);
  let error = options.error;
  let tab = requested;
  if (!tabs.includes(tab)) {
    error ??= { status: 403, message: t('companies.error.not_permitted') };
    tab = 'overview';
  }
  const actor = actorOf(ctx);
  const roleDefs = await services.listRoles(mine.company.id);
  const isOwner = mine.roles.includes('owner');
  const needsMembers = tab === 'employees' || (tab === 'overview' && isOwner);
  const members: Member[] = needsMembers ? await services.listMembers(actor, mine.company.id) : [];
  const catalogue = deps.config.companies.permissions;
  deps.render(ctx, 'account/company', {
    ...companiesPageLocals(deps, ctx),
    companyUrl: `${deps.config.mountPath}/account/companies/${mine.company.id}`,
    company: mine.company,
    myRoles: mine.roles,
    myPermissions: mine.permissions,
    me: actor.accountId,
    isOwner,
    canManageMembers: mine.permissions.includes('members:manage'),
    canManageRoles: mine.permissions.includes('roles:manage'),
    tabs,
    tab,
    roleDefs,
    roleName: roleNamer(t, roleDefs),
    catalogue,
    allPermissions: allPermissions(catalogue),
    members,
    transferCandidates: members.filter((m) => m.accountId !== actor.accountId),
    joinRequests: tab === 'requests' ? await services.listJoinRequests(actor, mine.company.id, { status: 'pending' }) : [],
    invitations: tab === 'invitations' ? (await services.listInvitations(actor, mine.company.id)).filter((i) => !i.acceptedAt && i.expiresAt.getTime() > Date.now()) : [],
    invitationDays: INVITATION_DAYS,
    taxIdLocked: taxIdLocked(mine),
    values: options.values ?? (tab === 'settings' ? settingsValues(mine) : {}),
    done: error ? undefined : doneOf(ctx, DONE),
    error,
  }, error?.status ?? 200);
}

/** GET /account/companies/:id[/<tab>] */
export function companyPage(deps: RouteDeps, tab: CompanyTab): Middleware {
  return async function renderCompany(ctx) {
    await showCompany(deps, ctx, tab);
  };
}
