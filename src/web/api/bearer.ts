// Bearer access tokens for Latchkey's own API (RFC 6750 §2.1 header only; RFC 8707 audience; RFC 9068 §4
// checks): the token must exist and be unexpired (oidc-provider's AccessToken/ClientCredentials.find, which
// also ends session-bound tokens with their session), be issued for this API's audience, not be
// sender-constrained (DPoP/mTLS proofs are not checked here, so such tokens are refused), belong to a client
// that still exists and, for user tokens, to a live grant and an active account. Scopes are checked per route.
import type { Context, Middleware } from 'koa';
import type Provider from 'oidc-provider';
import { ACCOUNT_SCOPE } from '../../oidc/resource-server.js';
import type { LatchkeyServices } from '../../services/index.js';
import { InsufficientScope, InvalidToken, MissingToken } from './errors.js';

/** Who called: the token's client, and for user tokens the account it acts for. */
export interface BearerCaller {
  kind: 'user' | 'client';
  clientId: string;
  clientName: string;
  accountId: string | undefined;
  scopes: Set<string>;
  grantId: string | undefined;
  /** The sign-in session a user token was issued in (kept by "sign out everywhere else"). */
  sessionUid: string | undefined;
}

export interface BearerDeps {
  provider: Provider;
  services: LatchkeyServices;
  /** The API's resource indicator: the only audience accepted. */
  audience: string;
}

// RFC 6750 §2.1 b64token
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/** The token sent in the Authorization header; MissingToken when there is none. */
function presentedToken(ctx: Context): string {
  const header = ctx.get('authorization');
  if (!header) throw new MissingToken();
  const match = BEARER.exec(header);
  if (!match) throw new InvalidToken('The Authorization header is not a bearer token.');
  return match[1]!;
}

interface FoundToken {
  kind: string;
  clientId: string;
  accountId?: string;
  grantId?: string;
  sessionUid?: string;
  aud?: string | string[];
  scope?: string;
  jkt?: string;
  'x5t#S256'?: string;
  isExpired: boolean;
}

/** Resolves the token to its caller, or throws InvalidToken. */
async function authenticate(deps: BearerDeps, value: string): Promise<BearerCaller> {
  const { provider, services } = deps;
  const found = ((await provider.AccessToken.find(value)) ?? (await provider.ClientCredentials.find(value))) as FoundToken | undefined;
  if (!found || found.isExpired) throw new InvalidToken('The access token is unknown, expired or revoked.');
  if (![found.aud].flat().includes(deps.audience)) throw new InvalidToken(`The access token is not for this API (audience ${deps.audience}).`);
  if (found.jkt || found['x5t#S256']) throw new InvalidToken('Sender-constrained (DPoP or mTLS) tokens are not accepted by this API.');
  const client = await provider.Client.find(found.clientId);
  if (!client) throw new InvalidToken('The client of the access token no longer exists.');
  const caller: BearerCaller = {
    kind: found.kind === 'AccessToken' ? 'user' : 'client',
    clientId: client.clientId,
    clientName: client.clientName ?? client.clientId,
    accountId: undefined,
    scopes: new Set((found.scope ?? '').split(' ').filter(Boolean)),
    grantId: undefined,
    sessionUid: undefined,
  };
  if (caller.kind === 'client') return caller;
  const grant = found.grantId ? await provider.Grant.find(found.grantId) : undefined;
  if (!grant || grant.clientId !== found.clientId || grant.accountId !== found.accountId) throw new InvalidToken('The access token was revoked.');
  const account = found.accountId ? await services.accounts.findById(found.accountId) : undefined;
  if (!account || account.status !== 'active') throw new InvalidToken('The account of the access token cannot use it.');
  return { ...caller, accountId: account.id, grantId: found.grantId, sessionUid: found.sessionUid };
}

/** Requires a valid token for this API carrying `scope`; puts the caller in ctx.state.caller. */
export function requireToken(deps: BearerDeps, scope: string, kind: BearerCaller['kind']): Middleware {
  return async function checkBearerToken(ctx, next) {
    const caller = await authenticate(deps, presentedToken(ctx));
    if (!caller.scopes.has(scope)) throw new InsufficientScope(scope);
    if (caller.kind !== kind) {
      throw new InsufficientScope(scope, kind === 'user'
        ? `This endpoint acts for a signed-in user: use a token from the authorization code flow with the scope "${scope}".`
        : `This endpoint needs a client credentials token with the scope "${scope}".`);
    }
    ctx.state.caller = caller;
    await next();
  };
}

/** The caller of a route guarded by requireToken. */
export const callerOf = (ctx: Context): BearerCaller => ctx.state.caller as BearerCaller;

/** The Account API guard: a user token with scope `account`. */
export const requireAccountToken = (deps: BearerDeps) => requireToken(deps, ACCOUNT_SCOPE, 'user');
