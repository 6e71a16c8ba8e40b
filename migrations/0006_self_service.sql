-- Self-service accounts (issue 3): single-use links and codes, email changes, session devices, profile data.

-- 'locked': someone reported an email change as "not me"; nobody signs in until a password reset.
ALTER TABLE accounts DROP CONSTRAINT accounts_status_check;
ALTER TABLE accounts ADD CONSTRAINT accounts_status_check CHECK (status IN ('active', 'blocked', 'locked'));
ALTER TABLE accounts
  ADD COLUMN address jsonb,
  ADD COLUMN password_changed_at timestamptz,
  ADD COLUMN locked_at timestamptz;

-- Single-use secrets sent by mail (src/services/account-tokens). Only hashes are stored: a database
-- dump opens no mailbox link. A row is used up by setting consumed_at, atomically, exactly once.
CREATE TABLE account_tokens (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  purpose text NOT NULL CHECK (purpose IN ('verify-email', 'reset-password', 'invitation', 'email-change', 'email-change-cancel')),
  account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  -- SHA-256 of the link token (256 random bits)
  token_hash bytea NOT NULL,
  -- HMAC-SHA-256 of the 6-digit code, keyed with the link token's hash (for the mobile app); NULL: no code
  code_hash bytea,
  -- wrong codes typed against this row; the code dies at the limit
  code_failures integer NOT NULL DEFAULT 0,
  -- what the purpose needs (e.g. the new address of an email change, the requesting client)
  data jsonb NOT NULL DEFAULT '{}'::jsonb,
  expires_at timestamptz NOT NULL,
  consumed_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT account_tokens_token_hash_unique UNIQUE (token_hash)
);
CREATE INDEX account_tokens_account_idx ON account_tokens (account_id, purpose);
CREATE INDEX account_tokens_expires_idx ON account_tokens (expires_at);

-- Email changes: requested -> verified by the new address -> applied (or held for staff approval).
CREATE TABLE email_change_requests (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  old_email text NOT NULL,
  new_email text NOT NULL,
  status text NOT NULL DEFAULT 'awaiting-verification'
    CHECK (status IN ('awaiting-verification', 'awaiting-approval', 'applied', 'cancelled', 'rejected', 'superseded')),
  created_at timestamptz NOT NULL DEFAULT now(),
  verified_at timestamptz,
  decided_at timestamptz,
  -- who decided: 'user', 'not-me', or a staff member's account id
  decided_by text,
  reason text
);
CREATE INDEX email_change_requests_account_idx ON email_change_requests (account_id, created_at DESC);
CREATE INDEX email_change_requests_approval_idx ON email_change_requests (created_at) WHERE status = 'awaiting-approval';
-- At most one open change per account.
CREATE UNIQUE INDEX email_change_requests_open_idx ON email_change_requests (account_id)
  WHERE status IN ('awaiting-verification', 'awaiting-approval');

-- Where each oidc-provider session was started and last used (the account center's "active sessions").
-- The session itself lives in oidc_payloads (model 'Session', looked up by uid); rows here whose session
-- is gone are ignored and purged.
CREATE TABLE account_sessions (
  session_uid text PRIMARY KEY,
  account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  ip text,
  user_agent text,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX account_sessions_account_idx ON account_sessions (account_id, last_seen_at DESC);
