// Profile rules: only configured fields are editable by the owner, values are validated with the field
// named, every change is audited with old and new values, support may change any field.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CurrentPasswordIncorrect, FieldNotEditable } from '../../../src/services/account-center/index.js';
import { InvalidInput, NotFound } from '../../../src/services/errors.js';
import { databaseKinds } from '../../support/databases.js';
import { origin, startServices, type ServiceHarness } from './setup.js';

describe.each(databaseKinds)('account center: profile (%s)', (kind) => {
  let h: ServiceHarness;
  beforeAll(async () => {
    h = await startServices(kind, { LATCHKEY_PROFILE_EDITABLE: 'name,given_name,phone_number,address,locale' });
  });
  afterAll(async () => h?.close());

  it('changes editable fields, normalises them, and audits old and new values of the changed fields only', async () => {
    const id = await h.account('pat@example.com');
    const center = h.services.accountCenter;
    const profile = await center.updateProfile(id, {
      name: '  Pat Example ', given_name: 'Pat', phone_number: '+420 601  234 567', locale: 'cs',
      address: { street_address: 'Dlouhá 1\nbyt 3', locality: 'Praha', postal_code: '110 00', country: 'CZ' },
    }, origin);
    expect(profile).toMatchObject({ name: 'Pat Example', given_name: 'Pat', phone_number: '+420 601 234 567', locale: 'cs', phone_number_verified: false });
    expect(profile.address).toEqual({ street_address: 'Dlouhá 1\nbyt 3', locality: 'Praha', postal_code: '110 00', country: 'CZ' });
    const [event] = (await center.listActivity(id)).events;
    expect(event!.type).toBe('profile.updated');
    expect(event!.ip).toBe(origin.ip);
    expect(event!.data).toEqual({
      by: 'user',
      changes: {
        name: { from: 'Test Person', to: 'Pat Example' },
        given_name: { from: null, to: 'Pat' },
        phone_number: { from: null, to: '+420 601 234 567' },
        locale: { from: null, to: 'cs' },
        address: { from: null, to: { street_address: 'Dlouhá 1\nbyt 3', locality: 'Praha', postal_code: '110 00', country: 'CZ' } },
      },
    });
    // Saving the same values again changes nothing and records nothing.
    await center.updateProfile(id, { name: 'Pat Example', locale: 'cs' }, origin);
    expect((await center.listActivity(id)).events).toHaveLength(2); // account.created + one profile.updated
    // An empty value clears the field.
    expect((await center.updateProfile(id, { given_name: '', address: {} }, origin))).toMatchObject({ given_name: null, address: null });
  });

  it('refuses a change to a field that only support may change, and changes nothing', async () => {
    const id = await h.account('surname@example.com');
    const center = h.services.accountCenter;
    await expect(center.updateProfile(id, { name: 'New Name', family_name: 'Novák' }, origin)).rejects.toThrow(FieldNotEditable);
    await expect(center.updateProfile(id, { family_name: 'Novák' }, origin)).rejects.toMatchObject({ field: 'family_name', status: 403 });
    const profile = await center.getProfile(id);
    expect(profile).toMatchObject({ name: 'Test Person', family_name: null });
    expect(profile.editable_fields).not.toContain('family_name');
    // Sending the unchanged value of a read-only field (a client sending the whole profile) is fine.
    await expect(center.updateProfile(id, { family_name: null, name: 'Other' }, origin)).resolves.toMatchObject({ name: 'Other' });
  });

  it('lets support change any field, audited as support', async () => {
    const id = await h.account('support-edit@example.com');
    const profile = await h.services.accountCenter.updateProfileAsSupport(id, { family_name: 'Nováková' }, { userAgent: 'latchkey-cli' });
    expect(profile.family_name).toBe('Nováková');
    const [event] = (await h.services.accountCenter.listActivity(id)).events;
    expect(event!.data).toEqual({ by: 'support', changes: { family_name: { from: null, to: 'Nováková' } } });
  });

  it.each([
    [{ phone_number: 'call me maybe' }, 'phone_number'],
    [{ phone_number: '12' }, 'phone_number'],
    [{ locale: 'de' }, 'locale'],
    [{ name: 'x'.repeat(201) }, 'name'],
    [{ name: 'two\nlines' }, 'name'],
    [{ given_name: 'bell\u0007' }, 'given_name'],
    [{ address: { planet: 'Mars' } }, 'address'],
    [{ address: { locality: 'y'.repeat(101) } }, 'locality'],
    [{ email: 'x@example.com' }, 'email'],
  ])('refuses invalid input %j naming the field', async (changes, field) => {
    const id = await h.account(`invalid-${field}-${Math.random().toString(36).slice(2)}@example.com`);
    const error = await h.services.accountCenter.updateProfile(id, changes as never, origin).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInput);
    expect(error).not.toBeInstanceOf(CurrentPasswordIncorrect);
    expect((error as InvalidInput).field).toBe(field);
  });

  it('has no profile for a blocked or unknown account', async () => {
    const id = await h.account('blocked-profile@example.com');
    await h.services.accounts.block(id);
    await expect(h.services.accountCenter.getProfile(id)).rejects.toThrow(NotFound);
    await expect(h.services.accountCenter.updateProfile(id, { name: 'x' }, origin)).rejects.toThrow(NotFound);
    await expect(h.services.accountCenter.getProfile('00000000-0000-4000-8000-000000000000')).rejects.toThrow(NotFound);
  });
});
