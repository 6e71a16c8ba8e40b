// Translations: language negotiation order, English fallback, interpolation, and the guard that
// every key the views and the code use exists in every locale file.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it, expect } from '@jest/globals';
import { createI18n, formatDate, formatNumber, LocaleFileError, parseAcceptLanguage, readLocaleCatalogs, type I18n } from '../../src/i18n/index.js';
import { localesDir, packageRoot, viewsDir } from '../../src/paths.js';

let dir: string;
let i18n: I18n;

function writeLocales(target: string, files: Record<string, unknown>): void {
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(path.join(target, name), typeof content === 'string' ? content : JSON.stringify(content));
  }
}

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'latchkey-locales-'));
  writeLocales(dir, {
    'en.json': { 'greeting': 'Hello, {name}!', 'only.english': 'Only in English', 'count': '{n} of {total}' },
    'cs.json': { 'greeting': 'Ahoj, {name}!', 'count': '{n} z {total}' },
    'lv.json': { 'greeting': 'Sveiki, {name}!' },
    'pt-BR.json': { 'greeting': 'Olá, {name}!' },
    'README.txt': 'not a locale',
  });
  i18n = createI18n(dir);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('createI18n', () => {
  it('lists the locales that have a file, with English as the default', () => {
    expect(i18n.locales).toEqual(['cs', 'en', 'lv', 'pt-BR']);
    expect(i18n.defaultLocale).toBe('en');
  });

  it('loads the project locales, English included', () => {
    expect(createI18n().locales).toContain('en');
    expect(createI18n().translator('en')('login.error.invalid')).toBe('Incorrect email or password.');
  });

  it('merges feature-area folders (locales/<area>/<lang>.json) into each language, refusing a key defined twice', () => {
    const areas = mkdtempSync(path.join(tmpdir(), 'latchkey-locales-areas-'));
    try {
      writeLocales(areas, { 'en.json': { 'login.heading': 'Sign in' }, 'cs.json': { 'login.heading': 'Přihlásit' } });
      mkdirSync(path.join(areas, 'account'));
      writeLocales(path.join(areas, 'account'), { 'en.json': { 'account.title': 'Your account' }, 'cs.json': { 'account.title': 'Váš účet' } });
      const merged = createI18n(areas);
      expect(merged.locales).toEqual(['cs', 'en']);
      expect(merged.translator('cs')('account.title')).toBe('Váš účet');
      expect(merged.translator('en')('login.heading')).toBe('Sign in');
      writeLocales(path.join(areas, 'account'), { 'en.json': { 'login.heading': 'Again' } });
      expect(() => createI18n(areas)).toThrow(/"login\.heading" is already defined in .*en\.json/);
    } finally {
      rmSync(areas, { recursive: true, force: true });
    }
  });

  it('fails at startup, naming the file, when English is missing or a file is malformed', () => {
    const bad = mkdtempSync(path.join(tmpdir(), 'latchkey-locales-bad-'));
    try {
      writeLocales(bad, { 'cs.json': { a: 'b' } });
      expect(() => createI18n(bad)).toThrow(/en\.json/);
      writeLocales(bad, { 'en.json': '{ "a": ' });
      expect(() => createI18n(bad)).toThrow(LocaleFileError);
      writeLocales(bad, { 'en.json': { login: { heading: 'nested' } } });
      expect(() => createI18n(bad)).toThrow(/"login" must be a string/);
      writeLocales(bad, { 'en.json': { a: 'b' }, 'not a tag.json': {} });
      expect(() => createI18n(bad)).toThrow(/not a tag\.json/);
    } finally {
      rmSync(bad, { recursive: true, force: true });
    }
  });
});

describe('translator', () => {
  it('interpolates {name} placeholders, numbers included', () => {
    expect(i18n.translator('cs')('greeting', { name: 'Jana' })).toBe('Ahoj, Jana!');
    expect(i18n.translator('cs')('count', { n: 3, total: 10 })).toBe('3 z 10');
  });

  it('leaves the text unescaped (escaping is the template\'s job) and unknown placeholders as they are', () => {
    expect(i18n.translator('en')('greeting', { name: '<b>&' })).toBe('Hello, <b>&!');
    expect(i18n.translator('en')('greeting')).toBe('Hello, {name}!');
    expect(i18n.translator('en')('count', { n: 1 })).toBe('1 of {total}');
  });

  it('does not re-interpolate placeholders that arrive inside values', () => {
    expect(i18n.translator('en')('count', { n: '{total}', total: 5 })).toBe('{total} of 5');
  });

  it('falls back to English for a missing key, and to the key itself when English lacks it too', () => {
    expect(i18n.translator('cs')('only.english')).toBe('Only in English');
    expect(i18n.translator('cs')('no.such.key')).toBe('no.such.key');
  });

  it('gives English for an unsupported locale and matches locale names case-insensitively', () => {
    expect(i18n.translator('de')('greeting', { name: 'A' })).toBe('Hello, A!');
    expect(i18n.translator('PT-br')('greeting', { name: 'A' })).toBe('Olá, A!');
  });
});

