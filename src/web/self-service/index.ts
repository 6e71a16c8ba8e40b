// Sign-up, email verification, forgotten password and invitations (issue 3, items 1, 2, 10).
import { Router } from '@koa/router';
import type { RouteDeps } from '../route-deps.js';

/** Routes of the self-service pages outside the account center. */
export function selfServiceRoutes(_deps: RouteDeps) {
  return new Router();
}
