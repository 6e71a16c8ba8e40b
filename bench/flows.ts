// The OAuth/OIDC operations the benchmark repeats, done as a relying party and a browser would:
// a full password login (authorize, login page, login POST with CSRF token and cookies, code, token with
// PKCE), a client-credentials grant and a refresh-token grant (with rotation: each answer's new token is
// used for the next request).
import { createHash, randomBytes } from 'node:crypto';
import { Browser, formsOf, type HttpClient, type HttpResponse } from './http.js';

export const REDIRECT_URI = 'https://rp.example.com/callback';

export interface Endpoints {
  issuer: string;
  authorization: URL;
  token: URL;
}

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

export interface Credentials {
  email: string;
  password: string;
}

export interface TokenSet {
  access_token: string;
  id_token?: string;
  refresh_token?: string;
}

/** Reads the endpoints from the issuer's discovery document. */
export async function discover(http: HttpClient, issuer: string): Promise<Endpoints> {
  const response = await http.request(new URL(`${issuer}/.well-known/openid-configuration`));
  if (response.status !== 200) throw new Error(`discovery at ${issuer} answered ${response.status}`);
  const doc = JSON.parse(response.body) as { issuer: string; authorization_endpoint: string; token_endpoint: string };
  return { issuer: doc.issuer, authorization: new URL(doc.authorization_endpoint), token: new URL(doc.token_endpoint) };
}

const basicAuth = (c: ClientCredentials) =>
  `Basic ${Buffer.from(`${encodeURIComponent(c.clientId)}:${encodeURIComponent(c.clientSecret)}`).toString('base64')}`;

const random = () => randomBytes(32).toString('base64url');

function tokenSet(response: HttpResponse, what: string, expect: (keyof TokenSet)[]): TokenSet {
  if (response.status !== 200) throw new Error(`${what}: token endpoint answered ${response.status}: ${response.body.slice(0, 300)}`);
  const body = JSON.parse(response.body) as TokenSet;
  for (const field of expect) if (typeof body[field] !== 'string') throw new Error(`${what}: no ${field} in the token response`);
  return body;
}

/**
 * One complete login with a fresh cookie jar, through the HTML forms; returns the tokens.
 * `scope` containing offline_access also sends prompt=consent (OIDC Core §11) and confirms the consent page.
 */
export async function passwordLogin(http: HttpClient, endpoints: Endpoints, client: ClientCredentials, user: Credentials, scope = 'openid email profile'): Promise<TokenSet> {
  const browser = new Browser(http, { 'user-agent': 'latchkey-bench', 'accept-language': 'en' });
  const verifier = random();
  const state = random();
  const url = new URL(endpoints.authorization);
  url.search = new URLSearchParams({
    client_id: client.clientId,
    redirect_uri: REDIRECT_URI,
    response_type: 'code',
    scope,
    state,
    nonce: random(),
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    ...(scope.includes('offline_access') ? { prompt: 'consent' } : {}),
  }).toString();

  let { url: at, response } = await browser.follow(url, {}, REDIRECT_URI);
  for (let step = 0; step < 4 && response; step++) {
    const forms = formsOf(response.body, at);
    const login = forms.find((f) => 'password' in f.fields);
    const confirm = forms.find((f) => f.action.endsWith('/confirm'));
    if (login) {
      ({ url: at, response } = await browser.follow(new URL(login.action), { form: { ...login.fields, email: user.email, password: user.password } }, REDIRECT_URI));
    } else if (confirm) {
      ({ url: at, response } = await browser.follow(new URL(confirm.action), { form: confirm.fields }, REDIRECT_URI));
    } else {
      throw new Error(`login: unexpected page at ${at.pathname} (status ${response.status}): ${response.body.slice(0, 200)}`);
    }
  }
  if (response) throw new Error(`login: the flow did not return to the client (last page ${at.pathname}, status ${response.status})`);

  const callback = at.searchParams;
  if (callback.get('error')) throw new Error(`login: authorization error ${callback.get('error')}: ${callback.get('error_description')}`);
  if (callback.get('state') !== state) throw new Error('login: state mismatch in the callback');
  if (callback.get('iss') !== endpoints.issuer) throw new Error('login: missing or wrong iss in the callback (RFC 9207)');
  const code = callback.get('code');
  if (!code) throw new Error('login: no code in the callback');

  const token = await http.postForm(endpoints.token, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier }, { authorization: basicAuth(client) });
  return tokenSet(token, 'login', scope.includes('offline_access') ? ['access_token', 'id_token', 'refresh_token'] : ['access_token', 'id_token']);
}

/** One client-credentials grant; returns the access token. */
export async function clientCredentialsGrant(http: HttpClient, endpoints: Endpoints, client: ClientCredentials): Promise<string> {
  const response = await http.postForm(endpoints.token, { grant_type: 'client_credentials' }, { authorization: basicAuth(client) });
  return tokenSet(response, 'client_credentials', ['access_token']).access_token;
}

/** One refresh-token grant; returns the rotated refresh token to use next time. */
export async function refreshTokenGrant(http: HttpClient, endpoints: Endpoints, client: ClientCredentials, refreshToken: string): Promise<string> {
  const response = await http.postForm(endpoints.token, { grant_type: 'refresh_token', refresh_token: refreshToken }, { authorization: basicAuth(client) });
  return tokenSet(response, 'refresh_token', ['access_token', 'id_token', 'refresh_token']).refresh_token!;
}
