// The four non-English locales (cs, lv, hr, ru): each file has exactly the English keys in the
// English order, the login page actually renders in that language (compared with the locale
// file, not with guessed wording), and the usual browser Accept-Language headers pick it.
import { describe, it, expect } from '@jest/globals';
import ejs from 'ejs';
import { createI18n, readLocaleCatalogs } from '../../src/i18n/index.js';
import { createRenderer, type ClientDisplay } from '../../src/web/render.js';
import { html, pageContext } from '../support/koa-context.js';

const i18n = createI18n();
const render = createRenderer({ i18n });

const LOCALES = ['cs', 'lv', 'hr', 'ru'] as const;

const catalogs = readLocaleCatalogs();

function catalog(locale: string): Record<string, string> {
  return catalogs.get(locale)!;
}

const english = catalog('en');

const context = pageContext;

/** The text as `<%= %>` writes it into the page. */
const escape = (text: string): string => ejs.escapeXML(text);

/** Fills `{name}` placeholders the way the translator does. */
function fill(template: string, vars: Record<string, string>): string {
  return template.replace(/\{([A-Za-z0-9_]+)\}/g, (whole, name: string) => vars[name] ?? whole);
}

const client: ClientDisplay = {
  name: 'E-shop',
  logoUri: 'https://shop.example/logo.png',
  policyUri: 'https://shop.example/privacy',
  tosUri: 'https://shop.example/terms',
};

const loginLocals = {
  client,
  action: '/interaction/abc/login',
  abortAction: '/interaction/abc/abort',
  email: '',
  firstTimeHint: true,
};

describe.each(LOCALES)('locales/%s.json', (locale) => {
  const messages = catalog(locale);

  it('is loaded as a supported locale', () => {
    expect(i18n.locales).toContain(locale);
  });

  it('has exactly the English keys, in the English order, none of them empty', () => {
    expect(Object.keys(messages)).toEqual(Object.keys(english));
    const empty = Object.entries(messages).filter(([, text]) => text.trim() === '').map(([key]) => key);
    expect(empty).toEqual([]);
  });

  it('translates the page and mail text instead of copying the English', () => {
    // Only the product name and the "{page} – Latchkey" frame may read the same in every language.
    const untranslated = Object.keys(english)
      .filter((key) => key !== 'app.name' && key !== 'layout.title')
      .filter((key) => messages[key] === english[key]);
    expect(untranslated).toEqual([]);
  });
});

describe.each(LOCALES)('login page in %s', (locale) => {
  const messages = catalog(locale);
  const page = (): string => {
    const ctx = context({ locale });
    render(ctx, 'login', loginLocals);
    expect(ctx.status).toBe(200);
    return html(ctx);
  };

  it('declares the language in <html lang> and translates the <title>', () => {
    const text = page();
    expect(text).toContain(`<html lang="${locale}">`);
    expect(text).toContain(`<title>${escape(fill(messages['layout.title']!, { page: messages['login.title']! }))}</title>`);
  });

  it('shows the heading, field labels, buttons, hint and logo text from the locale file', () => {
    const text = page();
    expect(text).toContain(`<h1>${escape(fill(messages['login.heading']!, { client: client.name }))}</h1>`);
    expect(text).toContain(`<label for="email">${escape(messages['login.email']!)}</label>`);
    expect(text).toContain(`<label for="password">${escape(messages['login.password']!)}</label>`);
    expect(text).toContain(`type="submit">${escape(messages['login.submit']!)}</button>`);
    expect(text).toContain(`type="submit">${escape(fill(messages['login.cancel']!, { client: client.name }))}</button>`);
    expect(text).toContain(escape(messages['login.first_time_hint']!));
    expect(text).toContain(`alt="${escape(fill(messages['client.logo_alt']!, { client: client.name }))}"`);
    expect(text).toContain(escape(fill(messages['client.policy']!, { client: client.name })));
    expect(text).toContain(escape(fill(messages['client.terms']!, { client: client.name })));
  });

  it('leaves no English behind on the page', () => {
    const text = page();
    for (const key of ['login.heading', 'login.password', 'login.submit', 'login.cancel', 'login.first_time_hint', 'client.policy']) {
      expect(text).not.toContain(escape(fill(english[key]!, { client: client.name })));
    }
  });

  it('shows the translated error message handed over by the handler', () => {
    const ctx = context({ locale });
    const error = render.translator(ctx)('login.error.invalid');
    expect(error).toBe(messages['login.error.invalid']);
    render(ctx, 'login', { ...loginLocals, email: 'ann@example.com', error });
    expect(html(ctx)).toMatch(new RegExp(`role="alert"[^>]*>\\s*<p>${escapeRegExp(escape(error))}</p>`));
  });

  it('maps a regional ctx.state.locale to the language file it renders with', () => {
    const ctx = context({ locale: `${locale}-${locale.toUpperCase()}` });
    render(ctx, 'login', loginLocals);
    expect(html(ctx)).toContain(`<html lang="${locale}">`);
    expect(html(ctx)).toContain(`<label for="password">${escape(messages['login.password']!)}</label>`);
  });
});

describe('negotiate with the project locales', () => {
  it('picks the language of common browser Accept-Language headers', () => {
    expect(i18n.negotiate({ acceptLanguage: 'cs-CZ,cs;q=0.9,en;q=0.8' })).toBe('cs');
    expect(i18n.negotiate({ acceptLanguage: 'ru-RU' })).toBe('ru');
    expect(i18n.negotiate({ acceptLanguage: 'ru-RU,ru;q=0.9,en-US;q=0.8,en;q=0.7' })).toBe('ru');
    expect(i18n.negotiate({ acceptLanguage: 'hr' })).toBe('hr');
    expect(i18n.negotiate({ acceptLanguage: 'lv-LV' })).toBe('lv');
  });

  it('still prefers ui_locales and the cookie over Accept-Language', () => {
    expect(i18n.negotiate({ uiLocales: 'lv', cookie: 'hr', acceptLanguage: 'ru-RU' })).toBe('lv');
    expect(i18n.negotiate({ cookie: 'hr', acceptLanguage: 'ru-RU' })).toBe('hr');
  });

  it('falls back to English for a language we do not have', () => {
    expect(i18n.negotiate({ acceptLanguage: 'de-DE,de;q=0.9' })).toBe('en');
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
