// The moderation queue (issue 5, items 2-3 and 7): pending companies to approve or reject with a reason, and
// join requests still waiting for the moderator's decision. Decisions go through services.companies, which
// audits them with the staff actor and mails the people concerned.
import type Koa from 'koa';
import type { Middleware } from 'koa';
import type { RouteDeps } from '../route-deps.js';
import { actorOf, adminFormError, adminPageLocals, field, redirectAfterPost, type FormError } from './page.js';

const QUEUE_SIZE = 50;
const DECISIONS = new Set(['approve', 'reject']);

async function showQueue(deps: RouteDeps, ctx: Koa.ParameterizedContext, options: { error?: FormError; values?: Record<string, string>; status?: number } = {}) {
  const queue = await deps.services.companies.listPendingForModeration({ limit: QUEUE_SIZE });
  deps.render(ctx, 'admin/queue', {
    ...adminPageLocals(deps, ctx, 'queue'),
    companies: queue.companies,
    joinRequests: queue.joinRequests,
    error: options.error,
    values: options.values ?? {},
  }, options.status ?? 200);
}

/** GET /admin/queue */
export function queuePage(deps: RouteDeps): Middleware {
  return async function renderQueue(ctx) {
    await showQueue(deps, ctx);
  };
}

/** The decision and reason of a moderation form; a reject needs a reason (the service says so too). */
function decisionOf(ctx: Koa.ParameterizedContext): { decision: 'approve' | 'reject'; reason: string } | undefined {
  const decision = field(ctx, 'decision', 10);
  return DECISIONS.has(decision) ? { decision: decision as 'approve' | 'reject', reason: field(ctx, 'reason', 1000) } : undefined;
}

/** What one moderation form decides, and the notice shown after it. */
interface Moderation {
  form: (id: string) => string;
  decide: (deps: RouteDeps, ctx: Koa.ParameterizedContext, id: string, chosen: { decision: 'approve' | 'reject'; reason: string }) => Promise<unknown>;
  notices: { approve: string; reject: string };
}

/** [checkDecision, decide, notify, backToQueue]: a moderation form's steps; bad input shows the queue with the message. */
function moderationSubmission(deps: RouteDeps, moderation: Moderation): Middleware {
  return async function moderate(ctx) {
    const id = String(ctx.params.id);
    const form = moderation.form(id);
    const t = deps.render.translator(ctx);
    const chosen = decisionOf(ctx);
    if (!chosen) return showQueue(deps, ctx, { error: { form, field: 'decision', message: t('admin.error.decision') }, status: 400 });
    if (chosen.decision === 'reject' && chosen.reason === '') {
      return showQueue(deps, ctx, { error: { form, field: 'reason', message: t('admin.error.reason') }, status: 400 });
    }
    try {
      await moderation.decide(deps, ctx, id, chosen);
    } catch (err) {
      const error = adminFormError(err, t, 'reason');
      if (!error) throw err;
      return showQueue(deps, ctx, { error: { ...error, form }, values: { reason: chosen.reason }, status: (err as { status?: number }).status ?? 400 });
    }
    deps.mailer.notify();
    redirectAfterPost(deps, ctx, '/queue', moderation.notices[chosen.decision]);
  };
}

/** POST /admin/companies/:id/moderate: decision approve|reject, reason (required to reject). */
export function companyModerationSubmission(deps: RouteDeps): Middleware {
  return moderationSubmission(deps, {
    form: (id) => `company:${id}`,
    decide: (d, ctx, id, chosen) => d.services.companies.moderateCompany(actorOf(ctx), id, { decision: chosen.decision, reason: chosen.reason || null }),
    notices: { approve: 'company-approved', reject: 'company-rejected' },
  });
}

/** POST /admin/join-requests/:id/decide: the moderator's side of a join request. */
export function joinDecisionSubmission(deps: RouteDeps): Middleware {
  return moderationSubmission(deps, {
    form: (id) => `join:${id}`,
    decide: (d, ctx, id, chosen) => d.services.companies.decideJoin(actorOf(ctx), id, { as: 'moderator', decision: chosen.decision, reason: chosen.reason || null }),
    notices: { approve: 'join-approved', reject: 'join-rejected' },
  });
}
