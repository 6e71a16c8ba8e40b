// What every browser test (test/browser/*) needs around headless Chromium: launching it, pages that record
// Content Security Policy violations and script errors, screenshots, the "no sideways scrolling" check, the
// login form, and an app's redirect URI answered inside the browser. Real browser (playwright-core), no mocks.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';

/** A desktop browser window in English. */
export const desktop = { viewport: { width: 1024, height: 768 }, locale: 'en-US' } satisfies BrowserContextOptions;

/** A 375 px phone screen (touch, high-density display) in English. */
export const phone = { viewport: { width: 375, height: 667 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'en-US' } satisfies BrowserContextOptions;

/** Starts the system's headless Chromium, without any network traffic of its own. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** What went wrong in the watched pages: Content Security Policy violations and uncaught script errors. */
export interface PageProblems {
  readonly cspViolations: string[];
  readonly pageErrors: string[];
}

/** An empty record of page problems, to share between the pages of one test file. */
export function pageProblems(): PageProblems {
  return { cspViolations: [], pageErrors: [] };
}

/** Starts recording the page's CSP violations and script errors into `problems`; returns the page. */
export function watch(page: Page, problems: PageProblems): Page {
  page.on('console', (msg) => {
    if (/Content Security Policy|Refused to/i.test(msg.text())) problems.cspViolations.push(msg.text());
  });
  page.on('pageerror', (err) => problems.pageErrors.push(err.message));
  return page;
}

/** Opens a new page in the context whose CSP violations and script errors are recorded into `problems`. */
export async function watchedPage(context: BrowserContext, problems: PageProblems): Promise<Page> {
  return watch(await context.newPage(), problems);
}

/** A temporary folder of full-page screenshots for one test file, to look at after a run. */
export class Screenshots {
  readonly folder: string;

  constructor(area: string) {
    this.folder = mkdtempSync(path.join(os.tmpdir(), `latchkey-${area}-`));
  }

  /** Saves a full-page screenshot of the page as `<name>.png`. */
  async take(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: path.join(this.folder, `${name}.png`), fullPage: true });
  }
}

/**
 * True when the page is wider than the screen (the person would have to scroll sideways). Compared with the
 * configured width, not window.innerWidth alone: a mobile browser zooms out to fit wide content, growing innerWidth.
 */
export async function scrollsSideways(page: Page): Promise<boolean> {
  const width = page.viewportSize()!.width;
  const [doc, body, inner] = await page.evaluate<number[]>('[document.documentElement.scrollWidth, document.body.scrollWidth, window.innerWidth]');
  return doc! > width || body! > width || inner! > width;
}

/** The login form's visible labels, by which a person (and a screen reader) finds the fields. */
export interface SignInLabels {
  email: string;
  password: string;
  submit: string;
}

/** The English labels of the login form. */
export const englishSignIn: SignInLabels = { email: 'Email', password: 'Password', submit: 'Sign in' };

/** Fills the login page's email and password, found by their labels, and presses the sign-in button. */
export async function fillSignIn(page: Page, email: string, password: string, labels: SignInLabels = englishSignIn): Promise<void> {
  await page.getByLabel(labels.email, { exact: true }).fill(email);
  await page.getByLabel(labels.password, { exact: true }).fill(password);
  await page.getByRole('button', { name: labels.submit }).click();
}

/** Answers the app's redirect URI inside the browser ("Back at the shop"), so the browser never leaves the machine. */
export async function answerAppCallback(context: BrowserContext, redirectUri: string): Promise<void> {
  await context.route(`${redirectUri}**`, (route) => route.fulfill({ contentType: 'text/html', body: '<!DOCTYPE html><title>Shop</title><h1 id="back-at-shop">Back at the shop</h1>' }));
}
