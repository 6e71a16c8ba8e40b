-- Companies (issue 5): companies registered by tax ID, the company registry the registration form is
-- prefilled from, memberships with roles, company-defined roles, join requests needing a moderator's AND a
-- company admin's approval, and invitations by email. Rules live in src/services/companies.

CREATE TABLE companies (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  kind text NOT NULL CHECK (kind IN ('legal_entity', 'sole_trader')),
  name text NOT NULL,
  -- ISO 3166-1 alpha-2, upper-case
  country text NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
  -- as typed (trimmed)
  tax_id text NOT NULL,
  -- normalised (src/services/customers/normalize.ts normalizeTaxId): unique per country, see below
  tax_id_key text NOT NULL,
  vat_id text,
  -- {street_address, locality, postal_code, region, country}
  address jsonb,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected', 'suspended')),
  -- why it was rejected or suspended
  status_reason text,
  created_by uuid REFERENCES accounts (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  decided_at timestamptz,
  decided_by uuid REFERENCES accounts (id) ON DELETE SET NULL
);
-- One company per tax ID and country; a rejected registration does not block the real company.
CREATE UNIQUE INDEX companies_tax_id_key_idx ON companies (country, tax_id_key) WHERE status <> 'rejected';
CREATE INDEX companies_status_idx ON companies (status, created_at);
CREATE INDEX companies_name_idx ON companies (lower(name));

-- The built-in company registry (imported with `latchkey companies registry-import`).
CREATE TABLE company_registry (
  country text NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
  tax_id_key text NOT NULL,
  tax_id text NOT NULL,
  kind text CHECK (kind IN ('legal_entity', 'sole_trader')),
  name text NOT NULL,
  vat_id text,
  address jsonb,
  -- where the row came from (the imported file's name)
  source text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (country, tax_id_key)
);

CREATE TABLE company_members (
  company_id uuid NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
  account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  joined_at timestamptz NOT NULL DEFAULT now(),
  -- the permissions of the 'contact' role for this member (a subset of the catalogue)
  contact_permissions text[],
  PRIMARY KEY (company_id, account_id)
);
CREATE INDEX company_members_account_idx ON company_members (account_id);

CREATE TABLE company_member_roles (
  company_id uuid NOT NULL,
  account_id uuid NOT NULL,
  role_key text NOT NULL,
  granted_by uuid REFERENCES accounts (id) ON DELETE SET NULL,
  granted_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (company_id, account_id, role_key),
  FOREIGN KEY (company_id, account_id) REFERENCES company_members (company_id, account_id) ON DELETE CASCADE
);

-- Roles a company defines itself (the built-in ones are not stored).
CREATE TABLE company_roles (
  company_id uuid NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
  key text NOT NULL,
  name text NOT NULL,
  permissions text[] NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (company_id, key)
);

CREATE TABLE company_join_requests (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  company_id uuid NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
  account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected', 'cancelled')),
  moderator_decision text CHECK (moderator_decision IN ('approve', 'reject')),
  moderator_id uuid REFERENCES accounts (id) ON DELETE SET NULL,
  moderator_at timestamptz,
  admin_decision text CHECK (admin_decision IN ('approve', 'reject')),
  admin_id uuid REFERENCES accounts (id) ON DELETE SET NULL,
  admin_at timestamptz,
  -- the rejection's reason
  reason text,
  created_at timestamptz NOT NULL DEFAULT now(),
  decided_at timestamptz
);
CREATE UNIQUE INDEX company_join_requests_pending_idx ON company_join_requests (company_id, account_id) WHERE status = 'pending';
CREATE INDEX company_join_requests_account_idx ON company_join_requests (account_id, created_at DESC);
CREATE INDEX company_join_requests_status_idx ON company_join_requests (status, created_at);

-- Invitations by email: the link carries a 256-bit token; only its SHA-256 is stored. Used once.
CREATE TABLE company_invitations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  company_id uuid NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
  -- normalised (src/services/accounts/email.ts)
  email text NOT NULL,
  roles text[] NOT NULL,
  contact_permissions text[],
  token_hash bytea NOT NULL UNIQUE,
  invited_by uuid REFERENCES accounts (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  accepted_at timestamptz,
  accepted_by uuid REFERENCES accounts (id) ON DELETE SET NULL
);
CREATE INDEX company_invitations_company_idx ON company_invitations (company_id, created_at DESC);
