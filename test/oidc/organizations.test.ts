// Companies in tokens (issue 5, item 6), with openid-client as the relying party and the HTML forms as a
// browser submits them: the `organizations` claim (roles, permissions; an accountant sees only invoices),
// the company picker of scope `organization` (org_id and that company's permissions, kept across refresh),
// a tampered pick refused, the `organization` parameter, no membership -> access_denied, and freshness:
// a suspended company or a removed member is gone at the next refresh.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { databaseKinds } from '../support/databases.js';
import { startTestLatchkey, type TestLatchkey } from '../support/latchkey.js';
import { discoveryDocument, immediateCallback, login, oauthError, oidc, REDIRECT_URI, relyingParty, startAuthorization, submitForm, visit, type AuthorizationStart, type Page, type Step } from '../support/relying-party.js';
import { UserAgent } from '../support/user-agent.js';
import { companyFixtures, type Person } from './company-fixtures.js';

const PICK = { scope: 'openid email organization' };
const PICK_OFFLINE = { scope: 'openid email organization offline_access', prompt: 'consent' };
const LIST_OFFLINE = { scope: 'openid email organizations offline_access', prompt: 'consent' };

const page = (step: Step): Page => {
  if (!step.page) throw new Error(`expected a page, got the callback ${step.callback?.href}`);
  return step.page;
};
const callback = (step: Step): URL => {
  if (!step.callback) throw new Error(`expected the callback, got a page at ${step.page?.url.href}: ${step.page?.html.slice(0, 300)}`);
  return step.callback;
};
const pickerIds = (p: Page) => [...p.html.matchAll(/name="organization" value="([^"]+)"/g)].map((m) => m[1]);

