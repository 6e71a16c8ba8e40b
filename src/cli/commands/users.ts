// latchkey users create|show|block|unblock
import type { Latchkey } from '../../app.js';
import type { AccountRow } from '../../queries/accounts.js';
import { parse, readStdin } from '../args.js';
import { table, UsageError, type Output } from '../output.js';

export const usersUsage = `latchkey users create --email EMAIL --password-stdin [--name NAME] [--verified] [--json]
       latchkey users show EMAIL|ID [--json]
       latchkey users block EMAIL|ID [--reason TEXT]
       latchkey users unblock EMAIL|ID`;

function view(a: AccountRow) {
  return { sub: a.id, email: a.email, email_verified: a.email_verified, name: a.name, status: a.status, has_password: a.password_hash !== null, created_at: a.created_at.toISOString(), blocked_at: a.blocked_at?.toISOString() ?? null };
}

function human(a: AccountRow): string[] {
  const v = view(a);
  return table(Object.entries(v));
}

function oneUser(positionals: string[], sub: string): string {
  if (positionals.length !== 1) throw new UsageError(`latchkey users ${sub} takes exactly one EMAIL or ID.\n\nUsage: ${usersUsage}`);
  return positionals[0]!;
}

/** Runs a users subcommand. */
export async function usersCommand(sub: string | undefined, argv: string[], latchkey: () => Promise<Latchkey>, out: Output): Promise<void> {
  switch (sub) {
    case 'create': {
      const { values, positionals } = parse(argv, { email: { type: 'string' }, 'password-stdin': { type: 'boolean' }, name: { type: 'string' }, verified: { type: 'boolean' } }, usersUsage);
      // Not echoed: a stray argument here is most likely a password typed on the command line.
      if (positionals.length) throw new UsageError('Unexpected argument. Passwords are read from standard input with --password-stdin, never from the command line.');
      if (!values.email) throw new UsageError(`--email is required.\n\nUsage: ${usersUsage}`);
      const password = values['password-stdin'] ? await readStdin() : undefined;
      const lk = await latchkey();
      const account = await lk.services.accounts.create({ email: values.email, password, name: values.name, emailVerified: values.verified ?? false });
      out.result(view(account), [`Account created.`, ...human(account)]);
      return;
    }
    case 'show': {
      const { positionals } = parse(argv, {}, usersUsage);
      const idOrEmail = oneUser(positionals, 'show');
      const account = await (await latchkey()).services.accounts.requireAccount(idOrEmail);
      out.result(view(account), human(account));
      return;
    }
    case 'block': {
      const { values, positionals } = parse(argv, { reason: { type: 'string' } }, usersUsage);
      const idOrEmail = oneUser(positionals, 'block');
      const { account, revoked } = await (await latchkey()).services.accounts.block(idOrEmail, values.reason);
      out.result({ ...view(account), revoked }, `Account ${account.email} blocked; ${revoked} session(s), grant(s) and token(s) revoked.`);
      return;
    }
    case 'unblock': {
      const { positionals } = parse(argv, {}, usersUsage);
      const idOrEmail = oneUser(positionals, 'unblock');
      const account = await (await latchkey()).services.accounts.unblock(idOrEmail);
      out.result(view(account), `Account ${account.email} unblocked.`);
      return;
    }
    default:
      throw new UsageError(`Unknown users command ${sub ?? '(none)'}.\n\nUsage: ${usersUsage}`);
  }
}
