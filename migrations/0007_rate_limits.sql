-- Generic fixed-window rate limits (src/services/rate-limit): one row per (bucket, key), e.g.
-- ('forgot-password:email', sha256 of the address). Shared by every node on the database; rows whose
-- window has ended carry no information and are purged.
CREATE TABLE rate_limits (
  -- what is limited, e.g. 'forgot-password:ip'
  bucket text NOT NULL,
  -- who is limited: a SHA-256 (hex) of the caller's key (an IP, an email), never the key itself
  key_hash text NOT NULL,
  -- hits counted in the current window, refused ones included
  hits integer NOT NULL CHECK (hits >= 0),
  window_start timestamptz NOT NULL,
  window_end timestamptz NOT NULL,
  PRIMARY KEY (bucket, key_hash)
);
CREATE INDEX rate_limits_window_end_idx ON rate_limits (window_end);
