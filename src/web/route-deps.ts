// What Latchkey's own routers (sign-up and recovery, account center, JSON APIs) are built from. They are
// rebuilt with the provider whenever the signing keys change, so they may hold the provider directly.
import type Provider from 'oidc-provider';
import type { LatchkeyConfig } from '../config/index.js';
import type { Database } from '../db/types.js';
import type { Logger } from '../log/logger.js';
import type { LatchkeyServices } from '../services/index.js';
import type { Mailer } from '../services/mail/index.js';
import type { CsrfOptions } from './middleware/csrf.js';
import type { Renderer } from './render.js';

export interface RouteDeps {
  provider: Provider;
  services: LatchkeyServices;
  render: Renderer;
  csrf: CsrfOptions;
  config: LatchkeyConfig;
  db: Database;
  /** Call after committing a change that queued mail: delivers now instead of at the next poll. */
  mailer: Pick<Mailer, 'notify'>;
  logger: Logger;
}
