-- Brute-force protection state (src/services/brute-force): one row per account key and one per client IP.
-- Rows appear on the first login attempt and are purged once they carry no information.

CREATE TABLE login_throttling_accounts (
  -- the normalised email, whether or not an account has it (unknown emails behave identically)
  account_key text PRIMARY KEY,
  -- failed attempts, including attempts reserved by begin() whose password check is still running
  failures integer NOT NULL DEFAULT 0 CHECK (failures >= 0),
  -- attempts reserved and not yet reported as succeeded or failed (always <= failures)
  pending integer NOT NULL DEFAULT 0 CHECK (pending >= 0 AND pending <= failures),
  last_failure_at timestamptz,
  last_reserved_at timestamptz,
  -- every attempt is refused before this instant, even with the right password
  locked_until timestamptz,
  -- from this instant on the row carries no information (quiet period over and no wait running)
  forget_at timestamptz NOT NULL
);
CREATE INDEX login_throttling_accounts_forget_idx ON login_throttling_accounts (forget_at);

CREATE TABLE login_throttling_ips (
  ip text PRIMARY KEY,
  -- failed attempts in the current window, including reserved attempts still being checked
  failures integer NOT NULL DEFAULT 0 CHECK (failures >= 0),
  window_start timestamptz NOT NULL,
  window_end timestamptz NOT NULL
);
CREATE INDEX login_throttling_ips_window_end_idx ON login_throttling_ips (window_end);
