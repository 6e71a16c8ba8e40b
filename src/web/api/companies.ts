// The Account API's companies (issue 5, item 8), for the user a token with scope `account` acts for: my
// companies, registering one by tax ID (registry prefill), finding an approved company by tax ID and asking
// to join it, my join requests, accepting an invitation, editing and leaving a company. Company
// administration (members, roles, requests, invitations) is in companies-admin.ts. The rules live in
// services.companies; the caller always acts as a plain member here, never with staff rights (those need
// the Admin API). Tax-ID lookups are rate limited per account and per IP (OWASP ASVS V11.1.4 anti-automation).
import type { Router } from '@koa/router';
import type { Context } from 'koa';
import type { z } from 'zod';
import type { CompanyPatch } from '../../services/companies/index.js';
import { CompanyNotFound } from '../../services/companies/index.js';
import { NotFound } from '../../services/errors.js';
import { COMPANY_LOOKUP_LIMIT } from '../account/companies-common.js';
import type { RouteDeps } from '../route-deps.js';
import { callerOf, requireAccountToken, type BearerDeps } from './bearer.js';
import { companyAdminRoutes } from './companies-admin.js';
import { companyForJoinView, companyView, joinRequestView, myCompanyView, registryEntryView } from './companies-views.js';
import { RateLimited } from './errors.js';
import { memberActor, pathParam } from './companies-actor.js';
import { bodyOf, jsonBody, queryOf } from './input.js';
import * as c from './schemas-companies.js';

/** Per IP, across accounts: a generous ceiling against one machine scripting many accounts. */
const LOOKUP_IP_LIMIT = { bucket: 'company-lookup:ip', limit: 300, windowSeconds: 3600 } as const;

/** Counts a tax-ID lookup against the account's (shared with the account center's pages) and the IP's budget. */
async function countLookup(deps: RouteDeps, ctx: Context): Promise<void> {
  const limits = deps.services.rateLimits;
  const byAccount = await limits.hit(COMPANY_LOOKUP_LIMIT.bucket, callerOf(ctx).accountId!, COMPANY_LOOKUP_LIMIT.limit, COMPANY_LOOKUP_LIMIT.windowSeconds);
  const byIp = await limits.hit(LOOKUP_IP_LIMIT.bucket, ctx.ip, LOOKUP_IP_LIMIT.limit, LOOKUP_IP_LIMIT.windowSeconds);
  if (!byAccount.allowed || !byIp.allowed) throw new RateLimited(Math.max(byAccount.retryAfterSeconds, byIp.retryAfterSeconds));
}

/** snake_case company changes -> the service's patch (absent fields stay). */
export function companyPatch(body: z.infer<typeof c.companyChanges>): CompanyPatch {
  const patch: CompanyPatch = {};
  if (body.kind !== undefined) patch.kind = body.kind;
  if (body.name !== undefined) patch.name = body.name;
  if (body.country !== undefined) patch.country = body.country;
  if (body.tax_id !== undefined) patch.taxId = body.tax_id;
  if (body.vat_id !== undefined) patch.vatId = body.vat_id;
  if (body.address !== undefined) patch.address = body.address;
  return patch;
}

/** Adds the /api/v1/me/companies, /me/join-requests and /me/company-invitations routes. */
export function companyApiRoutes(router: Router, deps: RouteDeps, bearer: BearerDeps) {
  const companies = deps.services.companies;
  const auth = requireAccountToken(bearer);

  router.get('/api/v1/me/companies', auth, async function listMyCompanies(ctx) {
    ctx.body = { companies: (await companies.listMyCompanies(callerOf(ctx).accountId!)).map(myCompanyView) };
  });

  router.post('/api/v1/me/companies', auth, jsonBody(c.companyRegistration), async function registerCompany(ctx) {
    const body = bodyOf<z.infer<typeof c.companyRegistration>>(ctx);
    const company = await companies.register(memberActor(ctx), {
      kind: body.kind, country: body.country, taxId: body.tax_id, name: body.name, vatId: body.vat_id, address: body.address,
    });
    deps.mailer.notify();
    ctx.status = 201;
    ctx.body = companyView(company);
  });

  // Literal paths before /me/companies/:id.
  router.get('/api/v1/me/companies/registry', auth, queryOf(c.taxIdQuery), async function lookUpRegistry(ctx) {
    const query = ctx.state.query as z.infer<typeof c.taxIdQuery>;
    await countLookup(deps, ctx);
    const entry = await companies.lookupRegistry(query.country, query.tax_id);
    if (!entry) throw new NotFound('The company registry does not know this tax ID; enter the company\'s data yourself.');
    ctx.body = registryEntryView(entry);
  });

  router.get('/api/v1/me/companies/lookup', auth, queryOf(c.taxIdQuery), async function findCompanyToJoin(ctx) {
    const query = ctx.state.query as z.infer<typeof c.taxIdQuery>;
    await countLookup(deps, ctx);
    const found = await companies.findForJoin(query.country, query.tax_id);
    if (!found) throw new CompanyNotFound('No approved company with this tax ID.');
    ctx.body = companyForJoinView(found);
  });

  router.get('/api/v1/me/companies/:id', auth, async function showMyCompany(ctx) {
    const id = pathParam(ctx, 'id');
    const mine = (await companies.listMyCompanies(callerOf(ctx).accountId!)).find((m) => m.company.id === id);
    if (!mine) throw new CompanyNotFound();
    ctx.body = myCompanyView(mine);
  });

  router.patch('/api/v1/me/companies/:id', auth, jsonBody(c.companyChanges), async function updateCompany(ctx) {
    const body = bodyOf<z.infer<typeof c.companyChanges>>(ctx);
    ctx.body = companyView(await companies.updateCompany(memberActor(ctx), pathParam(ctx, 'id'), companyPatch(body)));
  });

  router.post('/api/v1/me/companies/:id/leave', auth, async function leaveCompany(ctx) {
    await companies.leave(memberActor(ctx), pathParam(ctx, 'id'));
    ctx.status = 204;
  });

  companyAdminRoutes(router, deps, auth);

  router.get('/api/v1/me/join-requests', auth, async function listMyJoinRequests(ctx) {
    ctx.body = { join_requests: (await companies.listMyJoinRequests(callerOf(ctx).accountId!)).map(joinRequestView) };
  });

  router.post('/api/v1/me/join-requests', auth, jsonBody(c.joinRequestCreation), async function requestToJoin(ctx) {
    const request = await companies.requestJoin(memberActor(ctx), bodyOf<z.infer<typeof c.joinRequestCreation>>(ctx).company_id);
    deps.mailer.notify();
    ctx.status = 201;
    ctx.body = joinRequestView(request);
  });

  router.delete('/api/v1/me/join-requests/:id', auth, async function cancelJoinRequest(ctx) {
    ctx.body = joinRequestView(await companies.cancelJoinRequest(memberActor(ctx), pathParam(ctx, 'id')));
  });

  router.post('/api/v1/me/company-invitations', auth, jsonBody(c.invitationAcceptance), async function acceptInvitation(ctx) {
    const joined = await companies.acceptInvitation(memberActor(ctx), bodyOf<z.infer<typeof c.invitationAcceptance>>(ctx).token);
    ctx.body = myCompanyView(joined);
  });
}
