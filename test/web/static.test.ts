// Static assets: served with the right type and cache headers; traversal and unknown paths are 404.
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it, expect } from '@jest/globals';
import Koa from 'koa';
import { publicDir } from '../../src/paths.js';
import { serveAssets } from '../../src/web/static.js';

let server: http.Server;
let base: string;
let sandbox: string;

/** A raw request: unlike fetch, node:http sends the path exactly as written (no dot-segment removal). */
function rawRequest(method: string, rawPath: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}/`, { method, path: rawPath, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { body += chunk; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  // A public dir of our own next to a secret file, plus a symlink that points out of it.
  sandbox = mkdtempSync(path.join(tmpdir(), 'latchkey-static-'));
  const pub = path.join(sandbox, 'public');
  mkdirSync(path.join(pub, 'fonts'), { recursive: true });
  writeFileSync(path.join(sandbox, 'secret.css'), 'body{secret:1}');
  writeFileSync(path.join(sandbox, 'secret.txt'), 'TOP SECRET');
  writeFileSync(path.join(pub, 'app.css'), 'body{color:red}');
  writeFileSync(path.join(pub, 'app.js'), 'console.log(1)');
  writeFileSync(path.join(pub, 'fonts', 'x.woff2'), Buffer.from([0x77, 0x4f, 0x46, 0x32]));
  writeFileSync(path.join(pub, 'icon.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
  writeFileSync(path.join(pub, 'favicon.ico'), Buffer.from([0, 0, 1, 0]));
  writeFileSync(path.join(pub, 'notes.txt'), 'not an asset type');
  writeFileSync(path.join(pub, '.hidden.css'), 'hidden');
  symlinkSync(path.join(sandbox, 'secret.css'), path.join(pub, 'link.css'));

  const app = new Koa();
  app.use(serveAssets(publicDir));
  app.use(async (ctx, next) => {
    // The same middleware mounted on a second dir under /sandbox, by rewriting the path.
    if (ctx.path.startsWith('/sandbox/')) {
      ctx.path = ctx.path.slice('/sandbox'.length);
      return serveAssets(pub)(ctx, next);
    }
    ctx.status = 418;
    ctx.body = 'downstream';
  });
  server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(sandbox, { recursive: true, force: true });
});

describe('serveAssets', () => {
  it('serves the project stylesheet as CSS with cache headers and validators', async () => {
    const res = await fetch(`${base}/assets/latchkey.css`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('public, max-age=3600');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('etag')).toMatch(/^W\/".+"$/);
    expect(res.headers.get('last-modified')).toBeTruthy();
    expect(await res.text()).toContain('prefers-color-scheme: dark');
  });

  it('serves the logo as SVG', async () => {
    const res = await fetch(`${base}/assets/logo.svg`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/svg+xml');
    expect(await res.text()).toContain('<svg');
  });

  it('uses the right content type for js, woff2, png and ico, including nested folders', async () => {
    const expected: [string, string][] = [
      ['app.js', 'text/javascript; charset=utf-8'],
      ['fonts/x.woff2', 'font/woff2'],
      ['icon.png', 'image/png'],
      ['favicon.ico', 'image/x-icon'],
    ];
    for (const [file, type] of expected) {
      const res = await fetch(`${base}/sandbox/assets/${file}`);
      expect([file, res.status, res.headers.get('content-type')]).toEqual([file, 200, type]);
      await res.arrayBuffer();
    }
  });

  it('answers a conditional request with 304 (a browser revalidating its cached copy)', async () => {
    // node:http rather than fetch: fetch adds Cache-Control: no-cache to conditional requests.
    const first = await fetch(`${base}/assets/latchkey.css`);
    await first.text();
    const byEtag = await rawRequest('GET', '/assets/latchkey.css', { 'if-none-match': first.headers.get('etag')! });
    expect(byEtag).toEqual({ status: 304, body: '' });
    const byDate = await rawRequest('GET', '/assets/latchkey.css', { 'if-modified-since': first.headers.get('last-modified')! });
    expect(byDate.status).toBe(304);
    const stale = await rawRequest('GET', '/assets/latchkey.css', { 'if-none-match': 'W/"other"' });
    expect(stale.status).toBe(200);
  });

  it('answers HEAD with headers and no body', async () => {
    const res = await fetch(`${base}/assets/latchkey.css`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(Number(res.headers.get('content-length'))).toBeGreaterThan(100);
    expect(await res.text()).toBe('');
  });

  it('refuses other methods', async () => {
    const res = await fetch(`${base}/assets/latchkey.css`, { method: 'POST' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
  });

  it('answers 404 for unknown files, directories, dotfiles and types it does not serve', async () => {
    for (const p of ['/assets/nope.css', '/assets/', '/assets/fonts', '/assets/fonts/', '/sandbox/assets/fonts',
      '/sandbox/assets/notes.txt', '/sandbox/assets/.hidden.css', '/assets/latchkey.css/', '/assets/latchkey.CSS.map']) {
      const res = await rawRequest('GET', p);
      expect([p, res.status]).toEqual([p, 404]);
    }
  });

  it('leaves paths outside /assets/ to the next middleware', async () => {
    const res = await fetch(`${base}/latchkey.css`);
    expect(res.status).toBe(418);
    expect(await res.text()).toBe('downstream');
  });

  it('refuses path traversal: .., encoded dots and slashes, backslashes, absolute paths, NUL, symlinks out', async () => {
    const attempts = [
      '/sandbox/assets/../secret.css',
      '/sandbox/assets/fonts/../../secret.css',
      '/sandbox/assets/%2e%2e/secret.css',
      '/sandbox/assets/%2E%2E/secret.css',
      '/sandbox/assets/.%2e/secret.css',
      '/sandbox/assets/%2e%2e%2fsecret.css',
      '/sandbox/assets/..%2fsecret.css',
      '/sandbox/assets/..%5csecret.css',
      '/sandbox/assets/..\\secret.css',
      '/sandbox/assets/%252e%252e/secret.css',
      '/sandbox/assets//etc/passwd',
      `/sandbox/assets/${encodeURIComponent(path.join(sandbox, 'secret.css'))}`,
      `/sandbox/assets/%2f${encodeURIComponent(path.join(sandbox, 'secret.css').slice(1))}`,
      '/sandbox/assets/app.css%00.css',
      '/sandbox/assets/app.css%00',
      '/sandbox/assets/%c0%ae%c0%ae/secret.css',
      '/sandbox/assets/%',
      '/sandbox/assets/link.css',
      '/assets/../package.json',
      '/assets/%2e%2e/package.json',
      '/assets/%2e%2e/src/paths.ts',
    ];
    for (const attempt of attempts) {
      const res = await rawRequest('GET', attempt);
      expect([attempt, res.status]).toEqual([attempt, 404]);
      expect(res.body).not.toContain('secret');
      expect(res.body).not.toContain('"name": "latchkey"');
    }
    // The sandbox itself works, so the 404s above are the guard, not a broken setup.
    const ok = await rawRequest('GET', '/sandbox/assets/app.css');
    expect(ok).toEqual({ status: 200, body: 'body{color:red}' });
  });
});
