// The staff permission matrix (issue 5, item 7; OWASP ASVS 4.0 V4.1.3 least privilege, V4.1.5 deny by default):
// which staff role may do which console / Admin API action. The web layer (console and Admin API) and the
// staff services check the same table, so a role means the same thing everywhere.
import { STAFF_ROLES, type StaffRole } from '../../queries/staff.js';

export { STAFF_ROLES, type StaffRole };

/** Every action a staff member can be allowed (the console's pages and the Admin API's routes map onto these). */
export const STAFF_ACTIONS = [
  'moderation.decide', // moderation queue: approve/reject companies, decide join requests as moderator
  'accounts.read', // search accounts, account detail
  'companies.read', // search companies, company detail, members
  'audit.read', // search the audit log
  'accounts.block', // block and unblock accounts
  'accounts.provision', // create an account for a person verified in the office
  'customers.link', // link and unlink customer IDs
  'mail.resend', // resend a set-password / verification mail
  'companies.suspend', // suspend and restore companies
  'companies.edit', // change company data, incl. the tax ID after approval
  'companies.transfer-ownership', // move ownership when the company's authorised person changes
  'staff.manage', // grant and revoke staff roles
] as const;
export type StaffAction = (typeof STAFF_ACTIONS)[number];

const READ: StaffAction[] = ['accounts.read', 'companies.read', 'audit.read'];

/** The matrix: the actions each role allows. admin allows everything. */
export const STAFF_MATRIX: Readonly<Record<StaffRole, readonly StaffAction[]>> = {
  moderator: ['moderation.decide', ...READ],
  support: [...READ, 'accounts.block', 'accounts.provision', 'customers.link', 'mail.resend'],
  admin: STAFF_ACTIONS,
};

/** True when any of the roles allows the action; no roles allow nothing. */
export function can(roles: readonly string[], action: StaffAction): boolean {
  return roles.some((role) => isStaffRole(role) && STAFF_MATRIX[role].includes(action));
}

/** The actions a set of roles allows (for showing only the console's usable links). */
export function allowedActions(roles: readonly string[]): StaffAction[] {
  return STAFF_ACTIONS.filter((action) => can(roles, action));
}

export const isStaffRole = (value: string): value is StaffRole => (STAFF_ROLES as readonly string[]).includes(value);
