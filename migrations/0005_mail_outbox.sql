-- The mail outbox (src/services/mail): every mail is inserted in the same transaction as the change that
-- caused it, then delivered by a worker on any node. A worker claims a mail by setting a lease (owner, token,
-- expiry); every later state change checks the token, so two nodes never both record one mail.
--   queued  -> sending (claimed; attempts counts the claims)
--   sending -> sent | queued (failed, next_attempt_at = backoff) | dead (attempts used up, or refused for good)
--   sending with an expired lease: the worker died mid-delivery; another claims it again
--   dead    -> queued (staff retry)

CREATE TABLE mail_outbox (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  recipient text NOT NULL,
  -- a MailTemplate (views/emails/<template>.{html,text}.ejs)
  template text NOT NULL,
  locale text NOT NULL,
  -- what the template needs; holds link tokens, so it is emptied once the mail is sent
  data jsonb NOT NULL DEFAULT '{}'::jsonb,
  status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sending', 'sent', 'dead')),
  -- delivery attempts started (claims), including one whose worker died
  attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  -- the node delivering the mail (for people), and the claim's fencing token (for the code)
  lease_owner text,
  lease_token uuid,
  lease_expires_at timestamptz,
  -- why the last attempt failed: error codes and server replies with links and data values removed
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_attempt_at timestamptz,
  sent_at timestamptz,
  -- RFC 5322 Message-ID, fixed at the first claim and reused by every retry
  message_id text,
  CONSTRAINT mail_outbox_lease_check CHECK ((status = 'sending') = (lease_token IS NOT NULL AND lease_expires_at IS NOT NULL))
);

-- The worker's two questions: which queued mails are due, and which leases have expired.
CREATE INDEX mail_outbox_due_idx ON mail_outbox (next_attempt_at) WHERE status = 'queued';
CREATE INDEX mail_outbox_lease_idx ON mail_outbox (lease_expires_at) WHERE status = 'sending';
-- Staff's dead-letter list, newest first.
CREATE INDEX mail_outbox_dead_idx ON mail_outbox (last_attempt_at DESC) WHERE status = 'dead';
