// createLatchkey(): the whole identity provider as a Koa app, to run standalone or mount in a host app.
import Koa from 'koa';
import compose from 'koa-compose';
import type Provider from 'oidc-provider';
import { createPostgresAdapter, purgeExpired } from '../adapters/postgres.js';
import { purgeStaleThrottling } from './services/brute-force/index.js';
import { loadConfig, type Environment, type LatchkeyConfig } from './config/index.js';
import { loadOrCreateDevSecrets } from './config/dev-secrets.js';
import { migrate, openDatabase, type Database } from './db/index.js';
import { createLogger, type Logger } from './log/logger.js';
import { createClientQueries } from './queries/clients.js';
import { createOidcProvider } from './oidc/provider.js';
import { createProviderPages } from './oidc/pages.js';
import { createServices, type LatchkeyServices } from './services/index.js';
import { createClientService, type ClientService } from './services/clients/index.js';
import { createSecretBox } from './services/secrets/secret-box.js';
import { createMailer, type Mailer } from './services/mail/index.js';
import { createI18n } from './i18n/index.js';
import { createRenderer } from './web/render.js';
import { serveAssets } from './web/static.js';
import { publicDir } from './paths.js';
import { requestContext } from './web/middleware/request-context.js';
import { securityHeaders } from './web/middleware/security-headers.js';
import { errorHandler } from './web/middleware/errors.js';
import { csrfToken, type CsrfOptions } from './web/middleware/csrf.js';
import { healthRoutes } from './web/health.js';
import { languageSwitch } from './web/language-switch.js';
import { interactionRoutes } from './web/interactions/index.js';
import { selfServiceRoutes } from './web/self-service/index.js';
import { accountCenterClientMetadata, accountRoutes, ACCOUNT_CENTER_CLIENT_ID } from './web/account/index.js';
import { adminConsoleClientMetadata, adminRoutes, ADMIN_CONSOLE_CLIENT_ID } from './web/admin/index.js';
import { apiRoutes } from './web/api/index.js';
import type { RouteDeps } from './web/route-deps.js';

/** Paths of Latchkey's own pages with forms (they get a CSRF token). */
const FORM_PAGE_PREFIXES = ['/interaction/', '/register', '/verify-email', '/forgot-password', '/reset-password', '/invitation', '/email-change', '/account', '/locale', '/admin'];

export interface CreateLatchkeyOptions {
  /** Complete configuration; default: read from `env`. */
  config?: LatchkeyConfig;
  /** Environment to read the configuration from (default process.env). */
  env?: Environment;
  /** Overrides applied on top of the environment. */
  overrides?: Partial<LatchkeyConfig>;
  logger?: Logger;
  /** An open database to use instead of the configured one (it is not closed by close()). */
  database?: Database;
  /** 'server' (default) runs timers and shares the embedded database; 'cli' does neither. */
  role?: 'server' | 'cli';
}

export interface Latchkey {
  /** Koa app serving every Latchkey route at paths relative to the issuer's path. */
  app: Koa;
  /** Koa middleware for a host app: handles requests under the issuer's path, passes the rest on. */
  middleware: Koa.Middleware;
  /** The current oidc-provider instance (replaced when the signing keys change). */
  readonly provider: Provider;
  config: LatchkeyConfig;
  services: LatchkeyServices;
  clients: ClientService;
  /** Delivers the mail outbox (started on server nodes). */
  mailer: Mailer;
  db: Database;
  logger: Logger;
  /** Re-reads the signing keys now (nodes also poll every LATCHKEY_KEY_REFRESH_INTERVAL seconds). */
  reloadKeys(): Promise<boolean>;
  close(): Promise<void>;
}

