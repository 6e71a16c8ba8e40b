// The benchmark's HTTP client: node:http over keep-alive connections (cheaper per request than fetch, so
// the load generator takes as little CPU as possible from the server it shares the machine with), plus a
// minimal browser: a cookie jar (Path, Max-Age/Expires), manual redirects and HTML form extraction.
// Adapted from test/support/user-agent.ts (dist/ does not contain test/, so the bench carries its own copy).
import http from 'node:http';

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

/** Sends requests over a shared pool of keep-alive connections. */
export class HttpClient {
  readonly agent: http.Agent;

  constructor(maxSockets: number) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  }

  request(url: URL, options: RequestOptions = {}): Promise<HttpResponse> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.body !== undefined) headers['content-length'] = String(Buffer.byteLength(options.body));
    return new Promise((resolve, reject) => {
      const req = http.request(
        { agent: this.agent, hostname: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, method: options.method ?? 'GET', headers },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        },
      );
      req.on('error', reject);
      req.end(options.body);
    });
  }

  /** POSTs an application/x-www-form-urlencoded body. */
  postForm(url: URL, form: Record<string, string>, headers: Record<string, string> = {}): Promise<HttpResponse> {
    return this.request(url, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

interface Cookie {
  name: string;
  value: string;
  path: string;
  expires: number | undefined;
}

/** One browser: its own cookie jar over the shared connections; follows redirects only when asked. */
export class Browser {
  private cookies: Cookie[] = [];

  constructor(private readonly http: HttpClient, private readonly headers: Record<string, string> = {}) {}

  private cookieHeader(url: URL): string {
    const now = Date.now();
    this.cookies = this.cookies.filter((c) => c.expires === undefined || c.expires > now);
    return this.cookies
      .filter((c) => c.path === '/' || url.pathname === c.path || url.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`))
      .sort((a, b) => b.path.length - a.path.length)
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }

  private store(url: URL, setCookie: string[] | undefined): void {
    for (const line of setCookie ?? []) {
      const [pair = '', ...attrs] = line.split(';').map((s) => s.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      let path = url.pathname.replace(/\/[^/]*$/, '') || '/';
      let expires: number | undefined;
      for (const attr of attrs) {
        const [k = '', v = ''] = attr.split('=');
        const key = k.toLowerCase();
        if (key === 'path') path = v || '/';
        if (key === 'max-age') expires = Date.now() + Number(v) * 1000;
        if (key === 'expires' && expires === undefined) expires = Date.parse(v);
      }
      this.cookies = this.cookies.filter((c) => !(c.name === name && c.path === path));
      if (expires === undefined || expires > Date.now()) this.cookies.push({ name, value, path, expires });
    }
  }

  /** One request with this browser's cookies, no redirect following. */
  async request(url: URL, init: { form?: Record<string, string> } = {}): Promise<HttpResponse> {
    const headers: Record<string, string> = { ...this.headers };
    const cookie = this.cookieHeader(url);
    if (cookie) headers.cookie = cookie;
    const response = init.form
      ? await this.http.postForm(url, init.form, { ...headers, origin: url.origin })
      : await this.http.request(url, { headers });
    const setCookie = response.headers['set-cookie'];
    this.store(url, setCookie);
    return response;
  }

  /**
   * Follows redirects until a non-redirect answer, or until a redirect leaves for `stopAt` (the relying
   * party's redirect URI), which is returned as the final URL without being fetched (response undefined).
   */
  async follow(start: URL, init: { form?: Record<string, string> }, stopAt: string): Promise<{ url: URL; response: HttpResponse | undefined }> {
    let url = start;
    let response = await this.request(url, init);
    for (let hops = 0; hops < 10; hops++) {
      const location = response.headers.location;
      if (response.status < 300 || response.status >= 400 || !location) return { url, response };
      url = new URL(location, url);
      if (url.href.startsWith(stopAt)) return { url, response: undefined };
      response = await this.request(url);
    }
    throw new Error(`too many redirects, last at ${url.href}`);
  }
}

export interface PageForm {
  action: string;
  fields: Record<string, string>;
}

function decodeEntities(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&#x2F;/g, '/').replace(/&amp;/g, '&');
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
