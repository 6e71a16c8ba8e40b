// The page layer: every page renders with its locals, labels and autocomplete are right,
// forms carry the CSRF token, user-controlled text is escaped, and the error region is conditional.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it, expect } from '@jest/globals';
import { createI18n } from '../../src/i18n/index.js';
import { viewsDir } from '../../src/paths.js';
import { createRenderer, type ClientDisplay } from '../../src/web/render.js';
import { html, pageContext } from '../support/koa-context.js';

const i18n = createI18n();
const render = createRenderer({ i18n });

const context = pageContext;

/** How many times a pattern occurs. */
function count(text: string, pattern: RegExp): number {
  return [...text.matchAll(new RegExp(pattern.source, `${pattern.flags.replace('g', '')}g`))].length;
}

const client: ClientDisplay = {
  name: 'E-shop',
  logoUri: 'https://shop.example/logo.png',
  policyUri: 'https://shop.example/privacy',
  tosUri: 'https://shop.example/terms',
};
const evil = '<script>alert(1)</script>';

const loginLocals = {
  client,
  action: '/interaction/abc/login',
  abortAction: '/interaction/abc/abort',
  email: '',
  firstTimeHint: false,
};

describe('layout', () => {
  it('sets the language, viewport, title, stylesheet under the mount path, and one h1', () => {
    const ctx = context({ mountPath: '/idp' });
    render(ctx, 'login', loginLocals);
    const page = html(ctx);
    expect(ctx.status).toBe(200);
    expect(ctx.type).toBe('text/html');
    expect(page).toMatch(/^<!DOCTYPE html>/);
    expect(page).toContain('<html lang="en">');
    expect(page).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(page).toContain('<title>Sign in – Latchkey</title>');
    expect(page).toContain('<link rel="stylesheet" href="/idp/assets/latchkey.css">');
    expect(page).toMatch(/<header[^>]*>[\s\S]*Latchkey[\s\S]*<\/header>/);
    expect(count(page, /<main\b/)).toBe(1);
    expect(count(page, /<h1\b/)).toBe(1);
  });

  it('uses /assets without a mount path and the default locale without ctx.state.locale', () => {
    const ctx = context();
    render(ctx, 'logged-out', {});
    expect(html(ctx)).toContain('href="/assets/latchkey.css"');
    expect(html(ctx)).toContain('<html lang="en">');
  });

  it('has no inline script, inline style or style attribute (CSP without unsafe-inline)', () => {
    for (const [view, locals] of [
      ['login', { ...loginLocals, error: 'x', firstTimeHint: true }],
      ['consent', { client, scopes: [{ name: 'email', description: 'd' }], action: '/a', abortAction: '/b', accountEmail: 'a@b.c' }],
      ['logout', { form: '<form id="op.logoutForm" method="post" action="/session/end/confirm"></form>' }],
      ['logged-out', { clientName: 'E-shop' }],
      ['error', { title: 'T', message: 'M', status: 500 }],
    ] as const) {
      const ctx = context();
      render(ctx, view, locals as never);
      const page = html(ctx);
      expect(page).not.toMatch(/<script\b/i);
      expect(page).not.toMatch(/<style\b/i);
      expect(page).not.toMatch(/\sstyle=/i);
      expect(page).not.toMatch(/\son[a-z]+=/i);
    }
  });

  it('refuses view names that could leave the pages directory', () => {
    expect(() => render(context(), '../layout', {})).toThrow(/Invalid view name/);
    expect(() => render(context(), '/etc/passwd', {})).toThrow(/Invalid view name/);
  });

  it('lets the caller choose the status', () => {
    const ctx = context();
    render(ctx, 'error', { title: 'Page not found', message: 'Nope', status: 404 }, 404);
    expect(ctx.status).toBe(404);
  });
});