/** Builds Latchkey: opens and migrates the database, loads keys and secrets, wires the provider and pages. */
export async function createLatchkey(options: CreateLatchkeyOptions = {}): Promise<Latchkey> {
  const config = options.config ?? loadConfig(options.env ?? process.env, options.overrides);
  const logger = options.logger ?? createLogger(config.logLevel);
  const role = options.role ?? 'server';

  const opened = options.database
    ? { db: options.database, close: async () => {}, description: 'provided by the caller' }
    : await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, role, onError: (err) => logger.warn({ err: err.message }, 'database connection error') });
  const { db } = opened;
  try {
    const applied = await migrate(db);
    if (applied.length) logger.info({ applied }, 'database migrated');

    let cookieKeys = config.cookieKeys;
    let keyEncryptionKey = config.keyEncryptionKey;
    if (!cookieKeys || !keyEncryptionKey) {
      const dev = await loadOrCreateDevSecrets(config.dataDir);
      if (role === 'server') logger.warn({ file: dev.file }, 'DEVELOPMENT SECRETS IN USE: set LATCHKEY_COOKIE_KEYS and LATCHKEY_KEY_ENCRYPTION_KEY for production');
      cookieKeys ??= dev.cookieKeys;
      keyEncryptionKey ??= dev.keyEncryptionKey;
    }
    const box = createSecretBox(keyEncryptionKey);
    const services = await createServices({ config, db, box });
    const createdKeys = await services.keys.ensureKeys();
    if (createdKeys.length) logger.info({ kids: createdKeys }, 'signing keys created');

    const i18n = createI18n();
    const render = createRenderer({ i18n });
    const pages = createProviderPages(render);
    const Adapter = createPostgresAdapter(db, { sealClientSecret: box.seal, openClientSecret: box.open });
    const clientQueries = createClientQueries(db);
    const csrf: CsrfOptions = { key: cookieKeys[0]!, origin: new URL(config.issuer).origin, secure: config.issuer.startsWith('https://'), cookiePath: config.mountPath || '/' };

    const mailer = createMailer({ db, config, logger, i18n });

    async function buildOidc() {
      const provider = createOidcProvider({
        config,
        adapter: Adapter,
        jwks: await services.keys.loadPrivateJwks(),
        cookieKeys: cookieKeys!,
        findAccount: (id) => services.accounts.findById(id),
        consents: services.consents,
        pages,
        isTrustedBackchannelUri: (uri) => clientQueries.isOperatorBackchannelUri(uri),
      });
      provider.use(pages.notFound);
      provider.on('server_error', (_ctx, err) => logger.error({ err }, 'oidc-provider server error'));
      provider.on('backchannel.error', (_ctx, err, clientId) => logger.warn({ err: err.message, clientId }, 'back-channel logout delivery failed'));
      // The account center's "active sessions": where each session was last used.
      provider.on('authorization.success', (ctx) => {
        const session = ctx.oidc.session;
        if (!session?.accountId || !session.uid) return;
        services.accountCenter.recordSessionDevice(session.accountId, session.uid, { ip: ctx.ip, userAgent: ctx.get('user-agent') || null })
          .catch((err) => logger.warn({ err: (err as Error).message }, 'recording the session device failed'));
      });
      const deps: RouteDeps = { provider, services, render, csrf, config, db, mailer, logger };
      const routes = compose([
        interactionRoutes({ provider, services, render, csrf, mailer }).routes(),
        selfServiceRoutes(deps).routes(),
        accountRoutes(deps).routes(),
        adminRoutes(deps).routes(),
        apiRoutes(deps).routes(),
      ]);
      const callback = provider.callback();
      return { provider, routes, callback };
    }

    let oidc = await buildOidc();
    let keysVersion = await services.keys.version();

    const clientStore = Adapter('Client');
    const clients = createClientService({
      production: config.production,
      store: {
        find: async (id) => (await clientStore.find(id)) as Record<string, unknown> | undefined,
        upsert: (id, metadata) => clientStore.upsert(id, metadata as never, 0),
        destroy: async (id) => clientQueries.remove(id),
        list: () => clientQueries.list(),
      },
      validate: async (metadata) => {
        await oidc.provider.Client.validate(metadata as never);
      },
      issueInitialAccessToken: async (expiresIn) => {
        const token = new oidc.provider.InitialAccessToken({ expiresIn, policies: ['latchkey-third-party'] });
        return token.save();
      },
    });

    if (role === 'server') {
      // The account center's built-in client follows the issuer (which may change between starts).
      const metadata = accountCenterClientMetadata(config.issuer);
      await oidc.provider.Client.validate(metadata as never);
      await clientStore.upsert(ACCOUNT_CENTER_CLIENT_ID, metadata as never, 0);
      // The admin console's built-in client (issue 5, item 7), likewise.
      const adminMetadata = adminConsoleClientMetadata(config.issuer);
      await oidc.provider.Client.validate(adminMetadata as never);
      await clientStore.upsert(ADMIN_CONSOLE_CLIENT_ID, adminMetadata as never, 0);
    }

    const app = new Koa({ keys: cookieKeys, proxy: config.trustProxy });
    app.silent = true;
    app.use(requestContext({ logger, mountPath: config.mountPath, negotiateLocale: i18n.negotiate }));
    app.use(securityHeaders({ hsts: config.issuer.startsWith('https://') }));
    app.use(errorHandler(render));
    app.use(healthRoutes(db));
    app.use(serveAssets(publicDir));
    app.use(languageSwitch({ locales: i18n.locales, secure: csrf.secure, cookiePath: csrf.cookiePath }));
    // Only Latchkey's own form pages need a CSRF secret; token, discovery and JWKS answers carry no cookie.
    const issueCsrfToken = csrfToken(csrf);
    app.use(async function formPagesCsrf(ctx, next) {
      return FORM_PAGE_PREFIXES.some((prefix) => ctx.path.startsWith(prefix)) ? issueCsrfToken(ctx, next) : next();
    });
    app.use(async function latchkeyPages(ctx, next) {
      await oidc.routes(ctx as never, next);
    });
    app.use(async function openIdProvider(ctx) {
      // oidc-provider answers everything else (discovery, JWKS, authorize, token, ...) on the same request.
      ctx.respond = false;
      // oidc-provider builds its URLs from the part of req.originalUrl before req.url (Express's convention).
      // Latchkey's paths are relative to the issuer's path, so that part is the mount path.
      if (config.mountPath) (ctx.req as typeof ctx.req & { originalUrl?: string }).originalUrl = `${config.mountPath}${ctx.req.url}`;
      await oidc.callback(ctx.req, ctx.res);
    });

    async function reloadKeys(): Promise<boolean> {
      const version = await services.keys.version();
      if (version === keysVersion) return false;
      oidc = await buildOidc();
      keysVersion = version;
      logger.info('signing keys changed: provider reloaded');
      return true;
    }

    const timers: NodeJS.Timeout[] = [];
    if (role === 'server') {
      mailer.start();
      timers.push(setInterval(() => {
        reloadKeys().catch((err) => logger.warn({ err: (err as Error).message }, 'key refresh failed'));
      }, config.keyRefreshSeconds * 1000));
      if (config.purgeIntervalSeconds > 0) {
        timers.push(setInterval(() => {
          Promise.all([purgeExpired(db), purgeStaleThrottling(db, new Date()), services.tokens.purge(), services.rateLimits.purge()])
            .then(([n]) => n > 0 && logger.info({ purged: n }, 'expired OIDC rows purged'))
            .catch((err) => logger.warn({ err: (err as Error).message }, 'purge failed'));
        }, config.purgeIntervalSeconds * 1000));
      }
      for (const t of timers) t.unref();
    }

    const prefix = config.mountPath;
    const handle = app.callback();
    const middleware: Koa.Middleware = async (ctx, next) => {
      if (prefix && ctx.path !== prefix && !ctx.path.startsWith(`${prefix}/`)) return next();
      const original = ctx.url;
      ctx.url = ctx.url.slice(prefix.length) || '/';
      try {
        ctx.respond = false;
        await handle(ctx.req, ctx.res);
      } finally {
        ctx.req.url = original;
      }
    };

    let closed = false;
    return {
      app,
      middleware,
      get provider() {
        return oidc.provider;
      },
      config,
      services,
      clients,
      mailer,
      db,
      logger,
      reloadKeys,
      async close() {
        if (closed) return;
        closed = true;
        for (const t of timers) clearInterval(t);
        await mailer.stop();
        await opened.close();
      },
    };
  } catch (err) {
    await opened.close().catch(() => {});
    throw err;
  }
}
