// oidc-provider storage adapter on PostgreSQL (PGlite or a server). It enforces:
// - every model is stored in PostgreSQL: `Client` in the clients table (client_secret sealed at rest when
//   seal/open functions are given), every other model in oidc_payloads;
// - expired rows are never returned (expiry is compared with the database clock, now());
// - single use (authorization codes: RFC 6749 §4.1.2; rotated refresh tokens: RFC 9700 §4.14.2): consume is one
//   atomic UPDATE, so of requests racing with the same code or refresh token exactly one wins, the rest get invalid_grant;
// - revoking a grant deletes everything issued under it (codes, access and refresh tokens...), whatever the model;
// - input PostgreSQL cannot store (NUL characters, broken Unicode) is an OAuth error, never a 500.
// oidc-provider@9 accepts a constructor or a non-async factory function as `adapter`; this is a factory.
import { errors, type Adapter, type AdapterFactory, type AdapterPayload } from 'oidc-provider';
import type { Database, Queryable } from '../src/db/types.js';
import { pgErrorCode } from '../src/db/errors.js';
import { createOidcPayloadQueries, type OidcPayloadQueries, type StoredOidcPayload } from '../src/queries/oidc-payloads.js';
import { createClientQueries, type ClientQueries } from '../src/queries/clients.js';

export type { Adapter, AdapterFactory, AdapterPayload };

export interface PostgresAdapterOptions {
  /** Turns a client secret into what is stored (e.g. AES-GCM encrypts it); give openClientSecret too. */
  sealClientSecret?: (secret: string) => string;
  /** Inverse of sealClientSecret. */
  openClientSecret?: (sealed: string) => string;
}

/** Models whose rows belong to a grant and die with it (as in oidc-provider's reference adapter). */
const grantBoundModels = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'PreAuthorizedCode',
]);

/** PostgreSQL errors meaning a value in the payload cannot be stored as jsonb/text (NUL, lone surrogates). */
const unstorableInput = new Set(['22P05', '22P02', '22021']);

const optionalString = (value: unknown): string | null => (typeof value === 'string' ? value : null);

function withConsumed(stored: StoredOidcPayload | undefined): AdapterPayload | undefined {
  if (!stored) return undefined;
  const { consumed: _ignored, ...payload } = stored.payload;
  return stored.consumedAt === undefined ? payload : { ...payload, consumed: stored.consumedAt };
}

/** Every model but Client: rows of oidc_payloads. */
class PayloadAdapter implements Adapter {
  constructor(
    private readonly model: string,
    private readonly payloads: OidcPayloadQueries,
  ) {}

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const { consumed, ...rest } = payload;
    try {
      await this.payloads.upsert({
        model: this.model,
        id,
        payload: rest,
        grantId: grantBoundModels.has(this.model) ? optionalString(payload.grantId) : null,
        uid: optionalString(payload.uid),
        userCode: optionalString(payload.userCode),
        expiresIn: typeof expiresIn === 'number' && Number.isFinite(expiresIn) ? expiresIn : null,
        consumedAt: typeof consumed === 'number' && Number.isFinite(consumed) ? consumed : null,
      });
    } catch (err) {
      if (unstorableInput.has(pgErrorCode(err) ?? '')) {
        throw new errors.InvalidRequest('the request contains characters that cannot be stored');
      }
      throw err;
    }
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    return withConsumed(await this.payloads.find(this.model, id));
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return withConsumed(await this.payloads.findByUid(this.model, uid));
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return withConsumed(await this.payloads.findByUserCode(this.model, userCode));
  }

  async consume(id: string): Promise<void> {
    // Nothing updated: another request consumed it first (or it is gone); that request alone may proceed.
    if (!(await this.payloads.consume(this.model, id))) {
      throw new errors.InvalidGrant('grant request is invalid');
    }
  }

  async destroy(id: string): Promise<void> {
    await this.payloads.destroy(this.model, id);
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    await this.payloads.deleteByGrantId(grantId);
  }
}

/** The Client model: rows of the clients table. */
class ClientAdapter implements Adapter {
  constructor(
    private readonly clients: ClientQueries,
    private readonly payloads: OidcPayloadQueries,
    private readonly options: PostgresAdapterOptions,
  ) {}

  async upsert(id: string, payload: AdapterPayload): Promise<void> {
    const { sealClientSecret } = this.options;
    const metadata = sealClientSecret && typeof payload.client_secret === 'string'
      ? { ...payload, client_secret: sealClientSecret(payload.client_secret) }
      : payload;
    try {
      await this.clients.upsert(id, metadata);
    } catch (err) {
      if (unstorableInput.has(pgErrorCode(err) ?? '')) {
        throw new errors.InvalidClientMetadata('client metadata contains characters that cannot be stored');
      }
      throw err;
    }
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    const stored = await this.clients.find(id);
    if (!stored) return undefined;
    const { openClientSecret } = this.options;
    const { metadata } = stored;
    return openClientSecret && typeof metadata.client_secret === 'string'
      ? { ...metadata, client_secret: openClientSecret(metadata.client_secret) }
      : metadata;
  }

  async findByUid(): Promise<undefined> {
    return undefined;
  }

  async findByUserCode(): Promise<undefined> {
    return undefined;
  }

  async consume(): Promise<void> {
    throw new TypeError('a Client cannot be consumed');
  }

  async destroy(id: string): Promise<void> {
    await this.clients.remove(id);
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    await this.payloads.deleteByGrantId(grantId);
  }
}

/** The `adapter` for oidc-provider's configuration, storing everything in db. */
export function createPostgresAdapter(db: Database, options: PostgresAdapterOptions = {}): AdapterFactory {
  if (Boolean(options.sealClientSecret) !== Boolean(options.openClientSecret)) {
    throw new TypeError('createPostgresAdapter: give both sealClientSecret and openClientSecret, or neither');
  }
  const payloads = createOidcPayloadQueries(db);
  const clients = createClientQueries(db);
  // An arrow function: oidc-provider calls it as a factory, `adapter(modelName)`, not with `new`.
  return (model: string): Adapter =>
    model === 'Client' ? new ClientAdapter(clients, payloads, options) : new PayloadAdapter(model, payloads);
}

/** Deletes expired oidc-provider rows in batches of batchSize; returns how many were deleted. */
export async function purgeExpired(db: Queryable, { batchSize = 1000 }: { batchSize?: number } = {}): Promise<number> {
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`purgeExpired: batchSize must be a positive integer, got ${batchSize}`);
  }
  const payloads = createOidcPayloadQueries(db);
  let total = 0;
  for (;;) {
    const deleted = await payloads.deleteExpiredBatch(batchSize);
    total += deleted;
    if (deleted < batchSize) return total;
  }
}
