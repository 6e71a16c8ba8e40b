// Staff-facing objects as the Admin API shows them: snake_case names, ISO dates, never a password hash
// (only whether there is one). Each view matches its schema in schemas-admin.ts.
import type { AuditRow } from '../../queries/audit.js';
import type { AccountRow } from '../../services/accounts/index.js';
import type { AccountDetail } from '../../services/staff/index.js';
import type { MyCompany } from '../../services/companies/index.js';
import { myCompanyView } from './companies-views.js';

const iso = (d: Date) => d.toISOString();

/** An account as staff see it in lists. */
export const accountSummaryView = (a: AccountRow) => ({
  id: a.id,
  email: a.email,
  email_verified: a.email_verified,
  name: a.name,
  status: a.status,
  has_password: a.password_hash !== null,
  locale: a.locale,
  created_at: iso(a.created_at),
  blocked_at: a.blocked_at ? iso(a.blocked_at) : null,
});

/** An audit event. */
export const auditEventView = (e: AuditRow) => ({
  id: String(e.id),
  type: e.type,
  at: iso(e.created_at),
  account_id: e.account_id,
  client_id: e.client_id,
  ip: e.ip,
  data: e.data,
});

/** The account page: the account, its staff roles, customer links, companies and recent audit events. */
export const accountDetailView = (d: AccountDetail, companies: MyCompany[]) => ({
  account: accountSummaryView(d.account),
  staff_roles: d.staffRoles,
  customer_links: d.customerLinks.map((l) => ({
    customer_id: l.customer_id, company_name: l.company_name, tax_id: l.tax_id, country: l.country, linked_at: iso(l.linked_at), linked_by: l.linked_by,
  })),
  companies: companies.map(myCompanyView),
  recent_audit: d.recentAudit.map(auditEventView),
});
