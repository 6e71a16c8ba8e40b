// Errors of the JSON API and their one renderer. RFC 6750 §3: a missing, invalid, expired or revoked
// token is 401 with `WWW-Authenticate: Bearer error="invalid_token"`; a token without the needed scope is
// 403 `insufficient_scope` naming the scope. Every answer has DESIGN.md's shape { error, error_description }.
import type { Middleware } from 'koa';
import { DatabaseUnavailable } from '../../db/errors.js';
import { LatchkeyError } from '../../services/errors.js';

/** No bearer token was sent (RFC 6750 §3.1: the challenge then carries no error code). */
export class MissingToken extends LatchkeyError {
  override readonly code = 'invalid_token';
  override readonly status = 401;
  override name = 'MissingToken';
  constructor() {
    super('This endpoint needs a bearer access token (Authorization: Bearer <token>).');
  }
}

/** The token is unknown, expired, revoked, for another audience, or its account can no longer use it. */
export class InvalidToken extends LatchkeyError {
  override readonly code = 'invalid_token';
  override readonly status = 401;
  override name = 'InvalidToken';
}

/** The token is valid but lacks the scope this endpoint needs. */
export class InsufficientScope extends LatchkeyError {
  override readonly code = 'insufficient_scope';
  override readonly status = 403;
  override name = 'InsufficientScope';
  constructor(readonly scope: string, message = `This endpoint needs a token with the scope "${scope}".`) {
    super(message);
  }
}

/** Too many attempts (brute-force protection); carries how long to wait. */
export interface RetryAfter {
  retryAfterSeconds: number;
}

const quoted = (value: string) => `"${value.replace(/["\\]/g, '')}"`;

/** The RFC 6750 challenge for a bearer-token error, or undefined for other errors. */
function challenge(err: LatchkeyError): string | undefined {
  const realm = 'realm="latchkey"';
  if (err instanceof MissingToken) return `Bearer ${realm}`;
  if (err instanceof InvalidToken) return `Bearer ${realm}, error="invalid_token", error_description=${quoted(err.message)}`;
  if (err instanceof InsufficientScope) return `Bearer ${realm}, error="insufficient_scope", scope=${quoted(err.scope)}`;
  return undefined;
}

/**
 * Renders every error below it as { error, error_description } with its status; unexpected errors become a
 * generic 500 (logged with the request id, never the stack to the caller). API answers are never cached.
 */
export const apiErrors: Middleware = async function apiErrors(ctx, next) {
  ctx.set('Cache-Control', 'no-store');
  try {
    await next();
  } catch (err) {
    if (err instanceof LatchkeyError && err.expose) {
      const header = challenge(err);
      if (header) ctx.set('WWW-Authenticate', header);
      const wait = (err as Partial<RetryAfter>).retryAfterSeconds;
      if (typeof wait === 'number') ctx.set('Retry-After', String(Math.max(1, Math.ceil(wait))));
      ctx.state.log?.info({ code: err.code, status: err.status }, 'api request rejected');
      ctx.status = err.status;
      const field = (err as { field?: unknown }).field;
      ctx.body = { error: err.code, error_description: err.message, ...(typeof field === 'string' ? { field } : {}) };
      return;
    }
    if (err instanceof DatabaseUnavailable) {
      ctx.set('Retry-After', '5');
      ctx.status = 503;
      ctx.body = { error: 'temporarily_unavailable', error_description: 'The service is temporarily unavailable. Please try again shortly.' };
      return;
    }
    ctx.state.log?.error({ err }, 'api request failed');
    ctx.status = 500;
    ctx.body = { error: 'server_error', error_description: 'Something went wrong on our side.' };
  }
};

/** The path exists, the method does not (the Allow header lists the ones that do). */
export class MethodNotAllowed extends LatchkeyError {
  override readonly code = 'invalid_request';
  override readonly status = 405;
  override name = 'MethodNotAllowed';
  constructor() {
    super('This method is not allowed on this path.');
  }
}

/** Too many guesses of a guessable value (e.g. tax-ID lookups); Retry-After says how long to wait. */
export class RateLimited extends LatchkeyError implements RetryAfter {
  override readonly code = 'too_many_requests';
  override readonly status = 429;
  override name = 'RateLimited';
  constructor(readonly retryAfterSeconds: number) {
    super('Too many requests. Please wait a moment and try again.');
  }
}

/** The Admin API's caller holds no staff role that permits this action (checked on every call). */
export class StaffRoleRequired extends LatchkeyError {
  override readonly code = 'forbidden';
  override readonly status = 403;
  override name = 'StaffRoleRequired';
  constructor(readonly action: string) {
    super(`This needs a staff role that permits "${action}".`);
  }
}

/**
 * The staff member's password entry is too old for the Admin API (RFC 9470 step-up challenge: 401
 * insufficient_user_authentication with max_age; the app signs in again with max_age and retries).
 */
export class StaleSignIn extends LatchkeyError {
  override readonly code = 'insufficient_user_authentication';
  override readonly status = 401;
  override name = 'StaleSignIn';
  constructor(readonly maxAgeSeconds: number) {
    super(`The Admin API needs a sign-in (password entry) within the last ${Math.round(maxAgeSeconds / 60)} minutes: sign in again with max_age=${maxAgeSeconds}.`);
  }
}
