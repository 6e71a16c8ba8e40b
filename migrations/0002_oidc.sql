-- oidc-provider state (sessions, interactions, grants, codes, tokens...) and OIDC clients.

-- One row per oidc-provider model instance. The payload is what oidc-provider stores; the other
-- columns are copies of the fields the adapter looks rows up by, plus expiry and consumption.
CREATE TABLE oidc_payloads (
  model text NOT NULL,
  id text NOT NULL,
  payload jsonb NOT NULL,
  -- set only for grant-bound models (codes, access and refresh tokens...): revoking the grant deletes them
  grant_id text,
  -- Session lookup by uid (findByUid)
  uid text,
  -- DeviceCode lookup by the code the user types (findByUserCode)
  user_code text,
  -- NULL: never expires (rows are hidden from the moment expires_at passes, and purged later)
  expires_at timestamptz,
  -- the account the row belongs to (payload.accountId): blocking or deleting an account revokes them all
  account_id text,
  -- single-use artefacts (authorization codes, rotated refresh tokens...): set once, atomically
  consumed_at timestamptz,
  PRIMARY KEY (model, id)
);
CREATE INDEX oidc_payloads_grant_id_idx ON oidc_payloads (grant_id) WHERE grant_id IS NOT NULL;
CREATE INDEX oidc_payloads_account_id_idx ON oidc_payloads (account_id) WHERE account_id IS NOT NULL;
CREATE INDEX oidc_payloads_uid_idx ON oidc_payloads (uid) WHERE uid IS NOT NULL;
CREATE INDEX oidc_payloads_user_code_idx ON oidc_payloads (user_code) WHERE user_code IS NOT NULL;
CREATE INDEX oidc_payloads_expires_at_idx ON oidc_payloads (expires_at) WHERE expires_at IS NOT NULL;

-- Registered OIDC clients (oidc-provider model `Client`), kept apart from the short-lived state.
-- metadata holds the client's metadata as oidc-provider sees it; client_secret in it may be sealed.
CREATE TABLE clients (
  client_id text PRIMARY KEY,
  metadata jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
