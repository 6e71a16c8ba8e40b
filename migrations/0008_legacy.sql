-- Legacy identities (issue 4): the accounts people had in the e-shop, the customer center, the mobile app...
-- imported by `latchkey legacy import` (src/services/legacy/import) and merged into one Latchkey account
-- per normalised email.
--
-- First-sign-in lock-in (issue 4, items 4-7) reads this table; no flag on accounts says "legacy password
-- pending". It is derived: an account is waiting for its first sign-in when
--   accounts.password_hash IS NULL AND EXISTS (a legacy_identities row of the account with password_hash NOT NULL)
-- Lock-in, in one transaction holding the account row lock (SELECT ... FOR UPDATE, which the import also
-- takes): set accounts.password_hash, set password_hash/salt/salt_position to NULL on every identity of the
-- account, stamp the winner's locked_in_at. From then on the import stores no hash for that account.

-- Accounts the import created (and may delete again when their last identity moves to another email) and
-- the profile values the import last wrote, so a later import never overwrites what the user edited since.
ALTER TABLE accounts
  ADD COLUMN created_by_legacy_import boolean NOT NULL DEFAULT false,
  ADD COLUMN legacy_profile jsonb;

CREATE TABLE legacy_identities (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- the --source key (lower-case letters, digits, dashes), e.g. 'eshop'
  source text NOT NULL CHECK (source ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
  -- the user's id in that source
  legacy_id text NOT NULL,
  account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  -- the address exactly as the source had it (trimmed), and its normalised form (the merge key)
  email text NOT NULL,
  email_normalized text NOT NULL,
  -- true only when imported with --emails-verified: that source proved people own their addresses.
  -- A first sign-in with a password from an unverified source must prove the mailbox first (takeover defence).
  email_verified boolean NOT NULL,
  -- The legacy password as imported (src/services/legacy/hashes verifies it). All four are NULL when the
  -- source had no password, once the account locked in a password, or when the account already had one.
  password_hash text,
  -- the hash_scheme column of the import (only bare digests need it)
  hash_scheme text,
  salt text,
  salt_position text CHECK (salt_position IN ('prefix', 'suffix')),
  -- the recognised format (e.g. 'bcrypt', 'md5'), kept for audit after the hash itself is dropped
  hash_algorithm text,
  -- why an imported hash was not kept: 'account-has-password' (import after lock-in)
  hash_dropped_reason text,
  -- set on the identity whose password won the first sign-in
  locked_in_at timestamptz,
  -- the source's profile (merged into the account by LATCHKEY_LEGACY_SOURCE_PRECEDENCE)
  name text,
  given_name text,
  family_name text,
  phone text,
  locale text,
  -- the customer ID and company this source knows for the user (a pre-link, see 0009_customers.sql)
  customer_id text,
  company jsonb,
  legacy_created_at timestamptz,
  last_login_at timestamptz,
  -- the imported record without its hash fields, for audit
  raw jsonb NOT NULL,
  imported_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT legacy_identities_source_key UNIQUE (source, legacy_id)
);
CREATE INDEX legacy_identities_account_idx ON legacy_identities (account_id);
CREATE INDEX legacy_identities_customer_idx ON legacy_identities (customer_id) WHERE customer_id IS NOT NULL;