describe('login page', () => {
  it('asks to sign in to the client, with its logo and alt text', () => {
    const ctx = context();
    render(ctx, 'login', loginLocals);
    const page = html(ctx);
    expect(page).toMatch(/<h1>Sign in to continue to E-shop<\/h1>/);
    expect(page).toContain('<img class="client-logo" src="https://shop.example/logo.png" alt="E-shop logo"');
  });

  it('labels the email and password fields and sets autocomplete for password managers', () => {
    const ctx = context();
    render(ctx, 'login', loginLocals);
    const page = html(ctx);
    expect(page).toMatch(/<label for="email">Email<\/label>/);
    expect(page).toMatch(/<input id="email" name="email" type="email" autocomplete="username"[^>]* required/);
    expect(page).toMatch(/<label for="password">Password<\/label>/);
    expect(page).toMatch(/<input id="password" name="password" type="password" autocomplete="current-password" required/);
    expect(page).toMatch(/<button class="button button-primary" type="submit">Sign in<\/button>/);
  });

  it('posts the login form and the cancel form with the CSRF token', () => {
    const ctx = context();
    render(ctx, 'login', loginLocals);
    const page = html(ctx);
    expect(page).toMatch(/<form[^>]* method="post" action="\/interaction\/abc\/login">\s*<input type="hidden" name="_csrf" value="csrf-token-123">/);
    expect(page).toMatch(/<form[^>]* method="post" action="\/interaction\/abc\/abort">\s*<input type="hidden" name="_csrf" value="csrf-token-123">/);
    expect(page).not.toMatch(/<a [^>]*href="\/interaction\/abc\/abort"/);
  });

  it('shows the alert region only when there is an error, and links the fields to it', () => {
    const quiet = context();
    render(quiet, 'login', loginLocals);
    expect(html(quiet)).not.toContain('role="alert"');
    expect(html(quiet)).not.toContain('aria-invalid');

    const failed = context();
    render(failed, 'login', { ...loginLocals, email: 'ann@example.com', error: 'Incorrect email or password.' });
    const page = html(failed);
    expect(page).toMatch(/<div id="login-error" class="alert alert-error" role="alert" aria-live="assertive">\s*<p>Incorrect email or password\.<\/p>/);
    expect(count(page, /aria-describedby="login-error"/)).toBe(2);
    expect(page).toMatch(/<input id="email"[^>]* value="ann@example.com"/);
  });

  it('shows the first-time note only when asked', () => {
    const without = context();
    render(without, 'login', loginLocals);
    expect(html(without)).not.toContain('First time here?');
    const withHint = context();
    render(withHint, 'login', { ...loginLocals, firstTimeHint: true });
    expect(html(withHint)).toContain('First time here? Use the email and password from the e-shop, the customer center or the mobile app.');
  });

  it('escapes the client name, the email and the error message', () => {
    const ctx = context();
    render(ctx, 'login', {
      ...loginLocals,
      client: { name: evil, logoUri: 'https://x.example/l.png' },
      email: '"><script>alert(2)</script>',
      error: evil,
    });
    const page = html(ctx);
    expect(page).not.toContain('<script>');
    expect(page).toContain('Sign in to continue to &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).toContain('alt="&lt;script&gt;alert(1)&lt;/script&gt; logo"');
    expect(page).toContain('value="&#34;&gt;&lt;script&gt;alert(2)&lt;/script&gt;"');
  });

  it('drops client links and logos that are not http(s) URLs', () => {
    const ctx = context();
    render(ctx, 'login', {
      ...loginLocals,
      client: { name: 'Bad', logoUri: 'javascript:alert(1)', policyUri: 'javascript:alert(1)', tosUri: 'data:text/html,x' },
    });
    const page = html(ctx);
    expect(page).not.toContain('javascript:');
    expect(page).not.toContain('data:text');
    expect(page).not.toContain('class="client-logo"');
    expect(page).not.toContain('class="client-links"');
  });
});

describe('consent page', () => {
  const consentLocals = {
    client: { ...client, clientUri: 'https://shop.example/' },
    scopes: [
      { name: 'openid', description: 'Confirm who you are when you sign in' },
      { name: 'offline_access', description: 'Stay signed in to the app when you are not using it' },
    ],
    action: '/interaction/xyz/confirm',
    abortAction: '/interaction/xyz/abort',
    accountEmail: 'ann@example.com',
  };

  it('names the client, lists the scopes in plain words and shows who is signed in', () => {
    const ctx = context();
    render(ctx, 'consent', consentLocals);
    const page = html(ctx);
    expect(page).toContain('<h1>E-shop wants to access your account</h1>');
    expect(page).toContain('<title>Allow access – Latchkey</title>');
    expect(page).toMatch(/<li data-scope="openid">Confirm who you are when you sign in<\/li>/);
    expect(page).toMatch(/<li data-scope="offline_access">Stay signed in to the app when you are not using it<\/li>/);
    expect(page).toContain('Signed in as ann@example.com');
  });

  it('posts Allow and Deny with the CSRF token', () => {
    const ctx = context();
    render(ctx, 'consent', consentLocals);
    const page = html(ctx);
    expect(page).toMatch(/<form method="post" action="\/interaction\/xyz\/confirm">\s*<input type="hidden" name="_csrf" value="csrf-token-123">\s*<button[^>]*type="submit">Allow<\/button>/);
    expect(page).toMatch(/<form method="post" action="\/interaction\/xyz\/abort">\s*<input type="hidden" name="_csrf" value="csrf-token-123">\s*<button[^>]*type="submit">Deny<\/button>/);
  });

  it('links the client policy and terms when given, and not otherwise', () => {
    const ctx = context();
    render(ctx, 'consent', consentLocals);
    const page = html(ctx);
    expect(page).toMatch(/<a href="https:\/\/shop.example\/privacy"[^>]*>E-shop privacy policy/);
    expect(page).toMatch(/<a href="https:\/\/shop.example\/terms"[^>]*>E-shop terms of service/);
    expect(page).toMatch(/<a href="https:\/\/shop.example\/"[^>]*>About E-shop/);

    const bare = context();
    render(bare, 'consent', { ...consentLocals, client: { name: 'CRM' } });
    expect(html(bare)).not.toContain('client-links');
    expect(html(bare)).not.toContain('client-logo');
  });

  it('escapes the client name, the scopes and the email', () => {
    const ctx = context();
    render(ctx, 'consent', {
      ...consentLocals,
      client: { name: evil },
      scopes: [{ name: '"x', description: evil }],
      accountEmail: evil,
    });
    const page = html(ctx);
    expect(page).not.toContain('<script>');
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt; wants to access your account');
    expect(page).toContain('data-scope="&#34;x"');
  });
});

describe('logout pages', () => {
  const form = '<form id="op.logoutForm" method="post" action="/session/end/confirm"><input type="hidden" name="xsrf" value="abc"/></form>';

  it('outputs oidc-provider\'s form raw and submits it with a yes and a no button', () => {
    const ctx = context();
    render(ctx, 'logout', { form, clientName: 'E-shop' });
    const page = html(ctx);
    expect(page).toContain(form);
    expect(page).toContain('<h1>Do you want to sign out of Latchkey?</h1>');
    expect(page).toMatch(/<button[^>]* type="submit" form="op.logoutForm" name="logout" value="yes"[^>]*>Sign out<\/button>/);
    const stay = page.match(/<button[^>]*>Stay signed in<\/button>/)?.[0];
    expect(stay).toContain('form="op.logoutForm"');
    expect(stay).not.toContain('name="logout"');
    expect(page).toContain('E-shop asked to sign you out.');
  });

  it('escapes the client name on the logout and logged-out pages', () => {
    const logout = context();
    render(logout, 'logout', { form, clientName: evil });
    expect(html(logout)).not.toContain('<script>');
    const done = context();
    render(done, 'logged-out', { clientName: evil });
    expect(html(done)).not.toContain('<script>');
    expect(html(done)).toContain('go back to &lt;script&gt;');
  });

  it('tells the user they are signed out, with or without a client', () => {
    const ctx = context();
    render(ctx, 'logged-out', {});
    expect(html(ctx)).toContain('<h1>You have been signed out</h1>');
    expect(html(ctx)).toContain('You can close this window now.');
    const withClient = context();
    render(withClient, 'logged-out', { clientName: 'E-shop' });
    expect(html(withClient)).toContain('go back to E-shop');
  });
});

describe('error page', () => {
  it('shows the title, the message, the status and the request id, never a stack', () => {
    const ctx = context({ requestId: 'req-7f3a' });
    render(ctx, 'error', { title: 'Sign-in expired', message: 'This sign-in link has expired. Go back to the app and start again.', status: 400 }, 400);
    const page = html(ctx);
    expect(page).toContain('<title>Sign-in expired – Latchkey</title>');
    expect(page).toContain('<h1>Sign-in expired</h1>');
    expect(page).toContain('This sign-in link has expired.');
    expect(page).toContain('Error 400');
    expect(page).toContain('<code>req-7f3a</code>');
    expect(page).not.toMatch(/at .*\.ts:\d+/);
  });

  it('shows the error code when given and omits the reference without a request id', () => {
    const ctx = context({ requestId: undefined });
    render(ctx, 'error', { title: 'T', message: 'M', status: 400, code: 'invalid_request' }, 400);
    expect(html(ctx)).toContain('Error 400 (invalid_request)');
    expect(html(ctx)).not.toContain('support-reference');
  });

  it('escapes the title and message', () => {
    const ctx = context();
    render(ctx, 'error', { title: evil, message: evil, status: 500 }, 500);
    expect(html(ctx)).not.toContain('<script>');
  });
});

describe('template cache', () => {
  it('compiles each template file once: later edits on disk do not change the output', () => {
    const copy = mkdtempSync(path.join(tmpdir(), 'latchkey-views-'));
    try {
      cpSync(viewsDir, copy, { recursive: true });
      const cached = createRenderer({ i18n, viewsDir: copy });
      const first = context();
      cached(first, 'logged-out', {});
      writeFileSync(path.join(copy, 'pages', 'logged-out.ejs'), '<h1>changed</h1>');
      const second = context();
      cached(second, 'logged-out', {});
      expect(html(second)).toBe(html(first));
      // A fresh renderer reads the file again.
      const fresh = context();
      createRenderer({ i18n, viewsDir: copy })(fresh, 'logged-out', {});
      expect(html(fresh)).toContain('<h1>changed</h1>');
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});

describe('translator', () => {
  it('translates for ctx.state.locale and falls back to English', () => {
    expect(render.translator(context())('login.submit')).toBe('Sign in');
    expect(render.translator(context({ locale: 'xx' }))('login.submit')).toBe('Sign in');
  });

  it('declares the language of the text it actually shows, not an unsupported request locale', () => {
    const ctx = context({ locale: 'xx' });
    render(ctx, 'logged-out', {});
    expect(html(ctx)).toContain('<html lang="en">');
  });
});
