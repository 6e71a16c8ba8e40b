// The latchkey command: start the server, migrate, and manage clients, users and keys.
// Works whether or not the server is running (the embedded database is shared through the server).
import { ConfigError, loadConfig } from '../config/index.js';
import { EmbeddedDatabaseBusy, migrate, openDatabase } from '../db/index.js';
import { DatabaseUnavailable, pgErrorCode } from '../db/errors.js';
import { LatchkeyError } from '../services/errors.js';
import { createLatchkey, type Latchkey } from '../app.js';
import { createLogger } from '../log/logger.js';
import { PortUnavailable, startServer } from '../server.js';
import { clientsCommand, clientsUsage } from './commands/clients.js';
import { usersCommand, usersUsage } from './commands/users.js';
import { keysCommand, keysUsage } from './commands/keys.js';
import { mailCommand, mailUsage } from './commands/mail.js';
import { legacyCommand, legacyUsage } from './commands/legacy.js';
import { customersCommand, customersUsage } from './commands/customers.js';
import { staffCommand, staffUsage } from './commands/staff.js';
import { companiesCommand, companiesUsage } from './commands/companies.js';
import { createOutput, UsageError } from './output.js';

const usage = `Latchkey: single sign-on identity provider (OpenID Connect)

Usage:
  latchkey start                 run the server (PORT, LATCHKEY_ISSUER, DATABASE_URL, ...: see README)
  latchkey migrate               apply pending database migrations
  ${clientsUsage.replace(/\n {7}/g, '\n  ')}
  ${usersUsage.replace(/\n {7}/g, '\n  ')}
  ${keysUsage.replace(/\n {7}/g, '\n  ')}
  ${mailUsage.replace(/\n {7}/g, '\n  ')}
  ${legacyUsage}
  ${customersUsage}
  ${staffUsage.replace(/\n {7}/g, '\n  ')}
  ${companiesUsage}

Every command accepts --json for machine-readable output.`;

/** Runs the CLI with argv (without node and script); returns the exit code. */
export async function runCli(argv: string[]): Promise<number> {
  const [command, sub, ...rest] = argv;
  const json = argv.includes('--json');
  const out = createOutput(json);
  let instance: Latchkey | undefined;
  const latchkey = async () => {
    instance ??= await createLatchkey({ role: 'cli', logger: createLogger(process.env.LATCHKEY_LOG_LEVEL ?? 'warn', process.stderr) });
    return instance;
  };
  try {
    if (argv.includes('--help') || argv.includes('-h')) {
      const commandUsage: Record<string, string> = { clients: clientsUsage, users: usersUsage, keys: keysUsage, mail: mailUsage, legacy: legacyUsage, customers: customersUsage, staff: staffUsage, companies: companiesUsage };
      process.stdout.write(`${command && commandUsage[command] ? `Usage: ${commandUsage[command]}` : usage}\n`);
      return 0;
    }
    switch (command) {
      case 'start': {
        const running = await startServer();
        await new Promise<void>((resolve) => {
          const shutdown = (signal: string) => {
            running.latchkey.logger.info({ signal }, 'shutting down');
            running.stop().then(resolve, resolve);
          };
          process.once('SIGTERM', () => shutdown('SIGTERM'));
          process.once('SIGINT', () => shutdown('SIGINT'));
        });
        return 0;
      }
      case 'migrate': {
        const config = loadConfig();
        const opened = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, role: 'cli' });
        try {
          const applied = await migrate(opened.db);
          out.result({ applied }, applied.length ? `Applied ${applied.join(', ')}.` : 'The database is up to date.');
        } finally {
          await opened.close();
        }
        return 0;
      }
      case 'clients':
        await clientsCommand(sub, rest, latchkey, out);
        return 0;
      case 'users':
        await usersCommand(sub, rest, latchkey, out);
        return 0;
      case 'keys':
        await keysCommand(sub, rest, latchkey, out);
        return 0;
      case 'mail':
        await mailCommand(sub, rest, latchkey, out);
        return 0;
      case 'legacy':
        await legacyCommand(sub, rest, latchkey, out);
        return 0;
      case 'customers':
        await customersCommand(sub, rest, latchkey, out);
        return 0;
      case 'staff':
        await staffCommand(sub, rest, latchkey, out);
        return 0;
      case 'companies':
        await companiesCommand(sub, rest, latchkey, out);
        return 0;
      case 'help':
        process.stdout.write(`${usage}\n`);
        return 0;
      case undefined:
        process.stderr.write(`${usage}\n`);
        return 2;
      default:
        throw new UsageError(`Unknown command ${command}.\n\n${usage}`);
    }
  } catch (err) {
    return reportError(err, json);
  } finally {
    await instance?.close();
  }
}

/** The PostgreSQL server answered but refused the connection: no such database (3D000) or login refused (class 28). */
function connectionRefusedByServer(err: unknown): boolean {
  const code = pgErrorCode(err);
  return code === '3D000' || /^28[0-9A-Z]{3}$/.test(code ?? '');
}

function reportError(err: unknown, json: boolean): number {
  const usageError = err instanceof UsageError;
  const refused = connectionRefusedByServer(err);
  const known = usageError || err instanceof ConfigError || err instanceof EmbeddedDatabaseBusy || err instanceof PortUnavailable || (err instanceof LatchkeyError && err.expose);
  const message = err instanceof DatabaseUnavailable
    ? 'Cannot reach the database. Check DATABASE_URL and that the server is running.'
    : refused ? `Cannot connect to the database named by DATABASE_URL: ${(err as Error).message}.`
    : known ? (err as Error).message : `Unexpected error: ${(err as Error)?.message ?? String(err)}`;
  const code = err instanceof LatchkeyError ? err.code : usageError ? 'usage' : err instanceof ConfigError ? 'config_error'
    : err instanceof DatabaseUnavailable || refused ? 'temporarily_unavailable' : 'error';
  if (json) process.stderr.write(`${JSON.stringify({ error: code, error_description: message })}\n`);
  else process.stderr.write(`latchkey: ${message}\n`);
  return usageError ? 2 : 1;
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('/cli/main.js')) {
  runCli(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
