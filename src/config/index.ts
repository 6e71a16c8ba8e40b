// One source of truth for configuration: every setting, its default and its check live here.
// Configuration is read and validated once at startup; bad values throw ConfigError naming the variable.
import path from 'node:path';
import { z } from 'zod';

/** Thrown at startup when the configuration is unusable; the message names the variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Argon2id cost parameters (OWASP Password Storage Cheat Sheet: m=19 MiB, t=2, p=1). */
export interface PasswordHashingConfig {
  memoryCost: number; // KiB
  timeCost: number;
  parallelism: number;
}

/** Keycloak-like brute-force detection settings (per account) plus a per-IP limit. */
export interface BruteForceConfig {
  failureFactor: number; // failures before the first wait
  waitIncrementSeconds: number; // added per further failure block
  maxWaitSeconds: number; // longest wait
  quickLoginCheckMillis: number; // two failures closer than this count as an attack
  minimumQuickLoginWaitSeconds: number;
  failureResetSeconds: number; // quiet period after which failures are forgotten
  ipMaxFailures: number; // failed logins per IP and window
  ipWindowSeconds: number;
}

/** Mail outbox delivery (src/services/mail): retries with exponential backoff, then a dead letter for staff. */
export interface MailDeliveryConfig {
  maxAttempts: number; // delivery attempts before a mail is dead (the default rides out an SMTP outage of about an hour)
  retryBaseSeconds: number; // wait after the first failed attempt, doubled after each further one (±20 % jitter)
  retryMaxSeconds: number; // longest wait between two attempts
  pollIntervalSeconds: number; // how often each node looks for due mail
  leaseSeconds: number; // how long a node holds a claimed mail; one delivery attempt is cut off well before
}

/** The profile fields an account has (OIDC standard claim names). */
export const PROFILE_FIELDS = ['name', 'given_name', 'family_name', 'phone_number', 'address', 'locale'] as const;
export type ProfileField = (typeof PROFILE_FIELDS)[number];

/** What users may do to their own account (issue 3: self-service). */
export interface SelfServiceConfig {
  registrationEnabled: boolean; // the "Create account" link and page
  requireVerifiedEmail: boolean; // login completes only once the email is verified
  editableProfileFields: ProfileField[]; // the others change only through support
  emailChangeApproval: boolean; // verified email changes wait for staff approval
}

export interface LatchkeyConfig {
  production: boolean;
  port: number;
  host: string;
  issuer: string;
  /** Path prefix the issuer URL carries (e.g. '/idp' when mounted inside another app). */
  mountPath: string;
  databaseUrl: string | undefined;
  dataDir: string;
  mailDir: string;
  smtpUrl: string | undefined;
  mailFrom: string;
  mail: MailDeliveryConfig;
  /** Cookie signing keys, newest first. Undefined in development: generated and persisted in dataDir. */
  cookieKeys: string[] | undefined;
  /** 32-byte key (hex or base64) that encrypts private signing keys at rest. Undefined in development. */
  keyEncryptionKey: Buffer | undefined;
  passwordHashing: PasswordHashingConfig;
  /** Policy for new passwords (src/services/accounts/password-policy.ts). */
  passwordPolicy: { minLength: number };
  selfService: SelfServiceConfig;
  /** Legacy import (issue 4): source keys whose profile data wins a merge, best first; unlisted sources rank after them. */
  legacy: { sourcePrecedence: string[] };
  /** Companies (issue 5): the permission catalogue company roles draw from (LATCHKEY_COMPANY_PERMISSIONS). */
  companies: { permissions: string[]; registryUrl: string | undefined };
  bruteForce: BruteForceConfig;
  /** Trust X-Forwarded-* headers (behind a load balancer). */
  trustProxy: boolean;
  logLevel: string;
  ttl: {
    accessTokenSeconds: number;
    idTokenSeconds: number;
    refreshTokenSeconds: number;
    sessionSeconds: number;
    interactionSeconds: number;
    grantSeconds: number;
  };
  /** How often expired OIDC rows are purged, in seconds (0 disables the purge timer). */
  purgeIntervalSeconds: number;
  /** How often a node re-reads the signing keys (to pick up `latchkey keys rotate`), in seconds. */
  keyRefreshSeconds: number;
}

const intFrom = (name: string, min: number, max: number) =>
  z.coerce.number({ error: `${name} must be a number` }).int(`${name} must be a whole number`)
    .min(min, `${name} must be at least ${min}`).max(max, `${name} must be at most ${max}`);

