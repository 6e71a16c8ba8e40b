// The JSON APIs under /api/v1 (issue 3, items 7 and 10; issue 5, item 8): the Account API (/me...,
// companies included), the Admin API (/admin...), provisioning (/accounts) and the OpenAPI document.
// Every route runs behind apiErrors (DESIGN.md's error shape).
import { Router } from '@koa/router';
import { API_PATH, apiResourceIndicator } from '../../oidc/resource-server.js';
import { NotFound } from '../../services/errors.js';
import type { RouteDeps } from '../route-deps.js';
import { provisioningRoutes } from './accounts.js';
import type { BearerDeps } from './bearer.js';
import { apiErrors, MethodNotAllowed } from './errors.js';
import { accountApiRoutes } from './me.js';
import { adminApiRoutes } from './admin.js';
import { companyApiRoutes } from './companies.js';
import { openApiDocument } from './openapi.js';

/** Routes of the Account API, provisioning and the OpenAPI document. */
export function apiRoutes(deps: RouteDeps) {
  const { provider, config } = deps;
  const bearer: BearerDeps = { provider, services: deps.services, audience: apiResourceIndicator(config.issuer) };
  const router = new Router();
  router.use(API_PATH, apiErrors);

  let document: ReturnType<typeof openApiDocument> | undefined;
  router.get(`${API_PATH}/openapi.json`, async function serveOpenApiDocument(ctx) {
    document ??= openApiDocument(config.issuer, {
      authorization: `${config.issuer}${provider.pathFor('authorization', { mountPath: '' })}`,
      token: `${config.issuer}${provider.pathFor('token', { mountPath: '' })}`,
    });
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.body = document;
  });
  accountApiRoutes(router, deps, bearer);
  companyApiRoutes(router, deps, bearer);
  adminApiRoutes(router, deps, bearer);
  provisioningRoutes(router, deps, bearer);

  // Anything else under /api/v1: 405 with an Allow header for a known path, else 404, in the API's error shape.
  const routes = [...router.stack];
  router.all(`${API_PATH}/{*rest}`, apiErrors, async function unknownApiRoute(ctx) {
    const allowed = [...new Set(routes.filter((layer) => layer.methods.length > 0 && layer.match(ctx.path)).flatMap((layer) => layer.methods))];
    if (allowed.length === 0) throw new NotFound('No such API endpoint.');
    ctx.set('Allow', allowed.join(', '));
    throw new MethodNotAllowed();
  });
  return router;
}
