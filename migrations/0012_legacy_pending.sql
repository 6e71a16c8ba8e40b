-- Held first sign-ins (issue 4, item 5: no takeover through a careless source). When the legacy password
-- that matched comes from a source imported without --emails-verified and the account's address is not
-- verified, the lock-in waits here until the person proves the mailbox (the mailed code, or the mailed link
-- opened in the same browser). Nothing secret is stored in clear: the typed password only as the Argon2id
-- hash it will become, the browser secret, link token and code only as hashes.
CREATE TABLE legacy_pending_sign_ins (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  -- the legacy identity whose password matched, and SHA-256 of its hash at that moment (a re-import that
  -- changed the hash since means the typed password is no longer known to match)
  legacy_identity_id uuid NOT NULL REFERENCES legacy_identities (id) ON DELETE CASCADE,
  legacy_hash_digest bytea NOT NULL,
  -- the Argon2id hash of the typed password, computed at sign-in; becomes accounts.password_hash
  password_hash text NOT NULL,
  -- the address the proof was mailed to (a changed address proves nothing)
  email text NOT NULL,
  -- the oidc-provider interaction the sign-in belongs to
  interaction_uid text NOT NULL,
  -- SHA-256 of the random secret in the browser's cookie: only that browser can finish
  browser_hash bytea NOT NULL,
  -- SHA-256 of the mailed link token; HMAC-SHA-256 of the mailed 6-digit code keyed with it
  link_hash bytea NOT NULL,
  code_hash bytea NOT NULL,
  -- wrong codes typed so far; the hold dies at the limit
  code_failures integer NOT NULL DEFAULT 0,
  expires_at timestamptz NOT NULL,
  consumed_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT legacy_pending_sign_ins_browser_unique UNIQUE (browser_hash),
  CONSTRAINT legacy_pending_sign_ins_link_unique UNIQUE (link_hash)
);
CREATE INDEX legacy_pending_sign_ins_account_idx ON legacy_pending_sign_ins (account_id);
CREATE INDEX legacy_pending_sign_ins_expires_idx ON legacy_pending_sign_ins (expires_at);
