// OIDC clients (relying parties): created by operators (CLI) or dynamically (RFC 7591), stored in
// PostgreSQL. Secrets are shown once, at creation or rotation, and stored sealed.
import { randomBytes } from 'node:crypto';
import { clientMetadataFor, clientTypeOf, type ClientMetadataInput } from '../../oidc/client-metadata.js';
import { InvalidInput, NotFound } from '../errors.js';
import { redirectUriProblem, type ClientType } from './redirect-uris.js';

export type { ClientType } from './redirect-uris.js';

/** Where clients live: the oidc-provider adapter for the Client model (so secrets are sealed alike). */
export interface ClientStore {
  find(clientId: string): Promise<Record<string, unknown> | undefined>;
  upsert(clientId: string, metadata: Record<string, unknown>): Promise<void>;
  destroy(clientId: string): Promise<boolean>;
  list(): Promise<{ clientId: string; metadata: Record<string, unknown>; createdAt: Date }[]>;
}

export interface ClientServiceDeps {
  store: ClientStore;
  /** oidc-provider's own metadata validation (Client.validate); throws on invalid metadata. */
  validate(metadata: Record<string, unknown>): Promise<void>;
  /** Issues an RFC 7591 initial access token valid for expiresIn seconds. */
  issueInitialAccessToken(expiresIn: number): Promise<string>;
  production: boolean;
}

export interface ClientSummary {
  clientId: string;
  name: string;
  type: ClientType;
  firstParty: boolean;
  requireCustomerLink: boolean;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  backchannelLogoutUri: string | undefined;
  grantTypes: string[];
  tokenEndpointAuthMethod: string;
  requirePkce: boolean;
  /** 'operator' (CLI) or 'dynamic' (RFC 7591). */
  registeredBy: 'operator' | 'dynamic';
  /** The scopes the client may request (space-separated); undefined: any scope. */
  scope: string | undefined;
  createdAt?: Date;
}

function summarize(clientId: string, m: Record<string, unknown>, createdAt?: Date): ClientSummary {
  const strings = (v: unknown) => (Array.isArray(v) ? v.map(String) : []);
  return {
    clientId,
    name: String(m.client_name ?? clientId),
    type: clientTypeOf(m),
    firstParty: m.first_party === true,
    requireCustomerLink: m.require_customer_link === true,
    redirectUris: strings(m.redirect_uris),
    postLogoutRedirectUris: strings(m.post_logout_redirect_uris),
    backchannelLogoutUri: typeof m.backchannel_logout_uri === 'string' ? m.backchannel_logout_uri : undefined,
    grantTypes: strings(m.grant_types),
    tokenEndpointAuthMethod: String(m.token_endpoint_auth_method ?? 'client_secret_basic'),
    requirePkce: m.require_pkce !== false,
    registeredBy: m.registered_by === 'operator' ? 'operator' : 'dynamic',
    scope: typeof m.scope === 'string' && m.scope !== '' ? m.scope : undefined,
    ...(createdAt ? { createdAt } : {}),
  };
}

/** A new client_id: 128 random bits, base64url, never starting with '-' (which a command line would take for an option). */
export function newClientId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}
const newSecret = () => randomBytes(32).toString('base64url');

/** Client registration and management rules. */
export function createClientService(deps: ClientServiceDeps) {
  const { store } = deps;

  async function requireClient(clientId: string) {
    const metadata = await store.find(clientId);
    if (!metadata) throw new NotFound(`No client with id ${clientId}.`);
    return metadata;
  }

  return {
    /** Registers a client; the secret (confidential types) is returned once and never shown again. */
    async create(input: ClientMetadataInput): Promise<{ client: ClientSummary; clientSecret: string | undefined }> {
      if (!input.name.trim()) throw new InvalidInput('A client needs a name (--name).', 'name');
      if (input.type !== 'service' && input.redirectUris.length === 0) throw new InvalidInput(`A ${input.type} client needs at least one --redirect-uri.`, 'redirect_uri');
      if (input.type === 'service' && input.redirectUris.length > 0) throw new InvalidInput('A service client uses client credentials only and takes no redirect URI.', 'redirect_uri');
      if (input.scope?.split(' ').includes('accounts:provision') && input.type !== 'service') throw new InvalidInput('Only a service client (--type service) may hold the accounts:provision scope.', 'scope');
      for (const uri of input.redirectUris) {
        const problem = redirectUriProblem(uri, input.type, deps.production);
        if (problem) throw new InvalidInput(problem, 'redirect_uri');
      }
      const clientId = newClientId();
      const metadata = clientMetadataFor(input);
      const confidential = metadata.token_endpoint_auth_method !== 'none';
      const clientSecret = confidential ? newSecret() : undefined;
      const full = { client_id: clientId, ...(clientSecret ? { client_secret: clientSecret } : {}), ...metadata };
      try {
        await deps.validate(full);
      } catch (err) {
        const e = err as { error_description?: string; message?: string };
        throw new InvalidInput(e.error_description ?? e.message ?? 'invalid client metadata');
      }
      await store.upsert(clientId, full);
      return { client: summarize(clientId, full), clientSecret };
    },

    async list(): Promise<ClientSummary[]> {
      return (await store.list()).map((c) => summarize(c.clientId, c.metadata, c.createdAt));
    },

    async show(clientId: string): Promise<ClientSummary> {
      return summarize(clientId, await requireClient(clientId));
    },

    async remove(clientId: string): Promise<void> {
      if (!(await store.destroy(clientId))) throw new NotFound(`No client with id ${clientId}.`);
    },

    /** Replaces a confidential client's secret; the old one stops working at once. */
    async rotateSecret(clientId: string): Promise<{ client: ClientSummary; clientSecret: string }> {
      const metadata = await requireClient(clientId);
      if (metadata.token_endpoint_auth_method === 'none') throw new InvalidInput(`Client ${clientId} is public (${clientTypeOf(metadata)}) and has no secret.`);
      const clientSecret = newSecret();
      const updated = { ...metadata, client_secret: clientSecret };
      await store.upsert(clientId, updated);
      return { client: summarize(clientId, updated), clientSecret };
    },

    /** An initial access token for RFC 7591 dynamic registration. */
    issueInitialAccessToken: (expiresInSeconds: number) => deps.issueInitialAccessToken(expiresInSeconds),
  };
}
export type ClientService = ReturnType<typeof createClientService>;
