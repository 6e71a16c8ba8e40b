// Email change: verification to the new address, notice with "not me" to the old one; the change applies
// only if the address is still free when verified; "not me" cancels or reverts and locks the account;
// a staff-approval mode holds verified changes; a new request supersedes an open one.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CurrentPasswordIncorrect, EmailUnavailable } from '../../../src/services/account-center/index.js';
import { InvalidInput } from '../../../src/services/errors.js';
import { databaseKinds } from '../../support/databases.js';
import { origin, startServices, tokenOf, type ServiceHarness } from './setup.js';

const PASSWORD = 'correct horse battery staple';

describe.each(databaseKinds)('account center: email change (%s)', (kind) => {
  let h: ServiceHarness;
  let approval: ServiceHarness;
  beforeAll(async () => {
    h = await startServices(kind);
    approval = await startServices(kind, { LATCHKEY_EMAIL_CHANGE_APPROVAL: 'true' });
  });
  afterAll(async () => {
    await h?.close();
    await approval?.close();
  });

  async function request(harness: ServiceHarness, id: string, newEmail: string) {
    await harness.services.accountCenter.requestEmailChange(id, { newEmail, currentPassword: PASSWORD }, origin);
    const verify = await harness.mail(newEmail.trim().toLowerCase(), 'email-change-verify');
    return tokenOf(verify!.link);
  }

  it('mails the new address a verification link and the old one a notice; verifying applies the change', async () => {
    const id = await h.account('old@example.com');
    const token = await request(h, id, '  New@Example.com ');
    expect(await h.mail('new@example.com', 'email-change-verify')).toMatchObject({ newEmail: 'new@example.com', link: expect.stringMatching(/^https:\/\/id\.example\.com\/email-change\/verify\?token=/) });
    expect(await h.mail('old@example.com', 'email-change-notice')).toMatchObject({ newEmail: 'new@example.com', notMeLink: expect.stringMatching(/^https:\/\/id\.example\.com\/email-change\/not-me\?token=/) });
    expect(await h.services.accountCenter.openEmailChange(id)).toMatchObject({ newEmail: 'new@example.com', status: 'awaiting-verification' });
    // Until verified nothing changes.
    expect((await h.services.accountCenter.getProfile(id)).email).toBe('old@example.com');
    expect(await h.services.accountCenter.describeEmailChangeLink('verify', token)).toEqual({ newEmail: 'new@example.com' });

    expect(await h.services.accountCenter.confirmEmailChange(token, origin)).toEqual({ result: 'applied', newEmail: 'new@example.com' });
    expect(await h.services.accountCenter.getProfile(id)).toMatchObject({ email: 'new@example.com', email_verified: true });
    expect((await h.services.accounts.authenticate('new@example.com', PASSWORD)).account?.id).toBe(id);
    expect((await h.services.accountCenter.listEmailChanges(id))[0]).toMatchObject({ status: 'applied', verifiedAt: expect.any(Date) });
    // The link is single-use.
    expect(await h.services.accountCenter.confirmEmailChange(token, origin)).toEqual({ result: 'invalid' });
    expect(await h.services.accountCenter.describeEmailChangeLink('verify', token)).toBeUndefined();
  });

  it('refuses a wrong current password, an invalid address, the current address and a taken one without saying whose', async () => {
    const id = await h.account('asker@example.com');
    await h.account('taken@example.com');
    const center = h.services.accountCenter;
    await expect(center.requestEmailChange(id, { newEmail: 'free@example.com', currentPassword: 'nope nope nope' }, origin)).rejects.toThrow(CurrentPasswordIncorrect);
    await expect(center.requestEmailChange(id, { newEmail: 'not an address', currentPassword: PASSWORD }, origin)).rejects.toMatchObject({ field: 'new_email' });
    await expect(center.requestEmailChange(id, { newEmail: 'ASKER@example.com', currentPassword: PASSWORD }, origin)).rejects.toThrow(InvalidInput);
    const taken = await center.requestEmailChange(id, { newEmail: 'Taken@Example.com', currentPassword: PASSWORD }, origin).catch((e: unknown) => e);
    expect(taken).toBeInstanceOf(EmailUnavailable);
    expect((taken as Error).message).not.toContain('taken@example.com');
    expect(await center.openEmailChange(id)).toBeUndefined();
    expect(await h.mail('taken@example.com', 'email-change-verify')).toBeUndefined();
  });

  it('does not apply a change whose address was taken between request and verification', async () => {
    const id = await h.account('slow@example.com');
    const token = await request(h, id, 'contested@example.com');
    await h.account('contested@example.com');
    expect(await h.services.accountCenter.confirmEmailChange(token, origin)).toEqual({ result: 'address-taken', newEmail: 'contested@example.com' });
    expect((await h.services.accountCenter.getProfile(id)).email).toBe('slow@example.com');
    expect((await h.services.accountCenter.listEmailChanges(id))[0]).toMatchObject({ status: 'cancelled' });
  });

  it('supersedes an open request: only the newest link works, every notice keeps its "not me" link', async () => {
    const id = await h.account('twice@example.com');
    const first = await request(h, id, 'first@example.com');
    const firstNotMe = tokenOf((await h.mail('twice@example.com', 'email-change-notice'))!.notMeLink);
    const second = await request(h, id, 'second@example.com');
    expect(await h.services.accountCenter.confirmEmailChange(first, origin)).toEqual({ result: 'invalid' });
    expect((await h.services.accountCenter.listEmailChanges(id)).map((c) => c.status)).toEqual(['awaiting-verification', 'superseded']);
    expect(await h.services.accountCenter.describeEmailChangeLink('not-me', firstNotMe)).toEqual({ newEmail: 'first@example.com' });
    expect(await h.services.accountCenter.confirmEmailChange(second, origin)).toMatchObject({ result: 'applied' });
  });

  it('refuses tampered and expired links', async () => {
    const id = await h.account('tamper@example.com');
    const token = await request(h, id, 'tampered-new@example.com');
    const tampered = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    expect(await h.services.accountCenter.confirmEmailChange(tampered, origin)).toEqual({ result: 'invalid' });
    expect(await h.services.accountCenter.confirmEmailChange('', origin)).toEqual({ result: 'invalid' });
    await h.database.db.query(`UPDATE account_tokens SET expires_at = now() - interval '1 second' WHERE account_id = $1`, [id]);
    expect(await h.services.accountCenter.describeEmailChangeLink('verify', token)).toBeUndefined();
    expect(await h.services.accountCenter.confirmEmailChange(token, origin)).toEqual({ result: 'invalid' });
    expect((await h.services.accountCenter.getProfile(id)).email).toBe('tamper@example.com');
  });

  it('"not me" cancels the open change, locks the account and ends every session and token', async () => {
    const id = await h.account('victim@example.com');
    await h.session(id, 'attacker');
    const verify = await request(h, id, 'attacker@example.com');
    const notMe = tokenOf((await h.mail('victim@example.com', 'email-change-notice'))!.notMeLink);
    expect(await h.services.accountCenter.reportNotMe(notMe, origin)).toEqual({ result: 'locked', reverted: false });
    expect((await h.services.accounts.findById(id))).toMatchObject({ status: 'locked', locked_at: expect.any(Date), email: 'victim@example.com' });
    expect(await h.rows(id, 'Session')).toEqual([]);
    expect(await h.rows(id, 'RefreshToken')).toEqual([]);
    expect((await h.services.accounts.authenticate('victim@example.com', PASSWORD)).account).toBeUndefined();
    expect(await h.services.accountCenter.confirmEmailChange(verify, origin)).toEqual({ result: 'invalid' });
    expect(await h.services.accountCenter.reportNotMe(notMe, origin)).toEqual({ result: 'invalid' });
  });

  it('"not me" after the change was applied gives the old address back', async () => {
    const id = await h.account('owner@example.com');
    const verify = await request(h, id, 'thief@example.com');
    const notMe = tokenOf((await h.mail('owner@example.com', 'email-change-notice'))!.notMeLink);
    await h.services.accountCenter.confirmEmailChange(verify, origin);
    expect(await h.services.accountCenter.reportNotMe(notMe, origin)).toEqual({ result: 'locked', reverted: true });
    expect(await h.services.accounts.findById(id)).toMatchObject({ email: 'owner@example.com', status: 'locked' });
  });

  it('with staff approval holds the verified change until support approves it (or rejects it)', async () => {
    const center = approval.services.accountCenter;
    const id = await approval.account('careful@example.com');
    const token = await request(approval, id, 'approved@example.com');
    expect(await center.confirmEmailChange(token, origin)).toEqual({ result: 'awaiting-approval', newEmail: 'approved@example.com' });
    expect((await center.getProfile(id)).email).toBe('careful@example.com');
    const [pending] = await center.listAllEmailChanges({ pendingOnly: true });
    expect(pending).toMatchObject({ account_id: id, status: 'awaiting-approval', new_email: 'approved@example.com' });
    const applied = await center.decideEmailChange(pending!.id, { approve: true, by: 'support-cli' }, origin);
    expect(applied).toMatchObject({ status: 'applied', decided_by: 'support-cli' });
    expect((await center.getProfile(id)).email).toBe('approved@example.com');
    await expect(center.decideEmailChange(pending!.id, { approve: false, by: 'support-cli' }, origin)).rejects.toThrow(InvalidInput);

    const other = await approval.account('refused@example.com');
    const refusedToken = await request(approval, other, 'wanted@example.com');
    await center.confirmEmailChange(refusedToken, origin);
    const [open] = await center.listAllEmailChanges({ pendingOnly: true });
    expect(await center.decideEmailChange(open!.id, { approve: false, by: 'support-cli', reason: 'no signed request' }, origin)).toMatchObject({ status: 'rejected', reason: 'no signed request' });
    expect((await center.getProfile(other)).email).toBe('refused@example.com');
  });

  it('with staff approval does not apply an approved change whose address was taken meanwhile', async () => {
    const center = approval.services.accountCenter;
    const id = await approval.account('waiting@example.com');
    await center.confirmEmailChange(await request(approval, id, 'grabbed@example.com'), origin);
    await approval.account('grabbed@example.com');
    const pending = (await center.listAllEmailChanges({ pendingOnly: true })).find((c) => c.account_id === id)!;
    expect(await center.decideEmailChange(pending.id, { approve: true, by: 'support-cli' }, origin)).toMatchObject({ status: 'rejected', reason: 'address-taken' });
    expect((await center.getProfile(id)).email).toBe('waiting@example.com');
  });
});
