// The pure rules of company permissions (issue 5, item 5) and the catalogue's configuration: built-in
// roles, the union over roles, and the anti-escalation checks; LATCHKEY_COMPANY_PERMISSIONS validated.
import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from '../../../src/config/index.js';
import { permissionsOfMember, permissionsOfRole, refuseRemoval, refuseRoleChange } from '../../../src/services/companies/permissions.js';

const catalogue = ['orders', 'invoices', 'services', 'support'];
const custom = new Map([['desk', { key: 'desk', name: 'Desk', permissions: ['orders', 'roles:manage', 'gone'] }]]);

describe('company permissions', () => {
  it('computes role and member permissions, dropping what the catalogue no longer has', () => {
    expect(permissionsOfRole('accountant', catalogue, custom)).toEqual(['invoices']);
    expect(permissionsOfRole('accountant', ['orders'], custom)).toEqual([]);
    expect(permissionsOfRole('member', catalogue, custom)).toEqual([]);
    expect(permissionsOfRole('contact', catalogue, custom, ['support', 'members:manage'])).toEqual(['support']);
    expect(permissionsOfRole('desk', catalogue, custom)).toEqual(['orders', 'roles:manage']);
    expect(permissionsOfRole('unknown', catalogue, custom)).toEqual([]);
    expect(permissionsOfMember({ roles: ['accountant', 'desk', 'contact'], contactPermissions: ['support'] }, catalogue, custom))
      .toEqual(['orders', 'invoices', 'support', 'roles:manage']);
  });

  it('refuses granting what one does not hold, and the owner role to non-owners', () => {
    const admin = { roles: ['admin'], permissions: [...catalogue, 'members:manage', 'roles:manage', 'company:manage'] };
    const desk = { roles: ['desk'], permissions: ['orders', 'roles:manage'] };
    expect(refuseRoleChange(admin, 'owner', [])).toMatch(/owner/);
    expect(refuseRoleChange({ ...admin, roles: ['owner'] }, 'owner', [])).toBeUndefined();
    expect(refuseRoleChange(admin, 'accountant', ['invoices'])).toBeUndefined();
    expect(refuseRoleChange(desk, 'accountant', ['invoices'])).toMatch(/invoices/);
    expect(refuseRoleChange(desk, 'desk', ['orders', 'roles:manage'])).toBeUndefined();
    expect(refuseRoleChange({ roles: [], permissions: ['orders'] }, 'member', [])).toMatch(/roles:manage/);
    expect(refuseRemoval(admin, { roles: ['owner'], permissions: admin.permissions })).toMatch(/owner/);
    expect(refuseRemoval(desk, { roles: ['member'], permissions: [] })).toMatch(/members:manage/);
    expect(refuseRemoval({ roles: [], permissions: ['members:manage'] }, { roles: ['accountant'], permissions: ['invoices'] })).toMatch(/invoices/);
  });

  it('reads the catalogue from LATCHKEY_COMPANY_PERMISSIONS and refuses a bad one naming the variable', () => {
    expect(loadConfig({}).companies.permissions).toEqual(catalogue);
    expect(loadConfig({ LATCHKEY_COMPANY_PERMISSIONS: ' quotes,returns ' }).companies.permissions).toEqual(['quotes', 'returns']);
    for (const bad of ['Orders', 'orders,,invoices', 'members:manage', 'orders;invoices']) {
      expect(() => loadConfig({ LATCHKEY_COMPANY_PERMISSIONS: bad })).toThrow(ConfigError);
      expect(() => loadConfig({ LATCHKEY_COMPANY_PERMISSIONS: bad })).toThrow(/LATCHKEY_COMPANY_PERMISSIONS/);
    }
  });
});