describe.each(databaseKinds)('organizations in tokens (%s)', (kind) => {
  let t: TestLatchkey;
  let portal: oidc.Configuration;
  let fx: ReturnType<typeof companyFixtures>;
  let olga: Person; // owner of Acme and Beta, and of the pending Gamma
  let adam: Person; // accountant at Acme (his only company)
  let nina: Person; // no company
  let acme: { id: string; name: string; taxId: string };
  let beta: { id: string; name: string; taxId: string };
  let gamma: { id: string; name: string; taxId: string };

  /** Opens an authorization in ua and signs in; returns where the browser stopped. */
  const signIn = async (ua: UserAgent, who: Person, params: Record<string, string>) => {
    const start = await startAuthorization(portal, params);
    const first = await visit(ua, start.url);
    const step = first.page?.forms.some((f) => 'password' in f.fields) ? await submitForm(ua, first.page, '/login', { email: who.email, password: who.password }) : first;
    return { start, step };
  };
  const exchange = (start: AuthorizationStart, url: URL) =>
    oidc.authorizationCodeGrant(portal, url, { pkceCodeVerifier: start.verifier, expectedState: start.state, expectedNonce: start.nonce });
  /** Signs in and picks company on the picker page. */
  const pickThroughPage = async (who: Person, companyId: string, params: Record<string, string> = PICK, ua = new UserAgent()) => {
    const { start, step } = await signIn(ua, who, params);
    const picked = await submitForm(ua, page(step), '/organization', { organization: companyId });
    return { ua, tokens: await exchange(start, callback(picked)) };
  };

  beforeAll(async () => {
    t = await startTestLatchkey(kind);
    fx = companyFixtures(t, `org-${kind}`);
    const { client, clientSecret } = await t.latchkey.clients.create({ name: 'B2B Portal', type: 'web', redirectUris: [REDIRECT_URI], firstParty: true });
    portal = await relyingParty(t.issuer, client.clientId, clientSecret);
    olga = await fx.person('Olga');
    adam = await fx.person('Adam');
    nina = await fx.person('Nina');
    acme = await fx.company(olga, 'Acme s.r.o.');
    beta = await fx.company(olga, 'Beta a.s.');
    gamma = await fx.company(olga, 'Gamma v.o.s.', { approve: false });
    await fx.join(adam, acme, olga, ['accountant']);
  }, 120_000);
  afterAll(async () => t?.close());

  it('announces the scopes and claims in discovery', async () => {
    const meta = await discoveryDocument(t.issuer);
    expect(meta.scopes_supported).toEqual(expect.arrayContaining(['organizations', 'organization']));
    expect(meta.claims_supported).toEqual(expect.arrayContaining(['organizations', 'org_id', 'org_permissions']));
  });

  describe('the organizations claim', () => {
    it('lists every active membership with id, name, tax ID, roles and permissions, in the ID token and userinfo', async () => {
      const { tokens } = await login(portal, new UserAgent(), olga, { scope: 'openid organizations' });
      const organizations = tokens.claims()!.organizations as { id: string; name: string; tax_id: string; roles: string[]; permissions: string[] }[];
      expect(organizations.map((o) => o.id).sort()).toEqual([acme.id, beta.id].sort());
      const acmeClaim = organizations.find((o) => o.id === acme.id)!;
      expect(acmeClaim).toMatchObject({ name: 'Acme s.r.o.', tax_id: acme.taxId });
      expect(acmeClaim.roles).toContain('owner');
      expect(acmeClaim.permissions).toEqual(expect.arrayContaining(['orders', 'invoices', 'services', 'support', 'members:manage', 'roles:manage', 'company:manage']));
      // The pending company is not a membership anyone acts for yet.
      expect(organizations.map((o) => o.id)).not.toContain(gamma.id);
      const userinfo = await oidc.fetchUserInfo(portal, tokens.access_token, tokens.claims()!.sub);
      expect(userinfo.organizations).toEqual(organizations);
    });

    it('gives an accountant only the invoices permission', async () => {
      const { tokens } = await login(portal, new UserAgent(), adam, { scope: 'openid organizations' });
      const organizations = tokens.claims()!.organizations as { id: string; roles: string[]; permissions: string[] }[];
      expect(organizations).toHaveLength(1);
      expect(organizations[0]!.id).toBe(acme.id);
      expect(organizations[0]!.roles).toContain('accountant');
      expect(organizations[0]!.permissions).toEqual(['invoices']);
    });

    it('is absent without the scope, from the ID token and from userinfo', async () => {
      const { tokens } = await login(portal, new UserAgent(), olga, { scope: 'openid email' });
      expect(tokens.claims()!.organizations).toBeUndefined();
      expect(tokens.claims()!.org_id).toBeUndefined();
      const userinfo = await oidc.fetchUserInfo(portal, tokens.access_token, tokens.claims()!.sub);
      expect(userinfo.organizations).toBeUndefined();
    });

    it('is an empty list for an account without companies', async () => {
      const { tokens } = await login(portal, new UserAgent(), nina, { scope: 'openid organizations' });
      expect(tokens.claims()!.organizations).toEqual([]);
    });
  });

  describe('the company picker (scope organization)', () => {
    it('lists only the active memberships, and the pick travels as org_id with that company\'s permissions', async () => {
      const ua = new UserAgent();
      const { start, step } = await signIn(ua, olga, PICK);
      const picker = page(step);
      expect(picker.html).toContain('Which company are you signing in for?');
      expect(pickerIds(picker).sort()).toEqual([acme.id, beta.id].sort());
      expect(picker.html).not.toContain('Gamma');

      const tokens = await exchange(start, callback(await submitForm(ua, picker, '/organization', { organization: beta.id })));
      const claims = tokens.claims()!;
      expect(claims).toMatchObject({ org_id: beta.id, org_name: 'Beta a.s.' });
      expect(claims.org_roles).toContain('owner');
      expect(claims.org_permissions).toEqual(expect.arrayContaining(['orders', 'invoices', 'members:manage']));
      expect(claims.organizations).toBeUndefined();
      const userinfo = await oidc.fetchUserInfo(portal, tokens.access_token, claims.sub);
      expect(userinfo).toMatchObject({ org_id: beta.id, org_permissions: claims.org_permissions });
      // Resource servers introspecting the access token learn the company too.
      const introspection = await oidc.tokenIntrospection(portal, tokens.access_token);
      expect(introspection).toMatchObject({ active: true, org_id: beta.id, org_permissions: claims.org_permissions });
    });

    it('comes after the consent page of a third-party app, which names the scope', async () => {
      const { client, clientSecret } = await t.latchkey.clients.create({ name: 'Partner App', type: 'web', redirectUris: [REDIRECT_URI] });
      const partner = await relyingParty(t.issuer, client.clientId, clientSecret);
      const ua = new UserAgent();
      const start = await startAuthorization(partner, PICK);
      const consent = page(await submitForm(ua, page(await visit(ua, start.url)), '/login', { email: olga.email, password: olga.password }));
      expect(consent.html).toContain('data-scope="organization"');
      expect(consent.html).toContain('Act for the company you choose when you sign in');
      const picker = page(await submitForm(ua, consent, '/confirm'));
      expect(pickerIds(picker).sort()).toEqual([acme.id, beta.id].sort());
      const done = callback(await submitForm(ua, picker, '/organization', { organization: acme.id }));
      const tokens = await oidc.authorizationCodeGrant(partner, done, { pkceCodeVerifier: start.verifier, expectedState: start.state, expectedNonce: start.nonce });
      expect(tokens.claims()!.org_id).toBe(acme.id);
    });

    it('picks the only company without a page, and the accountant gets only invoices', async () => {
      const ua = new UserAgent();
      const { start, step } = await signIn(ua, adam, PICK);
      const claims = (await exchange(start, callback(step))).claims()!;
      expect(claims.org_id).toBe(acme.id);
      expect(claims.org_permissions).toEqual(['invoices']);
    });

    it('shows the page anyway with prompt=select_organization', async () => {
      const ua = new UserAgent();
      const { start, step } = await signIn(ua, adam, { ...PICK, prompt: 'select_organization' });
      const picker = page(step);
      expect(pickerIds(picker)).toEqual([acme.id]);
      const claims = (await exchange(start, callback(await submitForm(ua, picker, '/organization', { organization: acme.id })))).claims()!;
      expect(claims.org_id).toBe(acme.id);
    });

    it('refuses a company the person is not an active member of (tampered form), keeping the page', async () => {
      const ua = new UserAgent();
      const stranger = await fx.person('Stranger');
      const foreign = await fx.company(stranger, 'Foreign GmbH');
      const { start, step } = await signIn(ua, olga, PICK);
      let picker = page(step);
      for (const forged of [foreign.id, gamma.id, 'not-an-id', '']) {
        picker = page(await submitForm(ua, picker, '/organization', { organization: forged }));
        expect(picker.status).toBe(400);
        expect(picker.html).toContain('Choose one of the companies listed here.');
        expect(pickerIds(picker).sort()).toEqual([acme.id, beta.id].sort());
      }
      const claims = (await exchange(start, callback(await submitForm(ua, picker, '/organization', { organization: acme.id })))).claims()!;
      expect(claims.org_id).toBe(acme.id);
      const refused = await t.latchkey.services.audit.list(olga.id, 50);
      expect(refused.filter((e) => e.type === 'organization.select-refused').length).toBeGreaterThanOrEqual(4);
    });

    it('rejects a form post without the CSRF token', async () => {
      const ua = new UserAgent();
      const { step } = await signIn(ua, olga, PICK);
      const picker = page(step);
      const form = picker.forms.find((f) => f.action.endsWith('/organization'))!;
      const response = await ua.request(form.action, { method: 'POST', form: { organization: acme.id } });
      expect(response.status).toBe(403);
    });

    it('takes the company from the organization parameter when the person is a member, without a page', async () => {
      const { start, step } = await signIn(new UserAgent(), olga, { ...PICK, organization: acme.id });
      expect((await exchange(start, callback(step))).claims()!.org_id).toBe(acme.id);
    });

    it('answers access_denied for an organization parameter naming a company the person is not a member of', async () => {
      const { start, step } = await signIn(new UserAgent(), adam, { ...PICK, organization: beta.id });
      const error = await oauthError(exchange(start, callback(step)));
      expect(error.error).toBe('access_denied');
      expect(error.description).toMatch(/not an active member of the requested organization/);
    });

    it('answers invalid_request for a malformed organization parameter, or one without the organization scope', async () => {
      const malformed = await startAuthorization(portal, { ...PICK, organization: 'acme' });
      const first = await oauthError(exchange(malformed, await immediateCallback(new UserAgent(), malformed.url)));
      expect(first).toMatchObject({ error: 'invalid_request', description: expect.stringMatching(/organization must be an organization id/) });
      const unscoped = await startAuthorization(portal, { scope: 'openid', organization: acme.id });
      const second = await oauthError(exchange(unscoped, await immediateCallback(new UserAgent(), unscoped.url)));
      expect(second).toMatchObject({ error: 'invalid_request', description: expect.stringMatching(/requires the organization scope/) });
    });

    it('ends the flow with access_denied for an account without companies', async () => {
      const { start, step } = await signIn(new UserAgent(), nina, PICK);
      const error = await oauthError(exchange(start, callback(step)));
      expect(error.error).toBe('access_denied');
      expect(error.description).toMatch(/not an active member of any organization/);
    });

    it('remembers the pick for the session: prompt=none signs in silently for the same company', async () => {
      // Signed in, but no company picked yet for this app: prompt=none cannot show the picker.
      const ua = new UserAgent();
      await login(portal, ua, olga, { scope: 'openid email' });
      const tooEarly = await startAuthorization(portal, { ...PICK, prompt: 'none' });
      expect((await oauthError(exchange(tooEarly, await immediateCallback(ua, tooEarly.url)))).error).toBe('interaction_required');

      await pickThroughPage(olga, beta.id, PICK, ua);
      const silent = await startAuthorization(portal, { ...PICK, prompt: 'none' });
      const claims = (await exchange(silent, await immediateCallback(ua, silent.url))).claims()!;
      expect(claims.org_id).toBe(beta.id);
    });

    it('keeps the picked company across refresh token rotation', async () => {
      const { tokens } = await pickThroughPage(olga, beta.id, PICK_OFFLINE);
      expect(tokens.refresh_token).toEqual(expect.any(String));
      const first = await oidc.refreshTokenGrant(portal, tokens.refresh_token!);
      expect(first.claims()!.org_id).toBe(beta.id);
      const second = await oidc.refreshTokenGrant(portal, first.refresh_token!);
      expect(second.claims()).toMatchObject({ org_id: beta.id, org_name: 'Beta a.s.' });
    });
  });

  describe('freshness', () => {
    it('drops a suspended company at the next refresh: the grant picked for it fails, the list omits it', async () => {
      const sam = await fx.person('Sam');
      const kept = await fx.company(sam, 'Kept Ltd');
      const doomed = await fx.company(sam, 'Doomed Ltd');
      const { tokens: picked } = await pickThroughPage(sam, doomed.id, PICK_OFFLINE);
      const { tokens: listed } = await login(portal, new UserAgent(), sam, LIST_OFFLINE);
      expect((listed.claims()!.organizations as { id: string }[]).map((o) => o.id).sort()).toEqual([kept.id, doomed.id].sort());

      await t.latchkey.services.companies.suspendCompany(await fx.staff(), doomed.id, 'unpaid invoices');

      const refused = await oauthError(oidc.refreshTokenGrant(portal, picked.refresh_token!));
      expect(refused).toMatchObject({ error: 'invalid_grant', status: 400 });
      expect(refused.description).toMatch(/organization selected for this grant is no longer available/);
      const userinfo = await oauthError(oidc.fetchUserInfo(portal, picked.access_token, picked.claims()!.sub));
      expect(userinfo).toMatchObject({ error: 'invalid_token', description: expect.stringMatching(/no longer available/) });

      const refreshed = await oidc.refreshTokenGrant(portal, listed.refresh_token!);
      expect((refreshed.claims()!.organizations as { id: string }[]).map((o) => o.id)).toEqual([kept.id]);

      // Signing in again: the one company left is picked without a page.
      const { start, step } = await signIn(new UserAgent(), sam, PICK);
      expect((await exchange(start, callback(step))).claims()!.org_id).toBe(kept.id);

      // The refused refresh token was not used up: once staff restore the company, it works again.
      await t.latchkey.services.companies.restoreCompany(await fx.staff(), doomed.id);
      expect((await oidc.refreshTokenGrant(portal, picked.refresh_token!)).claims()!.org_id).toBe(doomed.id);
    });

    it('drops a removed member at the next refresh', async () => {
      const owner = await fx.person('Owner');
      const rita = await fx.person('Rita');
      const delta = await fx.company(owner, 'Delta Trade');
      await fx.join(rita, delta, owner, ['accountant']);
      const { start, step } = await signIn(new UserAgent(), rita, { scope: 'openid organization organizations offline_access', prompt: 'consent' });
      const tokens = await exchange(start, callback(step));
      expect(tokens.claims()).toMatchObject({ org_id: delta.id, org_permissions: ['invoices'] });
      const { tokens: listed } = await login(portal, new UserAgent(), rita, LIST_OFFLINE);

      await t.latchkey.services.companies.removeMember({ accountId: owner.id }, delta.id, rita.id);

      expect(await oauthError(oidc.refreshTokenGrant(portal, tokens.refresh_token!))).toMatchObject({ error: 'invalid_grant' });
      expect((await oidc.refreshTokenGrant(portal, listed.refresh_token!)).claims()!.organizations).toEqual([]);
      const again = await signIn(new UserAgent(), rita, PICK);
      expect((await oauthError(exchange(again.start, callback(again.step)))).error).toBe('access_denied');
    });
  });
});
