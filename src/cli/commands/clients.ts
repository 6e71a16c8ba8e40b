// latchkey clients create|list|show|delete|rotate-secret|initial-access-token
import type { Latchkey } from '../../app.js';
import { CLIENT_TYPES, type ClientType } from '../../services/clients/redirect-uris.js';
import type { ClientSummary } from '../../services/clients/index.js';
import { parse } from '../args.js';
import { table, UsageError, type Output } from '../output.js';

export const clientsUsage = `latchkey clients create --name NAME --redirect-uri URI [--redirect-uri URI2] [--type web|native|spa|service]
                        [--first-party] [--post-logout-redirect-uri URI] [--backchannel-logout-uri URI]
                        [--require-customer-link] [--pkce-optional] [--logo-uri URI]
                        [--scope SCOPE ...] [--json]
       latchkey clients list [--json]
       latchkey clients show CLIENT_ID [--json]
       latchkey clients delete CLIENT_ID
       latchkey clients rotate-secret CLIENT_ID [--json]
       latchkey clients initial-access-token [--expires-in SECONDS] [--json]`;

/** A client as the CLI prints it: snake_case names, as in RFC 7591 metadata and the human table. */
function view(c: ClientSummary) {
  return {
    client_id: c.clientId, name: c.name, type: c.type, first_party: c.firstParty,
    redirect_uris: c.redirectUris, post_logout_redirect_uris: c.postLogoutRedirectUris,
    backchannel_logout_uri: c.backchannelLogoutUri ?? null, grant_types: c.grantTypes,
    token_endpoint_auth_method: c.tokenEndpointAuthMethod, require_pkce: c.requirePkce,
    require_customer_link: c.requireCustomerLink, registered_by: c.registeredBy, scope: c.scope ?? null,
    ...(c.createdAt ? { created_at: c.createdAt.toISOString() } : {}),
  };
}

function describe(c: ClientSummary): string[] {
  return table(Object.entries(view(c)));
}

function oneId(positionals: string[], sub: string): string {
  if (positionals.length !== 1) throw new UsageError(`latchkey clients ${sub} takes exactly one CLIENT_ID.\n\nUsage: ${clientsUsage}`);
  return positionals[0]!;
}

/** Runs a clients subcommand. */
export async function clientsCommand(sub: string | undefined, argv: string[], latchkey: () => Promise<Latchkey>, out: Output): Promise<void> {
  switch (sub) {
    case 'create': {
      const { values, positionals } = parse(argv, {
        name: { type: 'string' }, 'redirect-uri': { type: 'string', multiple: true }, type: { type: 'string' },
        'first-party': { type: 'boolean' }, 'post-logout-redirect-uri': { type: 'string', multiple: true },
        'backchannel-logout-uri': { type: 'string' }, 'require-customer-link': { type: 'boolean' },
        'pkce-optional': { type: 'boolean' }, 'logo-uri': { type: 'string' }, scope: { type: 'string', multiple: true },
      }, clientsUsage);
      if (positionals.length) throw new UsageError(`Unexpected argument ${positionals[0]}.\n\nUsage: ${clientsUsage}`);
      if (!values.name) throw new UsageError(`--name is required.\n\nUsage: ${clientsUsage}`);
      const type = (values.type ?? 'web') as ClientType;
      if (!CLIENT_TYPES.includes(type)) throw new UsageError(`--type must be one of ${CLIENT_TYPES.join(', ')} (got ${values.type}).`);
      if (type !== 'service' && !values['redirect-uri']?.length) throw new UsageError(`A ${type} client needs at least one --redirect-uri.\n\nUsage: ${clientsUsage}`);
      if (values['pkce-optional'] && type !== 'web') throw new UsageError('--pkce-optional applies to web (confidential) clients only; public clients always use PKCE.');
      const lk = await latchkey();
      const { client, clientSecret } = await lk.clients.create({
        name: values.name,
        type,
        redirectUris: values['redirect-uri'] ?? [],
        postLogoutRedirectUris: values['post-logout-redirect-uri'] ?? [],
        backchannelLogoutUri: values['backchannel-logout-uri'],
        firstParty: values['first-party'] ?? false,
        requireCustomerLink: values['require-customer-link'] ?? false,
        requirePkce: !values['pkce-optional'],
        logoUri: values['logo-uri'],
        // The scopes the client may request (e.g. accounts:provision for a service client); default: any.
        scope: values.scope?.flatMap((v) => v.split(' ')).filter(Boolean).join(' ') || undefined,
      });
      out.result({ ...view(client), ...(clientSecret ? { client_secret: clientSecret } : {}) },
        [...describe(client), ...(clientSecret ? ['', `client_secret  ${clientSecret}`, '(shown once: store it now)'] : [])]);
      return;
    }
    case 'list': {
      parse(argv, {}, clientsUsage);
      const clients = await (await latchkey()).clients.list();
      out.result(clients.map(view), clients.length ? clients.map((c) => `${c.clientId}  ${c.type.padEnd(7)}  ${c.name}`) : 'No clients yet. Create one with `latchkey clients create`.');
      return;
    }
    case 'show': {
      const { positionals } = parse(argv, {}, clientsUsage);
      const id = oneId(positionals, 'show');
      const client = await (await latchkey()).clients.show(id);
      out.result(view(client), describe(client));
      return;
    }
    case 'delete': {
      const { positionals } = parse(argv, {}, clientsUsage);
      const id = oneId(positionals, 'delete');
      await (await latchkey()).clients.remove(id);
      out.result({ deleted: id }, `Client ${id} deleted.`);
      return;
    }
    case 'rotate-secret': {
      const { positionals } = parse(argv, {}, clientsUsage);
      const id = oneId(positionals, 'rotate-secret');
      const { client, clientSecret } = await (await latchkey()).clients.rotateSecret(id);
      out.result({ client_id: client.clientId, client_secret: clientSecret }, [`client_id      ${client.clientId}`, `client_secret  ${clientSecret}`, '(shown once: the previous secret no longer works)']);
      return;
    }
    case 'initial-access-token': {
      const { values, positionals } = parse(argv, { 'expires-in': { type: 'string' } }, clientsUsage);
      if (positionals.length) throw new UsageError(`Unexpected argument ${positionals[0]}.`);
      const expiresIn = values['expires-in'] === undefined ? 86400 : Number(values['expires-in']);
      if (!Number.isInteger(expiresIn) || expiresIn < 60 || expiresIn > 365 * 86400) throw new UsageError('--expires-in must be a whole number of seconds between 60 and 31536000.');
      const token = await (await latchkey()).clients.issueInitialAccessToken(expiresIn);
      out.result({ initial_access_token: token, expires_in: expiresIn }, [`initial_access_token  ${token}`, `expires_in            ${expiresIn} s`, `Register with: POST ${(await latchkey()).config.issuer}/reg  (Authorization: Bearer <token>)`]);
      return;
    }
    default:
      throw new UsageError(`Unknown clients command ${sub ?? '(none)'}.\n\nUsage: ${clientsUsage}`);
  }
}
