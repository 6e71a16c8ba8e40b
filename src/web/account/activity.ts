// The Activity page (the account's audit events, paged) and the Data page (download my data, delete my account).
import type Koa from 'koa';
import type { Middleware } from 'koa';
import { InvalidInput } from '../../services/errors.js';
import type { ActivityEvent } from '../../services/account-center/index.js';
import type { Translate } from '../../i18n/index.js';
import type { RouteDeps } from '../route-deps.js';
import { accountPageLocals } from './profile.js';
import { field, formErrorOf, originOf, signedIn, type FormError } from './page.js';

/** Event types with their own translation (account.activity.type.<type with _ for .>); others show generically. */
const KNOWN_TYPES = new Set([
  'login.succeeded', 'login.failed', 'login.throttled', 'consent.granted', 'account.created', 'account.blocked', 'account.unblocked',
  'password.changed', 'password.reset', 'reauth.failed', 'reauth.throttled', 'profile.updated',
  'email_change.requested', 'email_change.verified', 'email_change.applied', 'email_change.cancelled', 'email_change.failed',
  'email_change.rejected', 'email_change.reported', 'session.signed_out', 'session.signed_out_others', 'app.revoked',
  'account.provisioned', 'email.verified', 'invitation.accepted', 'signup.existing_email', 'login.unverified_email',
]);

/** The translated label of an event type. */
export function activityLabel(t: Translate, type: string): string {
  return KNOWN_TYPES.has(type) ? t(`account.activity.type.${type.replace('.', '_')}`) : t('account.activity.type.other', { type });
}

/** GET /account/activity?cursor=C */
export function activityPage(deps: RouteDeps): Middleware {
  return async function renderActivity(ctx) {
    const { account } = signedIn(ctx);
    const cursor = typeof ctx.query.cursor === 'string' && ctx.query.cursor !== '' ? ctx.query.cursor : undefined;
    let page;
    try {
      page = await deps.services.accountCenter.listActivity(account.id, { cursor });
    } catch (err) {
      if (!(err instanceof InvalidInput)) throw err;
      ctx.status = 303;
      ctx.redirect(`${deps.config.mountPath}/account/activity`);
      return;
    }
    const t = deps.render.translator(ctx);
    const base = `${deps.config.mountPath}/account/activity`;
    deps.render(ctx, 'account/activity', {
      ...accountPageLocals(deps, ctx, 'activity'),
      events: page.events.map((e: ActivityEvent) => ({ ...e, label: activityLabel(t, e.type), deviceText: deviceText(t, e.device) })),
      olderUrl: page.nextCursor ? `${base}?cursor=${page.nextCursor}` : undefined,
      newestUrl: cursor ? base : undefined,
    });
  };
}

/** "Firefox on Windows", or whatever part is known. */
export function deviceText(t: Translate, device: { browser: string | undefined; os: string | undefined }): string {
  if (device.browser && device.os) return t('account.device.browser_on_os', { browser: device.browser, os: device.os });
  return device.browser ?? device.os ?? t('account.device.unknown');
}

async function showData(deps: RouteDeps, ctx: Koa.ParameterizedContext, error?: FormError, status = 200) {
  deps.render(ctx, 'account/data', {
    ...accountPageLocals(deps, ctx, 'data'),
    exportUrl: `${deps.config.mountPath}/account/data/export`,
    error,
  }, status);
}

/** GET /account/data */
export function dataPage(deps: RouteDeps): Middleware {
  return async function renderData(ctx) {
    await showData(deps, ctx);
  };
}

/** GET /account/data/export: the account's data as a JSON attachment. */
export function dataExport(deps: RouteDeps): Middleware {
  return async function downloadData(ctx) {
    const { account, session } = signedIn(ctx);
    const data = await deps.services.accountCenter.exportData(account.id, session.sessionUid);
    ctx.set('Content-Disposition', `attachment; filename="latchkey-account-${data.exportedAt.toISOString().slice(0, 10)}.json"`);
    ctx.type = 'application/json';
    ctx.body = JSON.stringify(data, null, 2);
  };
}

/** POST /account/delete: the password again, then everything goes; the browser's session with it. */
export function deleteSubmission(deps: RouteDeps): Middleware {
  return async function deleteAccount(ctx) {
    const { account } = signedIn(ctx);
    try {
      await deps.services.accountCenter.deleteAccount(account.id, { currentPassword: field(ctx, 'current_password', 4096) }, originOf(ctx));
    } catch (err) {
      const error = formErrorOf(err, deps.render.translator(ctx), 'current_password');
      if (!error) throw err;
      await showData(deps, ctx, error, (err as { status?: number }).status ?? 400);
      return;
    }
    deps.render(ctx, 'account/deleted', {});
  };
}
