// The services context: built once at startup from the database and configuration, passed to the web
// layer, the OIDC configuration and the CLI. No module-level singletons.
import type { LatchkeyConfig } from '../config/index.js';
import type { Database, Queryable } from '../db/types.js';
import { createConsentQueries } from '../queries/consents.js';
import { createOidcPayloadQueries } from '../queries/oidc-payloads.js';
import { createAccountService } from './accounts/index.js';
import { createPasswordHasher } from './accounts/password.js';
import { createAuditLog } from './audit/index.js';
import { createAccountTokens } from './account-tokens/index.js';
import { createBruteForceGuard } from './brute-force/index.js';
import { createKeyService } from './keys/index.js';
import { createAccountCenter } from './account-center/index.js';
import type { SecretBox } from './secrets/secret-box.js';
import { createLegacyImport } from './legacy/import/index.js';
import { createLegacyLockIn } from './legacy/lock-in.js';
import { createLegacyMailboxProof } from './legacy/mailbox-proof.js';
import { createFirstSignInHint } from './legacy/first-sign-in-hint.js';
import { createCustomerDirectory } from './customers/index.js';
import { createRateLimiter } from './rate-limit/index.js';
import { createSignupService } from './signup/index.js';
import { createRecoveryService } from './recovery/index.js';
import { createProvisioning } from './provisioning/index.js';
import { createCompanyService } from './companies/index.js';
import { createHttpRegistry } from './companies/http-registry.js';
import { createStaffService } from './staff/index.js';

export interface ServiceDeps {
  config: LatchkeyConfig;
  db: Database;
  box: SecretBox;
}

/** Builds every domain service over one database. */
export async function createServices(deps: ServiceDeps) {
  const { config, db, box } = deps;
  const audit = createAuditLog(db);
  const hasher = await createPasswordHasher(config.passwordHashing);
  const accounts = createAccountService({
    db,
    hasher,
    audit,
    revokeAccountArtifacts: (accountId: string, tx: Queryable) => createOidcPayloadQueries(tx).destroyByAccountId(accountId),
    passwordPolicy: config.passwordPolicy,
  });
  const consentQueries = createConsentQueries(db);
  const consents = {
    async grantedScopes(accountId: string, clientId: string) {
      return (await consentQueries.find(accountId, clientId))?.scopes;
    },
    remember: (accountId: string, clientId: string, scopes: string[]) => consentQueries.grant(accountId, clientId, scopes),
    forget: (accountId: string, clientId: string) => consentQueries.revoke(accountId, clientId),
  };
  // A retired key stays published as long as any token it signed may be checked.
  const publishSeconds = Math.max(config.ttl.idTokenSeconds, config.ttl.accessTokenSeconds) + 300;
  const keys = createKeyService({ db, box, publishSeconds });
  const bruteForce = createBruteForceGuard({ db, config: config.bruteForce });
  const tokens = createAccountTokens(db);
  const rateLimits = createRateLimiter(db);
  const signup = createSignupService({ db, issuer: config.issuer, selfService: config.selfService, accounts, hasher, audit, tokens, limiter: rateLimits });
  const recovery = createRecoveryService({
    db, issuer: config.issuer, accounts, hasher, audit, tokens, limiter: rateLimits,
    revokeAccountArtifacts: (accountId: string, tx: Queryable) => createOidcPayloadQueries(tx).destroyByAccountId(accountId),
    forgetLoginFailures: (email: string) => bruteForce.reset(email),
  });
  const provisioning = createProvisioning({ db, issuer: config.issuer, tokens, audit });
  const accountCenter = createAccountCenter({ db, config, accounts, hasher, audit, bruteForce, tokens });
  // Legacy import and the customer directory (issue 4).
  const legacyImport = createLegacyImport({ db, audit, sourcePrecedence: config.legacy.sourcePrecedence });
  const customers = createCustomerDirectory({ db, audit });
  // Companies (issue 5).
  const companies = createCompanyService({
    db, issuer: config.issuer, audit, permissions: config.companies.permissions,
    registries: config.companies.registryUrl ? [createHttpRegistry({ urlTemplate: config.companies.registryUrl })] : [],
  });
  // First sign-ins held until the mailbox is proven (issue 4, item 5).
  const legacyMailboxProof = createLegacyMailboxProof({ db, issuer: config.issuer, audit, limiter: rateLimits, lockIn: createLegacyLockIn({ db, hasher, audit }) });
  const firstSignInHint = createFirstSignInHint(db);
  // Staff roles and the admin console's operations (issue 5, item 7).
  const staff = createStaffService({ db, issuer: config.issuer, audit, accounts, provisioning, customers, tokens });
  return { audit, hasher, accounts, consents, keys, bruteForce, tokens, rateLimits, signup, recovery, provisioning, accountCenter, legacyImport, legacyMailboxProof, firstSignInHint, customers, staff, companies };
}
export type LatchkeyServices = Awaited<ReturnType<typeof createServices>>;
