// The account center at /account (issue 3, items 3-6).
import { Router } from '@koa/router';
import type { RouteDeps } from '../route-deps.js';

/** Routes of the account center. */
export function accountRoutes(_deps: RouteDeps) {
  return new Router();
}