describe('negotiate', () => {
  it('prefers ui_locales over the cookie over Accept-Language', () => {
    expect(i18n.negotiate({ uiLocales: 'lv', cookie: 'cs', acceptLanguage: 'pt-BR' })).toBe('lv');
    expect(i18n.negotiate({ cookie: 'cs', acceptLanguage: 'lv' })).toBe('cs');
    expect(i18n.negotiate({ acceptLanguage: 'lv' })).toBe('lv');
    expect(i18n.negotiate({})).toBe('en');
  });

  it('takes the first supported entry of ui_locales and skips the unsupported ones', () => {
    expect(i18n.negotiate({ uiLocales: 'de fr-CA cs lv', cookie: 'lv' })).toBe('cs');
    expect(i18n.negotiate({ uiLocales: '  de   lv  ' })).toBe('lv');
  });

  it('falls through to the next source when one names nothing supported', () => {
    expect(i18n.negotiate({ uiLocales: 'de fr', cookie: 'cs' })).toBe('cs');
    expect(i18n.negotiate({ uiLocales: 'de', cookie: 'xx', acceptLanguage: 'lv' })).toBe('lv');
    expect(i18n.negotiate({ uiLocales: 'de', cookie: 'xx', acceptLanguage: 'fr, de' })).toBe('en');
  });

  it('orders Accept-Language by q-value, keeps header order on ties, and drops q=0', () => {
    expect(i18n.negotiate({ acceptLanguage: 'cs;q=0.5, lv;q=0.9, en;q=0.1' })).toBe('lv');
    expect(i18n.negotiate({ acceptLanguage: 'de, lv;q=0.8, cs;q=0.8' })).toBe('lv');
    expect(i18n.negotiate({ acceptLanguage: 'lv;q=0, cs;q=0.2' })).toBe('cs');
    expect(i18n.negotiate({ acceptLanguage: 'lv;q=0' })).toBe('en');
  });

  it('matches regional tags to their language and back-off (cs-CZ -> cs, pt-BR exactly)', () => {
    expect(i18n.negotiate({ acceptLanguage: 'cs-CZ,cs;q=0.9,en;q=0.8' })).toBe('cs');
    expect(i18n.negotiate({ uiLocales: 'pt-br' })).toBe('pt-BR');
    expect(i18n.negotiate({ uiLocales: 'lv-Latn-LV' })).toBe('lv');
    expect(i18n.negotiate({ uiLocales: 'pt' })).toBe('en');
  });

  it('ignores garbage: bad tags, bad q-values, wildcards, huge cookies', () => {
    expect(i18n.negotiate({ cookie: '../../etc/passwd', acceptLanguage: '*, cs' })).toBe('cs');
    expect(i18n.negotiate({ cookie: 'c'.repeat(5000) })).toBe('en');
    expect(i18n.negotiate({ acceptLanguage: 'lv;q=abc, cs;q=0.3' })).toBe('cs');
    expect(i18n.negotiate({ acceptLanguage: ';;,,' })).toBe('en');
  });
});

describe('parseAcceptLanguage', () => {
  it('returns tags best first', () => {
    expect(parseAcceptLanguage('da, en-GB;q=0.8, en;q=0.7')).toEqual(['da', 'en-GB', 'en']);
    expect(parseAcceptLanguage('en;q=0.5, cs;Q=1.0')).toEqual(['cs', 'en']);
    expect(parseAcceptLanguage('')).toEqual([]);
  });
});

