// Password change: the current password is re-checked behind the brute-force guard, the policy applies,
// and one transaction writes the hash, kills reset links, optionally signs out everything else, audits
// and queues the notice with the forgot-password link.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CurrentPasswordIncorrect, TooManyAttempts } from '../../../src/services/account-center/index.js';
import { UnacceptablePassword } from '../../../src/services/accounts/index.js';
import { databaseKinds } from '../../support/databases.js';
import { origin, startServices, type ServiceHarness } from './setup.js';

const OLD = 'correct horse battery staple';
const NEW = 'a brand new passphrase 2026';

describe.each(databaseKinds)('account center: password change (%s)', (kind) => {
  let h: ServiceHarness;
  beforeAll(async () => {
    h = await startServices(kind);
  });
  afterAll(async () => h?.close());

  it('refuses a wrong current password, counts it like a failed login, and changes nothing', async () => {
    const id = await h.account('wrong@example.com');
    const change = h.services.accountCenter.changePassword(id, { currentPassword: 'not it at all', newPassword: NEW, signOutOthers: false }, origin);
    await expect(change).rejects.toThrow(CurrentPasswordIncorrect);
    expect((await h.services.bruteForce.status('wrong@example.com')).failures).toBe(1);
    expect((await h.services.accounts.authenticate('wrong@example.com', OLD)).account?.id).toBe(id);
    expect((await h.services.accountCenter.listActivity(id)).events[0]).toMatchObject({ type: 'reauth.failed', data: { action: 'password-change' } });
    expect(await h.mail('wrong@example.com', 'password-changed')).toBeUndefined();
  });

  it('stops re-checking once the account is throttled, even for the right password', async () => {
    const id = await h.account('guess@example.com');
    const center = h.services.accountCenter;
    let throttled: unknown;
    for (let i = 0; i < 10 && !throttled; i++) {
      const error = await center.changePassword(id, { currentPassword: `guess-${i}`, newPassword: NEW, signOutOthers: false }, origin).catch((e: unknown) => e);
      if (error instanceof TooManyAttempts) throttled = error;
      else expect(error).toBeInstanceOf(CurrentPasswordIncorrect);
    }
    expect(throttled).toBeInstanceOf(TooManyAttempts);
    await expect(center.changePassword(id, { currentPassword: OLD, newPassword: NEW, signOutOthers: false }, origin)).rejects.toThrow(TooManyAttempts);
  });

  it('applies the password policy to the new password', async () => {
    const id = await h.account('policy@example.com');
    const center = h.services.accountCenter;
    for (const weak of ['short', 'password123', 'policy@example.com!!']) {
      await expect(center.changePassword(id, { currentPassword: OLD, newPassword: weak, signOutOthers: false }, origin)).rejects.toThrow(UnacceptablePassword);
    }
    expect((await h.services.accounts.authenticate('policy@example.com', OLD)).account?.id).toBe(id);
  });

  it('changes the password, kills reset links, mails the notice, and keeps other sessions unless asked', async () => {
    const id = await h.account('keep@example.com');
    await h.session(id, 'here');
    await h.session(id, 'elsewhere');
    const reset = await h.database.db.transaction((tx) => h.services.tokens.issue(tx, { purpose: 'reset-password', accountId: id }));
    const result = await h.services.accountCenter.changePassword(id, { currentPassword: OLD, newPassword: NEW, signOutOthers: false, currentSessionUid: 'here' }, origin);
    expect(result.revoked).toBe(0);
    expect((await h.services.accounts.authenticate('keep@example.com', OLD)).account).toBeUndefined();
    expect((await h.services.accounts.authenticate('keep@example.com', NEW)).account?.password_changed_at).toBeInstanceOf(Date);
    expect(await h.services.tokens.peek('reset-password', reset.token)).toBeUndefined();
    expect(await h.mail('keep@example.com', 'password-changed')).toEqual({ name: 'Test Person', resetLink: 'https://id.example.com/forgot-password' });
    expect((await h.rows(id, 'Session')).map((r) => r.uid)).toEqual(['elsewhere', 'here']);
    expect(await h.rows(id, 'RefreshToken')).toHaveLength(2);
    expect((await h.services.accountCenter.listActivity(id)).events[0]).toMatchObject({ type: 'password.changed', data: { signedOutOthers: false, revoked: 0 } });
  });

  it('with "sign out everywhere else" ends every other session and refresh token but the current one', async () => {
    const id = await h.account('everywhere@example.com');
    await h.session(id, 'current');
    await h.session(id, 'laptop');
    await h.session(id, 'phone', { clientId: 'mobile' });
    const { revoked } = await h.services.accountCenter.changePassword(id, { currentPassword: OLD, newPassword: NEW, signOutOthers: true, currentSessionUid: 'current' }, origin);
    expect(revoked).toBe(4); // two sessions, two refresh tokens
    expect((await h.rows(id, 'Session')).map((r) => r.uid)).toEqual(['current']);
    expect((await h.rows(id, 'RefreshToken')).map((r) => r.id)).toEqual(['rt-current']);
  });
});
