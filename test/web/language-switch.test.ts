// The language switcher (issue 3, item 9): every page lists the five languages; picking one is remembered
// (cookie) and brings the user back to the same page; the app's ui_locales comes first inside a sign-in unless
// the user picks a language during it; the return path never leaves the site.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestLatchkey, type TestLatchkey } from '../support/latchkey.js';
import { REDIRECT_URI, relyingParty, startAuthorization, visit, type Page } from '../support/relying-party.js';
import { UserAgent } from '../support/user-agent.js';
import { safeReturnPath } from '../../src/web/language-switch.js';
import type * as oidc from 'openid-client';

/** The switcher's links on a page: language tag -> href. */
function switcher(page: Page): Map<string, string> {
  const nav = /<nav class="language-switch"[\s\S]*?<\/nav>/.exec(page.html)?.[0] ?? '';
  return new Map([...nav.matchAll(/<a href="([^"]+)" lang="([^"]+)"/g)].map((m) => [m[2]!, m[1]!.replaceAll('&amp;', '&')]));
}
const heading = (page: Page) => /<h1>([^<]*)<\/h1>/.exec(page.html)?.[1];
const htmlLang = (page: Page) => /<html lang="([^"]+)"/.exec(page.html)?.[1];

describe('language switcher', () => {
  let t: TestLatchkey;
  let shop: oidc.Configuration;

  beforeAll(async () => {
    t = await startTestLatchkey('pglite');
    const created = await t.latchkey.clients.create({ name: 'Shop', type: 'web', redirectUris: [REDIRECT_URI], firstParty: true });
    shop = await relyingParty(t.issuer, created.client.clientId, created.clientSecret);
  });
  afterAll(async () => t?.close());

  async function loginPage(ua: UserAgent, params: Record<string, string> = {}): Promise<Page> {
    const step = await visit(ua, (await startAuthorization(shop, params)).url);
    expect(step.page?.status).toBe(200);
    return step.page!;
  }

  it('lists every other language on the login page, and the current one as current', async () => {
    const page = await loginPage(new UserAgent());
    expect(htmlLang(page)).toBe('en');
    expect([...switcher(page).keys()].sort()).toEqual(['cs', 'hr', 'lv', 'ru']);
    expect(page.html).toMatch(/<span lang="en" aria-current="true">English<\/span>/);
  });

  it('switches the page, returns to it, and remembers the choice for the next sign-in', async () => {
    const ua = new UserAgent();
    const page = await loginPage(ua);
    const czech = await visit(ua, new URL(switcher(page).get('cs')!, t.issuer));
    expect(czech.page?.url.pathname).toBe(page.url.pathname);
    expect(htmlLang(czech.page!)).toBe('cs');
    expect(heading(czech.page!)).toBe('Přihlaste se a pokračujte do aplikace Shop');
    // Remembered: a new sign-in with an English browser still shows Czech.
    const later = await loginPage(ua);
    expect(htmlLang(later)).toBe('cs');
  });

  it("puts the app's ui_locales first, until the user picks a language during the sign-in", async () => {
    const ua = new UserAgent();
    // An earlier choice (Latvian) ...
    await ua.follow(new URL('/locale?lang=lv&return=/', t.issuer));
    // ... loses against the app asking for Croatian in a sign-in started afterwards.
    await new Promise((r) => setTimeout(r, 1100));
    const page = await loginPage(ua, { ui_locales: 'hr en' });
    expect(htmlLang(page)).toBe('hr');
    // Picking Russian on this page wins for the rest of this sign-in.
    const russian = await visit(ua, new URL(switcher(page).get('ru')!, t.issuer));
    expect(htmlLang(russian.page!)).toBe('ru');
  });

  it('ignores unsupported languages and never redirects off the site', async () => {
    for (const target of ['https://evil.example/', '//evil.example/x', '/\\evil.example', 'javascript:alert(1)', '']) {
      const res = await fetch(new URL(`/locale?lang=cs&return=${encodeURIComponent(target)}`, t.issuer), { redirect: 'manual' });
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe('/');
    }
    const res = await fetch(new URL('/locale?lang=xx&return=/account', t.issuer), { redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/account');
    expect(res.headers.get('set-cookie')).toBeNull();
  });

  it('keeps return paths under the mount path', () => {
    expect(safeReturnPath('/idp/interaction/abc', '/idp')).toBe('/idp/interaction/abc');
    expect(safeReturnPath('/elsewhere', '/idp')).toBe('/idp/');
    expect(safeReturnPath('/idpx/y', '/idp')).toBe('/idp/');
  });
});
