// Helpers for account-center tests: sign a browser-like UserAgent in through the real login page.
import { formsOf, UserAgent, type PageForm } from '../../support/user-agent.js';

export interface AccountPage {
  url: URL;
  status: number;
  html: string;
  forms: PageForm[];
}

/** Opens a URL, following redirects, and returns the page the browser ends on. */
export async function open(ua: UserAgent, url: string | URL, init: Parameters<UserAgent['request']>[1] = {}): Promise<AccountPage> {
  const { url: final, response } = await ua.follow(url, init);
  const html = await response!.text();
  return { url: final, status: response!.status, html, forms: formsOf(html, final) };
}

/** Opens /account (or `path`) and signs in on the login page it leads to; returns the account page. */
export async function signIn(ua: UserAgent, issuer: string, credentials: { email: string; password: string }, path = '/account'): Promise<AccountPage> {
  const login = await open(ua, `${issuer}${path}`);
  const form = login.forms.find((f) => 'password' in f.fields);
  if (!form) throw new Error(`Expected the login page, got ${login.url.href} (${login.status}): ${login.html.slice(0, 300)}`);
  return open(ua, form.action, { form: { ...form.fields, email: credentials.email, password: credentials.password } });
}

/** Submits the page's form posting to actionSuffix (optionally the one with a given hidden field value). */
export async function submit(ua: UserAgent, page: AccountPage, actionSuffix: string, fields: Record<string, string> = {}, match?: (f: PageForm) => boolean): Promise<AccountPage> {
  const form = page.forms.find((f) => new URL(f.action).pathname.endsWith(actionSuffix) && (!match || match(f)));
  if (!form) throw new Error(`No form posting to *${actionSuffix} on ${page.url.href}`);
  return open(ua, form.action, { form: { ...form.fields, ...fields } });
}

/** The text of an HTML page without tags, whitespace collapsed (for "the page says ..." assertions). */
export function textOf(html: string): string {
  return html.replace(/<script[\s\S]*?<\/script>/g, '').replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/\s+/g, ' ').trim();
}
