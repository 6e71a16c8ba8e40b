// A services context on a fresh database (PGlite or PostgreSQL) for account-center service tests, with
// helpers to plant provider sessions and tokens and to read the mail a change queued.
import { randomBytes } from 'node:crypto';
import { loadConfig, type LatchkeyConfig } from '../../../src/config/index.js';
import { createOidcPayloadQueries } from '../../../src/queries/oidc-payloads.js';
import { createServices, type LatchkeyServices } from '../../../src/services/index.js';
import { createSecretBox } from '../../../src/services/secrets/secret-box.js';
import type { Origin } from '../../../src/services/account-center/index.js';
import { createTestDatabase, type DatabaseKind, type TestDatabase } from '../../support/databases.js';

export const origin: Origin = { ip: '198.51.100.7', userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Firefox/131.0', locale: 'en' };

export interface ServiceHarness {
  services: LatchkeyServices;
  database: TestDatabase;
  config: LatchkeyConfig;
  /** Creates an active, verified account with a password. */
  account(email: string, password?: string): Promise<string>;
  /** Plants a provider session (and a refresh token issued in it) for the account, as oidc-provider stores them. */
  session(accountId: string, uid: string, options?: { clientId?: string; grantId?: string }): Promise<{ refreshTokenId: string }>;
  /** Rows of oidc_payloads of a model for the account. */
  rows(accountId: string, model: string): Promise<{ id: string; uid: string | null }[]>;
  /** The newest queued mail to an address with this template: its data. */
  mail(to: string, template: string): Promise<Record<string, unknown> | undefined>;
  close(): Promise<void>;
}

/** Services over a fresh database; env adds configuration (e.g. LATCHKEY_PROFILE_EDITABLE). */
export async function startServices(kind: DatabaseKind, env: Record<string, string> = {}): Promise<ServiceHarness> {
  const database = await createTestDatabase(kind);
  const config = loadConfig({ LATCHKEY_BRUTE_FORCE_QUICK_LOGIN_MS: '0', ...env }, { issuer: 'https://id.example.com', cookieKeys: ['k'.repeat(43)], keyEncryptionKey: randomBytes(32) });
  const services = await createServices({ config, db: database.db, box: createSecretBox(randomBytes(32)) });
  const { db } = database;
  return {
    services,
    database,
    config,
    async account(email, password = 'correct horse battery staple') {
      return (await services.accounts.create({ email, password, emailVerified: true, name: 'Test Person' })).id;
    },
    async session(accountId, uid, options = {}) {
      const payloads = createOidcPayloadQueries(db);
      const now = Math.floor(Date.now() / 1000);
      const clientId = options.clientId ?? 'shop';
      const grantId = options.grantId ?? `grant-${uid}`;
      await payloads.upsert({ model: 'Session', id: `jti-${uid}`, payload: { kind: 'Session', jti: `jti-${uid}`, uid, accountId, loginTs: now, exp: now + 3600, iat: now, authorizations: { [clientId]: { grantId, sid: `sid-${uid}` } } }, grantId: null, uid, userCode: null, expiresIn: 3600, consumedAt: null });
      await payloads.upsert({ model: 'Grant', id: grantId, payload: { kind: 'Grant', jti: grantId, accountId, clientId, openid: { scope: 'openid email' }, iat: now, exp: now + 3600 }, grantId: null, uid: null, userCode: null, expiresIn: 3600, consumedAt: null });
      const refreshTokenId = `rt-${uid}`;
      await payloads.upsert({ model: 'RefreshToken', id: refreshTokenId, payload: { kind: 'RefreshToken', jti: refreshTokenId, accountId, clientId, grantId, sessionUid: uid, iat: now, exp: now + 3600 }, grantId, uid: null, userCode: null, expiresIn: 3600, consumedAt: null });
      return { refreshTokenId };
    },
    async rows(accountId, model) {
      const { rows } = await db.query<{ id: string; uid: string | null }>('SELECT id, uid FROM oidc_payloads WHERE account_id = $1 AND model = $2 ORDER BY id', [accountId, model]);
      return rows;
    },
    async mail(to, template) {
      const { rows } = await db.query<{ data: Record<string, unknown> }>(
        'SELECT data FROM mail_outbox WHERE recipient = $1 AND template = $2 ORDER BY created_at DESC, id DESC LIMIT 1', [to, template]);
      return rows[0]?.data;
    },
    close: () => database.close(),
  };
}

/** The token of a mailed link. */
export function tokenOf(link: unknown): string {
  return new URL(String(link)).searchParams.get('token')!;
}
