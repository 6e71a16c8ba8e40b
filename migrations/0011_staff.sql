-- Staff roles (issue 5, item 7): who may use the admin console at /admin and the Admin API, granted with
-- `latchkey staff grant EMAIL moderator|support|admin` (src/services/staff). One row per role held.
CREATE TABLE staff_roles (
  account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  role text NOT NULL CHECK (role IN ('moderator', 'support', 'admin')),
  granted_at timestamptz NOT NULL DEFAULT now(),
  -- the staff account that granted it; NULL when granted by the operator's CLI
  granted_by uuid REFERENCES accounts (id) ON DELETE SET NULL,
  PRIMARY KEY (account_id, role)
);

-- The staff console's audit search: by the acting account and by company (keys written by services.staff
-- and services.companies into audit_events.data).
CREATE INDEX audit_events_actor_idx ON audit_events ((data->>'actorId'), id DESC);
CREATE INDEX audit_events_company_idx ON audit_events ((data->>'companyId'), id DESC);
CREATE INDEX audit_events_created_idx ON audit_events (created_at DESC);
