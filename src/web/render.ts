// Renders the HTML pages: views/pages/<view>.ejs inside views/layout.ejs, translated for the request.
// Output is escaped by default (`<%= %>`); raw output (`<%- %>`) is reserved for partial includes,
// the page body inside the layout, and the logout page's `form` (HTML built by oidc-provider).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ejs from 'ejs';
import type Koa from 'koa';
import { formatDate, formatNumber, type I18n, type Translate } from '../i18n/index.js';
import { viewsDir as defaultViewsDir } from '../paths.js';
import { languageOptions } from './language-switch.js';

/** The relying party as pages show it: its name, and the optional links from its registration. */
export interface ClientDisplay {
  name: string;
  logoUri?: string | undefined;
  clientUri?: string | undefined;
  policyUri?: string | undefined;
  tosUri?: string | undefined;
}

export interface LoginPageLocals {
  client: ClientDisplay;
  /** Where the login form POSTs. */
  action: string;
  /** Where the cancel form POSTs (ends the interaction with access_denied). */
  abortAction: string;
  /** Pre-filled email (after a failed attempt or from login_hint); '' for none. */
  email: string;
  /** An already translated message; the alert region is shown only when set. */
  error?: string | undefined;
  /** Show the "first time here? use your old password" note (legacy migration). */
  firstTimeHint: boolean;
  /** The "Create account" link (only when registration is enabled). */
  registerUrl?: string | undefined;
  /** The "Forgot password?" link. */
  forgotUrl?: string | undefined;
  /** An already translated note after a self-service step (e.g. "Your email is verified"). */
  notice?: string | undefined;
}

export interface ConsentPageLocals {
  client: ClientDisplay;
  /** The requested scopes with translated descriptions. */
  scopes: { name: string; description: string }[];
  action: string;
  abortAction: string;
  accountEmail: string;
}

export interface LogoutPageLocals {
  /** Raw HTML from oidc-provider's logoutSource: `<form id="op.logoutForm" method="post">` with its xsrf input. */
  form: string;
  clientName?: string | undefined;
  /** No question to ask (a valid id_token_hint for the signed-in account): the page submits the logout itself. */
  automatic?: boolean;
}

export interface LoggedOutPageLocals {
  clientName?: string | undefined;
}

export interface ErrorPageLocals {
  /** Translated title and message; never a stack trace or internal detail. */
  title: string;
  message: string;
  status: number;
  /** The machine-readable error code (e.g. OAuth `invalid_request`), shown next to the status for support. */
  code?: string | undefined;
}

/** The locals each known page needs; other views take any object. */
export interface PageLocals {
  login: LoginPageLocals;
  consent: ConsentPageLocals;
  logout: LogoutPageLocals;
  'logged-out': LoggedOutPageLocals;
  error: ErrorPageLocals;
}

/**
 * Locals every template gets from the renderer. They win over page locals of the same name,
 * so a handler cannot accidentally replace the CSRF token or the translator.
 */
export interface BaseLocals {
  /** Translator for ctx.state.locale (default 'en'). */
  t: Translate;
  locale: string;
  csrfToken: string | undefined;
  /** CSP nonce for the rare inline <script>/<style>; templates should need none. */
  nonce: string | undefined;
  /** URL prefix of the static assets: `${ctx.state.mountPath ?? ''}/assets`. */
  assets: string;
  requestId: string | undefined;
  /** The URL if it is http(s), else undefined: guards href/src against javascript: and data: URLs. */
  safeUrl: (url: string | undefined) => string | undefined;
  /** formatDate bound to the locale. */
  formatDate: (date: Date | string | number, options?: Intl.DateTimeFormatOptions) => string;
  /** formatNumber bound to the locale. */
  formatNumber: (value: number, options?: Intl.NumberFormatOptions) => string;
  /** Set by a page (`page.title = ...`) and read by the layout for <title>. */
  page: { title?: string };
  /** The language switcher: every supported language with the link that picks it and returns to this page. */
  languages: { tag: string; name: string; href: string; current: boolean }[];
}

