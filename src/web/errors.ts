// HTTP errors of the web layer. Domain errors (services/errors.ts) and database outages share the
// same shape: status, code, expose. The error middleware renders any of them.
import { LatchkeyError } from '../services/errors.js';

/** The request is malformed. */
export class BadRequest extends LatchkeyError {
  override readonly code = 'invalid_request';
  override readonly status = 400;
  override name = 'BadRequest';
}

/** The body is larger than the endpoint accepts. */
export class PayloadTooLarge extends LatchkeyError {
  override readonly code = 'invalid_request';
  override readonly status = 413;
  override name = 'PayloadTooLarge';
}

/** A form arrived without a valid CSRF token (expired page, or a cross-site forgery). */
export class CsrfRejected extends LatchkeyError {
  override readonly code = 'csrf_rejected';
  override readonly status = 403;
  override name = 'CsrfRejected';
  constructor() {
    super('The form has expired. Please try again.');
  }
}

/** The sign-in attempt is no longer known (expired or already completed). */
export class InteractionExpired extends LatchkeyError {
  override readonly code = 'session_expired';
  override readonly status = 400;
  override name = 'InteractionExpired';
  constructor() {
    super('This sign-in page has expired. Go back to the application and start again.');
  }
}
