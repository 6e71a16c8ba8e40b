// A network company registry configured with LATCHKEY_COMPANY_REGISTRY_URL (issue 5, item 2), against a
// real HTTP server, on both databases: asked after the built-in registry; a hit prefills the registration;
// 404, errors, slow and malformed answers are misses, never failures; the variable is validated.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import http from 'node:http';
import { ConfigError, loadConfig } from '../../../src/config/index.js';
import { createCompanyRegistryQueries } from '../../../src/queries/companies-registry.js';
import { createHttpRegistry } from '../../../src/services/companies/http-registry.js';
import { databaseKinds } from '../../support/databases.js';
import { startCompanyServices, type CompanyHarness } from './setup.js';

let server: http.Server;
let base: string;
const asked: string[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    asked.push(req.url!);
    const [, , country, taxId] = req.url!.split('/').map(decodeURIComponent);
    const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (taxId === 'CZ27082440') return json(200, { name: 'Alza.cz a.s.', kind: 'legal_entity', vat_id: 'CZ27082440', address: { street_address: 'Jankovcova 1522/53', locality: 'Praha', postal_code: '17000', country } });
    if (taxId === 'BROKEN') return json(500, { error: 'down' });
    if (taxId === 'GARBAGE') return res.writeHead(200).end('<html>');
    if (taxId === 'NONAME') return json(200, { kind: 'legal_entity' });
    if (taxId === 'SLOW') return void setTimeout(() => json(200, { name: 'Too late' }), 1500).unref();
    return json(404, { error: 'not found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('HTTP company registry', () => {
  it('answers hits, and treats 404, errors, bad answers and timeouts as unknown', async () => {
    const errors: string[] = [];
    const registry = createHttpRegistry({ urlTemplate: `${base}/companies/{country}/{tax_id}`, timeoutMs: 500, onError: (m) => errors.push(m) });
    expect(await registry.lookup('CZ', 'CZ27082440')).toEqual({
      country: 'CZ', taxId: 'CZ27082440', kind: 'legal_entity', name: 'Alza.cz a.s.', vatId: 'CZ27082440',
      address: { street_address: 'Jankovcova 1522/53', locality: 'Praha', postal_code: '17000', country: 'CZ' }, source: new URL(base).host,
    });
    for (const taxId of ['UNKNOWN', 'BROKEN', 'GARBAGE', 'NONAME', 'SLOW']) expect(await registry.lookup('CZ', taxId)).toBeUndefined();
    expect(errors).toEqual([
      expect.stringMatching(/HTTP 500/), expect.stringMatching(/not the expected JSON/), expect.stringMatching(/not the expected JSON/), expect.stringMatching(/request failed/),
    ]);
    expect(asked).toContain('/companies/CZ/CZ27082440');
  });

  it('validates LATCHKEY_COMPANY_REGISTRY_URL', () => {
    expect(loadConfig({ LATCHKEY_COMPANY_REGISTRY_URL: 'https://r.example/{country}/{tax_id}' }).companies.registryUrl).toBe('https://r.example/{country}/{tax_id}');
    expect(loadConfig({}).companies.registryUrl).toBeUndefined();
    for (const bad of ['ftp://r.example/{country}/{tax_id}', 'https://r.example/lookup', 'not a url']) {
      expect(() => loadConfig({ LATCHKEY_COMPANY_REGISTRY_URL: bad })).toThrow(ConfigError);
      expect(() => loadConfig({ LATCHKEY_COMPANY_REGISTRY_URL: bad })).toThrow(/LATCHKEY_COMPANY_REGISTRY_URL/);
    }
  });
});

describe.each(databaseKinds)('registration with a network registry (%s)', (kind) => {
  let h: CompanyHarness;
  beforeAll(async () => {
    h = await startCompanyServices(kind, { LATCHKEY_COMPANY_REGISTRY_URL: `${base}/companies/{country}/{tax_id}` });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('prefills from the network registry when the built-in one does not know the tax ID', async () => {
    const ann = await h.person('ann');
    const company = await h.companies.register(ann, { kind: 'legal_entity', country: 'CZ', taxId: 'CZ27082440' });
    expect(company).toMatchObject({ name: 'Alza.cz a.s.', vatId: 'CZ27082440', address: { locality: 'Praha' } });
    // The built-in registry is asked first.
    await createCompanyRegistryQueries(h.database.db).upsert([{ country: 'SK', tax_id_key: 'CZ27082440', tax_id: 'CZ27082440', kind: null, name: 'Local', vat_id: null, address: null, source: 't' }]);
    const before = asked.length;
    expect(await h.companies.lookupRegistry('SK', 'CZ27082440')).toMatchObject({ name: 'Local', source: 'registry' });
    expect(asked.length).toBe(before);
    await expect(h.companies.register(ann, { kind: 'legal_entity', country: 'CZ', taxId: 'BROKEN' })).rejects.toMatchObject({ field: 'name' });
  });
});
