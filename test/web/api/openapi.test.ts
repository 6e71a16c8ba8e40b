// The OpenAPI 3.1 document at /api/v1/openapi.json: served without a token, and listing exactly the routes the
// API router registers, each with its security (bearer/OAuth 2 scope), request and response schemas, and errors.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestLatchkey, type TestLatchkey } from '../../support/latchkey.js';
import { apiRoutes } from '../../../src/web/api/index.js';
import { openApiPath } from '../../../src/web/api/openapi.js';
import type { RouteDeps } from '../../../src/web/route-deps.js';
import { api } from './api-client.js';

type Operation = { security: Record<string, string[]>[]; requestBody?: { content: Record<string, { schema: unknown }> }; responses: Record<string, unknown> };

describe('OpenAPI document', () => {
  let t: TestLatchkey;
  let doc: { openapi: string; servers: { url: string }[]; paths: Record<string, Record<string, Operation>>; components: Record<string, Record<string, unknown>> };

  beforeAll(async () => {
    t = await startTestLatchkey('pglite');
    const answer = await api(t, 'GET', '/openapi.json');
    expect(answer.status).toBe(200);
    doc = answer.body;
  });
  afterAll(async () => t?.close());

  it('is an OpenAPI 3.1 document for this issuer, with the security schemes and the error shape', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.servers).toEqual([{ url: `${t.issuer}/api/v1` }]);
    const schemes = doc.components.securitySchemes as Record<string, { type: string; flows?: Record<string, { tokenUrl: string; scopes: Record<string, string> }> }>;
    expect(schemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(schemes.oauth2!.flows!.authorizationCode!.scopes).toHaveProperty('account');
    expect(schemes.oauth2!.flows!.clientCredentials!.scopes).toHaveProperty(['accounts:provision']);
    expect(schemes.oauth2!.flows!.clientCredentials!.tokenUrl).toBe(`${t.issuer}/token`);
    expect(doc.components.schemas!.Error).toMatchObject({ type: 'object', required: ['error', 'error_description'] });
  });

  it('lists every route the router registers, and only those', () => {
    const router = apiRoutes({ provider: t.latchkey.provider, services: t.latchkey.services, config: t.latchkey.config } as unknown as RouteDeps);
    const registered = router.stack
      .filter((layer) => layer.methods.length > 0 && !String(layer.path).includes('{*'))
      .flatMap((layer) => layer.methods.filter((m) => m !== 'HEAD').map((m) => `${m.toLowerCase()} ${openApiPath(String(layer.path))}`))
      .sort();
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`)).sort();
    expect(documented).toEqual(registered);
    expect(registered).toEqual(expect.arrayContaining(['get /me', 'patch /me', 'delete /me', 'post /me/password', 'post /me/email', 'get /me/sessions', 'delete /me/sessions/{id}', 'get /me/apps', 'delete /me/apps/{client_id}', 'get /me/activity', 'get /me/export', 'post /accounts', 'get /openapi.json']));
  });

  it('names the scope, the error answers and the shapes of each operation', () => {
    const me = doc.paths['/me']!;
    expect(me.get!.security).toEqual([{ oauth2: ['account'] }, { bearer: ['account'] }]);
    expect(Object.keys(me.get!.responses)).toEqual(['200', '401', '403']);
    expect(me.patch!.requestBody!.content['application/json']!.schema).toEqual({ $ref: '#/components/schemas/ProfileChanges' });
    const provision = doc.paths['/accounts']!.post!;
    expect(provision.security).toEqual([{ oauth2: ['accounts:provision'] }, { bearer: ['accounts:provision'] }]);
    expect(Object.keys(provision.responses).sort()).toEqual(['200', '201', '400', '401', '403']);
    const request = doc.components.schemas!.ProvisionRequest as { properties: Record<string, unknown>; additionalProperties: boolean; required: string[] };
    expect(Object.keys(request.properties)).toEqual(['email', 'name', 'locale']);
    expect(request).toMatchObject({ additionalProperties: false, required: ['email'] });
    expect(doc.paths['/openapi.json']!.get!.security).toEqual([]);
    // Every $ref points at a component that exists.
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/(schemas|responses)\/([^"]+)"/g)];
    for (const [, kind, name] of refs) expect(doc.components[kind!]).toHaveProperty([name!]);
  });
});
