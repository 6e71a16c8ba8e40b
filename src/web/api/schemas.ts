// The shapes of the JSON API, written once: routes validate requests with them and openapi.ts turns them
// into the OpenAPI document (z.toJSONSchema), so the document cannot drift from what the routes accept.
import { z } from 'zod';
import { PROFILE_FIELDS } from '../../config/index.js';
import { EMAIL_CHANGE_STATUSES } from '../../queries/email-change-requests.js';

const text = (max: number) => z.string().max(max);
const nullableText = (max: number) => text(max).nullable().optional();
const timestamp = z.string().describe('ISO 8601 date-time');
const nullableTimestamp = timestamp.nullable();

export const errorBody = z.object({
  error: z.string().describe('machine-readable code, e.g. invalid_request, invalid_token, insufficient_scope, forbidden, not_found, too_many_requests'),
  error_description: z.string().describe('what went wrong, in English'),
}).meta({ id: 'Error' });

export const postalAddress = z.strictObject({
  street_address: nullableText(300),
  locality: nullableText(100),
  postal_code: nullableText(20),
  region: nullableText(100),
  country: nullableText(100),
}).meta({ id: 'PostalAddress' });

export const profile = z.object({
  sub: z.string(),
  email: z.string(),
  email_verified: z.boolean(),
  name: z.string().nullable(),
  given_name: z.string().nullable(),
  family_name: z.string().nullable(),
  phone_number: z.string().nullable(),
  phone_number_verified: z.boolean(),
  address: postalAddress.nullable(),
  locale: z.string().nullable(),
  created_at: timestamp,
  updated_at: timestamp,
  password_changed_at: nullableTimestamp,
  editable_fields: z.array(z.enum(PROFILE_FIELDS)).describe('the fields PATCH /me may change; the others only support can'),
}).meta({ id: 'Profile' });

/** PATCH /me: absent fields stay, null or '' clears one; a field outside editable_fields is refused with 403. */
export const profileChanges = z.strictObject({
  name: nullableText(200),
  given_name: nullableText(100),
  family_name: nullableText(100),
  phone_number: nullableText(32),
  locale: nullableText(35),
  address: postalAddress.nullable().optional(),
}).meta({ id: 'ProfileChanges' });

export const passwordChange = z.strictObject({
  current_password: z.string().min(1).max(1024),
  new_password: z.string().min(1).max(1024),
  sign_out_others: z.boolean().optional().describe('end every other session and their refresh tokens (default false)'),
}).meta({ id: 'PasswordChange' });

export const passwordChanged = z.object({
  revoked: z.number().int().describe('sessions and tokens ended by sign_out_others'),
}).meta({ id: 'PasswordChanged' });

export const emailChangeRequest = z.strictObject({
  new_email: z.string().min(3).max(254),
  current_password: z.string().min(1).max(1024),
}).meta({ id: 'EmailChangeRequest' });

export const emailChange = z.object({
  id: z.string(),
  old_email: z.string(),
  new_email: z.string(),
  status: z.enum(EMAIL_CHANGE_STATUSES),
  created_at: timestamp,
  verified_at: nullableTimestamp,
  decided_at: nullableTimestamp,
}).meta({ id: 'EmailChange' });

export const accountDeletion = z.strictObject({
  password: z.string().min(1).max(1024),
}).meta({ id: 'AccountDeletion' });

export const provisionRequest = z.strictObject({
  email: z.string().min(3).max(254),
  name: z.string().max(200).optional(),
  locale: z.string().max(35).regex(/^[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*$/, 'must be a language tag such as cs or en-GB').optional(),
}).meta({ id: 'ProvisionRequest', description: 'No password field: the person sets it through the invitation link.' });

export const provisionResult = z.object({
  sub: z.string().describe('the account id (the OIDC subject)'),
  created: z.boolean(),
}).meta({ id: 'ProvisionResult' });

/** Path parameters: opaque ids, bounded and printable. */
export const opaqueId = z.string().min(1).max(200).regex(/^[\x21-\x7e]+$/, 'must be printable ASCII');

const device = z.object({ browser: z.string().nullable(), os: z.string().nullable() }).meta({ id: 'Device' });

export const session = z.object({
  id: z.string().describe('the session uid (DELETE /me/sessions/{id} signs it out)'),
  device,
  user_agent: z.string().nullable(),
  ip: z.string().nullable(),
  created_at: timestamp,
  last_seen_at: timestamp,
  expires_at: nullableTimestamp,
  current: z.boolean().describe('the session the calling token was issued in'),
}).meta({ id: 'Session' });

export const sessionList = z.object({ sessions: z.array(session) }).meta({ id: 'SessionList' });

export const connectedApp = z.object({
  client_id: z.string(),
  name: z.string(),
  client_uri: z.string().nullable(),
  scopes: z.array(z.string()),
  since: timestamp,
  first_party: z.boolean(),
  remembered: z.boolean().describe('a remembered consent (third-party apps)'),
}).meta({ id: 'ConnectedApp' });

export const appList = z.object({ apps: z.array(connectedApp) }).meta({ id: 'AppList' });

export const activityEvent = z.object({
  id: z.string(),
  type: z.string().describe('e.g. login.succeeded, login.failed, password.changed, email_change.applied, consent.granted, app.revoked'),
  at: timestamp,
  client_id: z.string().nullable().describe('the app involved, if any'),
  app_name: z.string().nullable(),
  ip: z.string().nullable(),
  device: device,
  data: z.record(z.string(), z.unknown()),
}).meta({ id: 'ActivityEvent' });

export const activityPage = z.object({
  events: z.array(activityEvent),
  next_cursor: z.string().nullable().describe('pass as ?cursor= for the next (older) page; null on the last page'),
}).meta({ id: 'ActivityPage' });

export const accountExport = z.object({
  exported_at: timestamp,
  profile,
  sessions: z.array(session),
  apps: z.array(connectedApp),
  email_changes: z.array(emailChange),
  activity: z.array(z.object({
    id: z.string(), type: z.string(), at: timestamp, client_id: z.string().nullable(), ip: z.string().nullable(),
    user_agent: z.string().nullable(), data: z.record(z.string(), z.unknown()),
  })),
}).meta({ id: 'AccountExport' });

/** GET /me/activity?cursor=&limit= */
export const activityQuery = z.strictObject({
  cursor: z.string().max(100).regex(/^\d+$/, 'must be the next_cursor of the previous page').optional(),
  limit: z.coerce.number().int().min(1).max(100).optional().describe('events per page (default 20)'),
});
