// The console's audit log search (issue 5, item 7): every staff and company-admin action (and the account
// events) by account (id or email; events about it or done by it), company id, event type (or its start),
// and date range; newest first, paginated by id. Bad filters are shown as form messages, never a 500.
import type { Middleware } from 'koa';
import { InvalidInput } from '../../services/errors.js';
import type { AuditPage } from '../../services/staff/index.js';
import type { RouteDeps } from '../route-deps.js';
import { actorOf, adminFormError, adminPageLocals, queryParam, type FormError } from './page.js';

const FILTERS = ['account', 'company', 'type', 'from', 'to'] as const;

/** GET /admin/audit?account=&company=&type=&from=&to=&before= */
export function auditPage(deps: RouteDeps): Middleware {
  return async function renderAudit(ctx) {
    const values = Object.fromEntries(FILTERS.map((name) => [name, queryParam(ctx, name, 320)])) as Record<(typeof FILTERS)[number], string>;
    const before = queryParam(ctx, 'before', 20);
    let result: AuditPage = { events: [], nextBefore: null };
    let error: FormError | undefined;
    try {
      result = await deps.services.staff.searchAudit(actorOf(ctx), {
        account: values.account, companyId: values.company, type: values.type, from: values.from, to: values.to, before,
      });
    } catch (err) {
      error = err instanceof InvalidInput ? adminFormError(err, deps.render.translator(ctx), 'account') : undefined;
      if (!error) throw err;
      if (error.field === 'company_id') error.field = 'company';
    }
    const next = result.nextBefore === null ? undefined : new URLSearchParams({ ...values, before: String(result.nextBefore) }).toString();
    deps.render(ctx, 'admin/audit', {
      ...adminPageLocals(deps, ctx, 'audit'),
      values,
      events: result.events,
      nextUrl: next && `${deps.config.mountPath}/admin/audit?${next}`,
      firstUrl: before ? `${deps.config.mountPath}/admin/audit?${new URLSearchParams(values).toString()}` : undefined,
      error,
    }, error ? 400 : 200);
  };
}