const envSchema = z.object({
  NODE_ENV: z.string().optional(),
  PORT: intFrom('PORT', 0, 65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  LATCHKEY_ISSUER: z.url({ error: 'LATCHKEY_ISSUER must be an absolute URL' }).optional(),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must start with postgres:// or postgresql://').optional(),
  LATCHKEY_DATA_DIR: z.string().default('./var/data'),
  LATCHKEY_MAIL_DIR: z.string().default('./var/mail'),
  SMTP_URL: z.string().regex(/^smtps?:\/\//, 'SMTP_URL must start with smtp:// or smtps://').optional(),
  MAIL_FROM: z.string().default('Latchkey <no-reply@localhost>'),
  LATCHKEY_MAIL_MAX_ATTEMPTS: intFrom('LATCHKEY_MAIL_MAX_ATTEMPTS', 1, 100).default(10),
  LATCHKEY_MAIL_RETRY_BASE: intFrom('LATCHKEY_MAIL_RETRY_BASE', 1, 3600).default(10),
  LATCHKEY_MAIL_RETRY_MAX: intFrom('LATCHKEY_MAIL_RETRY_MAX', 1, 86400).default(1800),
  LATCHKEY_MAIL_POLL_INTERVAL: intFrom('LATCHKEY_MAIL_POLL_INTERVAL', 1, 3600).default(5),
  LATCHKEY_MAIL_LEASE: intFrom('LATCHKEY_MAIL_LEASE', 30, 3600).default(300),
  LATCHKEY_COOKIE_KEYS: z.string().optional(),
  LATCHKEY_KEY_ENCRYPTION_KEY: z.string().optional(),
  LATCHKEY_TRUST_PROXY: z.enum(['true', 'false', '1', '0']).optional(),
  LATCHKEY_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LATCHKEY_ARGON2_MEMORY_KIB: intFrom('LATCHKEY_ARGON2_MEMORY_KIB', 8192, 4 * 1024 * 1024).default(19456),
  LATCHKEY_ARGON2_ITERATIONS: intFrom('LATCHKEY_ARGON2_ITERATIONS', 1, 100).default(2),
  LATCHKEY_ARGON2_PARALLELISM: intFrom('LATCHKEY_ARGON2_PARALLELISM', 1, 16).default(1),
  LATCHKEY_PASSWORD_MIN_LENGTH: intFrom('LATCHKEY_PASSWORD_MIN_LENGTH', 8, 64).default(8),
  LATCHKEY_REGISTRATION: z.enum(['true', 'false', '1', '0'], { error: 'LATCHKEY_REGISTRATION must be true or false' }).default('true'),
  LATCHKEY_REQUIRE_VERIFIED_EMAIL: z.enum(['true', 'false', '1', '0'], { error: 'LATCHKEY_REQUIRE_VERIFIED_EMAIL must be true or false' }).default('true'),
  LATCHKEY_EMAIL_CHANGE_APPROVAL: z.enum(['true', 'false', '1', '0'], { error: 'LATCHKEY_EMAIL_CHANGE_APPROVAL must be true or false' }).default('false'),
  LATCHKEY_PROFILE_EDITABLE: z.string().default(PROFILE_FIELDS.join(',')),
  LATCHKEY_LEGACY_SOURCE_PRECEDENCE: z.string()
    .regex(/^\s*[a-z0-9]+(-[a-z0-9]+)*(\s*,\s*[a-z0-9]+(-[a-z0-9]+)*)*\s*$/, 'LATCHKEY_LEGACY_SOURCE_PRECEDENCE must be comma-separated source keys (lower-case letters, digits, dashes)')
    .default('customer-center,eshop,mobile'),
  LATCHKEY_COMPANY_PERMISSIONS: z.string()
    .regex(/^\s*[a-z][a-z0-9_-]*(\s*,\s*[a-z][a-z0-9_-]*)*\s*$/, 'LATCHKEY_COMPANY_PERMISSIONS must be a comma-separated list of lower-case permission keys (letters, digits, dashes, underscores), e.g. orders,invoices,services,support')
    .default('orders,invoices,services,support'),
  LATCHKEY_COMPANY_REGISTRY_URL: z.url({ protocol: /^https?$/, error: 'LATCHKEY_COMPANY_REGISTRY_URL must be an http(s) URL template containing {country} and {tax_id}' })
    .refine((u) => u.includes('{country}') && u.includes('{tax_id}'), 'LATCHKEY_COMPANY_REGISTRY_URL must contain {country} and {tax_id}')
    .optional(),
  LATCHKEY_BRUTE_FORCE_FAILURE_FACTOR: intFrom('LATCHKEY_BRUTE_FORCE_FAILURE_FACTOR', 1, 1000).default(5),
  LATCHKEY_BRUTE_FORCE_WAIT_INCREMENT: intFrom('LATCHKEY_BRUTE_FORCE_WAIT_INCREMENT', 1, 86400).default(60),
  LATCHKEY_BRUTE_FORCE_MAX_WAIT: intFrom('LATCHKEY_BRUTE_FORCE_MAX_WAIT', 1, 7 * 86400).default(900),
  LATCHKEY_BRUTE_FORCE_RESET: intFrom('LATCHKEY_BRUTE_FORCE_RESET', 60, 30 * 86400).default(43200),
  LATCHKEY_BRUTE_FORCE_QUICK_LOGIN_MS: intFrom('LATCHKEY_BRUTE_FORCE_QUICK_LOGIN_MS', 0, 60_000).default(1000),
  LATCHKEY_BRUTE_FORCE_QUICK_LOGIN_WAIT: intFrom('LATCHKEY_BRUTE_FORCE_QUICK_LOGIN_WAIT', 1, 86400).default(60),
  LATCHKEY_IP_MAX_FAILURES: intFrom('LATCHKEY_IP_MAX_FAILURES', 1, 1_000_000).default(100),
  LATCHKEY_IP_WINDOW: intFrom('LATCHKEY_IP_WINDOW', 1, 86400).default(900),
  LATCHKEY_ACCESS_TOKEN_TTL: intFrom('LATCHKEY_ACCESS_TOKEN_TTL', 60, 86400).default(600),
  LATCHKEY_REFRESH_TOKEN_TTL: intFrom('LATCHKEY_REFRESH_TOKEN_TTL', 300, 365 * 86400).default(30 * 86400),
  LATCHKEY_SESSION_TTL: intFrom('LATCHKEY_SESSION_TTL', 300, 365 * 86400).default(14 * 86400),
  LATCHKEY_PURGE_INTERVAL: intFrom('LATCHKEY_PURGE_INTERVAL', 0, 86400).default(300),
  LATCHKEY_KEY_REFRESH_INTERVAL: intFrom('LATCHKEY_KEY_REFRESH_INTERVAL', 1, 86400).default(60),
});

export type Environment = Record<string, string | undefined>;

function parseKeyEncryptionKey(raw: string): Buffer {
  const key = /^[0-9a-f]{64}$/i.test(raw) ? Buffer.from(raw, 'hex') : Buffer.from(raw, 'base64');
  if (key.length !== 32) {
    throw new ConfigError('LATCHKEY_KEY_ENCRYPTION_KEY must be 32 bytes, as 64 hex digits or base64');
  }
  return key;
}

function parseCookieKeys(raw: string): string[] {
  const keys = raw.split(',').map((k) => k.trim()).filter(Boolean);
  if (keys.length === 0 || keys.some((k) => k.length < 32)) {
    throw new ConfigError('LATCHKEY_COOKIE_KEYS must be a comma-separated list of secrets of at least 32 characters each');
  }
  return keys;
}

const isTrue = (flag: string) => flag === 'true' || flag === '1';

/** LATCHKEY_PROFILE_EDITABLE: comma-separated profile fields ('' or 'none': nothing is editable). */
function parseProfileFields(raw: string): ProfileField[] {
  const names = raw.split(',').map((f) => f.trim()).filter((f) => f && f !== 'none');
  const unknown = names.filter((f) => !(PROFILE_FIELDS as readonly string[]).includes(f));
  if (unknown.length) throw new ConfigError(`LATCHKEY_PROFILE_EDITABLE: unknown field ${unknown.join(', ')} (known: ${PROFILE_FIELDS.join(', ')}, or none)`);
  return PROFILE_FIELDS.filter((f) => names.includes(f));
}

/** Reads and validates the configuration from environment variables, with overrides for embedding. */
export function loadConfig(env: Environment = process.env, overrides: Partial<LatchkeyConfig> = {}): LatchkeyConfig {
  const parsed = envSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== '')));
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    throw new ConfigError(first.message.includes(String(first.path[0] ?? '')) ? first.message : `${String(first.path[0])}: ${first.message}`);
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  const port = overrides.port ?? e.PORT;
  const issuer = (overrides.issuer ?? e.LATCHKEY_ISSUER ?? `http://localhost:${port}`).replace(/\/+$/, '');
  const issuerUrl = new URL(issuer);
  if (issuerUrl.search || issuerUrl.hash) throw new ConfigError('LATCHKEY_ISSUER must not have a query or fragment');

  const config: LatchkeyConfig = {
    production,
    port,
    host: e.HOST,
    issuer,
    mountPath: issuerUrl.pathname === '/' ? '' : issuerUrl.pathname,
    databaseUrl: e.DATABASE_URL,
    dataDir: path.resolve(e.LATCHKEY_DATA_DIR),
    mailDir: path.resolve(e.LATCHKEY_MAIL_DIR),
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    mail: {
      maxAttempts: e.LATCHKEY_MAIL_MAX_ATTEMPTS,
      retryBaseSeconds: e.LATCHKEY_MAIL_RETRY_BASE,
      retryMaxSeconds: e.LATCHKEY_MAIL_RETRY_MAX,
      pollIntervalSeconds: e.LATCHKEY_MAIL_POLL_INTERVAL,
      leaseSeconds: e.LATCHKEY_MAIL_LEASE,
    },
    cookieKeys: e.LATCHKEY_COOKIE_KEYS ? parseCookieKeys(e.LATCHKEY_COOKIE_KEYS) : undefined,
    keyEncryptionKey: e.LATCHKEY_KEY_ENCRYPTION_KEY ? parseKeyEncryptionKey(e.LATCHKEY_KEY_ENCRYPTION_KEY) : undefined,
    passwordHashing: {
      memoryCost: e.LATCHKEY_ARGON2_MEMORY_KIB,
      timeCost: e.LATCHKEY_ARGON2_ITERATIONS,
      parallelism: e.LATCHKEY_ARGON2_PARALLELISM,
    },
    passwordPolicy: { minLength: e.LATCHKEY_PASSWORD_MIN_LENGTH },
    selfService: {
      registrationEnabled: isTrue(e.LATCHKEY_REGISTRATION),
      requireVerifiedEmail: isTrue(e.LATCHKEY_REQUIRE_VERIFIED_EMAIL),
      editableProfileFields: parseProfileFields(e.LATCHKEY_PROFILE_EDITABLE),
      emailChangeApproval: isTrue(e.LATCHKEY_EMAIL_CHANGE_APPROVAL),
    },
    legacy: { sourcePrecedence: e.LATCHKEY_LEGACY_SOURCE_PRECEDENCE.split(',').map((k) => k.trim()) },
    companies: { permissions: [...new Set(e.LATCHKEY_COMPANY_PERMISSIONS.split(',').map((k) => k.trim()))], registryUrl: e.LATCHKEY_COMPANY_REGISTRY_URL },
    bruteForce: {
      failureFactor: e.LATCHKEY_BRUTE_FORCE_FAILURE_FACTOR,
      waitIncrementSeconds: e.LATCHKEY_BRUTE_FORCE_WAIT_INCREMENT,
      maxWaitSeconds: e.LATCHKEY_BRUTE_FORCE_MAX_WAIT,
      quickLoginCheckMillis: e.LATCHKEY_BRUTE_FORCE_QUICK_LOGIN_MS,
      minimumQuickLoginWaitSeconds: e.LATCHKEY_BRUTE_FORCE_QUICK_LOGIN_WAIT,
      failureResetSeconds: e.LATCHKEY_BRUTE_FORCE_RESET,
      ipMaxFailures: e.LATCHKEY_IP_MAX_FAILURES,
      ipWindowSeconds: e.LATCHKEY_IP_WINDOW,
    },
    trustProxy: e.LATCHKEY_TRUST_PROXY === 'true' || e.LATCHKEY_TRUST_PROXY === '1',
    logLevel: e.LATCHKEY_LOG_LEVEL,
    ttl: {
      accessTokenSeconds: e.LATCHKEY_ACCESS_TOKEN_TTL,
      idTokenSeconds: 3600,
      refreshTokenSeconds: e.LATCHKEY_REFRESH_TOKEN_TTL,
      sessionSeconds: e.LATCHKEY_SESSION_TTL,
      interactionSeconds: 3600,
      grantSeconds: e.LATCHKEY_REFRESH_TOKEN_TTL,
    },
    purgeIntervalSeconds: e.LATCHKEY_PURGE_INTERVAL,
    keyRefreshSeconds: e.LATCHKEY_KEY_REFRESH_INTERVAL,
    ...overrides,
  };
  if (config.mail.retryMaxSeconds < config.mail.retryBaseSeconds) {
    throw new ConfigError('LATCHKEY_MAIL_RETRY_MAX must be at least LATCHKEY_MAIL_RETRY_BASE');
  }
  if (config.production) assertProductionReady(config);
  return config;
}

/** Production refuses development defaults: an https issuer and explicit secrets are required. */
export function assertProductionReady(config: LatchkeyConfig): void {
  const missing: string[] = [];
  if (!config.issuer.startsWith('https://')) missing.push('LATCHKEY_ISSUER must be an https:// URL in production');
  if (!config.cookieKeys) missing.push('LATCHKEY_COOKIE_KEYS must be set in production (development cookie secrets are refused)');
  if (!config.keyEncryptionKey) missing.push('LATCHKEY_KEY_ENCRYPTION_KEY must be set in production (development key encryption is refused)');
  if (missing.length > 0) throw new ConfigError(`Refusing to start with NODE_ENV=production:\n  - ${missing.join('\n  - ')}`);
}
