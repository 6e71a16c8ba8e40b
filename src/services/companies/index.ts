// services.companies (issue 5): companies registered by tax ID, the company registry, memberships with
// roles and permissions, join requests with dual approval, invitations, and the `organizations` claim.
// The rules live in the parts below; this file wires them over one set of dependencies.
import { createCompanyClaims } from './claims.js';
import { createCompanyContext, type CompanyServiceDeps } from './context.js';
import { createCompanyInvitations } from './invitations.js';
import { createCompanyJoining } from './joining.js';
import { createCompanyLifecycle } from './lifecycle.js';
import { createCompanyMembership } from './membership.js';
import { chainRegistries, createBuiltInRegistry, importRegistryFile } from './registry.js';
import type { CompanyRegistry, ModerationQueue, RegistryEntry, RegistryImportFormat, RegistryImportSummary } from './types.js';

export type { CompanyServiceDeps } from './context.js';
export * from './types.js';
export * from './errors.js';
export { MANAGEMENT_PERMISSIONS, BUILT_IN_ROLES } from './permissions.js';
export { INVITATION_DAYS } from './invitations.js';
export { REGISTRY_COLUMNS } from './registry.js';

/** Builds the company service. */
export function createCompanyService(deps: CompanyServiceDeps) {
  const ctx = createCompanyContext(deps);
  const registry: CompanyRegistry = chainRegistries([createBuiltInRegistry(deps.db), ...(deps.registries ?? [])]);
  const lifecycle = createCompanyLifecycle(ctx, registry);
  const joining = createCompanyJoining(ctx);
  const membership = createCompanyMembership(ctx);
  const invitations = createCompanyInvitations(ctx);
  const claims = createCompanyClaims(ctx);

  return {
    /** What the registries know about a tax ID (the registration form is prefilled from it). */
    lookupRegistry: (country: string, taxId: string): Promise<RegistryEntry | undefined> => registry.lookup(country, taxId),
    /** Imports a registry file (CSV or NDJSON; format from the extension when not given). */
    importRegistry: (file: string, format?: RegistryImportFormat): Promise<RegistryImportSummary> => importRegistryFile(deps.db, file, format),

    register: lifecycle.register,
    findForJoin: lifecycle.findForJoin,
    moderateCompany: lifecycle.moderateCompany,
    suspendCompany: lifecycle.suspendCompany,
    restoreCompany: lifecycle.restoreCompany,
    updateCompany: lifecycle.updateCompany,
    getCompany: lifecycle.getCompany,
    searchCompanies: lifecycle.searchCompanies,

    requestJoin: joining.requestJoin,
    decideJoin: joining.decideJoin,
    cancelJoinRequest: joining.cancelJoinRequest,
    listJoinRequests: joining.listJoinRequests,
    listMyJoinRequests: joining.listMyJoinRequests,
    getJoinRequest: joining.getJoinRequest,

    /** The staff moderation queue: pending companies and join requests still waiting for a moderator, oldest first. */
    async listPendingForModeration(options: { limit?: number; offset?: number } = {}): Promise<ModerationQueue> {
      const limit = Math.min(Math.max(Math.trunc(options.limit ?? 50), 0), 200);
      const offset = Math.max(0, Math.trunc(options.offset ?? 0));
      const [companies, joinRequests] = await Promise.all([lifecycle.pendingCompanies(limit, offset), joining.awaitingModerator(limit, offset)]);
      return { companies, joinRequests };
    },

    listMembers: membership.listMembers,
    removeMember: membership.removeMember,
    leave: membership.leave,
    grantRole: membership.grantRole,
    revokeRole: membership.revokeRole,
    defineRole: membership.defineRole,
    deleteRole: membership.deleteRole,
    listRoles: membership.listRoles,
    transferOwnership: membership.transferOwnership,
    permissionCatalogue: membership.permissionCatalogue,

    invite: invitations.invite,
    peekInvitation: invitations.peekInvitation,
    acceptInvitation: invitations.acceptInvitation,
    listInvitations: invitations.listInvitations,
    revokeInvitation: invitations.revokeInvitation,

    listMyCompanies: claims.listMyCompanies,
    claimsFor: claims.claimsFor,
    permissionsOf: claims.permissionsOf,
  };
}
export type CompanyService = ReturnType<typeof createCompanyService>;
