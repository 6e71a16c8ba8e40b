// Configuration is read once and checked: values land in the right settings, bad ones name the variable.
import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from '../../src/config/index.js';

describe('loadConfig', () => {
  it('has Keycloak-like brute-force defaults and reads every brute-force variable', () => {
    expect(loadConfig({}).bruteForce).toMatchObject({ failureFactor: 5, waitIncrementSeconds: 60, maxWaitSeconds: 900, quickLoginCheckMillis: 1000, minimumQuickLoginWaitSeconds: 60, failureResetSeconds: 43200, ipMaxFailures: 100, ipWindowSeconds: 900 });
    const custom = loadConfig({
      LATCHKEY_BRUTE_FORCE_FAILURE_FACTOR: '3', LATCHKEY_BRUTE_FORCE_WAIT_INCREMENT: '30', LATCHKEY_BRUTE_FORCE_MAX_WAIT: '600',
      LATCHKEY_BRUTE_FORCE_QUICK_LOGIN_MS: '500', LATCHKEY_BRUTE_FORCE_QUICK_LOGIN_WAIT: '20', LATCHKEY_BRUTE_FORCE_RESET: '3600',
      LATCHKEY_IP_MAX_FAILURES: '50', LATCHKEY_IP_WINDOW: '60',
    }).bruteForce;
    expect(custom).toEqual({ failureFactor: 3, waitIncrementSeconds: 30, maxWaitSeconds: 600, quickLoginCheckMillis: 500, minimumQuickLoginWaitSeconds: 20, failureResetSeconds: 3600, ipMaxFailures: 50, ipWindowSeconds: 60 });
  });

  it('names the variable of a bad value', () => {
    expect(() => loadConfig({ LATCHKEY_BRUTE_FORCE_QUICK_LOGIN_WAIT: '0' })).toThrow(/LATCHKEY_BRUTE_FORCE_QUICK_LOGIN_WAIT must be at least 1/);
    expect(() => loadConfig({ PORT: 'abc' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: 'abc' })).toThrow(/PORT/);
  });

  it('derives the issuer from PORT and its mount path from the issuer', () => {
    expect(loadConfig({ PORT: '4000' })).toMatchObject({ issuer: 'http://localhost:4000', mountPath: '' });
    expect(loadConfig({ LATCHKEY_ISSUER: 'https://example.com/idp/' })).toMatchObject({ issuer: 'https://example.com/idp', mountPath: '/idp' });
  });
});
