// Shared set-up of the self-service tests: a real Latchkey (trusting X-Forwarded-For so each simulated
// browser has its own client IP for the rate limits), a real SMTP mailbox, and a first-party relying party.
import type { LatchkeyConfig } from '../../../src/config/index.js';
import type { DatabaseKind } from '../../support/databases.js';
import { startTestLatchkey, type TestLatchkey } from '../../support/latchkey.js';
import { startMailbox, type Mailbox } from '../../support/mailbox.js';
import { oidc, REDIRECT_URI, relyingParty, startAuthorization, submitForm, visit, type Page, type Step } from '../../support/relying-party.js';
import { UserAgent } from '../../support/user-agent.js';

export const SHOP = 'Corner Shop';

export interface SelfServiceTest {
  t: TestLatchkey;
  mailbox: Mailbox;
  clientId: string;
  rp: oidc.Configuration;
  close(): Promise<void>;
}

/** Starts Latchkey (with overrides) and a mailbox, and registers a first-party web client. */
export async function startSelfService(kind: DatabaseKind, overrides: Partial<LatchkeyConfig> = {}): Promise<SelfServiceTest> {
  const mailbox = await startMailbox();
  const t = await startTestLatchkey(kind, { trustProxy: true, ...overrides }, mailbox.env);
  const { client, clientSecret } = await t.latchkey.clients.create({ name: SHOP, type: 'web', redirectUris: [REDIRECT_URI], firstParty: true });
  const rp = await relyingParty(t.issuer, client.clientId, clientSecret);
  return {
    t, mailbox, clientId: client.clientId, rp,
    async close() {
      await t.close();
      await mailbox.close();
    },
  };
}

let ipSerial = 0;
/** A fresh client IP (TEST-NET-2), so rate limits of one test do not touch another. */
export const freshIp = () => { ipSerial += 1; return `198.51.${(ipSerial >> 8) & 255}.${ipSerial & 255}`; };

/** A browser with its own cookie jar and client IP. */
export const browser = (ip: string = freshIp()) => new UserAgent({ 'x-forwarded-for': ip, 'accept-language': 'en' });

let emailSerial = 0;
/** A fresh address for one test. */
export const freshEmail = (label = 'person') => `${label}-${++emailSerial}-${Date.now().toString(36)}@example.com`;

/** A password the policy accepts. */
export const GOOD_PASSWORD = 'violet tractor anthem 42';

const decode = (s: string) => s.replace(/&amp;/g, '&').replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>');

/** The href of the first link whose URL contains `fragment`, resolved against the page. */
export function linkOn(page: Page, fragment: string): URL {
  for (const m of page.html.matchAll(/href="([^"]*)"/g)) {
    const href = decode(m[1]!);
    if (href.includes(fragment)) return new URL(href, page.url);
  }
  throw new Error(`No link containing ${fragment} on ${page.url.href}: ${page.html.slice(0, 600)}`);
}

/** The page of a step (fails the test if the browser went back to the client instead). */
export function pageOf(step: Step): Page {
  if (!step.page) throw new Error(`Expected a page, but the browser went back to the client: ${step.callback.href}`);
  return step.page;
}

/** The callback URL of a step (fails the test if a page was shown instead). */
export function callbackOf(step: Step): URL {
  if (!step.callback) throw new Error(`Expected the browser back at the client, got ${step.page.url.href} (${step.page.status}): ${step.page.html.slice(0, 800)}`);
  return step.callback;
}

/** The visible text of a page's <main>, tags dropped and whitespace collapsed. */
export const textOf = (page: Page) => decode((/<main[^>]*>([\s\S]*)<\/main>/.exec(page.html)?.[1] ?? page.html).replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ').trim();

/**
 * The page with its per-request values replaced (CSRF token, CSP nonce, request id, interaction uid), so two
 * answers can be compared for equality.
 */
export function normalised(page: Page): string {
  return page.html
    .replace(/name="_csrf" value="[^"]*"/g, 'name="_csrf" value="CSRF"')
    .replace(/nonce="[^"]*"/g, 'nonce="NONCE"')
    .replace(/<code>[0-9a-f-]{36}<\/code>/g, '<code>REQUEST-ID</code>')
    .replace(/\/interaction\/[A-Za-z0-9_-]+/g, '/interaction/UID')
    .replace(/%2Finteraction%2F[A-Za-z0-9_-]+/gi, '%2Finteraction%2FUID')
    .replace(/interaction=[A-Za-z0-9_-]+/g, 'interaction=UID')
    .replace(/name="interaction" value="[^"]*"/g, 'name="interaction" value="UID"');
}

/** Starts an authorization in a new browser and returns the login page. */
export async function openLogin(s: SelfServiceTest, ua: UserAgent, params: Record<string, string> = {}) {
  const start = await startAuthorization(s.rp, params);
  const page = pageOf(await visit(ua, start.url));
  return { start, page };
}

/** Submits the login form of a page with these credentials. */
export const submitLogin = (ua: UserAgent, page: Page, email: string, password: string) => submitForm(ua, page, '/login', { email, password });

/** Exchanges the callback's code for tokens, checking state, nonce and PKCE as a relying party does. */
export const redeem = (s: SelfServiceTest, start: Awaited<ReturnType<typeof openLogin>>['start'], callback: URL) =>
  oidc.authorizationCodeGrant(s.rp, callback, { pkceCodeVerifier: start.verifier, expectedState: start.state, expectedNonce: start.nonce });

/** Signs up through the pages outside any authorization; returns the "check your email" page. */
export async function registerDirectly(ua: UserAgent, issuer: string, form: { email: string; password: string; name?: string }): Promise<Page> {
  const page = pageOf(await visit(ua, `${issuer}/register`));
  return pageOf(await submitForm(ua, page, '/register', { name: form.name ?? 'Test Person', email: form.email, password: form.password }));
}
