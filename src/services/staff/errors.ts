// Errors of the staff services, named after what went wrong; the console shows them as form messages or
// the 403 page, the Admin API maps them by class to { error, error_description }.
import { Forbidden, InvalidInput } from '../errors.js';
import type { StaffAction } from './matrix.js';

/** The staff member's roles do not allow this action (or the account holds no staff role at all). */
export class StaffActionForbidden extends Forbidden {
  override name = 'StaffActionForbidden';
  constructor(readonly action: StaffAction) {
    super(`Your staff role does not allow this (${action}).`);
  }
}

/** The role named is not one of moderator, support, admin. */
export class UnknownStaffRole extends InvalidInput {
  override name = 'UnknownStaffRole';
  constructor(role: string) {
    super(`Unknown staff role "${role}": use moderator, support or admin.`, 'role');
  }
}

/** Staff cannot block their own account (they would lock themselves out mid-action). */
export class CannotBlockOwnAccount extends InvalidInput {
  override name = 'CannotBlockOwnAccount';
  constructor() {
    super('You cannot block your own account.', 'account');
  }
}

/** A set-password link is only resent to accounts that have no password yet. */
export class AccountHasPassword extends InvalidInput {
  override name = 'AccountHasPassword';
  constructor() {
    super('This account already has a password; the person can use "Forgot password".', 'account');
  }
}

/** The account is blocked: unblock it first. */
export class AccountBlocked extends InvalidInput {
  override name = 'AccountBlocked';
  constructor() {
    super('The account is blocked; unblock it first.', 'account');
  }
}
