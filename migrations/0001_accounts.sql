-- Accounts, signing keys and the audit log.

CREATE TABLE accounts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- normalised: trimmed, Unicode NFC, lower-cased (see src/services/accounts/email.ts)
  email text NOT NULL,
  email_verified boolean NOT NULL DEFAULT false,
  password_hash text,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'blocked')),
  name text,
  given_name text,
  family_name text,
  phone_number text,
  phone_number_verified boolean NOT NULL DEFAULT false,
  locale text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  blocked_at timestamptz,
  CONSTRAINT accounts_email_unique UNIQUE (email)
);

-- Signing keys: the newest active key of each algorithm signs; retired keys stay published
-- until every token they signed has expired (publish_until).
CREATE TABLE signing_keys (
  kid text PRIMARY KEY,
  alg text NOT NULL,
  public_jwk jsonb NOT NULL,
  -- private JWK, AES-256-GCM encrypted with the key encryption key
  private_jwk_sealed text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  retired_at timestamptz,
  publish_until timestamptz
);
CREATE INDEX signing_keys_alg_idx ON signing_keys (alg, created_at DESC);

CREATE TABLE audit_events (
  id bigserial PRIMARY KEY,
  account_id uuid REFERENCES accounts (id) ON DELETE SET NULL,
  type text NOT NULL,
  client_id text,
  ip text,
  user_agent text,
  data jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_events_account_idx ON audit_events (account_id, created_at DESC);
CREATE INDEX audit_events_type_idx ON audit_events (type, created_at DESC);
