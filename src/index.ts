// Latchkey as a library: `createLatchkey(config)` gives a Koa app (or middleware) to mount in a Node service.
export { createLatchkey, type CreateLatchkeyOptions, type Latchkey } from './app.js';
export { startServer, type RunningServer } from './server.js';
export { loadConfig, ConfigError, type LatchkeyConfig } from './config/index.js';
export { createLogger } from './log/logger.js';
export type { Database } from './db/types.js';
