// The PostgreSQL adapter passes the adapter contract on PGlite and on a real PostgreSQL server, and
// keeps its own promises: clients in the clients table with sealed secrets, batched purge, clean errors.
import { randomUUID } from 'node:crypto';
import { describe, it, expect, beforeAll, afterAll, jest } from '@jest/globals';
import Provider from 'oidc-provider';
import { createPostgresAdapter, purgeExpired, type AdapterPayload } from '../../adapters/postgres.js';
import { createClientQueries } from '../../src/queries/clients.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../support/databases.js';
import { describeAdapterContract } from './adapter-contract.js';

const newId = () => randomUUID().replaceAll('-', '');
const epochNow = () => Math.floor(Date.now() / 1000);

// Reversible stand-ins for the real AES-GCM sealing: enough to see what is stored.
const seal = (secret: string) => `sealed:${Buffer.from(secret).toString('base64url')}`;
const open = (sealed: string) => Buffer.from(sealed.replace(/^sealed:/, ''), 'base64url').toString();

for (const kind of databaseKinds) {
  describeAdapterContract(kind, async () => {
    const testDb = await createTestDatabase(kind);
    return {
      adapter: createPostgresAdapter(testDb.db),
      purgeExpired: () => purgeExpired(testDb.db),
      close: () => testDb.close(),
    };
  });

  describe(`postgres adapter on ${kind}`, () => {
    let testDb: TestDatabase;

    beforeAll(async () => {
      testDb = await createTestDatabase(kind);
    });
    afterAll(async () => {
      await testDb?.close();
    });

    it('keeps clients in the clients table with the secret sealed, and opens it on find', async () => {
      const adapter = createPostgresAdapter(testDb.db, { sealClientSecret: seal, openClientSecret: open });
      const clientId = `client-${newId()}`;
      const metadata = { client_id: clientId, client_secret: 'plain-secret', redirect_uris: ['https://rp.test/cb'] };
      await adapter('Client').upsert(clientId, metadata);

      const stored = await createClientQueries(testDb.db).find(clientId);
      expect(stored?.metadata).toEqual({ ...metadata, client_secret: seal('plain-secret') });
      expect(stored?.createdAt).toBeInstanceOf(Date);
      await expect(adapter('Client').find(clientId)).resolves.toEqual(metadata);
      const listed = await createClientQueries(testDb.db).list();
      expect(listed.map((c) => c.clientId)).toContain(clientId);
    });

    it('stores clients without a secret (public clients) as they are', async () => {
      const adapter = createPostgresAdapter(testDb.db, { sealClientSecret: seal, openClientSecret: open });
      const clientId = `spa-${newId()}`;
      const metadata: AdapterPayload = { client_id: clientId, token_endpoint_auth_method: 'none', redirect_uris: ['https://spa.test/cb'] };
      await adapter('Client').upsert(clientId, metadata);

      await expect(adapter('Client').find(clientId)).resolves.toEqual(metadata);
      await expect(createClientQueries(testDb.db).find(clientId)).resolves.toMatchObject({ metadata });
    });

    it('refuses half a sealing configuration at construction', () => {
      expect(() => createPostgresAdapter(testDb.db, { sealClientSecret: seal })).toThrow(/both sealClientSecret and openClientSecret/);
    });

    it('hides a row whose expiry has passed by the database clock', async () => {
      const adapter = createPostgresAdapter(testDb.db);
      const id = newId();
      await adapter('AccessToken').upsert(id, { jti: id, kind: 'AccessToken' }, 3600);
      await testDb.db.query(`UPDATE oidc_payloads SET expires_at = now() - interval '1 second' WHERE id = $1`, [id]);

      await expect(adapter('AccessToken').find(id)).resolves.toBeUndefined();
    });

    it('purges in batches until no expired row is left', async () => {
      const adapter = createPostgresAdapter(testDb.db);
      await purgeExpired(testDb.db);
      const ids = Array.from({ length: 7 }, newId);
      for (const id of ids) await adapter('AccessToken').upsert(id, { jti: id, kind: 'AccessToken' }, 3600);
      const live = newId();
      await adapter('AccessToken').upsert(live, { jti: live, kind: 'AccessToken' }, 3600);
      await testDb.db.query(`UPDATE oidc_payloads SET expires_at = now() - interval '1 minute' WHERE id = ANY($1)`, [ids]);

      await expect(purgeExpired(testDb.db, { batchSize: 3 })).resolves.toBe(7);
      await expect(adapter('AccessToken').find(live)).resolves.toMatchObject({ jti: live });
      await expect(purgeExpired(testDb.db, { batchSize: 0 })).rejects.toThrow(RangeError);
    });

    it('turns values PostgreSQL cannot store into OAuth errors, not database errors', async () => {
      const adapter = createPostgresAdapter(testDb.db);
      const id = newId();
      await expect(adapter('Interaction').upsert(id, { jti: id, params: { state: 'a\u0000b' } }, 600))
        .rejects.toMatchObject({ error: 'invalid_request', status: 400 });
      await expect(adapter('Interaction').upsert(id, { jti: id, params: { state: 'lone \ud800 surrogate' } }, 600))
        .rejects.toMatchObject({ error: 'invalid_request', status: 400 });
      await expect(adapter('Client').upsert('c', { client_id: 'c', client_name: 'nul\u0000' }))
        .rejects.toMatchObject({ error: 'invalid_client_metadata', status: 400 });
      await expect(adapter('AuthorizationCode').consume('nul\u0000')).rejects.toMatchObject({ error: 'invalid_grant' });
      await expect(adapter('AccessToken').revokeByGrantId('nul\u0000')).resolves.toBeUndefined();
    });

    it('leaves an in-flight interaction alone when its grant is revoked', async () => {
      const adapter = createPostgresAdapter(testDb.db);
      const grantId = newId();
      const interactionId = newId();
      await adapter('Interaction').upsert(interactionId, { jti: interactionId, kind: 'Interaction', grantId }, 600);

      await adapter('RefreshToken').revokeByGrantId(grantId);

      await expect(adapter('Interaction').find(interactionId)).resolves.toMatchObject({ grantId });
    });

    it('is accepted by oidc-provider as its adapter: clients and tokens go through PostgreSQL', async () => {
      // Quiet oidc-provider's development-defaults warnings (dev keys, dev interactions): not under test here.
      const quiet = jest.spyOn(console, 'warn').mockImplementation(() => {});
      const provider = new Provider('http://localhost:3999', {
        adapter: createPostgresAdapter(testDb.db, { sealClientSecret: seal, openClientSecret: open }),
        ttl: { AccessToken: 3600 },
      });
      quiet.mockRestore();
      const clientId = `rp-${newId()}`;
      await createPostgresAdapter(testDb.db, { sealClientSecret: seal, openClientSecret: open })('Client').upsert(clientId, {
        client_id: clientId,
        client_secret: 'rp-secret-of-at-least-32-characters!',
        redirect_uris: ['https://rp.test/cb'],
      });

      const client = await provider.Client.find(clientId);
      expect(client).toMatchObject({ clientId, clientSecret: 'rp-secret-of-at-least-32-characters!' });
      if (!client) throw new Error('client not found');

      const grantId = newId();
      const token = new provider.AccessToken({ accountId: 'account-1', client, grantId, gty: 'authorization_code', scope: 'openid' });
      const value: string = await token.save();
      const found = await provider.AccessToken.find(value);
      expect(found).toMatchObject({ accountId: 'account-1', clientId, grantId });
      expect(found?.exp).toBeGreaterThan(epochNow());

      await provider.AccessToken.revokeByGrantId(grantId);
      await expect(provider.AccessToken.find(value)).resolves.toBeUndefined();
    });
  });
}
