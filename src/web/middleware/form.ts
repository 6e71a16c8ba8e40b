// Parses application/x-www-form-urlencoded bodies of Latchkey's own forms into ctx.state.form,
// with a size limit. oidc-provider parses its own endpoints' bodies.
import type { Middleware } from 'koa';
import { BadRequest, PayloadTooLarge } from '../errors.js';

const LIMIT_BYTES = 64 * 1024;

/** Reads the request body as a form; rejects other content types and oversized bodies. */
export const parseForm: Middleware = async function parseForm(ctx, next) {
  if (!ctx.is('application/x-www-form-urlencoded')) throw new BadRequest('Expected a form submission.');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > LIMIT_BYTES) throw new PayloadTooLarge('The form is too large.');
    chunks.push(chunk as Buffer);
  }
  const params = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
  const form: Record<string, string> = {};
  for (const [key, value] of params) if (!(key in form)) form[key] = value;
  ctx.state.form = form;
  await next();
};
