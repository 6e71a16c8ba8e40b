// The management commands against a PostgreSQL server (DATABASE_URL), and the refusals of bad values:
// see commands-suite.ts.
import { describeClientCommands, describeRefusedInput, describeUserAndKeyCommands } from './commands-suite.js';

describeClientCommands('postgres');
describeUserAndKeyCommands('postgres');
describeRefusedInput();
