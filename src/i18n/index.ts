// Translations for every user-visible string: loaded once at startup from locales/<lang>.json and
// locales/<area>/<lang>.json (one folder per feature area, e.g. locales/account/cs.json), merged per
// language; a key defined in two files of one language is an error.
//
// Locale file format: ONE FLAT JSON OBJECT of dotted keys to strings, e.g.
//   { "login.heading": "Sign in to continue to {client}", "scope.email": "Your email address" }
// Placeholders are `{name}` and are filled from the `vars` argument of a Translate call; the
// result is plain text (HTML escaping is the template's job). A key missing from a locale falls
// back to English; a key missing from English comes back as the key itself (and a test fails).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { localesDir } from '../paths.js';

/** Looks up a message by key and fills its `{name}` placeholders. */
export type Translate = (key: string, vars?: Record<string, string | number>) => string;

/** Where a request says which language it wants, most explicit first. */
export interface LocaleCandidates {
  /** OIDC `ui_locales` request parameter: space-separated BCP 47 tags in order of preference. */
  uiLocales?: string | undefined;
  /** The locale the user picked earlier (cookie value: one tag). */
  cookie?: string | undefined;
  /** The Accept-Language request header (with q-values). */
  acceptLanguage?: string | undefined;
}

export interface I18n {
  /** Locales with a file in the locales directory, e.g. ['cs', 'en']; always contains 'en'. */
  readonly locales: string[];
  readonly defaultLocale: 'en';
  /** The translator for a locale; unknown locales get English. */
  translator(locale: string): Translate;
  /** The best supported locale: ui_locales, then the cookie, then Accept-Language, then 'en'. */
  negotiate(candidates: LocaleCandidates): string;
}

/** Thrown at startup when a locale file is missing or malformed; the message names the file. */
export class LocaleFileError extends Error {
  override name = 'LocaleFileError';
}

type Messages = ReadonlyMap<string, string>;

