// The language switcher on every page: GET /locale?lang=cs&return=/path remembers the choice in a cookie
// (one year) and sends the browser back. The return path must be a path on this site (no open redirect:
// OWASP ASVS V5.1.5); anything else goes to the site root.
import type { Middleware } from 'koa';
import { LOCALE_CHOSEN_AT_COOKIE, LOCALE_COOKIE } from './middleware/request-context.js';

const ONE_YEAR_MS = 365 * 24 * 3600 * 1000;

/** The endonym of each supported language, as the switcher lists it. */
export const LANGUAGE_NAMES: Record<string, string> = {
  cs: 'Čeština',
  en: 'English',
  hr: 'Hrvatski',
  lv: 'Latviešu',
  ru: 'Русский',
};

/** A return path that stays on this site: starts with one '/', no backslash, no control characters. */
export function safeReturnPath(value: unknown, mountPath: string): string {
  const fallback = `${mountPath}/`;
  if (typeof value !== 'string' || value.length > 2048) return fallback;
  if (!value.startsWith('/') || value.startsWith('//') || /[\\\u0000-\u001f\u007f]/.test(value)) return fallback;
  if (mountPath && value !== mountPath && !value.startsWith(`${mountPath}/`) && !value.startsWith(`${mountPath}?`)) return fallback;
  return value;
}

/** Handles GET /locale; passes every other request on. */
export function languageSwitch(options: { locales: readonly string[]; secure: boolean; cookiePath: string }): Middleware {
  const supported = new Map(options.locales.map((l) => [l.toLowerCase(), l]));
  return async function switchLanguage(ctx, next) {
    if (ctx.path !== '/locale' || (ctx.method !== 'GET' && ctx.method !== 'HEAD')) return next();
    const mountPath = String(ctx.state.mountPath ?? '');
    const lang = typeof ctx.query.lang === 'string' ? supported.get(ctx.query.lang.toLowerCase()) : undefined;
    const target = safeReturnPath(ctx.query.return, mountPath);
    if (lang) {
      const cookie = { httpOnly: true, sameSite: 'lax' as const, secure: options.secure, path: options.cookiePath, maxAge: ONE_YEAR_MS, overwrite: true };
      ctx.cookies.set(LOCALE_COOKIE, lang, cookie);
      ctx.cookies.set(LOCALE_CHOSEN_AT_COOKIE, String(Math.floor(Date.now() / 1000)), cookie);
    }
    ctx.set('Cache-Control', 'no-store');
    ctx.status = 303;
    ctx.redirect(target);
  };
}

/** The switcher's entries for the layout: each language with the link that picks it and comes back here. */
export function languageOptions(locales: readonly string[], returnPath: string, mountPath: string) {
  return locales.map((tag) => ({
    tag,
    name: LANGUAGE_NAMES[tag] ?? tag,
    href: `${mountPath}/locale?lang=${encodeURIComponent(tag)}&return=${encodeURIComponent(returnPath)}`,
  }));
}
