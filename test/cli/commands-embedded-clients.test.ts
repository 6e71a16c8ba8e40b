// migrate and the clients commands against the embedded database (no DATABASE_URL): see commands-suite.ts.
import { describeClientCommands } from './commands-suite.js';

describeClientCommands('embedded');
