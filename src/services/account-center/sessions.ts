// Active sessions (issue 3, item 6): where the account is signed in (device, IP, started, last seen), and
// signing out one session or every other one. Signing a session out ends the provider session and deletes
// the codes and tokens issued in it (refresh tokens carry their session's uid); grants stay.
import { createAccountSessionQueries } from '../../queries/account-sessions.js';
import { createOidcPayloadQueries } from '../../queries/oidc-payloads.js';
import { NotFound } from '../errors.js';
import { auditOrigin, type AccountCenterDeps, type Origin } from './context.js';
import { describeDevice, type Device } from './device.js';

/** A live session of the account. */
export interface ActiveSession {
  /** The session's uid (stable; not the cookie value). */
  id: string;
  device: Device;
  userAgent: string | null;
  ip: string | null;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date | null;
  /** The session the request came from. */
  current: boolean;
}

/** The account's live sessions, most recently used first. */
export async function listSessions(deps: AccountCenterDeps, accountId: string, currentSessionUid?: string): Promise<ActiveSession[]> {
  const rows = await createAccountSessionQueries(deps.db).listLive(accountId);
  return rows.map((r) => ({
    id: r.sessionUid,
    device: describeDevice(r.userAgent),
    userAgent: r.userAgent,
    ip: r.ip,
    createdAt: r.createdAt,
    lastSeenAt: r.lastSeenAt,
    expiresAt: r.expiresAt,
    current: r.sessionUid === currentSessionUid,
  }));
}

/** Records the device a session of the account was just used from (called on every authorization). */
export async function recordSessionDevice(deps: AccountCenterDeps, accountId: string, sessionUid: string, origin: Origin): Promise<void> {
  await createAccountSessionQueries(deps.db).touch({ sessionUid, accountId, ip: origin.ip ?? null, userAgent: origin.userAgent ?? null });
}

/** Signs out one session of the account; NotFound when the account has no such session. */
export async function signOutSession(deps: AccountCenterDeps, accountId: string, sessionUid: string, origin: Origin): Promise<void> {
  await deps.db.transaction(async (tx) => {
    const removed = await createOidcPayloadQueries(tx).destroySession(accountId, sessionUid);
    if (removed === 0) throw new NotFound('No such session.');
    await createAccountSessionQueries(tx).remove(accountId, sessionUid);
    await deps.audit.record({ accountId, type: 'session.signed_out', data: { session: sessionUid, removed }, ...auditOrigin(origin) }, tx);
  });
}

/** Signs out every session of the account but the current one (all when undefined); returns how many rows went. */
export async function signOutOtherSessions(deps: AccountCenterDeps, accountId: string, currentSessionUid: string | undefined, origin: Origin): Promise<number> {
  return deps.db.transaction(async (tx) => {
    const removed = await createOidcPayloadQueries(tx).destroyOtherSessions(accountId, currentSessionUid);
    await createAccountSessionQueries(tx).removeOthers(accountId, currentSessionUid);
    await deps.audit.record({ accountId, type: 'session.signed_out_others', data: { removed }, ...auditOrigin(origin) }, tx);
    return removed;
  });
}
