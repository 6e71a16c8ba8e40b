// The standalone server: createLatchkey() behind node:http, with graceful shutdown on SIGTERM/SIGINT.
import http from 'node:http';
import Koa from 'koa';
import { createLatchkey, type CreateLatchkeyOptions, type Latchkey } from './app.js';

/** The configured address cannot be listened on (port taken, privileged, unknown host); the message says which. */
export class PortUnavailable extends Error {
  override name = 'PortUnavailable';
}

export interface RunningServer {
  latchkey: Latchkey;
  server: http.Server;
  url: string;
  stop(): Promise<void>;
}

/** Starts Latchkey on config.port; when the issuer has a path, serves it under that path. */
export async function startServer(options: CreateLatchkeyOptions = {}): Promise<RunningServer> {
  const latchkey = await createLatchkey({ ...options, role: 'server' });
  const { config, logger } = latchkey;
  let handler = latchkey.app.callback();
  if (config.mountPath) {
    const host = new Koa();
    host.use(latchkey.middleware);
    handler = host.callback();
  }
  const server = http.createServer(handler);
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 30_000;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => resolve());
    });
  } catch (err) {
    await latchkey.close();
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
      throw new PortUnavailable(`Cannot listen on ${config.host}:${config.port} (PORT, HOST): ${code === 'EADDRINUSE' ? 'another process is using it' : code === 'EACCES' ? 'permission denied' : 'no such address on this machine'}.`);
    }
    throw err;
  }
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.info({ issuer: config.issuer, port }, 'Latchkey is listening');
  if (config.issuer.startsWith('https://') && !config.trustProxy) {
    // Latchkey speaks plain HTTP; with an https issuer a TLS-terminating proxy sits in front, and without
    // trusting its X-Forwarded-Proto every request looks insecure and Secure cookies cannot be set.
    logger.warn('LATCHKEY_ISSUER is https but LATCHKEY_TRUST_PROXY is not set: behind a TLS-terminating proxy, set LATCHKEY_TRUST_PROXY=true');
  }

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 10_000).unref();
      });
      await latchkey.close();
    })();
    return stopping;
  };
  return { latchkey, server, url: `http://127.0.0.1:${port}`, stop };
}
