// A real relying party (openid-client) driving Latchkey through its HTML forms, as a sibling app would.
import { createRemoteJWKSet, jwtVerify, type JWTVerifyOptions } from 'jose';
import * as oidc from 'openid-client';
import { formsOf, UserAgent, type PageForm } from './user-agent.js';

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

/** What a failed relying-party call tells the RP: the OAuth `error` code, and the HTTP status when it came from an endpoint. */
export interface OAuthFailure {
  error: string;
  /** HTTP status of the endpoint's answer; undefined for errors delivered in an authorization response. */
  status: number | undefined;
  description: string | undefined;
}

/** Awaits a relying-party call that must fail with an OAuth error, and returns that error (anything else fails the test). */
export async function oauthError(call: Promise<unknown>): Promise<OAuthFailure> {
  try {
    await call;
  } catch (err) {
    if (err instanceof oidc.ResponseBodyError) return { error: err.error, status: err.status, description: err.error_description };
    if (err instanceof oidc.AuthorizationResponseError) return { error: err.error, status: undefined, description: err.error_description };
    if (err instanceof oidc.WWWAuthenticateChallengeError) {
      const error = err.cause.map((c) => c.parameters.error).find((e): e is string => typeof e === 'string');
      return { error: error ?? 'unknown', status: err.status, description: err.cause[0]?.parameters.error_description };
    }
    throw err;
  }
  throw new Error('expected the call to fail with an OAuth error, but it succeeded');
}

/**
 * Opens an authorization URL expecting the browser to be sent straight back to the client (no page in
 * between, e.g. prompt=none or an error redirect); returns the callback URL. Throws with the page otherwise.
 */
export async function immediateCallback(ua: UserAgent, url: URL, redirectUri: string = REDIRECT_URI): Promise<URL> {
  const { url: final, response } = await ua.follow(url, {}, redirectUri);
  if (response) throw new Error(`Expected a redirect back to ${redirectUri}, got a page at ${final.href} (status ${response.status}): ${(await response.text()).slice(0, 400)}`);
  return final;
}

/** Fetches the page at url and returns its first form (action + fields) and the HTML. */
export async function pageForm(ua: UserAgent, url: URL | string) {
  const { url: final, response } = await ua.follow(url);
  const html = await response!.text();
  return { url: final, status: response!.status, html, forms: formsOf(html, final) };
}

/** An HTML page the browser stopped at. */
export interface Page {
  url: URL;
  status: number;
  html: string;
  forms: PageForm[];
}

/** Where a browser navigation ended: back at the client (callback URL, not fetched) or on a page. */
export type Step = { callback: URL; page?: undefined } | { callback?: undefined; page: Page };

/** Navigates (following redirects) and reports whether it ended back at the client or on a page. */
export async function visit(ua: UserAgent, url: URL | string, init: Parameters<UserAgent['request']>[1] = {}, stopAt: string = REDIRECT_URI): Promise<Step> {
  const { url: final, response } = await ua.follow(url, init, stopAt);
  if (!response) return { callback: final };
  const html = await response.text();
  return { page: { url: final, status: response.status, html, forms: formsOf(html, final) } };
}

/** Submits the page's form whose action path ends with actionSuffix (e.g. '/login', '/confirm', '/abort'), adding or overriding fields. */
export async function submitForm(ua: UserAgent, page: Page, actionSuffix: string, fields: Record<string, string> = {}, stopAt: string = REDIRECT_URI): Promise<Step> {
  const form = page.forms.find((f) => new URL(f.action).pathname.endsWith(actionSuffix));
  if (!form) throw new Error(`No form posting to *${actionSuffix} on ${page.url.href}: ${page.html.slice(0, 400)}`);
  return visit(ua, form.action, { form: { ...form.fields, ...fields } }, stopAt);
}

/** True for Latchkey's login page (a form with a password field). */
export const isLoginPage = (page: Page | undefined): boolean => !!page?.forms.some((f) => 'password' in f.fields);

/** True for Latchkey's consent page (a form posting to the interaction's /confirm). */
export const isConsentPage = (page: Page | undefined): boolean => !!page?.forms.some((f) => f.action.endsWith('/confirm'));

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

/** The issuer's discovery document, fetched as any relying party would. */
export async function discoveryDocument(issuer: string): Promise<Record<string, unknown> & { jwks_uri: string }> {
  const response = await fetch(`${issuer}/.well-known/openid-configuration`);
  if (!response.ok) throw new Error(`discovery failed: ${response.status}`);
  return (await response.json()) as Record<string, unknown> & { jwks_uri: string };
}

/** Verifies a JWT (ID token, logout token) against the issuer's published JWKS, as a relying party would. */
export async function verifyWithJwks(issuer: string, jwt: string, options: JWTVerifyOptions = {}) {
  const jwks = createRemoteJWKSet(new URL((await discoveryDocument(issuer)).jwks_uri));
  return jwtVerify(jwt, jwks, { issuer, ...options });
}

export { oidc };
