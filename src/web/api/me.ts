// The Account API (/api/v1/me...): what the account center does, for the user a token with scope `account`
// acts for. Each route is a thin layer over one account-center service function; the rules (editable
// fields, current-password checks counted like failed logins, mails, audit) live there.
import type { Router } from '@koa/router';
import type { Context } from 'koa';
import type { z } from 'zod';
import type { Origin, PostalAddress, ProfileChanges } from '../../services/account-center/index.js';
import { UnacceptablePassword } from '../../services/accounts/index.js';
import { InvalidInput } from '../../services/errors.js';
import type { RouteDeps } from '../route-deps.js';
import { callerOf, requireAccountToken, type BearerDeps } from './bearer.js';
import { bodyOf, jsonBody, parseInput, queryOf } from './input.js';
import * as s from './schemas.js';
import { activityView, appView, emailChangeView, exportView, profileView, sessionView } from './views.js';

/** The acting account and the request facts the audit log records. */
function actor(ctx: Context): { accountId: string; sessionUid: string | undefined; origin: Origin } {
  const caller = callerOf(ctx);
  return {
    accountId: caller.accountId!,
    sessionUid: caller.sessionUid,
    origin: { ip: ctx.ip, userAgent: ctx.get('user-agent') || null, clientId: caller.clientId, locale: ctx.state.locale as string | undefined },
  };
}

/** A path parameter, checked like any other input. */
const param = (ctx: Context, name: string) => parseInput(s.opaqueId, (ctx.params as Record<string, string>)[name], `path parameter ${name}`);

/** Adds the /api/v1/me routes. */
export function accountApiRoutes(router: Router, deps: RouteDeps, bearer: BearerDeps) {
  const center = deps.services.accountCenter;
  const auth = requireAccountToken(bearer);

  router.get('/api/v1/me', auth, async function showProfile(ctx) {
    ctx.body = profileView(await center.getProfile(actor(ctx).accountId));
  });

  router.patch('/api/v1/me', auth, jsonBody(s.profileChanges), async function updateProfile(ctx) {
    const { accountId, origin } = actor(ctx);
    const body = bodyOf<z.infer<typeof s.profileChanges>>(ctx);
    const changes: ProfileChanges = { ...body, address: body.address as PostalAddress | null | undefined };
    if (body.address === undefined) delete changes.address;
    ctx.body = profileView(await center.updateProfile(accountId, changes, origin));
  });

  router.post('/api/v1/me/password', auth, jsonBody(s.passwordChange), async function changePassword(ctx) {
    const { accountId, sessionUid, origin } = actor(ctx);
    const body = bodyOf<z.infer<typeof s.passwordChange>>(ctx);
    try {
      const result = await center.changePassword(accountId, {
        currentPassword: body.current_password,
        newPassword: body.new_password,
        signOutOthers: body.sign_out_others ?? false,
        currentSessionUid: sessionUid,
      }, origin);
      deps.mailer.notify();
      ctx.body = { revoked: result.revoked };
    } catch (err) {
      // The policy names its field 'password'; here the new password is `new_password`.
      if (err instanceof UnacceptablePassword) throw new InvalidInput(err.message, 'new_password');
      throw err;
    }
  });

  router.post('/api/v1/me/email', auth, jsonBody(s.emailChangeRequest), async function requestEmailChange(ctx) {
    const { accountId, origin } = actor(ctx);
    const body = bodyOf<z.infer<typeof s.emailChangeRequest>>(ctx);
    const change = await center.requestEmailChange(accountId, { newEmail: body.new_email, currentPassword: body.current_password }, origin);
    deps.mailer.notify();
    ctx.status = 202;
    ctx.body = emailChangeView(change);
  });

  router.get('/api/v1/me/sessions', auth, async function listSessions(ctx) {
    const { accountId, sessionUid } = actor(ctx);
    ctx.body = { sessions: (await center.listSessions(accountId, sessionUid)).map(sessionView) };
  });

  router.delete('/api/v1/me/sessions/:id', auth, async function signOutSession(ctx) {
    const { accountId, origin } = actor(ctx);
    await center.signOutSession(accountId, param(ctx, 'id'), origin);
    ctx.status = 204;
  });

  router.get('/api/v1/me/apps', auth, async function listApps(ctx) {
    ctx.body = { apps: (await center.listApps(actor(ctx).accountId)).map(appView) };
  });

  router.delete('/api/v1/me/apps/:client_id', auth, async function revokeApp(ctx) {
    const { accountId, origin } = actor(ctx);
    await center.revokeApp(accountId, param(ctx, 'client_id'), origin);
    ctx.status = 204;
  });

  router.get('/api/v1/me/activity', auth, queryOf(s.activityQuery), async function listActivity(ctx) {
    const query = ctx.state.query as z.infer<typeof s.activityQuery>;
    ctx.body = activityView(await center.listActivity(actor(ctx).accountId, { cursor: query.cursor, limit: query.limit }));
  });

  router.get('/api/v1/me/export', auth, async function exportData(ctx) {
    const { accountId, sessionUid } = actor(ctx);
    ctx.body = exportView(await center.exportData(accountId, sessionUid));
  });

  router.delete('/api/v1/me', auth, jsonBody(s.accountDeletion), async function deleteAccount(ctx) {
    const { accountId, origin } = actor(ctx);
    await center.deleteAccount(accountId, { currentPassword: bodyOf<z.infer<typeof s.accountDeletion>>(ctx).password }, origin);
    ctx.status = 204;
  });
}
