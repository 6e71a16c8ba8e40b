// The staff permission matrix (src/services/staff/matrix.ts) as a pure rule: what each role may do, deny by
// default for unknown roles and for no role at all.
import { describe, expect, it } from '@jest/globals';
import { allowedActions, can, STAFF_ACTIONS } from '../../../src/services/staff/matrix.js';

describe('staff permission matrix', () => {
  it('lets a moderator moderate and read, nothing else', () => {
    expect(allowedActions(['moderator'])).toEqual(['moderation.decide', 'accounts.read', 'companies.read', 'audit.read']);
    expect(can(['moderator'], 'accounts.block')).toBe(false);
  });

  it('lets support read, block, provision, link customers and resend mail, but not moderate or suspend', () => {
    expect(allowedActions(['support'])).toEqual(['accounts.read', 'companies.read', 'audit.read', 'accounts.block', 'accounts.provision', 'customers.link', 'mail.resend']);
    expect(can(['support'], 'moderation.decide')).toBe(false);
    expect(can(['support'], 'companies.suspend')).toBe(false);
  });

  it('lets an admin do everything, and combines roles', () => {
    expect(allowedActions(['admin'])).toEqual([...STAFF_ACTIONS]);
    expect(allowedActions(['moderator', 'support'])).toEqual(STAFF_ACTIONS.filter((a) => can(['moderator'], a) || can(['support'], a)));
  });

  it('denies everything to no role and to unknown roles', () => {
    expect(allowedActions([])).toEqual([]);
    expect(allowedActions(['owner', 'root', '__proto__', 'constructor'])).toEqual([]);
  });
});
