// Form errors of the self-service pages in the reader's language: domain errors (a refused password, a bad
// email or name) mapped to translated messages attached to their field.
import { InvalidInput } from '../../services/errors.js';
import { UnacceptablePassword } from '../../services/accounts/index.js';
import { MAX_PASSWORD_LENGTH } from '../../services/accounts/password.js';
import { MAX_NAME_LENGTH } from '../../services/signup/index.js';
import type { Translate } from '../../i18n/index.js';

/** A message to show next to one field of a form. */
export interface FieldError {
  field: 'email' | 'password' | 'name' | 'code';
  message: string;
}

/** The translated field error for a form problem, or undefined when err is not one (rethrow it). */
export function fieldErrorOf(err: unknown, t: Translate, minLength: number): FieldError | undefined {
  if (err instanceof UnacceptablePassword) {
    const messages = {
      too_short: t('signup.password.too_short', { min: minLength }),
      too_long: t('signup.password.too_long', { max: MAX_PASSWORD_LENGTH }),
      common: t('signup.password.common'),
      contains_email: t('signup.password.contains_email'),
    };
    return { field: 'password', message: messages[err.reason] };
  }
  if (err instanceof InvalidInput && err.field === 'email') return { field: 'email', message: t('signup.error.email_invalid') };
  if (err instanceof InvalidInput && err.field === 'name') return { field: 'name', message: t('signup.error.name_too_long', { max: MAX_NAME_LENGTH }) };
  return undefined;
}
