// SQL for remembered consents.
import { z } from 'zod';
import type { Queryable } from '../db/types.js';

const consentRow = z.object({
  account_id: z.string(),
  client_id: z.string(),
  scopes: z.array(z.string()),
  created_at: z.date(),
  updated_at: z.date(),
});
export type ConsentRow = z.infer<typeof consentRow>;

/** Typed access to consents. */
export function createConsentQueries(db: Queryable) {
  return {
    async find(accountId: string, clientId: string): Promise<ConsentRow | undefined> {
      const { rows } = await db.query('SELECT * FROM consents WHERE account_id = $1 AND client_id = $2', [accountId, clientId]);
      return rows[0] === undefined ? undefined : consentRow.parse(rows[0]);
    },
    /** Adds scopes to what the account granted the client (union with earlier consent). */
    async grant(accountId: string, clientId: string, scopes: string[]): Promise<void> {
      await db.query(
        `INSERT INTO consents (account_id, client_id, scopes) VALUES ($1, $2, $3)
         ON CONFLICT (account_id, client_id) DO UPDATE
           SET scopes = ARRAY(SELECT DISTINCT unnest(consents.scopes || EXCLUDED.scopes) ORDER BY 1), updated_at = now()`,
        [accountId, clientId, scopes],
      );
    },
    async revoke(accountId: string, clientId: string): Promise<boolean> {
      const { rowCount } = await db.query('DELETE FROM consents WHERE account_id = $1 AND client_id = $2', [accountId, clientId]);
      return rowCount > 0;
    },
    async listForAccount(accountId: string): Promise<ConsentRow[]> {
      const { rows } = await db.query('SELECT * FROM consents WHERE account_id = $1 ORDER BY updated_at DESC', [accountId]);
      return rows.map((r) => consentRow.parse(r));
    },
  };
}
