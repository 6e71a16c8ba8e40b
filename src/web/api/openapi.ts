// The OpenAPI 3.1 document of /api/v1 (served at /api/v1/openapi.json). Every operation is declared once in
// API_OPERATIONS; request and response schemas come from the zod schemas the routes validate with.
import { z } from 'zod';
import { ACCOUNT_SCOPE, ADMIN_SCOPE, API_PATH, PROVISION_SCOPE } from '../../oidc/resource-server.js';
import { ADMIN_OPERATIONS } from './admin-openapi.js';
import { COMPANY_OPERATIONS } from './companies-openapi.js';
import * as s from './schemas.js';

type Method = 'get' | 'post' | 'patch' | 'delete';

/** One documented operation: the Koa route path (with :params), its scope and its shapes. */
export interface ApiOperation {
  method: Method;
  /** As registered in the router, e.g. /api/v1/me/sessions/:id. */
  path: string;
  operationId: string;
  summary: string;
  /** null: no token needed. */
  scope: string | null;
  body?: z.ZodType;
  query?: z.ZodType;
  /** Success answers by status; a schema of undefined means no body. */
  responses: Record<number, { description: string; schema?: z.ZodType }>;
  /** Error statuses besides the token errors (400 is added for operations with a body or query). */
  errors?: number[];
}

const me = (method: Method, path: string, operationId: string, summary: string, rest: Partial<ApiOperation> & Pick<ApiOperation, 'responses'>): ApiOperation =>
  ({ method, path: `${API_PATH}/me${path}`, operationId, summary, scope: ACCOUNT_SCOPE, ...rest });

/** Every operation of the API, in the order the document lists them. */
export const API_OPERATIONS: ApiOperation[] = [
  { method: 'get', path: `${API_PATH}/openapi.json`, operationId: 'getOpenApiDocument', summary: 'This document', scope: null, responses: { 200: { description: 'The OpenAPI 3.1 document', schema: z.object({}).passthrough() } } },
  me('get', '', 'getMe', 'The signed-in account: profile, email, and which fields may be edited', { responses: { 200: { description: 'The profile', schema: s.profile } } }),
  me('patch', '', 'updateMe', 'Change profile fields (only those in editable_fields)', { body: s.profileChanges, responses: { 200: { description: 'The updated profile', schema: s.profile } }, errors: [403] }),
  me('post', '/password', 'changePassword', 'Change the password (needs the current one); optionally sign out every other session', {
    body: s.passwordChange, responses: { 200: { description: 'Changed; a notice is mailed', schema: s.passwordChanged } }, errors: [429],
  }),
  me('post', '/email', 'requestEmailChange', 'Start an email change: a verification link goes to the new address, a notice to the old one', {
    body: s.emailChangeRequest, responses: { 202: { description: 'Requested; applies once the new address is verified', schema: s.emailChange } }, errors: [429],
  }),
  me('get', '/sessions', 'listSessions', 'Where the account is signed in', { responses: { 200: { description: 'Live sessions, most recent first', schema: s.sessionList } } }),
  me('delete', '/sessions/:id', 'signOutSession', 'Sign out one session (its refresh tokens die with it)', { responses: { 204: { description: 'Signed out' } }, errors: [404] }),
  me('get', '/apps', 'listApps', 'Apps with access to the account', { responses: { 200: { description: 'Connected apps', schema: s.appList } } }),
  me('delete', '/apps/:client_id', 'revokeApp', "Revoke an app's access (its grants and tokens; remembered consent forgotten)", { responses: { 204: { description: 'Revoked' } }, errors: [404] }),
  me('get', '/activity', 'listActivity', 'My activity: sign-ins, password and email changes, consents; newest first, paged', {
    query: s.activityQuery, responses: { 200: { description: 'One page of events', schema: s.activityPage } },
  }),
  me('get', '/export', 'exportMyData', 'Download my data (profile, sessions, apps, activity, email changes)', { responses: { 200: { description: 'Everything stored about the account', schema: s.accountExport } } }),
  ...COMPANY_OPERATIONS,
  me('delete', '', 'deleteMe', 'Delete the account (needs the password): sessions, grants, tokens and consents go with it', { body: s.accountDeletion, responses: { 204: { description: 'Deleted' } }, errors: [429] }),
  {
    method: 'post', path: `${API_PATH}/accounts`, operationId: 'provisionAccount', scope: PROVISION_SCOPE,
    summary: 'Create or look up an account by email (service clients). A new account gets an invitation mail to set a password',
    body: s.provisionRequest,
    responses: {
      201: { description: 'Created (unverified, no password); invitation mailed', schema: s.provisionResult },
      200: { description: 'The email already had an account; nothing changed', schema: s.provisionResult },
    },
  },
  ...ADMIN_OPERATIONS,
];

/** Koa's /x/:id -> OpenAPI's /x/{id}, relative to the API's server URL. */
export const openApiPath = (koaPath: string) => koaPath.slice(API_PATH.length).replace(/:([A-Za-z_]+)/g, '{$1}') || '/';

