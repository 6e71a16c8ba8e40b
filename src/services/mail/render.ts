// Renders a mail: subject from the locale file, views/emails/<template>.text.ejs as the plain-text part and
// views/emails/<template>.html.ejs inside views/emails/layout.html.ejs as the HTML part. Every string comes
// from the translator. HTML output is escaped (`<%= %>`); the text part is not HTML, so it is not escaped.
// HTML mails load nothing remote (no images, fonts or stylesheets): styles are inline.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ejs from 'ejs';
import type { I18n } from '../../i18n/index.js';
import { viewsDir as defaultViewsDir } from '../../paths.js';
import { describeDataProblems, mailDataSchemas, mailSubject, type MailTemplate } from './templates.js';

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
  /** The locale the mail was written in (a locale with a file; English when the wanted one has none). */
  locale: string;
}

/** The data stored for a mail does not fit its template (a bug in the caller, or an outdated row). */
export class MailDataInvalid extends Error {
  override name = 'MailDataInvalid';
}

export interface MailRendererOptions {
  i18n: I18n;
  viewsDir?: string;
}

export interface MailRenderer {
  render(template: MailTemplate, locale: string, data: Record<string, unknown>): RenderedMail;
}

const plainText = (value: unknown): string => (value === undefined || value === null ? '' : String(value));

/** Creates the mail renderer; each template file is read and compiled once, on first use. */
export function createMailRenderer(options: MailRendererOptions): MailRenderer {
  const root = path.resolve(options.viewsDir ?? defaultViewsDir);
  const emailsDir = path.join(root, 'emails');
  const compiled = new Map<string, ejs.TemplateFunction>();

  function template(file: string, kind: 'html' | 'text'): ejs.TemplateFunction {
    let fn = compiled.get(file);
    if (!fn) {
      fn = ejs.compile(readFileSync(file, 'utf8'), {
        filename: file,
        root,
        async: false,
        cache: kind === 'html', // partials included by HTML mails are compiled once (ejs's cache, by file)
        ...(kind === 'text' ? { escape: plainText } : {}),
      });
      compiled.set(file, fn);
    }
    return fn;
  }

  return {
    render(name, wantedLocale, rawData) {
      const parsed = mailDataSchemas[name].safeParse(rawData);
      if (!parsed.success) throw new MailDataInvalid(`The data of the ${name} mail does not fit the template: ${describeDataProblems(parsed.error)}`);
      // Every field of the template is a local, optional ones as undefined (EJS throws on unknown names).
      const data: Record<string, unknown> = Object.fromEntries(Object.keys(mailDataSchemas[name].shape).map((k) => [k, undefined]));
      Object.assign(data, parsed.data);
      const locale = options.i18n.negotiate({ uiLocales: wantedLocale });
      const t = options.i18n.translator(locale);
      const subject = mailSubject(name, t, parsed.data);
      const locals = { ...data, data, t, locale, subject };
      const text = normalizeText(template(path.join(emailsDir, `${name}.text.ejs`), 'text')(locals));
      const body = template(path.join(emailsDir, `${name}.html.ejs`), 'html')(locals);
      const html = template(path.join(emailsDir, 'layout.html.ejs'), 'html')({ ...locals, body });
      return { subject, text, html, locale };
    },
  };
}

/** Trims trailing spaces and runs of blank lines left by template tags. */
function normalizeText(text: string): string {
  return `${text.replace(/[ \t]+$/gm, '').replace(/\n{3,}/g, '\n\n').trim()}\n`;
}
