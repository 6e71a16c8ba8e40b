// The baseline for the grant benchmarks: a bare oidc-provider (the version Latchkey runs on) with its default
// in-memory adapter, run as its own process on loopback by bench/run.ts. It is configured like Latchkey where
// that changes the work per token request (ES256 ID tokens, claims in the ID token, refresh token rotation,
// the same lifetimes), and nothing else: no database, no login pages, no extra middleware.
//
// Refresh tokens come from oidc-provider's own models, as its authorization code grant would make them: a Grant
// with the scopes, then a RefreshToken bound to it (gty authorization_code, not bound to a session), saved
// through the in-memory adapter. No interaction is needed, so the bare provider has no login to drive.
// The in-memory adapter is an LRU cache of 1000 entries: run the refresh benchmark before flooding it with
// client-credentials tokens, or the grants are evicted (invalid_grant).
//
// Input: env BENCH_BARE_CONFIG (JSON, see BareConfig). Output: one JSON line on stdout (BareReady).
// Stops on SIGTERM.
import http from 'node:http';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import Provider, { type Configuration } from 'oidc-provider';

export interface BareConfig {
  web: { clientId: string; clientSecret: string; redirectUri: string };
  service: { clientId: string; clientSecret: string };
  /** How many refresh tokens (one grant each) to mint for the refresh benchmark. */
  refreshTokens: number;
  scope: string;
  ttl: { accessToken: number; idToken: number; refreshToken: number };
}

export interface BareReady {
  issuer: string;
  refreshTokens: string[];
}

async function main(): Promise<void> {
  const config = JSON.parse(process.env.BENCH_BARE_CONFIG ?? '') as BareConfig;
  const server = http.createServer();
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as { port: number }).port}`;

  const signingKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
  const accounts = new Map<string, { email: string; name: string }>();
  const configuration: Configuration = {
    clients: [
      {
        client_id: config.web.clientId,
        client_secret: config.web.clientSecret,
        redirect_uris: [config.web.redirectUri],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
      },
      {
        client_id: config.service.clientId,
        client_secret: config.service.clientSecret,
        redirect_uris: [],
        response_types: [],
        grant_types: ['client_credentials'],
      },
    ],
    clientDefaults: { id_token_signed_response_alg: 'ES256' },
    jwks: { keys: [{ ...signingKey, kid: 'bench-es256', alg: 'ES256', use: 'sig' }] } as Configuration['jwks'],
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    scopes: ['openid', 'offline_access', 'profile', 'email'],
    claims: { openid: ['sub'], profile: ['name', 'given_name', 'family_name', 'locale', 'updated_at'], email: ['email', 'email_verified'] },
    conformIdTokenClaims: false,
    async findAccount(_ctx, sub) {
      const account = accounts.get(sub);
      if (!account) return undefined;
      return { accountId: sub, claims: () => ({ sub, email: account.email, email_verified: true, name: account.name, updated_at: 0 }) };
    },
    rotateRefreshToken: true,
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
    },
    enabledJWA: { idTokenSigningAlgValues: ['ES256'] },
    ttl: {
      AccessToken: config.ttl.accessToken,
      ClientCredentials: config.ttl.accessToken,
      IdToken: config.ttl.idToken,
      RefreshToken: config.ttl.refreshToken,
      Grant: config.ttl.refreshToken,
    },
  };
  const provider = new Provider(issuer, configuration);
  server.on('request', provider.callback());

  const client = await provider.Client.find(config.web.clientId);
  if (!client) throw new Error('bare provider: the web client is missing');
  const refreshTokens: string[] = [];
  for (let i = 0; i < config.refreshTokens; i++) {
    const accountId = `bench-account-${i}`;
    accounts.set(accountId, { email: `bench-${i}@example.com`, name: `Bench User ${i}` });
    const grant = new provider.Grant({ accountId, clientId: client.clientId });
    grant.addOIDCScope(config.scope);
    const grantId = await grant.save();
    const token = new provider.RefreshToken({
      accountId,
      client,
      grantId,
      scope: config.scope,
      gty: 'authorization_code',
      authTime: Math.floor(Date.now() / 1000),
      expiresWithSession: false,
    });
    refreshTokens.push(await token.save());
  }

  process.once('SIGTERM', () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
  const ready: BareReady = { issuer, refreshTokens };
  process.stdout.write(`${JSON.stringify(ready)}\n`);
}

main().catch((err) => {
  process.stderr.write(`bare provider failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
