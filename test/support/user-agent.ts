// A minimal browser stand-in for HTTP-level flow tests: a cookie jar (Path, Max-Age/Expires),
// manual redirects, and HTML form extraction. Real pages are also checked in Chromium (test/browser).

interface Cookie {
  name: string;
  value: string;
  path: string;
  expires: number | undefined;
}

export interface PageForm {
  action: string;
  fields: Record<string, string>;
}

/** Cookie-keeping HTTP client that follows redirects only when asked. */
export class UserAgent {
  private cookies: Cookie[] = [];
  constructor(private readonly headers: Record<string, string> = {}) {}

  private cookieHeader(url: URL): string {
    const now = Date.now();
    this.cookies = this.cookies.filter((c) => c.expires === undefined || c.expires > now);
    return this.cookies
      .filter((c) => url.pathname === c.path || url.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`) || c.path === '/')
      .sort((a, b) => b.path.length - a.path.length)
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }

  private store(url: URL, response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';').map((s) => s.trim());
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      let path = url.pathname.replace(/\/[^/]*$/, '') || '/';
      let expires: number | undefined;
      for (const attr of attrs) {
        const [k, v = ''] = attr.split('=');
        const key = k!.toLowerCase();
        if (key === 'path') path = v || '/';
        if (key === 'max-age') expires = Date.now() + Number(v) * 1000;
        if (key === 'expires' && expires === undefined) expires = Date.parse(v);
      }
      this.cookies = this.cookies.filter((c) => !(c.name === name && c.path === path));
      if (expires === undefined || expires > Date.now()) this.cookies.push({ name, value, path, expires });
    }
  }

  /** One request, no redirect following. */
  async request(input: string | URL, init: { method?: string; form?: Record<string, string>; headers?: Record<string, string> } = {}): Promise<Response> {
    const url = new URL(input);
    const headers: Record<string, string> = { ...this.headers, ...init.headers };
    const cookie = this.cookieHeader(url);
    if (cookie) headers.cookie = cookie;
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    const response = await fetch(url, { method: init.method ?? (body ? 'POST' : 'GET'), headers, body, redirect: 'manual' });
    this.store(url, response);
    return response;
  }

  /**
   * Follows redirects from url until a non-redirect answer, or until a redirect leaves for `stopAt`
   * (the relying party's redirect URI), which is returned as the final URL without being fetched.
   */
  async follow(start: string | URL, init: Parameters<UserAgent['request']>[1] = {}, stopAt?: string): Promise<{ url: URL; response: Response | undefined }> {
    let url = new URL(start);
    let response = await this.request(url, init);
    for (let hops = 0; hops < 20; hops++) {
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || !location) return { url, response };
      url = new URL(location, url);
      if (stopAt && url.href.startsWith(stopAt)) return { url, response: undefined };
      await response.arrayBuffer();
      response = await this.request(url);
    }
    throw new Error('too many redirects');
  }

  cookieNames(): string[] {
    return this.cookies.map((c) => c.name);
  }
}

function decodeEntities(s: string): string {
  return s.replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&#x2F;/g, '/');
}

/** The forms of an HTML page with their hidden and pre-filled fields. */
export function formsOf(html: string, base: URL): PageForm[] {
  const forms: PageForm[] = [];
  for (const match of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const action = /action="([^"]*)"/i.exec(match[1]!)?.[1] ?? base.pathname;
    const fields: Record<string, string> = {};
    for (const input of match[2]!.matchAll(/<input\b([^>]*)>/gi)) {
      const name = /name="([^"]*)"/i.exec(input[1]!)?.[1];
      const value = /value="([^"]*)"/i.exec(input[1]!)?.[1] ?? '';
      if (name) fields[name] = decodeEntities(value);
    }
    forms.push({ action: new URL(decodeEntities(action), base).href, fields });
  }
  return forms;
}
