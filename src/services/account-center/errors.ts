// Errors of the account center, named after what went wrong. The web layer shows them next to the field
// named by `field`; the Account API maps them to its JSON error shape by class.
import { Forbidden, InvalidInput, LatchkeyError } from '../errors.js';

/** The current password given to confirm a sensitive action is wrong. */
export class CurrentPasswordIncorrect extends InvalidInput {
  override name = 'CurrentPasswordIncorrect';
  constructor() {
    super('The current password is not correct.', 'current_password');
  }
}

/** Too many wrong current passwords: the account's sign-in protection makes the caller wait. */
export class TooManyAttempts extends LatchkeyError {
  override readonly code = 'too_many_requests';
  override readonly status = 429;
  override name = 'TooManyAttempts';
  constructor(readonly retryAfterSeconds: number) {
    super('Too many attempts. Please wait a moment and try again.');
  }
}

/** The profile field may only be changed by support (LATCHKEY_PROFILE_EDITABLE). */
export class FieldNotEditable extends Forbidden {
  override name = 'FieldNotEditable';
  constructor(readonly field: string) {
    super(`The field ${field} can only be changed by support.`);
  }
}

/** The new email address cannot be used (taken, or the current one). Never says whose it is. */
export class EmailUnavailable extends InvalidInput {
  override name = 'EmailUnavailable';
  constructor() {
    super('This email address cannot be used.', 'new_email');
  }
}
