// Errors of the company domain (issue 5). Each carries a stable `code` (the JSON API's `error`) and an
// HTTP status; the web layer maps classes to page messages, never message text.
import { InvalidInput, LatchkeyError } from '../errors.js';

/** A company field is malformed; `field` names it (kind, country, tax_id, name, vat_id, address, reason, key, permissions, roles, email). */
export class InvalidCompanyInput extends InvalidInput {
  override name = 'InvalidCompanyInput';
}

/** No such company (or the caller may not see it). */
export class CompanyNotFound extends LatchkeyError {
  override readonly code: string = 'company_not_found';
  override readonly status: number = 404;
  override name = 'CompanyNotFound';
  constructor(message = 'Company not found.') {
    super(message);
  }
}

/** Another company of this country already has this tax ID. */
export class TaxIdTaken extends LatchkeyError {
  override readonly code: string = 'tax_id_taken';
  override readonly status: number = 409;
  override name = 'TaxIdTaken';
  constructor(message = 'A company with this tax ID is already registered in this country.') {
    super(message);
  }
}

/** The actor lacks the permission or role this needs (e.g. granting a permission they do not hold). */
export class NotPermitted extends LatchkeyError {
  override readonly code: string = 'not_permitted';
  override readonly status: number = 403;
  override name = 'NotPermitted';
}

/** The last owner cannot leave, be removed, or lose the owner role. */
export class LastOwner extends LatchkeyError {
  override readonly code: string = 'last_owner';
  override readonly status: number = 409;
  override name = 'LastOwner';
  constructor(message = 'The company must keep at least one owner: transfer ownership first.') {
    super(message);
  }
}

/** The company is not in a state that allows this (e.g. joining a pending or suspended company). */
export class CompanyNotActive extends LatchkeyError {
  override readonly code: string = 'company_not_active';
  override readonly status: number = 409;
  override name = 'CompanyNotActive';
  constructor(message = 'This company is not active.') {
    super(message);
  }
}

/** The company was already approved or rejected (moderation), or cannot change status this way. */
export class CompanyStatusConflict extends LatchkeyError {
  override readonly code: string = 'company_status_conflict';
  override readonly status: number = 409;
  override name = 'CompanyStatusConflict';
}

/** No such join request. */
export class JoinRequestNotFound extends LatchkeyError {
  override readonly code: string = 'join_request_not_found';
  override readonly status: number = 404;
  override name = 'JoinRequestNotFound';
  constructor(message = 'Join request not found.') {
    super(message);
  }
}

/** The join request is no longer pending, or this side has already decided it. */
export class JoinRequestClosed extends LatchkeyError {
  override readonly code: string = 'join_request_closed';
  override readonly status: number = 409;
  override name = 'JoinRequestClosed';
  constructor(message = 'This join request has already been decided.') {
    super(message);
  }
}

/** The account is already a member of the company. */
export class AlreadyMember extends LatchkeyError {
  override readonly code: string = 'already_member';
  override readonly status: number = 409;
  override name = 'AlreadyMember';
  constructor(message = 'You are already a member of this company.') {
    super(message);
  }
}

/** The account is not a member of the company. */
export class MemberNotFound extends LatchkeyError {
  override readonly code: string = 'member_not_found';
  override readonly status: number = 404;
  override name = 'MemberNotFound';
  constructor(message = 'This person is not a member of the company.') {
    super(message);
  }
}

/** No such role in this company. */
export class RoleNotFound extends LatchkeyError {
  override readonly code: string = 'role_not_found';
  override readonly status: number = 404;
  override name = 'RoleNotFound';
  constructor(message = 'No such role in this company.') {
    super(message);
  }
}

/** The invitation link is unknown, used or expired. */
export class InvitationInvalid extends LatchkeyError {
  override readonly code: string = 'invitation_invalid';
  override readonly status: number = 410;
  override name = 'InvitationInvalid';
  constructor(message = 'This invitation link is invalid, expired, or already used.') {
    super(message);
  }
}

/** The invitation was sent to another email address than the signed-in account's. */
export class InvitationEmailMismatch extends LatchkeyError {
  override readonly code: string = 'invitation_email_mismatch';
  override readonly status: number = 403;
  override name = 'InvitationEmailMismatch';
  constructor(message = 'This invitation was sent to another email address. Sign in with that address to accept it.') {
    super(message);
  }
}

/** Once a company is approved, only staff can change its tax ID or country. */
export class TaxIdLocked extends NotPermitted {
  override readonly code: string = 'tax_id_locked';
  override name = 'TaxIdLocked';
  constructor(message = 'The tax ID and country cannot be changed after the company was approved. Ask our staff to change them.') {
    super(message);
  }
}
