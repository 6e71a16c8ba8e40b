// SQL for the clients table: registered OIDC clients. Rows are checked against the schema, never cast.
// metadata is the client's metadata as oidc-provider sees it, except that client_secret is stored
// sealed when the storage adapter is given a sealing function (see adapters/postgres.ts).
import { z } from 'zod';
import type { Queryable } from '../db/types.js';

export const clientRow = z
  .object({
    client_id: z.string(),
    metadata: z.record(z.string(), z.unknown()),
    created_at: z.date(),
    updated_at: z.date(),
  })
  .transform((r) => ({ clientId: r.client_id, metadata: r.metadata, createdAt: r.created_at, updatedAt: r.updated_at }));

/** A stored client: its id, its metadata (client_secret possibly sealed) and when it was created and last changed. */
export type StoredClient = z.infer<typeof clientRow>;

const COLUMNS = 'client_id, metadata, created_at, updated_at';

// PostgreSQL text cannot hold NUL, so no client_id contains one; looking one up would be a database error.
const representable = (clientId: string) => !clientId.includes('\0');

const one = (rows: unknown[]) => (rows[0] === undefined ? undefined : clientRow.parse(rows[0]));

/** Typed access to the clients table. */
export function createClientQueries(db: Queryable) {
  return {
    /** The client with this id, if registered. */
    async find(clientId: string): Promise<StoredClient | undefined> {
      if (!representable(clientId)) return undefined;
      return one((await db.query(`SELECT ${COLUMNS} FROM clients WHERE client_id = $1`, [clientId])).rows);
    },
    /** Registers the client or replaces its metadata. */
    async upsert(clientId: string, metadata: Record<string, unknown>): Promise<StoredClient> {
      const { rows } = await db.query(
        `INSERT INTO clients (client_id, metadata) VALUES ($1, $2::jsonb)
         ON CONFLICT (client_id) DO UPDATE SET metadata = EXCLUDED.metadata, updated_at = now()
         RETURNING ${COLUMNS}`,
        [clientId, JSON.stringify(metadata)],
      );
      return clientRow.parse(rows[0]);
    },
    /** Deletes the client; true when it existed. */
    async remove(clientId: string): Promise<boolean> {
      if (!representable(clientId)) return false;
      const { rowCount } = await db.query('DELETE FROM clients WHERE client_id = $1', [clientId]);
      return rowCount > 0;
    },
    /** True when an operator-registered client has exactly this back-channel logout URI. */
    async isOperatorBackchannelUri(uri: string): Promise<boolean> {
      if (!representable(uri)) return false;
      const { rows } = await db.query(
        `SELECT 1 FROM clients WHERE metadata->>'backchannel_logout_uri' = $1 AND metadata->>'registered_by' = 'operator' LIMIT 1`,
        [uri],
      );
      return rows.length > 0;
    },
    /** Every client, oldest first. */
    async list(): Promise<StoredClient[]> {
      const { rows } = await db.query(`SELECT ${COLUMNS} FROM clients ORDER BY created_at, client_id`);
      return rows.map((r) => clientRow.parse(r));
    },
  };
}
export type ClientQueries = ReturnType<typeof createClientQueries>;
