// The users and keys commands against the embedded database (no DATABASE_URL): see commands-suite.ts.
import { describeUserAndKeyCommands } from './commands-suite.js';

describeUserAndKeyCommands('embedded');
