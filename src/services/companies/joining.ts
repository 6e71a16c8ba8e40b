// Joining a company (issue 5, item 3): a person asks to join an approved company; the request needs BOTH
// a moderator's and a company admin's approval, in either order; either rejection (with a reason) ends
// it. The request row is locked while a decision is recorded, so racing deciders run one after the other
// and exactly one of them creates the membership. The requester is mailed at each step.
import type { Queryable } from '../../db/types.js';
import { createAccountQueries } from '../../queries/accounts.js';
import { createCompanyMemberQueries } from '../../queries/companies-members.js';
import { createCompanyRequestQueries, type JoinRequestRow } from '../../queries/companies-requests.js';
import { isStaff, toJoinRequest, type CompanyContext } from './context.js';
import { AlreadyMember, CompanyNotActive, CompanyNotFound, InvalidCompanyInput, JoinRequestClosed, JoinRequestNotFound, NotPermitted } from './errors.js';
import { checkReason } from './input.js';
import { companiesLink, companyLink } from './links.js';
import type { Actor, DecideJoinInput, JoinRequest, ListJoinRequestsOptions, StaffActor } from './types.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Join requests and their two-sided decisions. */
export function createCompanyJoining(ctx: CompanyContext) {
  const { db, issuer } = ctx.deps;

  async function load(tx: Queryable, id: string): Promise<JoinRequestRow> {
    const row = UUID.test(id) ? await createCompanyRequestQueries(tx).find(id) : undefined;
    if (!row) throw new JoinRequestNotFound();
    return row;
  }

  /** Throws unless the actor may see and decide the company's requests (members:manage). */
  async function requireCompanyAdmin(tx: Queryable, actor: Actor, companyId: string): Promise<void> {
    const standing = await ctx.standing(tx, companyId, actor.accountId);
    if (!standing.isMember) throw new CompanyNotFound();
    if (!standing.permissions.includes('members:manage')) throw new NotPermitted('You need the members:manage permission to see and decide join requests.');
  }

  return {
    /** Asks to join an approved company (mail 'company-join-requested'); an open request is returned as it is. */
    async requestJoin(actor: Actor, companyId: string): Promise<JoinRequest> {
      return db.transaction(async (tx) => {
        const company = await ctx.company(tx, companyId);
        // Pending, rejected and suspended companies cannot be found for joining.
        if (company.status !== 'approved') throw new CompanyNotFound();
        if (await createCompanyMemberQueries(tx).find(company.id, actor.accountId)) throw new AlreadyMember();
        const requests = createCompanyRequestQueries(tx);
        const open = await requests.findPending(company.id, actor.accountId);
        if (open) return toJoinRequest(open);
        const id = await requests.insert(company.id, actor.accountId);
        if (!id) return toJoinRequest((await requests.findPending(company.id, actor.accountId))!);
        await ctx.audit(tx, actor, 'company.join_requested', company.id, { requestId: id });
        await ctx.mailAccount(tx, actor.accountId, 'company-join-requested', (n) => ({ name: n, companyName: company.name, link: companiesLink(issuer) }));
        // The company's admins learn of it too (they approve under Employees, Requests).
        const requester = await createAccountQueries(tx).findById(actor.accountId);
        for (const admin of await ctx.membersWith(tx, company.id, 'members:manage')) {
          await ctx.mailAccount(tx, admin, 'company-join-request-received', (n) => ({
            name: n, companyName: company.name, requester: requester!.email, requesterName: requester!.name, link: `${companyLink(issuer, company.id)}/requests`,
          }));
        }
        return toJoinRequest(await load(tx, id));
      });
    },

    /**
     * Records a moderator's (staff moderator or admin) or a company admin's (members:manage) decision.
     * Both approvals make the requester a member (role 'member'); a rejection ends the request.
     */
    async decideJoin(actor: Actor | StaffActor, requestId: string, input: DecideJoinInput): Promise<JoinRequest> {
      if (input.as !== 'moderator' && input.as !== 'company-admin') throw new InvalidCompanyInput('Decide as moderator or company-admin.', 'as');
      if (input.decision !== 'approve' && input.decision !== 'reject') throw new InvalidCompanyInput('The decision must be approve or reject.', 'decision');
      if (input.as === 'moderator' && !isStaff(actor, 'moderator', 'admin')) throw new NotPermitted('Only staff moderators decide as moderator.');
      const reason = input.decision === 'reject' ? checkReason(input.reason) : null;
      return db.transaction(async (tx) => {
        const requests = createCompanyRequestQueries(tx);
        if (!UUID.test(requestId) || !(await requests.lock(requestId))) throw new JoinRequestNotFound();
        const request = await load(tx, requestId);
        if (input.as === 'company-admin') await requireCompanyAdmin(tx, actor, request.company_id);
        if (request.status !== 'pending') throw new JoinRequestClosed(`This join request is already ${request.status}.`);
        const side = input.as === 'moderator' ? 'moderator' : 'admin';
        if (request[`${side}_decision`] !== null) throw new JoinRequestClosed(`The ${input.as === 'moderator' ? 'moderator' : 'company admin'} has already decided this request.`);
        // Two approvals mean two people, neither of them the requester.
        if (request.account_id === actor.accountId) throw new NotPermitted('You cannot decide your own join request.');
        if ((side === 'moderator' ? request.admin_id : request.moderator_id) === actor.accountId) throw new NotPermitted('The other approval must come from someone else.');
        const company = await ctx.company(tx, request.company_id);
        if (company.status !== 'approved') throw new CompanyNotActive();
        await requests.decide(request.id, side, input.decision, actor.accountId, reason);
        const base = { requestId: request.id, requester: request.account_id, as: input.as };
        if (input.decision === 'reject') {
          await requests.setStatus(request.id, 'rejected');
          await ctx.audit(tx, actor, 'company.join_rejected', company.id, { ...base, reason });
          await ctx.mailAccount(tx, request.account_id, 'company-join-rejected', (n) => ({ name: n, companyName: company.name, reason: reason! }));
        } else if ((side === 'moderator' ? request.admin_decision : request.moderator_decision) === 'approve') {
          await requests.setStatus(request.id, 'approved');
          const members = createCompanyMemberQueries(tx);
          await members.insert(company.id, request.account_id);
          await members.grant(company.id, request.account_id, 'member', actor.accountId);
          await ctx.audit(tx, actor, 'company.join_approved', company.id, { ...base, memberAdded: true });
          await ctx.mailAccount(tx, request.account_id, 'company-join-approved', (n) => ({ name: n, companyName: company.name, link: companyLink(issuer, company.id) }));
        } else {
          await ctx.audit(tx, actor, 'company.join_approved', company.id, { ...base, memberAdded: false });
          await ctx.mailAccount(tx, request.account_id, 'company-join-progress', (n) => ({
            name: n, companyName: company.name, waitingFor: side === 'moderator' ? 'company-admin' : 'moderator', link: companiesLink(issuer),
          }));
        }
        return toJoinRequest(await load(tx, request.id));
      });
    },

    /** The requester withdraws their own pending request. */
    async cancelJoinRequest(actor: Actor, requestId: string): Promise<JoinRequest> {
      return db.transaction(async (tx) => {
        const requests = createCompanyRequestQueries(tx);
        if (!UUID.test(requestId) || !(await requests.lock(requestId))) throw new JoinRequestNotFound();
        const request = await load(tx, requestId);
        if (request.account_id !== actor.accountId) throw new JoinRequestNotFound();
        if (request.status !== 'pending') throw new JoinRequestClosed(`This join request is already ${request.status}.`);
        await requests.setStatus(request.id, 'cancelled');
        await ctx.audit(tx, actor, 'company.join_cancelled', request.company_id, { requestId: request.id });
        return toJoinRequest(await load(tx, request.id));
      });
    },

    /** A company's join requests (company admins with members:manage; staff moderators and admins). */
    async listJoinRequests(actor: Actor | StaffActor, companyId: string, options: ListJoinRequestsOptions = {}): Promise<JoinRequest[]> {
      const company = await ctx.company(db, companyId);
      if (!isStaff(actor, 'moderator', 'admin', 'support')) await requireCompanyAdmin(db, actor, company.id);
      return (await createCompanyRequestQueries(db).listForCompany(company.id, options.status)).map(toJoinRequest);
    },

    /** The account's own join requests, newest first (with each side's decision). */
    async listMyJoinRequests(accountId: string): Promise<JoinRequest[]> {
      return (await createCompanyRequestQueries(db).listForAccount(accountId)).map(toJoinRequest);
    },

    /** One join request: for its requester, the company's admins, or staff. */
    async getJoinRequest(actor: Actor | StaffActor, requestId: string): Promise<JoinRequest> {
      const request = await load(db, requestId);
      if (request.account_id !== actor.accountId && !isStaff(actor, 'moderator', 'admin', 'support')) await requireCompanyAdmin(db, actor, request.company_id);
      return toJoinRequest(request);
    },

    /** Pending requests still waiting for a moderator, oldest first. */
    async awaitingModerator(limit: number, offset: number): Promise<JoinRequest[]> {
      return (await createCompanyRequestQueries(db).listAwaitingModerator(limit, offset)).map(toJoinRequest);
    },
  };
}
