// The one module that reads oidc-provider's session for Latchkey's own pages (the account center): the
// signed session cookie, looked up with the provider's public Session model. The account center signs in
// through the same authorization endpoint as every sibling app, so single sign-on works both ways.
import type Koa from 'koa';
import type Provider from 'oidc-provider';

/** Who is signed in to the browser's provider session. */
export interface AccountSession {
  accountId: string;
  /** The session's stable uid (refresh tokens and account_sessions refer to it). */
  sessionUid: string;
  /** When the person last entered their password (epoch seconds), if known. */
  loginTs: number | undefined;
}

/** The provider session of the request's browser, when someone is signed in to it. */
export async function readAccountSession(provider: Provider, ctx: Koa.ParameterizedContext): Promise<AccountSession | undefined> {
  // Session.get reads the signed session cookie (the provider's cookie keys) and finds the live session;
  // without a cookie or for a dead one it returns a new, unsaved session without an account.
  const session = await provider.Session.get(ctx as never);
  if (!session || typeof session.accountId !== 'string' || !session.accountId || typeof session.uid !== 'string') return undefined;
  return { accountId: session.accountId, sessionUid: session.uid, loginTs: typeof session.loginTs === 'number' ? session.loginTs : undefined };
}

/**
 * Disposes of the authorization code the account center's callback received (it signs in through the
 * session, not with tokens): true when the code was live, issued to clientId, in the given session.
 */
export async function discardAuthorizationCode(provider: Provider, code: string, clientId: string, session: AccountSession): Promise<boolean> {
  if (!/^[A-Za-z0-9_-]{10,200}$/.test(code)) return false;
  const found = await provider.AuthorizationCode.find(code).catch(() => undefined);
  if (!found) return false;
  await found.destroy();
  return found.clientId === clientId && found.accountId === session.accountId && found.sessionUid === session.sessionUid;
}
