// latchkey users create|show|block|unblock, and support's set-profile and email-changes / email-change approve|reject
import type { Latchkey } from '../../app.js';
import type { AccountRow } from '../../queries/accounts.js';
import type { EmailChangeRow, PostalAddress, ProfileChanges } from '../../services/account-center/index.js';
import { parse, readStdin } from '../args.js';
import { table, UsageError, type Output } from '../output.js';

export const usersUsage = `latchkey users create --email EMAIL --password-stdin [--name NAME] [--verified] [--json]
       latchkey users show EMAIL|ID [--json]
       latchkey users block EMAIL|ID [--reason TEXT]
       latchkey users unblock EMAIL|ID
       latchkey users set-profile EMAIL|ID [--name N] [--given-name N] [--family-name N] [--phone P] [--locale L]
                [--street-address S] [--locality L] [--postal-code C] [--region R] [--country C]   ('' clears a field)
       latchkey users email-changes [--pending] [--json]
       latchkey users email-change approve|reject ID [--reason TEXT]`;

const PROFILE_OPTIONS = {
  name: 'name', 'given-name': 'given_name', 'family-name': 'family_name', phone: 'phone_number', locale: 'locale',
} as const;
const ADDRESS_OPTIONS = {
  'street-address': 'street_address', locality: 'locality', 'postal-code': 'postal_code', region: 'region', country: 'country',
} as const;

function emailChangeView(r: EmailChangeRow) {
  return {
    id: r.id, sub: r.account_id, old_email: r.old_email, new_email: r.new_email, status: r.status,
    created_at: r.created_at.toISOString(), verified_at: r.verified_at?.toISOString() ?? null,
    decided_at: r.decided_at?.toISOString() ?? null, decided_by: r.decided_by, reason: r.reason,
  };
}

/** The profile changes given as options; the address is replaced as a whole, keeping parts not given. */
function profileChanges(values: Record<string, unknown>, current: AccountRow): ProfileChanges {
  const changes: ProfileChanges = {};
  for (const [option, field] of Object.entries(PROFILE_OPTIONS)) {
    if (typeof values[option] === 'string') changes[field] = values[option];
  }
  if (Object.keys(ADDRESS_OPTIONS).some((o) => typeof values[o] === 'string')) {
    const address: PostalAddress = { ...(current.address as PostalAddress | null ?? {}) };
    for (const [option, part] of Object.entries(ADDRESS_OPTIONS)) {
      if (typeof values[option] === 'string') address[part] = values[option];
    }
    changes.address = address;
  }
  return changes;
}

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
    case 'set-profile': {
      const options = Object.fromEntries([...Object.keys(PROFILE_OPTIONS), ...Object.keys(ADDRESS_OPTIONS)].map((o) => [o, { type: 'string' as const }]));
      const { values, positionals } = parse(argv, options, usersUsage);
      const idOrEmail = oneUser(positionals, 'set-profile');
      const lk = await latchkey();
      const account = await lk.services.accounts.requireAccount(idOrEmail);
      const changes = profileChanges(values, account);
      if (Object.keys(changes).length === 0) throw new UsageError(`Give at least one field to change.\n\nUsage: ${usersUsage}`);
      const profile = await lk.services.accountCenter.updateProfileAsSupport(account.id, changes, { userAgent: 'latchkey-cli' });
      const shown = { sub: profile.sub, email: profile.email, name: profile.name, given_name: profile.given_name, family_name: profile.family_name, phone_number: profile.phone_number, locale: profile.locale, address: profile.address };
      out.result(shown, [`Profile of ${profile.email} updated.`, ...table(Object.entries(shown).map(([k, v]) => [k, v !== null && typeof v === 'object' ? JSON.stringify(v) : v]))]);
      return;
    }
    case 'email-changes': {
      const { values, positionals } = parse(argv, { pending: { type: 'boolean' } }, usersUsage);
      if (positionals.length) throw new UsageError(`latchkey users email-changes takes no arguments.\n\nUsage: ${usersUsage}`);
      const rows = (await (await latchkey()).services.accountCenter.listAllEmailChanges({ pendingOnly: values.pending ?? false })).map(emailChangeView);
      out.result(rows, rows.length
        ? table(rows.map((r): [string, unknown] => [r.id, `${r.status}  ${r.old_email} -> ${r.new_email}  ${r.created_at}`]))
        : [values.pending ? 'No email change is awaiting approval.' : 'No email changes.']);
      return;
    }
    case 'email-change': {
      const { values, positionals } = parse(argv, { reason: { type: 'string' } }, usersUsage);
      const [decision, id, ...extra] = positionals;
      if ((decision !== 'approve' && decision !== 'reject') || !id || extra.length) {
        throw new UsageError(`latchkey users email-change takes approve or reject and one ID.\n\nUsage: ${usersUsage}`);
      }
      const row = emailChangeView(await (await latchkey()).services.accountCenter.decideEmailChange(
        id, { approve: decision === 'approve', by: 'support-cli', reason: values.reason }, { userAgent: 'latchkey-cli' },
      ));
      const message = row.status === 'applied' ? `Email change ${row.id} approved: ${row.old_email} -> ${row.new_email} applied.`
        : row.reason === 'address-taken' ? `Email change ${row.id} could not be applied: ${row.new_email} belongs to another account now; it is rejected.`
          : `Email change ${row.id} rejected.`;
      out.result(row, message);
      return;
    }
    default:
      throw new UsageError(`Unknown users command ${sub ?? '(none)'}.\n\nUsage: ${usersUsage}`);
  }
}
