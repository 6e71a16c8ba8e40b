// Staff (issue 5, item 7): who holds the roles moderator, support and admin (granted with `latchkey staff
// grant`), what each role may do (./matrix.ts), and the audited operations the admin console at /admin and
// the Admin API share (./actions.ts). Every grant, revoke and staff action is written to the audit log with
// the acting staff account in data.actorId (the console's audit search finds it there).
import { z } from 'zod';
import { createStaffQueries, type StaffMemberRow } from '../../queries/staff.js';
import type { AccountRow } from '../accounts/index.js';
import { createStaffActions, type StaffActor, type StaffServiceDeps } from './actions.js';
import { StaffActionForbidden, UnknownStaffRole } from './errors.js';
import { allowedActions, can, isStaffRole, STAFF_ACTIONS, STAFF_MATRIX, STAFF_ROLES, type StaffAction, type StaffRole } from './matrix.js';

export { allowedActions, can, isStaffRole, STAFF_ACTIONS, STAFF_MATRIX, STAFF_ROLES, type StaffAction, type StaffRole };
export { AccountBlocked, AccountHasPassword, CannotBlockOwnAccount, StaffActionForbidden, UnknownStaffRole } from './errors.js';
export { STAFF_CONSOLE_CLIENT_ID } from './actions.js';
export type { StaffActor, AccountDetail, AuditPage, AuditSearchInput, AccountSearchResult, ProvisionInput } from './actions.js';


/** One person holding staff roles. */
export interface StaffMember {
  accountId: string;
  email: string;
  name: string | null;
  status: string;
  roles: { role: StaffRole; grantedAt: Date; grantedBy: string | null }[];
}

export type { StaffServiceDeps };

/** Who granted a role: a staff member (console, Admin API) or the operator's CLI (no actor). */
export type GrantingActor = Pick<StaffActor, 'accountId' | 'staffRoles' | 'ip' | 'userAgent'> | undefined;

function group(rows: StaffMemberRow[]): StaffMember[] {
  const members = new Map<string, StaffMember>();
  for (const r of rows) {
    const member = members.get(r.account_id) ?? { accountId: r.account_id, email: r.email, name: r.name, status: r.status, roles: [] };
    member.roles.push({ role: r.role, grantedAt: r.granted_at, grantedBy: r.granted_by });
    members.set(r.account_id, member);
  }
  return [...members.values()];
}

/** The staff service: roles, the permission matrix, and the staff actions. */
export function createStaffService(deps: StaffServiceDeps) {
  const { db, audit, accounts } = deps;
  const staff = createStaffQueries(db);

  function parseRole(role: string): StaffRole {
    const value = role.trim().toLowerCase();
    if (!isStaffRole(value)) throw new UnknownStaffRole(role);
    return value;
  }

  /** Throws StaffActionForbidden unless the actor's roles allow the action. */
  function assertCan(actor: Pick<StaffActor, 'staffRoles'>, action: StaffAction): void {
    if (!can(actor.staffRoles, action)) throw new StaffActionForbidden(action);
  }

  async function changeRole(kind: 'grant' | 'revoke', email: string, roleName: string, actor: GrantingActor): Promise<{ account: AccountRow; role: StaffRole; changed: boolean }> {
    const role = parseRole(roleName);
    if (actor) assertCan(actor, 'staff.manage');
    const target = await accounts.requireAccount(z.string().trim().max(320).parse(email));
    return db.transaction(async (tx) => {
      const q = createStaffQueries(tx);
      const changed = kind === 'grant' ? await q.grant(target.id, role, actor?.accountId ?? null) : await q.revoke(target.id, role);
      if (changed) {
        await audit.record({
          accountId: target.id,
          type: kind === 'grant' ? 'staff.role-granted' : 'staff.role-revoked',
          ip: actor?.ip ?? null,
          userAgent: actor?.userAgent ?? null,
          data: { role, actorId: actor?.accountId ?? null, via: actor ? 'staff' : 'cli' },
        }, tx);
      }
      return { account: target, role, changed };
    });
  }

  return {
    /** Grants a staff role to the account with this email (or id); `changed` false when it already held it. */
    grant: (email: string, role: string, actor?: GrantingActor) => changeRole('grant', email, role, actor),

    /** Revokes a staff role; `changed` false when the account did not hold it. Takes effect at the next request. */
    revoke: (email: string, role: string, actor?: GrantingActor) => changeRole('revoke', email, role, actor),

    /** The staff roles an account holds now (empty for everyone else). */
    rolesOf: (accountId: string): Promise<StaffRole[]> => staff.rolesOf(accountId),

    /** Everyone holding a staff role, with their roles. */
    async list(): Promise<StaffMember[]> {
      return group(await staff.list());
    },

    /** True when any of the roles allows the action (the matrix in ./matrix.ts). */
    can,
    assertCan,
    allowedActions,

    /**
     * The acting staff member for an account, roles read now (so a revoked role stops working at once);
     * undefined when the account is not active or holds no staff role.
     */
    async actorFor(accountId: string, origin: { ip?: string | null; userAgent?: string | null } = {}): Promise<StaffActor | undefined> {
      const account = await accounts.findById(accountId);
      if (!account || account.status !== 'active') return undefined;
      const staffRoles = await staff.rolesOf(accountId);
      return staffRoles.length ? { accountId, staffRoles, ip: origin.ip ?? null, userAgent: origin.userAgent ?? null } : undefined;
    },

    ...createStaffActions({ ...deps, assertCan }),
  };
}
export type StaffService = ReturnType<typeof createStaffService>;
