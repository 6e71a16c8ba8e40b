// The JSON APIs under /api/v1 (issue 3, items 7 and 10).
import { Router } from '@koa/router';
import type { RouteDeps } from '../route-deps.js';

/** Routes of the Account API, provisioning and the OpenAPI document. */
export function apiRoutes(_deps: RouteDeps) {
  return new Router();
}
