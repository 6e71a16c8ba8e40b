// Company roles and permissions (issue 5, item 5) as pure rules: the built-in roles, what a member holds
// (the union over their roles), and the anti-escalation rule for delegated administration (OWASP ASVS
// V4.1.3 least privilege, V4.2 no privilege escalation): nobody grants, revokes or defines a role holding a
// permission they do not hold themselves; only an owner touches the owner role.

/** Permissions every company has, whatever the catalogue. */
export const MANAGEMENT_PERMISSIONS = ['members:manage', 'roles:manage', 'company:manage'] as const;
export type ManagementPermission = (typeof MANAGEMENT_PERMISSIONS)[number];

export const BUILT_IN_ROLES = ['owner', 'admin', 'member', 'accountant', 'contact'] as const;
export type BuiltInRole = (typeof BUILT_IN_ROLES)[number];

export const isBuiltInRole = (key: string): key is BuiltInRole => (BUILT_IN_ROLES as readonly string[]).includes(key);

/** A company-defined role as stored. */
export interface CustomRole {
  key: string;
  name: string;
  permissions: readonly string[];
}

/** What permission checks need about one member. */
export interface MemberGrants {
  roles: readonly string[];
  contactPermissions: readonly string[] | null;
}

/** Everything a permission may be: the configured catalogue plus the management permissions. */
export function allPermissions(catalogue: readonly string[]): string[] {
  return [...catalogue, ...MANAGEMENT_PERMISSIONS];
}

/** The permissions a role carries (contact: the member's chosen subset), limited to what exists today. */
export function permissionsOfRole(
  role: string,
  catalogue: readonly string[],
  customRoles: ReadonlyMap<string, CustomRole>,
  contactPermissions: readonly string[] | null = null,
): string[] {
  const known = new Set(allPermissions(catalogue));
  switch (role) {
    case 'owner':
    case 'admin':
      return allPermissions(catalogue);
    case 'member':
      return [];
    case 'accountant':
      return catalogue.includes('invoices') ? ['invoices'] : [];
    case 'contact':
      return (contactPermissions ?? []).filter((p) => catalogue.includes(p));
    default:
      return (customRoles.get(role)?.permissions ?? []).filter((p) => known.has(p));
  }
}

/** A member's permissions: the union over their roles, in catalogue order. */
export function permissionsOfMember(grants: MemberGrants, catalogue: readonly string[], customRoles: ReadonlyMap<string, CustomRole>): string[] {
  const held = new Set(grants.roles.flatMap((r) => permissionsOfRole(r, catalogue, customRoles, grants.contactPermissions)));
  return allPermissions(catalogue).filter((p) => held.has(p));
}

/** Why `actor` may not hand out (or take away) a role with these permissions; undefined when allowed. */
export function refuseRoleChange(
  actor: { roles: readonly string[]; permissions: readonly string[] },
  role: string,
  rolePermissions: readonly string[],
): string | undefined {
  if (role === 'owner') return actor.roles.includes('owner') ? undefined : 'Only an owner can grant or revoke the owner role.';
  if (!actor.permissions.includes('roles:manage')) return 'You need the roles:manage permission to change roles.';
  const missing = rolePermissions.filter((p) => !actor.permissions.includes(p));
  if (missing.length) return `You cannot grant or revoke permissions you do not hold yourself: ${missing.join(', ')}.`;
  return undefined;
}

/** Why `actor` may not remove `target` from the company; undefined when allowed (last-owner rule checked apart). */
export function refuseRemoval(
  actor: { roles: readonly string[]; permissions: readonly string[] },
  target: { roles: readonly string[]; permissions: readonly string[] },
): string | undefined {
  if (!actor.permissions.includes('members:manage')) return 'You need the members:manage permission to remove members.';
  if (target.roles.includes('owner') && !actor.roles.includes('owner')) return 'Only an owner can remove an owner.';
  const missing = target.permissions.filter((p) => !actor.permissions.includes(p));
  if (missing.length) return `You cannot remove a member holding permissions you do not hold: ${missing.join(', ')}.`;
  return undefined;
}

const ROLE_KEY = /^[a-z][a-z0-9-]{1,39}$/;
/** True for a well-formed company role key (lower-case letters, digits, dashes; 2-40 characters). */
export const isRoleKey = (key: string): boolean => ROLE_KEY.test(key);
