// The Profile page of the account center: the editable profile fields as a form, the others read-only.
import type Koa from 'koa';
import type { Middleware } from 'koa';
import { PROFILE_FIELDS } from '../../config/index.js';
import { ADDRESS_FIELDS, type AccountProfile, type PostalAddress, type ProfileChanges } from '../../services/account-center/index.js';
import type { RouteDeps } from '../route-deps.js';
import { ACCOUNT_CENTER_CLIENT_ID } from './client.js';
import { field, formErrorOf, originOf, signedIn, type FormError } from './page.js';

/** Renders the profile page, optionally with the submitted values and an error. */
async function showProfile(deps: RouteDeps, ctx: Koa.ParameterizedContext, options: { values?: Record<string, string>; error?: FormError; status?: number } = {}) {
  const { account } = signedIn(ctx);
  const profile = await deps.services.accountCenter.getProfile(account.id);
  const open = await deps.services.accountCenter.openEmailChange(account.id);
  const values = options.values ?? profileValues(profile);
  deps.render(ctx, 'account/profile', {
    ...accountPageLocals(deps, ctx, 'profile'),
    profile,
    values,
    editable: profile.editable_fields,
    locales: deps.services.accountCenter.supportedLocales,
    pendingEmail: open?.newEmail,
    customerLinks: await deps.services.customers.linksOf(account.id),
    error: options.error,
    saved: ctx.query.saved === '1',
  }, options.status ?? 200);
}

function profileValues(profile: AccountProfile): Record<string, string> {
  const values: Record<string, string> = {};
  for (const name of ['name', 'given_name', 'family_name', 'phone_number', 'locale'] as const) values[name] = profile[name] ?? '';
  for (const part of ADDRESS_FIELDS) values[part] = profile.address?.[part] ?? '';
  return values;
}

/** The locals every account-center page shares (navigation, header). */
export function accountPageLocals(deps: RouteDeps, ctx: Koa.ParameterizedContext, section: 'profile' | 'security' | 'activity' | 'data') {
  const { account } = signedIn(ctx);
  const base = `${deps.config.mountPath}/account`;
  return {
    section,
    base,
    wide: true,
    accountHeader: { email: account.email, accountUrl: base, signOutUrl: signOutUrl(deps) },
  };
}

/** RP-initiated logout of the account center's client; oidc-provider asks to confirm, then comes back to /account. */
export function signOutUrl(deps: RouteDeps): string {
  const params = new URLSearchParams({ client_id: ACCOUNT_CENTER_CLIENT_ID, post_logout_redirect_uri: `${deps.config.issuer}/account` });
  return `${deps.config.mountPath}/session/end?${params.toString()}`;
}

/** GET /account */
export function profilePage(deps: RouteDeps): Middleware {
  return async function renderProfile(ctx) {
    await showProfile(deps, ctx);
  };
}

/** The changes a profile form submits: every profile field present in the form (the service refuses non-editable ones). */
function changesFromForm(ctx: Koa.ParameterizedContext): { changes: ProfileChanges; values: Record<string, string> } {
  const form = (ctx.state.form ?? {}) as Record<string, string>;
  const changes: ProfileChanges = {};
  const values: Record<string, string> = {};
  for (const name of PROFILE_FIELDS) {
    if (name === 'address' || !(name in form)) continue;
    values[name] = field(ctx, name, 500);
    changes[name] = values[name];
  }
  if (ADDRESS_FIELDS.some((part) => part in form)) {
    const address: PostalAddress = {};
    for (const part of ADDRESS_FIELDS) address[part] = values[part] = field(ctx, part, 500);
    changes.address = address;
  }
  return { changes, values };
}

/** POST /account/profile: [parseForm, csrf, requireAccount, update]. */
export function profileSubmission(deps: RouteDeps): Middleware {
  return async function updateProfile(ctx) {
    const { account } = signedIn(ctx);
    const { changes, values } = changesFromForm(ctx);
    try {
      await deps.services.accountCenter.updateProfile(account.id, changes, originOf(ctx));
    } catch (err) {
      const error = formErrorOf(err, deps.render.translator(ctx), 'name');
      if (!error) throw err;
      const current = profileValues(await deps.services.accountCenter.getProfile(account.id));
      await showProfile(deps, ctx, { values: { ...current, ...values }, error, status: (err as { status?: number }).status ?? 400 });
      return;
    }
    ctx.status = 303;
    ctx.redirect(`${deps.config.mountPath}/account?saved=1`);
  };
}
