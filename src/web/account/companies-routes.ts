// Routes of the Companies section of the account center (issue 5, items 2-5). Pages need a signed-in
// account; every POST is [parseForm, csrf, requireAccount, action] like the rest of the account center.
import type { Router } from '@koa/router';
import type { Middleware } from 'koa';
import type { RouteDeps } from '../route-deps.js';
import { companyActions } from './companies-actions.js';
import { invitationAcceptSubmission, invitationLink, invitationPage } from './companies-invitation.js';
import { joinCompanyPage, joinCompanySubmission } from './companies-join.js';
import { companiesPage, joinRequestCancelSubmission } from './companies-list.js';
import { COMPANY_TABS, companyPage } from './companies-page.js';
import { registerCompanyPage, registerCompanySubmission } from './companies-register.js';

/** Adds the company pages to the account router; `post` adds [parseForm, csrf, requireAccount] before the action. */
export function addCompanyRoutes(router: Router, deps: RouteDeps, signedIn: Middleware, post: (path: string, action: Middleware) => unknown): void {
  router.get('/company-invitation', invitationLink(deps));
  router.get('/account/companies', signedIn, companiesPage(deps));
  router.get('/account/companies/register', signedIn, registerCompanyPage(deps));
  router.get('/account/companies/join', signedIn, joinCompanyPage(deps));
  router.get('/account/companies/invitation', signedIn, invitationPage(deps));
  post('/account/companies/register', registerCompanySubmission(deps));
  post('/account/companies/join', joinCompanySubmission(deps));
  post('/account/companies/join-requests/cancel', joinRequestCancelSubmission(deps));
  post('/account/companies/invitation', invitationAcceptSubmission(deps));

  for (const tab of COMPANY_TABS) {
    router.get(tab === 'overview' ? '/account/companies/:id' : `/account/companies/:id/${tab}`, signedIn, companyPage(deps, tab));
  }
  for (const [path, action] of Object.entries(companyActions(deps))) post(`/account/companies/:id${path}`, action);
}