/** Renders a page as the response (status, HTML type, body); also hands out the request's translator. */
export interface Renderer {
  <V extends string>(
    ctx: Koa.ParameterizedContext,
    view: V,
    locals: V extends keyof PageLocals ? PageLocals[V] : object,
    status?: number,
  ): void;
  /** The translator for ctx.state.locale (default 'en'), for messages a handler passes to a page. */
  translator(ctx: Koa.ParameterizedContext): Translate;
}

export interface RendererOptions {
  viewsDir?: string;
  i18n: I18n;
  /** Include template line numbers in render errors (default true; costs a little speed). */
  compileDebug?: boolean;
}

const viewName = /^[a-z0-9][a-z0-9-]*(?:\/[a-z0-9][a-z0-9-]*)*$/;

/** Creates the page renderer; each template file is read and compiled once, on first use. */
export function createRenderer(options: RendererOptions): Renderer {
  const root = path.resolve(options.viewsDir ?? defaultViewsDir);
  const { i18n } = options;
  const compiled = new Map<string, ejs.TemplateFunction>();

  function template(file: string): ejs.TemplateFunction {
    let fn = compiled.get(file);
    if (!fn) {
      fn = ejs.compile(readFileSync(file, 'utf8'), {
        filename: file,
        root,
        async: false,
        // Partials included from a page are compiled once too (kept in ejs's cache, keyed by file).
        cache: true,
        compileDebug: options.compileDebug ?? true,
      });
      compiled.set(file, fn);
    }
    return fn;
  }

  /** ctx.state.locale mapped to a locale we have a file for (so <html lang> matches the text). */
  function localeOf(ctx: Koa.ParameterizedContext): string {
    const locale: unknown = ctx.state.locale;
    return typeof locale === 'string' ? i18n.negotiate({ uiLocales: locale }) : i18n.defaultLocale;
  }

  function render(ctx: Koa.ParameterizedContext, view: string, locals: object, status = 200): void {
    if (!viewName.test(view)) throw new Error(`Invalid view name ${JSON.stringify(view)}`);
    const state = ctx.state as Record<string, unknown>;
    const locale = localeOf(ctx);
    const base: BaseLocals = {
      t: i18n.translator(locale),
      locale,
      csrfToken: optionalString(state.csrfToken),
      nonce: optionalString(state.cspNonce),
      assets: `${optionalString(state.mountPath) ?? ''}/assets`,
      requestId: optionalString(state.requestId),
      safeUrl,
      formatDate: (date, opts) => formatDate(locale, date, opts),
      formatNumber: (value, opts) => formatNumber(locale, value, opts),
      page: {},
      languages: languageOptions(i18n.locales, returnPath(ctx), optionalString(state.mountPath) ?? '')
        .map((l) => ({ ...l, current: l.tag === locale })),
    };
    const data: Record<string, unknown> = { ...locals, ...base };
    const body = template(path.join(root, 'pages', `${view}.ejs`))(data);
    const html = template(path.join(root, 'layout.ejs'))({ ...data, body });

    ctx.status = status;
    ctx.type = 'html';
    ctx.body = html;
  }

  return Object.assign(render as Renderer, {
    translator: (ctx: Koa.ParameterizedContext) => i18n.translator(localeOf(ctx)),
  });
}

const OWN_PAGES = /^\/(?:interaction|register|verify-email|forgot-password|reset-password|invitation|email-change|account|admin|company-invitation)(?:\/|$)/;

/**
 * Where the language switcher comes back to: this page for a GET; after a form POST, the page the form
 * belongs to (an interaction's step page), else the site root.
 */
function returnPath(ctx: Koa.ParameterizedContext): string {
  const mountPath = optionalString(ctx.state.mountPath) ?? '';
  // Only Latchkey's own pages come back with their query: an OAuth endpoint's query (state, PKCE
  // challenge, login_hint...) must not be copied into links on its error page.
  if (ctx.method === 'GET' && OWN_PAGES.test(ctx.path)) return `${mountPath}${ctx.originalUrl}`;
  const interaction = /^\/interaction\/([A-Za-z0-9_-]+)/.exec(ctx.path);
  return interaction ? `${mountPath}/interaction/${interaction[1]}` : `${mountPath}/`;
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The URL if it parses as absolute http(s), else undefined. */
export function safeUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const { protocol } = new URL(url);
    return protocol === 'https:' || protocol === 'http:' ? url : undefined;
  } catch {
    return undefined;
  }
}
