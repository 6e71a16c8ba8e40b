// Company invitation links (issue 5, item 4): the mailed /company-invitation?token=T moves the token into a
// short-lived signed, HttpOnly cookie and opens /account/companies/invitation, which signs the person in
// first when needed (the sign-in round trip keeps no query string) and then asks them to accept. The GET
// uses nothing up (mail scanners prefetch links); only the accept POST (CSRF-checked) consumes the token.
import type Koa from 'koa';
import type { Middleware } from 'koa';
import type { RouteDeps } from '../route-deps.js';
import { actorOf, companiesPageLocals, redirectDone } from './companies-common.js';
import { companyErrorOf, type CompanyFormError } from './companies-errors.js';

const COOKIE = 'lk_company_invitation';
const COOKIE_SECONDS = 60 * 60;
const TOKEN = /^[A-Za-z0-9_-]{16,128}$/;

function cookieOptions(deps: RouteDeps) {
  return { signed: true, httpOnly: true, sameSite: 'lax' as const, secure: deps.csrf.secure, path: `${deps.config.mountPath}/account/companies/invitation`, overwrite: true };
}

function tokenOf(ctx: Koa.ParameterizedContext): string | undefined {
  const token = ctx.cookies.get(COOKIE, { signed: true });
  return token && TOKEN.test(token) ? token : undefined;
}

/** GET /company-invitation?token=T: keeps the token for the accept page and goes there. */
export function invitationLink(deps: RouteDeps): Middleware {
  return async function followInvitationLink(ctx) {
    ctx.set('Cache-Control', 'no-store');
    ctx.set('Referrer-Policy', 'no-referrer');
    const token = typeof ctx.query.token === 'string' ? ctx.query.token : '';
    if (TOKEN.test(token)) ctx.cookies.set(COOKIE, token, { ...cookieOptions(deps), maxAge: COOKIE_SECONDS * 1000 });
    else ctx.cookies.set(COOKIE, null, cookieOptions(deps));
    ctx.redirect(`${deps.config.mountPath}/account/companies/invitation`);
  };
}

async function showInvitation(deps: RouteDeps, ctx: Koa.ParameterizedContext, error?: CompanyFormError) {
  const token = tokenOf(ctx);
  const invitation = token ? await deps.services.companies.peekInvitation(token) : undefined;
  const t = deps.render.translator(ctx);
  const refusal = error ?? (invitation ? undefined : { status: 410, message: t('companies.error.invitation_invalid') });
  deps.render(ctx, 'company-invitation', {
    ...companiesPageLocals(deps, ctx),
    invitation: refusal && !error ? undefined : invitation,
    error: refusal,
  }, refusal?.status ?? 200);
}

/** GET /account/companies/invitation (signed in): the invitation and an Accept button. */
export function invitationPage(deps: RouteDeps): Middleware {
  return async function renderInvitation(ctx) {
    await showInvitation(deps, ctx);
  };
}

/** POST /account/companies/invitation: accepts the invitation held in the cookie (the token is used once). */
export function invitationAcceptSubmission(deps: RouteDeps): Middleware {
  return async function acceptInvitation(ctx) {
    const token = tokenOf(ctx);
    const t = deps.render.translator(ctx);
    if (!token) return showInvitation(deps, ctx, { status: 410, message: t('companies.error.invitation_invalid') });
    let companyId: string;
    try {
      companyId = (await deps.services.companies.acceptInvitation(actorOf(ctx), token)).company.id;
    } catch (err) {
      const refusal = companyErrorOf(err, t);
      if (!refusal) throw err;
      return showInvitation(deps, ctx, refusal);
    }
    ctx.cookies.set(COOKIE, null, cookieOptions(deps));
    deps.mailer.notify();
    redirectDone(deps, ctx, `/${companyId}`, 'invitation-accepted');
  };
}