const DEFAULT_LOCALE = 'en';
// A BCP 47 tag as far as matching needs it: letters/digits in subtags of 1-8, at most 35 chars.
const localeTag = /^[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*$/;
const placeholder = /\{([A-Za-z0-9_]+)\}/g;
// Accept-Language headers longer than this are cut: nobody prefers twenty languages.
const MAX_ACCEPT_LANGUAGE_ENTRIES = 20;

/** Loads every locales/<lang>.json in dir (synchronously, once) and answers translation questions. */
export function createI18n(dir: string = localesDir): I18n {
  const catalogs = loadCatalogs(dir);
  const english = catalogs.get(DEFAULT_LOCALE);
  if (!english) throw new LocaleFileError(`Missing ${path.join(dir, `${DEFAULT_LOCALE}.json`)}: English is the fallback for every locale.`);

  const locales = [...catalogs.keys()].sort();
  const byLowerCase = new Map(locales.map((l) => [l.toLowerCase(), l]));
  const translators = new Map<string, Translate>();

  function translator(locale: string): Translate {
    const supported = byLowerCase.get(locale.toLowerCase()) ?? DEFAULT_LOCALE;
    let t = translators.get(supported);
    if (!t) {
      t = makeTranslator(catalogs.get(supported) ?? english!, english!);
      translators.set(supported, t);
    }
    return t;
  }

  /** RFC 4647 "lookup": try the tag, then drop subtags from the end (zh-Hant-TW, zh-Hant, zh). */
  function match(tag: string): string | undefined {
    const trimmed = tag.trim();
    if (!localeTag.test(trimmed) || trimmed.length > 35) return undefined;
    const parts = trimmed.toLowerCase().split('-');
    while (parts.length > 0) {
      const found = byLowerCase.get(parts.join('-'));
      if (found) return found;
      parts.pop();
    }
    return undefined;
  }

  function negotiate(candidates: LocaleCandidates): string {
    for (const tag of (candidates.uiLocales ?? '').split(/\s+/)) {
      const found = tag ? match(tag) : undefined;
      if (found) return found;
    }
    if (candidates.cookie) {
      const found = match(candidates.cookie);
      if (found) return found;
    }
    for (const tag of parseAcceptLanguage(candidates.acceptLanguage ?? '')) {
      const found = match(tag);
      if (found) return found;
    }
    return DEFAULT_LOCALE;
  }

  return { locales, defaultLocale: DEFAULT_LOCALE, translator, negotiate };
}

/** Formats a date (no time) for the locale, e.g. "5 March 2025" / "5. března 2025". */
export function formatDate(
  locale: string,
  date: Date | string | number,
  options: Intl.DateTimeFormatOptions = { dateStyle: 'long' },
): string {
  const value = date instanceof Date ? date : new Date(date);
  try {
    return new Intl.DateTimeFormat(locale, options).format(value);
  } catch (err) {
    // A malformed tag is a RangeError from Intl; an invalid date is one from format().
    if (err instanceof RangeError && !Number.isNaN(value.getTime())) {
      return new Intl.DateTimeFormat(DEFAULT_LOCALE, options).format(value);
    }
    throw err;
  }
}

/** Formats a number for the locale, e.g. 12345.6 -> "12,345.6" (en) / "12 345,6" (cs). */
export function formatNumber(locale: string, value: number, options: Intl.NumberFormatOptions = {}): string {
  try {
    return new Intl.NumberFormat(locale, options).format(value);
  } catch (err) {
    if (err instanceof RangeError) return new Intl.NumberFormat(DEFAULT_LOCALE, options).format(value);
    throw err;
  }
}

/** The language tags of an Accept-Language header, best first (q=0 and `*` dropped). */
export function parseAcceptLanguage(header: string): string[] {
  const entries: { tag: string; q: number; index: number }[] = [];
  const parts = header.split(',').slice(0, MAX_ACCEPT_LANGUAGE_ENTRIES);
  parts.forEach((part, index) => {
    const [rawTag, ...params] = part.split(';');
    const tag = rawTag?.trim() ?? '';
    if (!tag || tag === '*') return;
    let q = 1;
    for (const param of params) {
      const [name, value] = param.split('=').map((s) => s.trim());
      if (name?.toLowerCase() === 'q') {
        q = value !== undefined && /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/.test(value) ? Number(value) : 0;
      }
    }
    if (q > 0) entries.push({ tag, q, index });
  });
  entries.sort((a, b) => b.q - a.q || a.index - b.index);
  return entries.map((e) => e.tag);
}

function makeTranslator(messages: Messages, english: Messages): Translate {
  return (key, vars) => {
    const template = messages.get(key) ?? english.get(key) ?? key;
    if (!vars) return template;
    return template.replace(placeholder, (whole, name: string) => {
      const value = vars[name];
      return value === undefined ? whole : String(value);
    });
  };
}

function loadCatalogs(dir: string): Map<string, Messages> {
  const catalogs = new Map<string, Messages>();
  for (const [locale, entries] of readLocaleCatalogs(dir)) catalogs.set(locale, new Map(Object.entries(entries)));
  return catalogs;
}

/**
 * Every locale's messages merged from locales/<lang>.json and locales/<area>/<lang>.json, in file order
 * (top-level file first, then areas alphabetically). Throws LocaleFileError naming the file on any problem.
 */
export function readLocaleCatalogs(dir: string = localesDir): Map<string, Record<string, string>> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    throw new LocaleFileError(`Cannot read the locales directory ${dir}: ${(err as Error).message}`);
  }
  const files = entries.filter((e) => e.isFile() && e.name.endsWith('.json')).map((e) => path.join(dir, e.name));
  for (const area of entries.filter((e) => e.isDirectory()).map((e) => e.name).sort()) {
    const areaDir = path.join(dir, area);
    files.push(...readdirSync(areaDir).filter((f) => f.endsWith('.json')).sort().map((f) => path.join(areaDir, f)));
  }
  const catalogs = new Map<string, Record<string, string>>();
  const origin = new Map<string, string>();
  for (const where of files) {
    const locale = path.basename(where).slice(0, -'.json'.length);
    if (!localeTag.test(locale)) throw new LocaleFileError(`${where}: the file name must be a language tag such as en.json or pt-BR.json.`);
    const merged = catalogs.get(locale) ?? {};
    for (const [key, text] of parseCatalog(readFileSync(where, 'utf8'), where)) {
      const earlier = origin.get(`${locale}\0${key}`);
      if (earlier) throw new LocaleFileError(`${where}: "${key}" is already defined in ${earlier}.`);
      origin.set(`${locale}\0${key}`, where);
      merged[key] = text;
    }
    catalogs.set(locale, merged);
  }
  return catalogs;
}

/** Parses one locale file: a flat object whose values are all strings. */
function parseCatalog(text: string, where: string): Messages {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new LocaleFileError(`${where}: not valid JSON (${(err as Error).message}).`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new LocaleFileError(`${where}: must be one JSON object of "dotted.key": "text" pairs.`);
  }
  const messages = new Map<string, string>();
  for (const [key, value] of Object.entries(data)) {
    if (typeof value !== 'string') {
      throw new LocaleFileError(`${where}: the value of "${key}" must be a string (keys are flat, e.g. "login.heading").`);
    }
    messages.set(key, value);
  }
  return messages;
}