describe('formatDate', () => {
  const date = new Date(Date.UTC(2025, 2, 5, 12));
  it('formats with Intl for the locale', () => {
    expect(formatDate('en', date)).toBe('March 5, 2025');
    expect(formatDate('cs', date)).toBe('5. března 2025');
    expect(formatDate('en', '2025-03-05T12:00:00Z', { year: 'numeric' })).toBe('2025');
  });
  it('falls back to English for a malformed locale and refuses an invalid date', () => {
    expect(formatDate('not a locale!', date)).toBe('March 5, 2025');
    expect(() => formatDate('en', 'yesterday-ish')).toThrow(RangeError);
  });
});

describe('formatNumber', () => {
  it("groups and separates decimals the locale's way, falling back to English for a bad tag", () => {
    expect(formatNumber('en', 12345.5)).toBe('12,345.5');
    expect(formatNumber('cs', 12345.5)).toBe('12\u00a0345,5');
    expect(formatNumber('ru', 12345.5)).toBe('12\u00a0345,5');
    expect(formatNumber('hr', 12345.5)).toBe('12.345,5');
    expect(formatNumber('not a locale!', 1234)).toBe('1,234');
  });
});

// "Missing translations are caught by a test": every literal t('key') in the views and the
// sources, and every scope the provider can ask consent for, must exist in EVERY locale file.
describe('locale files', () => {
  const merged = readLocaleCatalogs(localesDir);
  const localeFiles = [...merged.keys()].map((l) => `${l}.json`);
  const catalogs = new Map([...merged].map(([l, c]) => [`${l}.json`, c]));
  const english = catalogs.get('en.json')!;

  function filesUnder(root: string, extension: string): string[] {
    return readdirSync(root, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && e.name.endsWith(extension))
      .map((e) => path.join(e.parentPath, e.name));
  }

  /** Literal keys of calls like t('a.b'), t("a.b"), t(`a.b`), ctx.state.t('a.b'). */
  function usedKeys(files: string[]): Map<string, string> {
    const keys = new Map<string, string>();
    const call = /(?<![\w$])t\(\s*(['"`])([A-Za-z0-9_.-]+)\1/g;
    for (const file of files) {
      for (const m of readFileSync(file, 'utf8').matchAll(call)) {
        keys.set(m[2]!, path.relative(packageRoot, file));
      }
    }
    return keys;
  }

  // Scopes are translated with a computed key (`scope.${name}`), so they are listed here.
  const scopes = ['openid', 'profile', 'email', 'phone', 'address', 'offline_access', 'customer', 'company', 'organizations', 'account'];
  const required = new Map([
    ...usedKeys([...filesUnder(viewsDir, '.ejs'), ...filesUnder(path.join(packageRoot, 'src'), '.ts')]),
    ...scopes.map((s) => [`scope.${s}`, 'the scope list'] as [string, string]),
    ...['not_found', 'server', 'bad_request', 'unavailable', 'session_expired', 'csrf']
      .flatMap((e) => [`error.${e}`, `error.${e}.title`])
      .map((k) => [k, 'the error keys'] as [string, string]),
  ]);

  it('finds the keys the templates use (the scan works)', () => {
    expect(required.get('login.heading')).toBe(path.join('views', 'pages', 'login.ejs'));
    expect(required.size).toBeGreaterThan(30);
  });

  it.each(localeFiles)('%s has every key the views, the code and the scopes need', (file) => {
    const catalog = catalogs.get(file)!;
    const missing = [...required].filter(([key]) => typeof catalog[key] !== 'string').map(([key, where]) => `${key} (used in ${where})`);
    expect(missing).toEqual([]);
  });

  it.each(localeFiles)('%s has only keys English has, with the same placeholders', (file) => {
    const catalog = catalogs.get(file)!;
    const placeholders = (s: string) => [...s.matchAll(/\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1]).sort();
    const problems: string[] = [];
    for (const [key, text] of Object.entries(catalog)) {
      if (!(key in english)) problems.push(`${key}: not in en.json`);
      else if (placeholders(text).join() !== placeholders(english[key]!).join()) problems.push(`${key}: placeholders differ from en.json`);
    }
    expect(problems).toEqual([]);
  });

  it('keeps the wording the product relies on', () => {
    expect(english['login.error.invalid']).toBe('Incorrect email or password.');
    expect(english['error.session_expired']).toBe('This sign-in link has expired. Go back to the app and start again.');
    expect(english['error.csrf']).toBe('The form expired. Please try again.');
    expect(english['scope.offline_access']).toBe('Stay signed in to the app when you are not using it');
  });
});