const ERROR_TEXT: Record<number, string> = {
  400: 'Malformed request: bad JSON, unknown or invalid fields (error invalid_request)',
  401: 'No token, or an invalid, expired or revoked one, or one for another audience (error invalid_token; WWW-Authenticate: Bearer)',
  403: 'The token lacks the scope (error insufficient_scope), or the action is not allowed (error forbidden)',
  404: 'No such resource (error not_found)',
  409: 'The action conflicts with the current state, e.g. the last owner, an already decided request, a taken tax ID (error names it, e.g. last_owner)',
  410: 'The invitation link is invalid, expired or already used (error invitation_invalid)',
  429: 'Too many attempts (wrong passwords, tax-ID lookups): wait Retry-After seconds (error too_many_requests)',
};

/** A schema as JSON Schema 2020-12; schemas with a meta id go to components and are referenced. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output', components: Record<string, unknown>): unknown {
  const converted = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' });
  const text = JSON.stringify(converted).replaceAll('"#/$defs/', '"#/components/schemas/');
  const { $defs, $schema: _dialect, id: _id, ...rest } = JSON.parse(text) as Record<string, unknown> & { $defs?: Record<string, unknown> };
  for (const [id, def] of Object.entries($defs ?? {})) components[id] = def;
  const id = (z.globalRegistry.get(schema) as { id?: string } | undefined)?.id;
  if (!id) return rest;
  // A named top-level schema comes back as a $ref to its own definition (already copied above).
  if (!$defs?.[id]) components[id] = rest;
  return { $ref: `#/components/schemas/${id}` };
}

function pathParameters(koaPath: string) {
  return [...koaPath.matchAll(/:([A-Za-z_]+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string', maxLength: 200 } }));
}

function queryParameters(schema: z.ZodType | undefined, components: Record<string, unknown>) {
  if (!schema) return [];
  const object = jsonSchema(schema, 'input', components) as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(object.properties ?? {}).map(([name, property]) => ({ name, in: 'query', required: object.required?.includes(name) ?? false, schema: property }));
}

/** The OpenAPI 3.1 document for an issuer; `endpoints` are the authorization and token endpoint URLs. */
export function openApiDocument(issuer: string, endpoints: { authorization: string; token: string }) {
  const components: Record<string, unknown> = {};
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of API_OPERATIONS) {
    const responses: Record<string, unknown> = {};
    for (const [status, r] of Object.entries(op.responses)) {
      responses[status] = r.schema ? { description: r.description, content: { 'application/json': { schema: jsonSchema(r.schema, 'output', components) } } } : { description: r.description };
    }
    const errors = new Set<number>([...(op.body || op.query ? [400] : []), ...(op.scope ? [401, 403] : []), ...(op.errors ?? [])]);
    for (const status of [...errors].sort()) responses[status] = { $ref: `#/components/responses/Error${status}` };
    const parameters = [...pathParameters(op.path), ...queryParameters(op.query, components)];
    (paths[openApiPath(op.path)] ??= {})[op.method] = {
      operationId: op.operationId,
      summary: op.summary,
      ...(parameters.length ? { parameters } : {}),
      ...(op.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(op.body, 'input', components) } } } } : {}),
      responses,
      security: op.scope ? [{ oauth2: [op.scope] }, { bearer: [op.scope] }] : [],
    };
  }
  jsonSchema(s.errorBody, 'output', components);
  const errorResponses = Object.fromEntries(Object.entries(ERROR_TEXT).map(([status, description]) => [
    `Error${status}`,
    { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
  ]));
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: 'Latchkey API',
      version: '1',
      description: 'The Account API (the signed-in user\'s own account and companies, scope `account`), the Admin API (staff, scope `admin`: a user token of a first-party app whose account holds a staff role allowing the action, from a sign-in with a password entry in the last 15 minutes, else 401 insufficient_user_authentication with max_age as in RFC 9470) and provisioning (service clients, scope `accounts:provision`). '
        + `Access tokens are opaque bearer tokens issued by ${issuer} for the resource ${issuer}${API_PATH}: a client asking for the scope \`account\`, \`admin\` or \`accounts:provision\` gets one without a \`resource\` parameter. `
        + 'Errors are { "error": code, "error_description": text }.',
    },
    servers: [{ url: `${issuer}${API_PATH}` }],
    paths,
    components: {
      schemas: components,
      responses: errorResponses,
      securitySchemes: {
        oauth2: {
          type: 'oauth2',
          description: `Tokens from ${issuer} (discovery: ${issuer}/.well-known/openid-configuration).`,
          flows: {
            authorizationCode: { authorizationUrl: endpoints.authorization, tokenUrl: endpoints.token, scopes: { [ACCOUNT_SCOPE]: 'The signed-in user\'s own account and companies', [ADMIN_SCOPE]: 'The Admin API (first-party apps; the account needs a staff role)' } },
            clientCredentials: { tokenUrl: endpoints.token, scopes: { [PROVISION_SCOPE]: 'Create or look up accounts by email (operator-registered service clients only)' } },
          },
        },
        bearer: { type: 'http', scheme: 'bearer', description: 'The same access token in the Authorization header (RFC 6750).' },
      },
    },
  };
}
