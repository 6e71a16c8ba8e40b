// Domain errors: named after what went wrong, carrying an HTTP status and whether the message is safe
// to show. The web layer renders them (JSON, page, redirect); the CLI prints the message.

/** Base class of every error a user may be shown. */
export class LatchkeyError extends Error {
  /** Machine-readable code (used as `error` in JSON answers). */
  readonly code: string = 'server_error';
  readonly status: number = 500;
  /** True when the message may be shown to the caller as it is. */
  readonly expose: boolean = true;
  override name = 'LatchkeyError';
}

/** The input is malformed or violates a rule; the message says which. */
export class InvalidInput extends LatchkeyError {
  override readonly code = 'invalid_request';
  override readonly status = 400;
  override name = 'InvalidInput';
  constructor(message: string, readonly field?: string) {
    super(message);
  }
}

/** The thing asked for does not exist. */
export class NotFound extends LatchkeyError {
  override readonly code = 'not_found';
  override readonly status = 404;
  override name = 'NotFound';
}

/** A unique value is already in use. */
export class AlreadyExists extends LatchkeyError {
  override readonly code = 'already_exists';
  override readonly status = 409;
  override name = 'AlreadyExists';
}

/** The caller is not allowed to do this. */
export class Forbidden extends LatchkeyError {
  override readonly code = 'forbidden';
  override readonly status = 403;
  override name = 'Forbidden';
}
