// A real relying party (openid-client) driving Latchkey through its HTML forms, as a sibling app would.
import * as oidc from 'openid-client';
import { formsOf, UserAgent } from './user-agent.js';

export const REDIRECT_URI = 'https://rp.example.com/callback';

/** Discovers the issuer as the given client (http allowed: tests run on loopback). */
export async function relyingParty(issuer: string, clientId: string, clientSecret?: string): Promise<oidc.Configuration> {
  const auth = clientSecret ? oidc.ClientSecretBasic(clientSecret) : oidc.None();
  return oidc.discovery(new URL(issuer), clientId, clientSecret ? { client_secret: clientSecret } : undefined, auth, { execute: [oidc.allowInsecureRequests] });
}

export interface AuthorizationStart {
  url: URL;
  verifier: string;
  state: string;
  nonce: string;
}

/** Builds an authorization URL with PKCE (S256), state and nonce. */
export async function startAuthorization(config: oidc.Configuration, params: Record<string, string> = {}): Promise<AuthorizationStart> {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid email profile',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...params,
  });
  return { url, verifier, state, nonce };
}

/** Fetches the page at url and returns its first form (action + fields) and the HTML. */
export async function pageForm(ua: UserAgent, url: URL | string) {
  const { url: final, response } = await ua.follow(url);
  const html = await response!.text();
  return { url: final, status: response!.status, html, forms: formsOf(html, final) };
}

/**
 * Runs the browser part of an authorization: opens the URL, fills the login form (and consent form,
 * if shown and `consent` is true), and returns the callback URL the RP receives.
 */
export async function authorizeThroughForms(ua: UserAgent, start: AuthorizationStart, credentials: { email: string; password: string } | undefined, options: { consent?: boolean; redirectUri?: string } = {}): Promise<URL> {
  const stopAt = options.redirectUri ?? REDIRECT_URI;
  let { url, response } = await ua.follow(start.url, {}, stopAt);
  for (let step = 0; step < 5 && response; step++) {
    const html = await response.text();
    const forms = formsOf(html, url);
    if (/name="password"/.test(html) && credentials) {
      const login = forms.find((f) => 'password' in f.fields)!;
      ({ url, response } = await ua.follow(login.action, { form: { ...login.fields, email: credentials.email, password: credentials.password } }, stopAt));
    } else if (/\/confirm"/.test(html) && options.consent !== false) {
      const confirm = forms.find((f) => f.action.endsWith('/confirm'))!;
      ({ url, response } = await ua.follow(confirm.action, { form: confirm.fields }, stopAt));
    } else {
      throw new Error(`Unexpected page at ${url.href} (status ${response.status}): ${html.slice(0, 400)}`);
    }
  }
  if (response) throw new Error(`The flow did not return to the client; last page ${url.href}`);
  return url;
}

/** The whole code flow: forms, then the token request with PKCE and state/nonce checks. */
export async function login(config: oidc.Configuration, ua: UserAgent, credentials: { email: string; password: string }, params: Record<string, string> = {}) {
  const start = await startAuthorization(config, params);
  const callback = await authorizeThroughForms(ua, start, credentials);
  const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: start.verifier, expectedState: start.state, expectedNonce: start.nonce });
  return { tokens, callback, start };
}

export { oidc };
