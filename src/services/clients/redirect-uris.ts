// Redirect URI rules (RFC 9700 §2.1, §4.1; RFC 8252 §7 for native apps). URIs are matched exactly
// by oidc-provider; here we decide which URIs may be registered at all:
// - never a fragment, never userinfo, always absolute;
// - web and SPA clients: https (http only on loopback hosts, and only outside production);
// - native clients: loopback http (127.0.0.1, [::1], localhost), private-use schemes in reverse-domain
//   form (com.example.app:/callback), or https claimed URLs.

export type ClientType = 'web' | 'native' | 'spa' | 'service';
export const CLIENT_TYPES: readonly ClientType[] = ['web', 'native', 'spa', 'service'];

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** Returns why uri may not be registered for the client type, or undefined when it is acceptable. */
export function redirectUriProblem(uri: string, type: ClientType, production: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return `${uri} is not an absolute URI`;
  }
  if (uri.includes('#')) return `${uri} must not contain a fragment`;
  if (url.username || url.password) return `${uri} must not contain user information`;
  const scheme = url.protocol.slice(0, -1);
  const loopback = LOOPBACK_HOSTS.has(url.hostname);
  if (type === 'native') {
    if (scheme === 'https') return undefined;
    if (scheme === 'http') return loopback ? undefined : `${uri}: native apps may use http only on a loopback address`;
    if (!/^[a-z][a-z0-9+.-]*\.[a-z0-9+.-]+$/.test(scheme)) {
      return `${uri}: a private-use URI scheme must be in reverse-domain form (e.g. com.example.app:/callback)`;
    }
    return undefined;
  }
  if (scheme === 'https') return undefined;
  if (scheme === 'http' && loopback && !production) return undefined;
  return `${uri}: ${type} clients must use https redirect URIs${production ? '' : ' (http is allowed only on localhost in development)'}`;
}
