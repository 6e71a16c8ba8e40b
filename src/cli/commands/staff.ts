// latchkey staff grant|revoke|list: who may use the admin console (/admin) and the Admin API, and as what.
import type { Latchkey } from '../../app.js';
import { parse } from '../args.js';
import { table, UsageError, type Output } from '../output.js';

export const staffUsage = `latchkey staff grant EMAIL moderator|support|admin
       latchkey staff revoke EMAIL moderator|support|admin
       latchkey staff list [--json]`;

function emailAndRole(positionals: string[], sub: string): [string, string] {
  if (positionals.length !== 2) throw new UsageError(`latchkey staff ${sub} takes an EMAIL and a ROLE (moderator, support or admin).\n\nUsage: ${staffUsage}`);
  return [positionals[0]!, positionals[1]!];
}

/** Runs a staff subcommand. */
export async function staffCommand(sub: string | undefined, argv: string[], latchkey: () => Promise<Latchkey>, out: Output): Promise<void> {
  switch (sub) {
    case 'grant':
    case 'revoke': {
      const { positionals } = parse(argv, {}, staffUsage);
      const [email, role] = emailAndRole(positionals, sub);
      const lk = await latchkey();
      const result = sub === 'grant' ? await lk.services.staff.grant(email, role) : await lk.services.staff.revoke(email, role);
      const roles = await lk.services.staff.rolesOf(result.account.id);
      const message = sub === 'grant'
        ? (result.changed ? `${result.account.email} is now ${result.role}.` : `${result.account.email} already was ${result.role}.`)
        : (result.changed ? `${result.account.email} is no longer ${result.role}.` : `${result.account.email} was not ${result.role}.`);
      out.result({ sub: result.account.id, email: result.account.email, role: result.role, changed: result.changed, roles }, `${message} Staff roles: ${roles.join(', ') || 'none'}.`);
      return;
    }
    case 'list': {
      const { positionals } = parse(argv, {}, staffUsage);
      if (positionals.length) throw new UsageError(`latchkey staff list takes no arguments.\n\nUsage: ${staffUsage}`);
      const members = await (await latchkey()).services.staff.list();
      const data = members.map((m) => ({
        sub: m.accountId, email: m.email, name: m.name, status: m.status,
        roles: m.roles.map((r) => r.role), granted: m.roles.map((r) => ({ role: r.role, granted_at: r.grantedAt.toISOString(), granted_by: r.grantedBy })),
      }));
      out.result(data, data.length ? table(data.map((m): [string, unknown] => [m.email, `${m.roles.join(', ')}${m.status === 'active' ? '' : `  (${m.status})`}`])) : 'No staff roles have been granted.');
      return;
    }
    default:
      throw new UsageError(`Unknown staff command ${sub ?? '(none)'}.\n\nUsage: ${staffUsage}`);
  }
}
