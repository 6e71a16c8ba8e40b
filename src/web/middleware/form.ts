// Parses application/x-www-form-urlencoded bodies of Latchkey's own forms into ctx.state.form,
// with a size limit (OWASP ASVS 13.1.x: bounded input) and no NUL characters (PostgreSQL text cannot
// hold them; no legitimate form value contains one). oidc-provider parses its own endpoints' bodies.
import type { IncomingMessage } from 'node:http';
import type { Middleware } from 'koa';
import { BadRequest, PayloadTooLarge } from '../errors.js';

const LIMIT_BYTES = 64 * 1024;

/** What a body is called in the errors readBody throws ("The form is too large."). */
export interface BodyNames {
  tooLarge: string;
  unreadable: string;
}
const FORM: BodyNames = { tooLarge: 'The form is too large.', unreadable: 'The form could not be read.' };

/**
 * Reads the whole body, refusing more than limit bytes. An oversized body is left unread rather than
 * destroyed, so the connection stays usable for the 413 answer (Node discards the rest).
 */
export function readBody(req: IncomingMessage, limit: number, names: BodyNames = FORM): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(new PayloadTooLarge(names.tooLarge));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    function onData(chunk: Buffer) {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        reject(new PayloadTooLarge(names.tooLarge));
        return;
      }
      chunks.push(chunk);
    }
    function onEnd() {
      cleanup();
      resolve(Buffer.concat(chunks));
    }
    function onError() {
      cleanup();
      reject(new BadRequest(names.unreadable));
    }
    function onClose() {
      onError(); // closed before the end of the body: the client went away
    }
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

/** Reads the request body as a form; rejects other content types, oversized bodies and NUL characters. */
export const parseForm: Middleware = async function parseForm(ctx, next) {
  if (!ctx.is('application/x-www-form-urlencoded')) throw new BadRequest('Expected a form submission.');
  const body = await readBody(ctx.req, LIMIT_BYTES);
  const params = new URLSearchParams(body.toString('utf8'));
  const form: Record<string, string> = {};
  for (const [key, value] of params) {
    if (key.includes('\u0000') || value.includes('\u0000')) throw new BadRequest('The form contains characters that are not allowed.');
    if (!(key in form)) form[key] = value;
  }
  ctx.state.form = form;
  await next();
};
