// The single-use mailed secrets (src/services/account-tokens) on the embedded and the server database:
// issue, peek without using, consume exactly once even under a race, expiry, tampered tokens, replacement,
// revocation, and 6-digit codes that die after MAX_CODE_FAILURES wrong tries.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createAccountQueries } from '../../src/queries/accounts.js';
import { createAccountTokens, MAX_CODE_FAILURES, TOKEN_LIFETIME_SECONDS, type AccountTokens } from '../../src/services/account-tokens/index.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../support/databases.js';

describe.each(databaseKinds)('account tokens on %s', (kind) => {
  let database: TestDatabase;
  let tokens: AccountTokens;
  let serial = 0;

  async function newAccount(): Promise<string> {
    const row = await createAccountQueries(database.db).insert({ email: `token-${++serial}@example.com`, emailVerified: false, passwordHash: null });
    return row!.id;
  }

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    tokens = createAccountTokens(database.db);
  });
  afterAll(() => database?.close());

  it('issues a 256-bit token that can be looked at without using it, with its data and lifetime', async () => {
    const accountId = await newAccount();
    const issued = await tokens.issue(database.db, { purpose: 'reset-password', accountId, data: { interaction: 'abc' } });
    expect(issued.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(issued.code).toBeUndefined();
    const seconds = (issued.expiresAt.getTime() - Date.now()) / 1000;
    expect(seconds).toBeGreaterThan(TOKEN_LIFETIME_SECONDS['reset-password'] - 60);
    expect(seconds).toBeLessThanOrEqual(TOKEN_LIFETIME_SECONDS['reset-password'] + 5);
    const peeked = await tokens.peek('reset-password', issued.token);
    expect(peeked).toMatchObject({ accountId, purpose: 'reset-password', data: { interaction: 'abc' } });
    expect(await tokens.peek('reset-password', issued.token)).toBeDefined();
    // Only the hash is stored.
    const { rows } = await database.db.query<{ token_hash: Uint8Array }>('SELECT token_hash FROM account_tokens WHERE account_id = $1', [accountId]);
    expect(Buffer.from(rows[0]!.token_hash).toString('base64url')).not.toBe(issued.token);
  });

  it('lets exactly one of many concurrent consumers use a token', async () => {
    const accountId = await newAccount();
    const { token } = await tokens.issue(database.db, { purpose: 'invitation', accountId });
    const results = await Promise.all(Array.from({ length: 10 }, () => tokens.consume('invitation', token)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await tokens.peek('invitation', token)).toBeUndefined();
    expect(await tokens.consume('invitation', token)).toBeUndefined();
  });

  it('refuses an expired token, a tampered token and a token of another purpose', async () => {
    const accountId = await newAccount();
    const expired = await tokens.issue(database.db, { purpose: 'verify-email', accountId, ttlSeconds: -1 });
    expect(await tokens.peek('verify-email', expired.token)).toBeUndefined();
    expect(await tokens.consume('verify-email', expired.token)).toBeUndefined();

    const live = await tokens.issue(database.db, { purpose: 'reset-password', accountId });
    const flipped = `${live.token.slice(0, -1)}${live.token.endsWith('A') ? 'B' : 'A'}`;
    for (const bad of [flipped, `${live.token}x`, live.token.slice(1), '', "'; DROP TABLE accounts; --"]) {
      expect(await tokens.peek('reset-password', bad)).toBeUndefined();
      expect(await tokens.consume('reset-password', bad)).toBeUndefined();
    }
    expect(await tokens.consume('invitation', live.token)).toBeUndefined();
    expect(await tokens.consume('reset-password', live.token)).toBeDefined();
  });

  it('replaces the live token of the same purpose on a new issue, and revoke() kills the live ones', async () => {
    const accountId = await newAccount();
    const first = await tokens.issue(database.db, { purpose: 'reset-password', accountId });
    const second = await tokens.issue(database.db, { purpose: 'reset-password', accountId });
    expect(await tokens.peek('reset-password', first.token)).toBeUndefined();
    expect(await tokens.peek('reset-password', second.token)).toBeDefined();
    const kept = await tokens.issue(database.db, { purpose: 'invitation', accountId });
    expect(await tokens.revoke(database.db, accountId, ['reset-password'])).toBe(1);
    expect(await tokens.peek('reset-password', second.token)).toBeUndefined();
    expect(await tokens.peek('invitation', kept.token)).toBeDefined();
  });

  it('accepts the mailed 6-digit code once, and uses up the link with it', async () => {
    const accountId = await newAccount();
    const issued = await tokens.issue(database.db, { purpose: 'verify-email', accountId, withCode: true });
    expect(issued.code).toMatch(/^\d{6}$/);
    const redeemed = await database.db.transaction((tx) => tokens.consumeCode(tx, 'verify-email', accountId, issued.code!));
    expect(redeemed?.accountId).toBe(accountId);
    expect(await database.db.transaction((tx) => tokens.consumeCode(tx, 'verify-email', accountId, issued.code!))).toBeUndefined();
    expect(await tokens.peek('verify-email', issued.token)).toBeUndefined();
  });

  it(`kills the code (and its link) after ${MAX_CODE_FAILURES} wrong tries, even if the right one comes next`, async () => {
    const accountId = await newAccount();
    const issued = await tokens.issue(database.db, { purpose: 'verify-email', accountId, withCode: true });
    const wrong = issued.code === '000000' ? '111111' : '000000';
    for (let i = 0; i < MAX_CODE_FAILURES; i++) {
      expect(await database.db.transaction((tx) => tokens.consumeCode(tx, 'verify-email', accountId, i % 2 ? wrong : 'abc'))).toBeUndefined();
    }
    expect(await database.db.transaction((tx) => tokens.consumeCode(tx, 'verify-email', accountId, issued.code!))).toBeUndefined();
    expect(await tokens.peek('verify-email', issued.token)).toBeUndefined();
  });

  it('lets only one of concurrent right codes through', async () => {
    const accountId = await newAccount();
    const issued = await tokens.issue(database.db, { purpose: 'verify-email', accountId, withCode: true });
    const results = await Promise.all(Array.from({ length: 5 }, () => database.db.transaction((tx) => tokens.consumeCode(tx, 'verify-email', accountId, issued.code!))));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('does not accept a code for another account', async () => {
    const owner = await newAccount();
    const other = await newAccount();
    const issued = await tokens.issue(database.db, { purpose: 'verify-email', accountId: owner, withCode: true });
    expect(await database.db.transaction((tx) => tokens.consumeCode(tx, 'verify-email', other, issued.code!))).toBeUndefined();
    expect(await tokens.peek('verify-email', issued.token)).toBeDefined();
  });
});
