// The account center's data as the JSON API shows it: snake_case names (as in OIDC claims), ISO dates.
// Each view matches its schema in schemas.ts (the OpenAPI document).
import type { AccountExport, AccountProfile, ActiveSession, ActivityPage, ConnectedApp, EmailChange } from '../../services/account-center/index.js';

const iso = (d: Date) => d.toISOString();
const isoOrNull = (d: Date | null | undefined) => (d ? d.toISOString() : null);

/** GET /me. */
export const profileView = (p: AccountProfile) => ({
  sub: p.sub,
  email: p.email,
  email_verified: p.email_verified,
  name: p.name,
  given_name: p.given_name,
  family_name: p.family_name,
  phone_number: p.phone_number,
  phone_number_verified: p.phone_number_verified,
  address: p.address,
  locale: p.locale,
  created_at: iso(p.created_at),
  updated_at: iso(p.updated_at),
  password_changed_at: isoOrNull(p.password_changed_at),
  editable_fields: p.editable_fields,
});

/** An email change. */
export const emailChangeView = (c: EmailChange) => ({
  id: c.id,
  old_email: c.oldEmail,
  new_email: c.newEmail,
  status: c.status,
  created_at: iso(c.createdAt),
  verified_at: isoOrNull(c.verifiedAt),
  decided_at: isoOrNull(c.decidedAt),
});

/** A live session. */
export const sessionView = (s: ActiveSession) => ({
  id: s.id,
  device: { browser: s.device.browser ?? null, os: s.device.os ?? null },
  user_agent: s.userAgent,
  ip: s.ip,
  created_at: iso(s.createdAt),
  last_seen_at: iso(s.lastSeenAt),
  expires_at: isoOrNull(s.expiresAt),
  current: s.current,
});

/** A connected app. */
export const appView = (a: ConnectedApp) => ({
  client_id: a.clientId,
  name: a.name,
  client_uri: a.clientUri ?? null,
  scopes: a.scopes,
  since: iso(a.since),
  first_party: a.firstParty,
  remembered: a.remembered,
});

/** A page of activity. */
export const activityView = (page: ActivityPage) => ({
  events: page.events.map((e) => ({
    id: e.id,
    type: e.type,
    at: iso(e.at),
    client_id: e.clientId,
    app_name: e.appName,
    ip: e.ip,
    device: { browser: e.device.browser ?? null, os: e.device.os ?? null },
    data: e.data,
  })),
  next_cursor: page.nextCursor ?? null,
});

/** Download my data. */
export const exportView = (x: AccountExport) => ({
  exported_at: iso(x.exportedAt),
  profile: profileView(x.profile),
  sessions: x.sessions.map(sessionView),
  apps: x.apps.map(appView),
  email_changes: x.emailChanges.map(emailChangeView),
  activity: x.activity.map((e) => ({ id: e.id, type: e.type, at: iso(e.at), client_id: e.clientId, ip: e.ip, user_agent: e.userAgent, data: e.data })),
});
