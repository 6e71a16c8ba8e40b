// POST /api/v1/accounts: provisioning by a sibling app's service client (client credentials token with
// `accounts:provision`). 201 { sub, created: true } for a new account (invitation mailed), 200 { sub,
// created: false } when the email already had one (nothing changed, nothing else said). No password field.
import type { Router } from '@koa/router';
import type { z } from 'zod';
import { PROVISION_SCOPE } from '../../oidc/resource-server.js';
import type { RouteDeps } from '../route-deps.js';
import { callerOf, requireToken, type BearerDeps } from './bearer.js';
import { bodyOf, jsonBody } from './input.js';
import { provisionRequest } from './schemas.js';

type ProvisionRequest = z.infer<typeof provisionRequest>;

/** Adds the provisioning route. */
export function provisioningRoutes(router: Router, deps: RouteDeps, bearer: BearerDeps) {
  router.post('/api/v1/accounts', requireToken(bearer, PROVISION_SCOPE, 'client'), jsonBody(provisionRequest), async function provisionAccount(ctx) {
    const caller = callerOf(ctx);
    const input = bodyOf<ProvisionRequest>(ctx);
    const result = await deps.services.provisioning.provision(input, {
      clientId: caller.clientId,
      clientName: caller.clientName,
      ip: ctx.ip,
      userAgent: ctx.get('user-agent') || null,
    });
    if (result.created) deps.mailer.notify();
    ctx.status = result.created ? 201 : 200;
    ctx.body = { sub: result.sub, created: result.created };
  });
}
