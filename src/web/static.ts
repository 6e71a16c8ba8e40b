// Serves the page assets (CSS, icons, fonts) from public/ under /assets/*.
// Path traversal defence (OWASP ASVS 12.3.1): the decoded path must be plain segments of safe
// characters (no '..', no dotfiles, no NUL, no backslash, no absolute path), must resolve inside
// the public directory after following symlinks, and must end in a known asset extension.
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type Koa from 'koa';

const PREFIX = '/assets/';
const CACHE_CONTROL = 'public, max-age=3600';

/** Content types of the asset kinds we serve; any other extension is a 404. */
const contentTypes: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

// One segment: starts with a letter or digit (no dotfiles, no '..'), then safe characters only.
const safeSegment = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Koa middleware answering GET/HEAD /assets/<file> from publicDir; other paths go to next(). */
export function serveAssets(publicDir: string): Koa.Middleware {
  const root = path.resolve(publicDir);
  let realRoot: Promise<string> | undefined;

  return async function serveAsset(ctx, next) {
    if (!ctx.path.startsWith(PREFIX)) return next();
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
      ctx.set('Allow', 'GET, HEAD');
      ctx.status = 405;
      return;
    }

    realRoot ??= realpath(root).catch(() => root);
    const file = await resolveAsset(await realRoot, ctx.path.slice(PREFIX.length));
    if (!file) {
      ctx.status = 404;
      return;
    }

    ctx.status = 200;
    ctx.type = file.contentType;
    ctx.set('Cache-Control', CACHE_CONTROL);
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.lastModified = file.mtime;
    ctx.etag = `W/"${file.size.toString(16)}-${Math.floor(file.mtime.getTime()).toString(16)}"`;
    if (ctx.fresh) {
      ctx.status = 304;
      return;
    }
    ctx.length = file.size;
    if (ctx.method === 'GET') ctx.body = createReadStream(file.path);
  };
}

interface Asset {
  path: string;
  contentType: string;
  size: number;
  mtime: Date;
}

/** The asset file for a raw (still percent-encoded) path below /assets/, or undefined. */
async function resolveAsset(root: string, encoded: string): Promise<Asset | undefined> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(encoded);
  } catch {
    return undefined; // malformed percent-encoding
  }
  const segments = decoded.split('/');
  if (!segments.every((s) => safeSegment.test(s))) return undefined;

  const contentType = contentTypes[path.extname(decoded).toLowerCase()];
  if (!contentType) return undefined;

  const candidate = path.resolve(root, ...segments);
  if (!isInside(root, candidate)) return undefined;
  try {
    const real = await realpath(candidate);
    if (!isInside(root, real)) return undefined; // a symlink pointing out of public/
    const stats = await stat(real);
    if (!stats.isFile()) return undefined;
    return { path: real, contentType, size: stats.size, mtime: stats.mtime };
  } catch {
    return undefined; // missing or unreadable
  }
}

function isInside(root: string, file: string): boolean {
  return file.startsWith(root + path.sep);
}
