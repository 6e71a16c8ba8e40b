// Signing in to the account center: the built-in first-party client's authorization request
// (src/web/first-party-sign-in.ts), and the guard every account-center page and form passes.
import type { Middleware } from 'koa';
import { readAccountSession } from '../../oidc/account-session.js';
import { firstPartySignIn } from '../first-party-sign-in.js';
import type { RouteDeps } from '../route-deps.js';
import { ACCOUNT_CENTER_CLIENT_ID, accountCallbackUri } from './client.js';
import { originOf, type SignedIn } from './page.js';

const signIn = firstPartySignIn({
  clientId: ACCOUNT_CENTER_CLIENT_ID, area: '/account', callbackUri: accountCallbackUri, cookie: 'lk_account_signin', failedView: 'account/signin-failed',
});

/** Sends the browser to the authorization endpoint; it comes back to /account/callback. */
export const startSignIn = signIn.start;

/** GET /account/callback. */
export const signInCallback = signIn.callback;

/**
 * Lets the request through only for a browser signed in to an active account (ctx.state.account);
 * otherwise a page view starts the sign-in and comes back, and a form post goes to /account.
 */
export function requireAccount(deps: RouteDeps): Middleware {
  return async function requireSignedInAccount(ctx, next) {
    const session = await readAccountSession(deps.provider, ctx);
    const account = session && await deps.services.accounts.findById(session.accountId);
    if (!session || !account || account.status !== 'active') {
      if (ctx.method === 'GET' || ctx.method === 'HEAD') return startSignIn(deps, ctx, ctx.path);
      ctx.status = 303;
      return ctx.redirect(`${deps.config.mountPath}/account`);
    }
    ctx.state.account = { session, account } satisfies SignedIn;
    if (ctx.method === 'GET') await deps.services.accountCenter.recordSessionDevice(account.id, session.sessionUid, originOf(ctx));
    ctx.set('Cache-Control', 'no-store');
    await next();
  };
}
