// Validation at the boundary of the JSON API: each route declares the shape of its body and query (zod),
// and the handler works with typed, trusted values. Bodies are bounded (OWASP ASVS 13.1: 64 KiB), must be
// application/json and must parse; anything else is a 400 naming the problem, never a 500.
import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import { BadRequest } from '../errors.js';
import { readBody } from '../middleware/form.js';

const LIMIT_BYTES = 64 * 1024;

const BODY = { tooLarge: 'The request body is too large.', unreadable: 'The request body could not be read.' };

/** "field: problem; field2: problem" for a zod error (never the values: they may be passwords). */
function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const where = issue.path.length > 0 ? issue.path.join('.') : 'body';
      if (issue.code === 'unrecognized_keys') return `${where}: unknown field(s) ${issue.keys.join(', ')}`;
      return `${where}: ${issue.message}`;
    })
    .join('; ');
}

/** Parses `value` with `schema`, or throws a 400 saying what is wrong. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new BadRequest(`Invalid ${what}: ${describeIssues(parsed.error)}.`);
  return parsed.data;
}

/** Reads a JSON body and checks it against `schema`; the result is in ctx.state.body. */
export function jsonBody<S extends z.ZodType>(schema: S): Middleware {
  return async function parseJsonBody(ctx, next) {
    if (!ctx.is('application/json')) throw new BadRequest('Expected a JSON body (Content-Type: application/json).');
    const text = (await readBody(ctx.req, LIMIT_BYTES, BODY)).toString('utf8');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new BadRequest('The body is not valid JSON.');
    }
    // PostgreSQL text cannot hold NUL, and no legitimate value contains one.
    if (JSON.stringify(json).includes('\\u0000')) throw new BadRequest('The body contains characters that are not allowed.');
    ctx.state.body = parseInput(schema, json, 'request body');
    await next();
  };
}

/** Checks the query string against `schema`; the result is in ctx.state.query. */
export function queryOf<S extends z.ZodType>(schema: S): Middleware {
  return async function parseQuery(ctx, next) {
    ctx.state.query = parseInput(schema, { ...ctx.query }, 'query');
    await next();
  };
}

/** The validated body of a route declared with jsonBody(schema). */
export const bodyOf = <T>(ctx: Context): T => ctx.state.body as T;
