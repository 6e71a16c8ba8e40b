// Sign-up, email verification, forgotten password and invitations (issue 3, items 1, 2, 10). Each route is a
// list of named steps; every POST is [parseForm, csrf, ...].
import { Router } from '@koa/router';
import type { Middleware } from 'koa';
import { loadInteraction } from '../interactions/details.js';
import { parseForm } from '../middleware/form.js';
import { verifyCsrf } from '../middleware/csrf.js';
import type { RouteDeps } from '../route-deps.js';
import { loginGateHandlers } from './login-gate.js';
import { showForgotPassword, showSetPassword, submitForgotPassword, submitSetPassword } from './recovery.js';
import { registrationEnabled, showRegistration, submitRegistration } from './register.js';
import { showVerification, submitVerification, submitVerificationCode } from './verify-email.js';

export { holdUnverifiedLogin } from './login-gate.js';

/** Pages that show or take secrets are never cached. */
const noStore: Middleware = async function noStore(ctx, next) {
  ctx.set('Cache-Control', 'no-store');
  await next();
};

/** Routes of the self-service pages outside the account center. */
export function selfServiceRoutes(deps: RouteDeps) {
  const router = new Router();
  const csrf = verifyCsrf(deps.csrf);
  const enabled = registrationEnabled(deps);

  router.get('/register', enabled, noStore, showRegistration(deps));
  router.post('/register', enabled, noStore, parseForm, csrf, submitRegistration(deps));
  router.get('/verify-email', noStore, showVerification(deps));
  router.post('/verify-email', noStore, parseForm, csrf, submitVerification(deps));
  router.post('/verify-email/code', noStore, parseForm, csrf, submitVerificationCode(deps));

  const gate = loginGateHandlers(deps);
  const interaction = loadInteraction(deps.provider);
  router.post('/interaction/:uid/verify-email/code', parseForm, csrf, interaction, ...gate.code);
  router.post('/interaction/:uid/verify-email/resend', parseForm, csrf, interaction, ...gate.resend);
  router.get('/interaction/:uid/verify-email/link', noStore, ...gate.link);

  router.get('/forgot-password', noStore, showForgotPassword(deps));
  router.post('/forgot-password', noStore, parseForm, csrf, submitForgotPassword(deps));
  router.get('/reset-password', noStore, showSetPassword(deps, 'reset'));
  router.post('/reset-password', noStore, parseForm, csrf, submitSetPassword(deps, 'reset'));
  router.get('/invitation', noStore, showSetPassword(deps, 'invitation'));
  router.post('/invitation', noStore, parseForm, csrf, submitSetPassword(deps, 'invitation'));
  return router;
}
