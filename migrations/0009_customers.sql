-- The customer directory (issue 4, item 8): customers and their product licences, imported by
-- `latchkey customers import` (src/services/customers), and the accounts linked to a customer.

CREATE TABLE customers (
  customer_id text PRIMARY KEY,
  company_name text NOT NULL,
  -- compared after removing spaces and dashes and upper-casing (src/services/customers/normalize.ts)
  tax_id text,
  vat_id text,
  -- ISO 3166-1 alpha-2
  country text,
  -- 'import' (the directory file) or 'registration' (created by a product registration in Latchkey)
  origin text NOT NULL DEFAULT 'import' CHECK (origin IN ('import', 'registration')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX customers_tax_id_idx ON customers (tax_id);

-- Licence numbers (normalised: trimmed, upper-case). customer_id NULL: sold but not yet registered to any
-- customer; product registration assigns it (to a new customer, or to the registering account's customer).
CREATE TABLE customer_licences (
  licence_number text PRIMARY KEY,
  customer_id text REFERENCES customers (customer_id) ON DELETE CASCADE,
  -- set by a product registration in Latchkey; NULL for licences the directory import assigned
  registered_at timestamptz,
  registered_by uuid REFERENCES accounts (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX customer_licences_customer_idx ON customer_licences (customer_id);

-- Accounts linked to a customer (several people may link to one customer).
CREATE TABLE account_customer_links (
  account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  customer_id text NOT NULL REFERENCES customers (customer_id) ON DELETE CASCADE,
  linked_at timestamptz NOT NULL DEFAULT now(),
  -- how: 'legacy:<source>' (a legacy import's customer_id, once the directory knows that customer),
  -- 'profile-completion' (customer ID + tax ID or licence checked), 'registration' (product registration),
  -- or 'staff:<account id>'
  linked_by text NOT NULL,
  PRIMARY KEY (account_id, customer_id)
);
CREATE INDEX account_customer_links_customer_idx ON account_customer_links (customer_id);
