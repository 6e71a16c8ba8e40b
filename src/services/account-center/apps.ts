// Connected apps (issue 3, item 6): the apps the account has signed in to (live grants) and the consents it
// remembered, per app. Revoking deletes the app's grants with every code and token issued under them and
// forgets the consent, so the app must ask again.
import { createClientQueries } from '../../queries/clients.js';
import { createConsentQueries } from '../../queries/consents.js';
import { createOidcPayloadQueries } from '../../queries/oidc-payloads.js';
import { NotFound } from '../errors.js';
import { auditOrigin, type AccountCenterDeps, type Origin } from './context.js';

/** An app with access to the account. */
export interface ConnectedApp {
  clientId: string;
  /** The app's registered name (its client id when it has none, or the app no longer exists). */
  name: string;
  clientUri: string | undefined;
  /** Scopes granted (granted in live sessions plus remembered consent). */
  scopes: string[];
  /** When access was first given (earliest live grant or the remembered consent). */
  since: Date;
  firstParty: boolean;
  /** A consent is remembered across sessions. */
  remembered: boolean;
}

const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

/** The apps with access to the account, most recent first. */
export async function listApps(deps: AccountCenterDeps, accountId: string): Promise<ConnectedApp[]> {
  const byClient = new Map<string, { scopes: Set<string>; since: number; remembered: boolean }>();
  const entry = (clientId: string) => {
    let e = byClient.get(clientId);
    if (!e) byClient.set(clientId, (e = { scopes: new Set(), since: Number.POSITIVE_INFINITY, remembered: false }));
    return e;
  };
  for (const grant of await createOidcPayloadQueries(deps.db).listGrants(accountId)) {
    const clientId = str(grant.payload.clientId);
    if (!clientId || deps.internalClientIds.includes(clientId)) continue;
    const e = entry(clientId);
    const openid = grant.payload.openid as { scope?: unknown } | undefined;
    for (const s of String(openid?.scope ?? '').split(' ').filter(Boolean)) e.scopes.add(s);
    if (typeof grant.payload.iat === 'number') e.since = Math.min(e.since, grant.payload.iat * 1000);
  }
  for (const consent of await createConsentQueries(deps.db).listForAccount(accountId)) {
    if (deps.internalClientIds.includes(consent.client_id)) continue;
    const e = entry(consent.client_id);
    for (const s of consent.scopes) e.scopes.add(s);
    e.since = Math.min(e.since, consent.created_at.getTime());
    e.remembered = true;
  }
  const clients = createClientQueries(deps.db);
  const apps: ConnectedApp[] = [];
  for (const [clientId, e] of byClient) {
    const metadata = (await clients.find(clientId))?.metadata ?? {};
    apps.push({
      clientId,
      name: str(metadata.client_name) ?? clientId,
      clientUri: str(metadata.client_uri),
      scopes: [...e.scopes].sort(),
      since: new Date(Number.isFinite(e.since) ? e.since : Date.now()),
      firstParty: metadata.first_party === true,
      remembered: e.remembered,
    });
  }
  return apps.sort((a, b) => b.since.getTime() - a.since.getTime() || a.name.localeCompare(b.name));
}

/** Revokes an app's access: its grants, codes and tokens, and the remembered consent. NotFound when it had none. */
export async function revokeApp(deps: AccountCenterDeps, accountId: string, clientId: string, origin: Origin): Promise<void> {
  if (deps.internalClientIds.includes(clientId)) throw new NotFound('No such app.');
  await deps.db.transaction(async (tx) => {
    const removed = await createOidcPayloadQueries(tx).destroyClientGrants(accountId, clientId);
    const forgot = await createConsentQueries(tx).revoke(accountId, clientId);
    if (removed === 0 && !forgot) throw new NotFound('No such app.');
    // The event names the revoked app; `via` the app that asked for it (the Account API's client), if any.
    await deps.audit.record({ accountId, type: 'app.revoked', ...auditOrigin(origin), clientId, data: { removed, consentForgotten: forgot, via: origin.clientId ?? null } }, tx);
  });
}
