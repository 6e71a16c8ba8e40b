// The contract every oidc-provider storage backend of Latchkey must pass (upsert, find, findByUid,
// findByUserCode, consume, destroy, revokeByGrantId, plus purging expired rows).
import { randomUUID } from 'node:crypto';
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import type { Adapter, AdapterFactory, AdapterPayload } from '../../adapters/postgres.js';

/** A backend under test: its adapter factory, its purge, and how to release it. */
export interface AdapterContractSubject {
  adapter: AdapterFactory;
  /** Deletes expired rows; returns how many. */
  purgeExpired(): Promise<number>;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const epochNow = () => Math.floor(Date.now() / 1000);
const newId = () => randomUUID().replaceAll('-', '');

/** Rows given expiresIn = 1 are expired after this long (the margin covers timer granularity). */
const PAST_ONE_SECOND_MS = 1_200;

/** What oidc-provider answers when a single-use grant is used twice. */
const invalidGrant = { name: 'InvalidGrant', error: 'invalid_grant', status: 400 };

function tokenPayload(kind: string, jti: string, extra: Record<string, unknown> = {}) {
  return {
    kind,
    jti,
    iat: epochNow(),
    exp: epochNow() + 3600,
    accountId: 'account-1',
    clientId: 'client-1',
    scope: 'openid email',
    ...extra,
  };
}

/** Registers the contract's tests for the backend that setup creates (once, for the whole suite). */
export function describeAdapterContract(label: string, setup: () => Promise<AdapterContractSubject>): void {
  describe(`oidc-provider adapter contract: ${label}`, () => {
    let subject: AdapterContractSubject;
    const adapter = (model: string): Adapter => subject.adapter(model);

    beforeAll(async () => {
      subject = await setup();
    });
    afterAll(async () => {
      await subject?.close();
    });

    it('finds what was upserted, unchanged', async () => {
      const id = newId();
      const payload = tokenPayload('AccessToken', id, {
        grantId: newId(),
        claims: { id_token: { email: null }, userinfo: { name: { essential: true } } },
        resource: ['https://api.example.test'],
        extra: {},
      });
      await adapter('AccessToken').upsert(id, payload, 3600);

      const found = await adapter('AccessToken').find(id);
      expect(found).toEqual(payload);
      expect(found).not.toHaveProperty('consumed');
    });

    it('answers undefined for an id it never stored, including ids no backend can store', async () => {
      await expect(adapter('AccessToken').find(newId())).resolves.toBeUndefined();
      await expect(adapter('AccessToken').find('')).resolves.toBeUndefined();
      await expect(adapter('AccessToken').find('nul\u0000byte')).resolves.toBeUndefined();
      await expect(adapter('Client').find('nul\u0000byte')).resolves.toBeUndefined();
    });

    it('keeps models apart: the same id in two models is two entries', async () => {
      const id = newId();
      await adapter('AccessToken').upsert(id, tokenPayload('AccessToken', id), 3600);
      await expect(adapter('RefreshToken').find(id)).resolves.toBeUndefined();
      await expect(adapter('AccessToken').find(id)).resolves.toMatchObject({ kind: 'AccessToken' });
    });

    it('replaces the payload on a second upsert of the same id', async () => {
      const id = newId();
      await adapter('Session').upsert(id, { jti: id, uid: newId(), kind: 'Session', accountId: 'a' }, 3600);
      const second = { jti: id, uid: newId(), kind: 'Session', accountId: 'b', loginTs: epochNow() };
      await adapter('Session').upsert(id, second, 3600);

      await expect(adapter('Session').find(id)).resolves.toEqual(second);
    });

    it('never returns an expired entry, by id, uid or user code, and keeps unexpired ones', async () => {
      const [tokenId, sessionId, deviceId, liveId, foreverId] = [newId(), newId(), newId(), newId(), newId()];
      const uid = newId();
      const userCode = `EXP-${newId().slice(0, 8)}`;
      await adapter('AccessToken').upsert(tokenId, tokenPayload('AccessToken', tokenId), 1);
      await adapter('Session').upsert(sessionId, { jti: sessionId, uid, kind: 'Session' }, 1);
      await adapter('DeviceCode').upsert(deviceId, tokenPayload('DeviceCode', deviceId, { userCode }), 1);
      await adapter('AccessToken').upsert(liveId, tokenPayload('AccessToken', liveId), 3600);
      await adapter('Grant').upsert(foreverId, { jti: foreverId, kind: 'Grant' }, undefined);

      await sleep(PAST_ONE_SECOND_MS);

      await expect(adapter('AccessToken').find(tokenId)).resolves.toBeUndefined();
      await expect(adapter('Session').find(sessionId)).resolves.toBeUndefined();
      await expect(adapter('Session').findByUid(uid)).resolves.toBeUndefined();
      await expect(adapter('DeviceCode').findByUserCode(userCode)).resolves.toBeUndefined();
      await expect(adapter('AccessToken').find(liveId)).resolves.toMatchObject({ jti: liveId });
      await expect(adapter('Grant').find(foreverId)).resolves.toMatchObject({ jti: foreverId });
    });

    it('finds a session by its uid', async () => {
      const id = newId();
      const uid = newId();
      const session = { jti: id, uid, kind: 'Session', accountId: 'account-1', exp: epochNow() + 3600 };
      await adapter('Session').upsert(id, session, 3600);

      await expect(adapter('Session').findByUid(uid)).resolves.toEqual(session);
      await expect(adapter('Session').findByUid(newId())).resolves.toBeUndefined();
      await expect(adapter('Interaction').findByUid(uid)).resolves.toBeUndefined();
    });

    it('finds a device code by its user code', async () => {
      const id = newId();
      const userCode = `ABCD-${newId().slice(0, 4).toUpperCase()}`;
      const payload = tokenPayload('DeviceCode', id, { userCode, params: { client_id: 'client-1', scope: 'openid' } });
      await adapter('DeviceCode').upsert(id, payload, 600);

      await expect(adapter('DeviceCode').findByUserCode(userCode)).resolves.toEqual(payload);
      await expect(adapter('DeviceCode').findByUserCode('WXYZ-0000')).resolves.toBeUndefined();
    });

    it('marks a consumed entry with the epoch second it was consumed at', async () => {
      const id = newId();
      const payload = tokenPayload('AuthorizationCode', id, { grantId: newId(), redirectUri: 'https://rp.test/cb' });
      await adapter('AuthorizationCode').upsert(id, payload, 600);
      await expect(adapter('AuthorizationCode').find(id)).resolves.not.toHaveProperty('consumed');

      const before = epochNow();
      await adapter('AuthorizationCode').consume(id);
      const after = epochNow();

      const found = await adapter('AuthorizationCode').find(id);
      expect(found).toMatchObject(payload);
      expect(found?.consumed).toEqual(expect.any(Number));
      expect(found?.consumed).toBeGreaterThanOrEqual(before - 1);
      expect(found?.consumed).toBeLessThanOrEqual(after + 1);
    });

    it('lets exactly one of 20 parallel consumes of a code win; the others get invalid_grant', async () => {
      // Several rounds: the first may meet a cold connection pool that serialises it by accident.
      for (let round = 0; round < 5; round += 1) {
        const id = newId();
        await adapter('AuthorizationCode').upsert(id, tokenPayload('AuthorizationCode', id, { grantId: newId() }), 600);

        const results = await Promise.allSettled(Array.from({ length: 20 }, () => adapter('AuthorizationCode').consume(id)));

        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const rejections = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        expect(rejections).toHaveLength(19);
        for (const r of rejections) expect(r.reason).toMatchObject(invalidGrant);
      }
    });

    it('rejects a second consume of a rotated refresh token with invalid_grant', async () => {
      const id = newId();
      await adapter('RefreshToken').upsert(id, tokenPayload('RefreshToken', id, { grantId: newId() }), 3600);
      await adapter('RefreshToken').consume(id);

      await expect(adapter('RefreshToken').consume(id)).rejects.toMatchObject(invalidGrant);
    });

    it('rejects consuming an entry that no longer exists with invalid_grant', async () => {
      await expect(adapter('AuthorizationCode').consume(newId())).rejects.toMatchObject(invalidGrant);
    });

    it('keeps a consumed entry consumed when it is saved again', async () => {
      const id = newId();
      await adapter('RefreshToken').upsert(id, tokenPayload('RefreshToken', id), 3600);
      await adapter('RefreshToken').consume(id);
      const consumed = await adapter('RefreshToken').find(id);

      const { consumed: _dropped, ...withoutConsumed } = consumed ?? {};
      await adapter('RefreshToken').upsert(id, withoutConsumed, 3600);

      await expect(adapter('RefreshToken').find(id)).resolves.toMatchObject({ consumed: consumed?.consumed });
      await expect(adapter('RefreshToken').consume(id)).rejects.toMatchObject(invalidGrant);
    });

    it('destroys an entry, and destroying an unknown id is harmless', async () => {
      const id = newId();
      await adapter('Interaction').upsert(id, { jti: id, kind: 'Interaction', params: { client_id: 'c' } }, 600);
      await adapter('Interaction').destroy(id);

      await expect(adapter('Interaction').find(id)).resolves.toBeUndefined();
      await expect(adapter('Interaction').destroy(newId())).resolves.toBeUndefined();
    });

    it('revokes a grant: codes, access and refresh tokens of every model go, other grants stay', async () => {
      const grantId = newId();
      const otherGrantId = newId();
      const revoked = [
        ['AccessToken', newId()],
        ['RefreshToken', newId()],
        ['AuthorizationCode', newId()],
        ['AccessToken', newId()],
      ] as const;
      for (const [model, id] of revoked) await adapter(model).upsert(id, tokenPayload(model, id, { grantId }), 3600);
      const keptId = newId();
      await adapter('RefreshToken').upsert(keptId, tokenPayload('RefreshToken', keptId, { grantId: otherGrantId }), 3600);
      await adapter('Grant').upsert(grantId, { jti: grantId, kind: 'Grant', accountId: 'account-1' }, 3600);

      // oidc-provider calls it on some model's adapter; the whole grant must go regardless.
      await adapter('AccessToken').revokeByGrantId(grantId);

      for (const [model, id] of revoked) await expect(adapter(model).find(id)).resolves.toBeUndefined();
      await expect(adapter('RefreshToken').find(keptId)).resolves.toMatchObject({ grantId: otherGrantId });
      // The Grant itself is oidc-provider's to destroy (revokeGrantPolicy), not revokeByGrantId's.
      await expect(adapter('Grant').find(grantId)).resolves.toMatchObject({ jti: grantId });
    });

    it('revokes a grant from any model adapter, in parallel calls, without error', async () => {
      const grantId = newId();
      const ids = [newId(), newId(), newId()];
      await adapter('AccessToken').upsert(ids[0]!, tokenPayload('AccessToken', ids[0]!, { grantId }), 3600);
      await adapter('RefreshToken').upsert(ids[1]!, tokenPayload('RefreshToken', ids[1]!, { grantId }), 3600);
      await adapter('DeviceCode').upsert(ids[2]!, tokenPayload('DeviceCode', ids[2]!, { grantId, userCode: newId() }), 3600);

      await Promise.all(['AccessToken', 'RefreshToken', 'AuthorizationCode', 'DeviceCode'].map((m) => adapter(m).revokeByGrantId(grantId)));

      await expect(adapter('AccessToken').find(ids[0]!)).resolves.toBeUndefined();
      await expect(adapter('RefreshToken').find(ids[1]!)).resolves.toBeUndefined();
      await expect(adapter('DeviceCode').find(ids[2]!)).resolves.toBeUndefined();
    });

    it('stores clients: roundtrip, overwrite, destroy, and apart from other models', async () => {
      const clientId = `client-${newId()}`;
      const metadata: AdapterPayload = {
        client_id: clientId,
        client_secret: 'a-secret-only-the-client-knows',
        client_name: 'E-shop',
        redirect_uris: ['https://shop.example.test/callback'],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      };
      await adapter('Client').upsert(clientId, metadata);
      await expect(adapter('Client').find(clientId)).resolves.toEqual(metadata);
      await expect(adapter('AccessToken').find(clientId)).resolves.toBeUndefined();

      const renamed = { ...metadata, client_name: 'E-shop (new)', client_secret: 'a-rotated-secret' };
      await adapter('Client').upsert(clientId, renamed);
      await expect(adapter('Client').find(clientId)).resolves.toEqual(renamed);

      await adapter('Client').destroy(clientId);
      await expect(adapter('Client').find(clientId)).resolves.toBeUndefined();
    });

    it('purges expired entries and keeps live ones', async () => {
      await subject.purgeExpired(); // leftovers of earlier tests
      const [expiredA, expiredB, live, forever] = [newId(), newId(), newId(), newId()];
      await adapter('AccessToken').upsert(expiredA, tokenPayload('AccessToken', expiredA), 1);
      await adapter('Session').upsert(expiredB, { jti: expiredB, uid: newId(), kind: 'Session' }, 1);
      await adapter('AccessToken').upsert(live, tokenPayload('AccessToken', live), 3600);
      await adapter('Grant').upsert(forever, { jti: forever, kind: 'Grant' }, undefined);

      await sleep(PAST_ONE_SECOND_MS);

      await expect(subject.purgeExpired()).resolves.toBe(2);
      await expect(subject.purgeExpired()).resolves.toBe(0);
      await expect(adapter('AccessToken').find(live)).resolves.toMatchObject({ jti: live });
      await expect(adapter('Grant').find(forever)).resolves.toMatchObject({ jti: forever });
    });
  });
}
