// The account center at /account (issue 3, items 3-6): Profile, Security (password, email, sessions,
// apps), Activity and Data (download, delete), plus the email-change link pages. Every POST is
// [parseForm, verifyCsrf, requireAccount, action]; every page needs a signed-in browser (requireAccount).
import { Router } from '@koa/router';
import type { RouteDeps } from '../route-deps.js';
import { parseForm } from '../middleware/form.js';
import { verifyCsrf } from '../middleware/csrf.js';
import { activityPage, dataExport, dataPage, deleteSubmission } from './activity.js';
import { addCompanyRoutes } from './companies-routes.js';
import { businessSignupRedirect } from './companies-signup.js';
import { emailChangeLinkPage, emailChangeNotMeSubmission, emailChangeVerifySubmission } from './email-change-links.js';
import { profilePage, profileSubmission } from './profile.js';
import { appRevokeSubmission, emailCancelSubmission, emailSubmission, otherSessionsSignOutSubmission, passwordSubmission, securityPage, sessionSignOutSubmission } from './security.js';
import { requireAccount, signInCallback } from './sign-in.js';

export { accountCenterClientMetadata, ACCOUNT_CENTER_CLIENT_ID } from './client.js';

/** Routes of the account center. */
export function accountRoutes(deps: RouteDeps) {
  const router = new Router();
  const csrf = verifyCsrf(deps.csrf);
  const signedIn = requireAccount(deps);
  const post = (path: string, action: ReturnType<typeof profileSubmission>) => router.post(path, parseForm, csrf, signedIn, action);

  router.get('/account/callback', signInCallback(deps));
  router.get('/account', signedIn, businessSignupRedirect(deps), profilePage(deps));
  router.get('/account/security', signedIn, securityPage(deps));
  router.get('/account/activity', signedIn, activityPage(deps));
  router.get('/account/data', signedIn, dataPage(deps));
  router.get('/account/data/export', signedIn, dataExport(deps));

  post('/account/profile', profileSubmission(deps));
  post('/account/password', passwordSubmission(deps));
  post('/account/email', emailSubmission(deps));
  post('/account/email/cancel', emailCancelSubmission(deps));
  post('/account/sessions/sign-out', sessionSignOutSubmission(deps));
  post('/account/sessions/sign-out-others', otherSessionsSignOutSubmission(deps));
  post('/account/apps/revoke', appRevokeSubmission(deps));
  post('/account/delete', deleteSubmission(deps));
  addCompanyRoutes(router, deps, signedIn, post);

  router.get('/email-change/verify', emailChangeLinkPage(deps, 'verify'));
  router.get('/email-change/not-me', emailChangeLinkPage(deps, 'not-me'));
  router.post('/email-change/verify', parseForm, csrf, emailChangeVerifySubmission(deps));
  router.post('/email-change/not-me', parseForm, csrf, emailChangeNotMeSubmission(deps));
  return router;
}
