// Consent: first-party clients never ask; third-party clients ask once per account and the answer is
// remembered (across sessions) until the person revokes it.
import type { KoaContextWithOIDC } from 'oidc-provider';

export interface ConsentStore {
  /** The scopes the account already granted the client, if any. */
  grantedScopes(accountId: string, clientId: string): Promise<string[] | undefined>;
}

/** oidc-provider's loadExistingGrant: reuses the session's grant, or builds one from first-party status or a remembered consent. */
export function createGrantLoader(consents: ConsentStore) {
  return async function loadExistingGrant(ctx: KoaContextWithOIDC) {
    const { client, session, provider, params } = ctx.oidc;
    if (!client || !session?.accountId) return undefined;
    const requested = String(params?.scope ?? 'openid').split(' ').filter(Boolean);
    const firstParty = (client as unknown as { first_party?: boolean }).first_party === true;
    const grantId = ctx.oidc.result?.consent?.grantId || session.grantIdFor(client.clientId);
    const existing = grantId ? await provider.Grant.find(grantId) : undefined;
    // A third-party client's grant holds what the person agreed to; whatever else it asks for goes to the consent page.
    if (existing && !firstParty) return existing;
    const remembered = firstParty ? undefined : await consents.grantedScopes(session.accountId, client.clientId);
    if (!firstParty && !remembered) return undefined;
    const grant = existing ?? new provider.Grant({ clientId: client.clientId, accountId: session.accountId });
    // First-party: everything the client asks for, also beyond the session's earlier grant (so prompt=none
    // works for a wider scope). Remembered: only what was granted before; anything new makes oidc-provider
    // show the consent page again for the missing scopes.
    const allowed = firstParty ? requested : requested.filter((s) => remembered!.includes(s));
    if (allowed.length > 0) grant.addOIDCScope(allowed.join(' '));
    // Scopes of a resource server (Latchkey's own API) live in the grant per resource, not as OIDC scopes.
    for (const [indicator, server] of Object.entries(ctx.oidc.resourceServers ?? {})) {
      const offered = String((server as { scope?: string }).scope ?? '').split(' ');
      const scopes = allowed.filter((s) => offered.includes(s));
      if (scopes.length > 0) grant.addResourceScope(indicator, scopes.join(' '));
    }
    const claims = ctx.oidc.claims;
    if (firstParty && claims) {
      for (const target of ['id_token', 'userinfo'] as const) {
        const requestedClaims = Object.keys(claims[target] ?? {});
        if (requestedClaims.length) grant.addOIDCClaims(requestedClaims);
      }
    }
    await grant.save();
    return grant;
  };
}
