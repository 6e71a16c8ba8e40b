// "My activity" (issue 3, item 6): the account's audit events, newest first, paged with an opaque cursor:
// sign-ins (success and failure, app, IP, device), password and email changes, consents, sessions, apps.
import { createAuditQueries } from '../../queries/audit.js';
import { createClientQueries } from '../../queries/clients.js';
import { InvalidInput } from '../errors.js';
import type { AccountCenterDeps } from './context.js';
import { describeDevice, type Device } from './device.js';

/** One thing that happened on the account. */
export interface ActivityEvent {
  id: string;
  /** The audit event type, e.g. 'login.succeeded', 'password.changed', 'email_change.applied'. */
  type: string;
  at: Date;
  clientId: string | null;
  /** The app's registered name, when the event names an app. */
  appName: string | null;
  ip: string | null;
  device: Device;
  data: Record<string, unknown>;
}

export interface ActivityPage {
  events: ActivityEvent[];
  /** Pass as `cursor` for the next (older) page; undefined on the last page. */
  nextCursor: string | undefined;
}

export const DEFAULT_ACTIVITY_PAGE = 20;
export const MAX_ACTIVITY_PAGE = 100;
const CURSOR = /^[1-9]\d{0,17}$/;

/** A page of the account's activity, newest first. Throws InvalidInput for a malformed cursor or limit. */
export async function listActivity(deps: AccountCenterDeps, accountId: string, options: { cursor?: string | undefined; limit?: number | undefined } = {}): Promise<ActivityPage> {
  const limit = options.limit ?? DEFAULT_ACTIVITY_PAGE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_ACTIVITY_PAGE) throw new InvalidInput(`limit must be between 1 and ${MAX_ACTIVITY_PAGE}.`, 'limit');
  if (options.cursor !== undefined && !CURSOR.test(options.cursor)) throw new InvalidInput('The cursor is not valid.', 'cursor');
  const rows = await createAuditQueries(deps.db).listForAccount(accountId, limit + 1, options.cursor === undefined ? undefined : Number(options.cursor));
  const page = rows.slice(0, limit);
  const clients = createClientQueries(deps.db);
  const names = new Map<string, string | null>();
  for (const clientId of new Set(page.map((r) => r.client_id).filter((c): c is string => c !== null))) {
    const name = (await clients.find(clientId))?.metadata.client_name;
    names.set(clientId, typeof name === 'string' && name !== '' ? name : null);
  }
  return {
    events: page.map((r) => ({
      id: String(r.id),
      type: r.type,
      at: r.created_at,
      clientId: r.client_id,
      appName: r.client_id === null ? null : (names.get(r.client_id) ?? null),
      ip: r.ip,
      device: describeDevice(r.user_agent),
      data: r.data,
    })),
    nextCursor: rows.length > limit ? String(page[page.length - 1]!.id) : undefined,
  };
}
