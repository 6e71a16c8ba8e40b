// Signing keys: ES256 signs by default, RS256 is available for older clients. Private keys are sealed at
// rest. Rotation makes a new key current; retired keys stay in the JWKS until every token they signed
// has expired (publish window = the longest lifetime of a signed token).
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair } from 'jose';
import type { Database, Queryable } from '../../db/types.js';
import { createSigningKeyQueries, type SigningKeyRow } from '../../queries/signing-keys.js';
import type { SecretBox } from '../secrets/secret-box.js';

export const SIGNING_ALGORITHMS = ['ES256', 'RS256'] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

export interface KeyServiceDeps {
  db: Database;
  box: SecretBox;
  /** Seconds a retired key stays published: the longest lifetime of a token it may have signed. */
  publishSeconds: number;
}

export interface PrivateJwk {
  kid: string;
  alg: string;
  use: 'sig';
  [member: string]: unknown;
}

async function createKey(tx: Queryable, box: SecretBox, alg: SigningAlgorithm): Promise<string> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'RS256' ? { modulusLength: 2048 } : {}) });
  const kid = randomUUID();
  const meta = { kid, alg, use: 'sig' };
  await createSigningKeyQueries(tx).insert({
    kid,
    alg,
    publicJwk: { ...(await exportJWK(publicKey)), ...meta },
    privateJwkSealed: box.seal(JSON.stringify({ ...(await exportJWK(privateKey)), ...meta })),
  });
  return kid;
}

/** Manages the signing key set. */
export function createKeyService(deps: KeyServiceDeps) {
  const { db, box, publishSeconds } = deps;
  const keys = createSigningKeyQueries(db);

  return {
    /** Creates a key for every algorithm that has none; safe when several nodes start together. */
    async ensureKeys(): Promise<string[]> {
      return db.transaction(async (tx) => {
        await createSigningKeyQueries(tx).lockKeySet();
        const present = new Set(await createSigningKeyQueries(tx).activeAlgs());
        const created: string[] = [];
        for (const alg of SIGNING_ALGORITHMS) if (!present.has(alg)) created.push(await createKey(tx, box, alg));
        return created;
      });
    },

    /** Adds a new current key per algorithm (or only `only`) and retires the previous ones. */
    async rotate(only?: SigningAlgorithm): Promise<{ created: { kid: string; alg: string }[]; retired: number }> {
      return db.transaction(async (tx) => {
        await createSigningKeyQueries(tx).lockKeySet();
        const created: { kid: string; alg: string }[] = [];
        let retired = 0;
        for (const alg of only ? [only] : SIGNING_ALGORITHMS) {
          const kid = await createKey(tx, box, alg);
          retired += await createSigningKeyQueries(tx).retireOthers(alg, kid, publishSeconds);
          created.push({ kid, alg });
        }
        return { created, retired };
      });
    },

    /** The private JWKS for oidc-provider: current keys first (ES256 before RS256), then retired ones still published. */
    async loadPrivateJwks(): Promise<{ keys: PrivateJwk[] }> {
      const rows = await keys.listPublished();
      const rank = (r: SigningKeyRow) => (r.retired_at ? 10 : 0) + SIGNING_ALGORITHMS.indexOf(r.alg as SigningAlgorithm);
      const ordered = [...rows].sort((a, b) => rank(a) - rank(b));
      return { keys: ordered.map((r) => JSON.parse(box.open(r.private_jwk_sealed)) as PrivateJwk) };
    },

    /** Changes when the published key set changes; polled by every node. */
    version: () => keys.version(),

    list: () => keys.listAll(),
  };
}
export type KeyService = ReturnType<typeof createKeyService>;
