// "Download my data" (issue 3, item 6; GDPR art. 15/20): everything Latchkey keeps about the account, as
// one JSON document: profile, sessions, connected apps, activity and email changes. No secrets (no hashes).
import { createAuditQueries } from '../../queries/audit.js';
import { listApps, type ConnectedApp } from './apps.js';
import { requireActiveAccount, type AccountCenterDeps } from './context.js';
import { listEmailChanges, type EmailChange } from './email-change.js';
import { toProfile, type AccountProfile } from './profile.js';
import { listSessions, type ActiveSession } from './sessions.js';

export interface AccountExport {
  exportedAt: Date;
  profile: AccountProfile;
  sessions: ActiveSession[];
  apps: ConnectedApp[];
  emailChanges: EmailChange[];
  activity: { id: string; type: string; at: Date; clientId: string | null; ip: string | null; userAgent: string | null; data: Record<string, unknown> }[];
}

const EXPORT_ACTIVITY_LIMIT = 10_000;

/** Everything about the account, for its owner. */
export async function exportAccountData(deps: AccountCenterDeps, accountId: string, currentSessionUid?: string): Promise<AccountExport> {
  const account = await requireActiveAccount(deps, accountId);
  const activity = await createAuditQueries(deps.db).listForAccount(account.id, EXPORT_ACTIVITY_LIMIT);
  return {
    exportedAt: new Date(),
    profile: toProfile(account, deps.config.selfService.editableProfileFields),
    sessions: await listSessions(deps, account.id, currentSessionUid),
    apps: await listApps(deps, account.id),
    emailChanges: await listEmailChanges(deps, account.id),
    activity: activity.map((r) => ({ id: String(r.id), type: r.type, at: r.created_at, clientId: r.client_id, ip: r.ip, userAgent: r.user_agent, data: r.data })),
  };
}
