// SQL for the mail outbox (mail_outbox). Claims take a lease with FOR UPDATE SKIP LOCKED, so concurrent
// workers on any number of nodes never claim the same mail; every later state change is fenced by the
// claim's lease token, so a worker that lost its lease cannot overwrite another's outcome.
// Rows are checked against the schema, never cast. Times come from the caller (an injectable clock).
import { z } from 'zod';
import type { Queryable } from '../db/types.js';

const count = z.number().int().nonnegative();

const outboxRow = z
  .object({
    id: z.string(),
    recipient: z.string(),
    template: z.string(),
    locale: z.string(),
    data: z.record(z.string(), z.unknown()),
    status: z.enum(['queued', 'sending', 'sent', 'dead']),
    attempts: count,
    next_attempt_at: z.date(),
    lease_owner: z.string().nullable(),
    lease_token: z.string().nullable(),
    lease_expires_at: z.date().nullable(),
    last_error: z.string().nullable(),
    created_at: z.date(),
    last_attempt_at: z.date().nullable(),
    sent_at: z.date().nullable(),
    message_id: z.string().nullable(),
  })
  .transform((r) => ({
    id: r.id,
    recipient: r.recipient,
    template: r.template,
    locale: r.locale,
    data: r.data,
    status: r.status,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    leaseOwner: r.lease_owner,
    leaseToken: r.lease_token,
    leaseExpiresAt: r.lease_expires_at,
    lastError: r.last_error,
    createdAt: r.created_at,
    lastAttemptAt: r.last_attempt_at,
    sentAt: r.sent_at,
    messageId: r.message_id,
  }));
/** One mail in the outbox, as stored. */
export type OutboxMail = z.output<typeof outboxRow>;
export type OutboxStatus = OutboxMail['status'];

const insertedRow = z.object({ id: z.string() });
const claimRow = z.object({ previous_status: z.enum(['queued', 'sending']), previous_owner: z.string().nullable() });
const statusCountRow = z.object({ status: z.enum(['queued', 'sending', 'sent', 'dead']), n: count });
const uuid = z.uuid();

/** A mail just claimed; takenOverFrom names the worker whose lease expired mid-delivery, if any. */
export type ClaimedMail = OutboxMail & { takenOverFrom: string | undefined };

export interface NewOutboxMail {
  recipient: string;
  template: string;
  locale: string;
  data: Record<string, unknown>;
}

export interface Claim {
  /** Mails due at this instant are claimed. */
  now: Date;
  limit: number;
  /** The claiming node (shown to staff) and the claim's fencing token (a fresh uuid per claim). */
  owner: string;
  token: string;
  leaseExpiresAt: Date;
  /** Domain of the Message-ID fixed at a mail's first claim: `<id@domain>`. */
  messageIdDomain: string;
}

/** Typed access to the mail outbox. */
export function createMailOutboxQueries(db: Queryable) {
  return {
    /** Adds a queued mail, due at once (the database's transaction time); returns its id. */
    async insert(mail: NewOutboxMail): Promise<string> {
      const { rows } = await db.query(
        'INSERT INTO mail_outbox (recipient, template, locale, data) VALUES ($1, $2, $3, $4::jsonb) RETURNING id',
        [mail.recipient, mail.template, mail.locale, JSON.stringify(mail.data)],
      );
      return insertedRow.parse(rows[0]).id;
    },

    async find(id: string): Promise<OutboxMail | undefined> {
      if (!uuid.safeParse(id).success) return undefined;
      const { rows } = await db.query('SELECT * FROM mail_outbox WHERE id = $1', [id]);
      return rows[0] === undefined ? undefined : outboxRow.parse(rows[0]);
    },

    /**
     * Claims up to `limit` mails that are due (queued and next_attempt_at reached) or abandoned (sending with
     * an expired lease), oldest first, and counts the attempt. Rows another worker is claiming are skipped.
     */
    async claimDue(claim: Claim): Promise<ClaimedMail[]> {
      const { rows } = await db.query(
        `WITH due AS (
           SELECT id, status AS previous_status, lease_owner AS previous_owner FROM mail_outbox
           WHERE (status = 'queued' AND next_attempt_at <= $1) OR (status = 'sending' AND lease_expires_at < $1)
           ORDER BY next_attempt_at, created_at, id
           LIMIT $2
           FOR UPDATE SKIP LOCKED
         )
         UPDATE mail_outbox m
         SET status = 'sending', lease_owner = $3, lease_token = $4, lease_expires_at = $5,
             attempts = m.attempts + 1, last_attempt_at = $1,
             message_id = COALESCE(m.message_id, '<' || m.id::text || '@' || $6::text || '>')
         FROM due WHERE m.id = due.id
         RETURNING m.*, due.previous_status, due.previous_owner`,
        [claim.now, claim.limit, claim.owner, claim.token, claim.leaseExpiresAt, claim.messageIdDomain],
      );
      return rows
        .map((r) => {
          const { previous_status: previous, previous_owner: owner } = claimRow.parse(r);
          return { ...outboxRow.parse(r), takenOverFrom: previous === 'sending' ? (owner ?? 'unknown') : undefined };
        })
        .sort((a, b) => a.nextAttemptAt.getTime() - b.nextAttemptAt.getTime());
    },

    /**
     * Marks abandoned mails (sending, lease expired) that have used up their attempts as dead instead of
     * claiming them once more; returns how many.
     */
    async buryAbandoned(now: Date, maxAttempts: number, lastError: string): Promise<number> {
      const { rowCount } = await db.query(
        `UPDATE mail_outbox
         SET status = 'dead', lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL,
             last_error = COALESCE(last_error || ' | ', '') || $3::text
         WHERE status = 'sending' AND lease_expires_at < $1 AND attempts >= $2`,
        [now, maxAttempts, lastError],
      );
      return rowCount;
    },

    /** Records a delivery and drops the data (its link tokens); false when the claim's lease was lost. */
    async markSent(id: string, token: string, sentAt: Date): Promise<boolean> {
      const { rowCount } = await db.query(
        `UPDATE mail_outbox
         SET status = 'sent', sent_at = $3, data = '{}'::jsonb,
             lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL
         WHERE id = $1 AND status = 'sending' AND lease_token = $2`,
        [id, token, sentAt],
      );
      return rowCount > 0;
    },

    /** Puts a failed mail back in the queue for another attempt; false when the claim's lease was lost. */
    async scheduleRetry(id: string, token: string, nextAttemptAt: Date, lastError: string): Promise<boolean> {
      const { rowCount } = await db.query(
        `UPDATE mail_outbox
         SET status = 'queued', next_attempt_at = $3, last_error = $4,
             lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL
         WHERE id = $1 AND status = 'sending' AND lease_token = $2`,
        [id, token, nextAttemptAt, lastError],
      );
      return rowCount > 0;
    },

    /** Gives up on a mail (staff see it among the dead letters); false when the claim's lease was lost. */
    async markDead(id: string, token: string, lastError: string): Promise<boolean> {
      const { rowCount } = await db.query(
        `UPDATE mail_outbox
         SET status = 'dead', last_error = $3, lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL
         WHERE id = $1 AND status = 'sending' AND lease_token = $2`,
        [id, token, lastError],
      );
      return rowCount > 0;
    },

    /** Dead mails, the most recently failed first. */
    async listDead(limit: number): Promise<OutboxMail[]> {
      const { rows } = await db.query(
        `SELECT * FROM mail_outbox WHERE status = 'dead' ORDER BY last_attempt_at DESC NULLS LAST, created_at DESC LIMIT $1`,
        [limit],
      );
      return rows.map((r) => outboxRow.parse(r));
    },

    /** Queues a dead mail again with fresh attempts, due at `now`; false when there is no dead mail with this id. */
    async requeueDead(id: string, now: Date): Promise<boolean> {
      if (!uuid.safeParse(id).success) return false;
      const { rowCount } = await db.query(
        `UPDATE mail_outbox SET status = 'queued', attempts = 0, next_attempt_at = $2
         WHERE id = $1 AND status = 'dead'`,
        [id, now],
      );
      return rowCount > 0;
    },

    /** How many mails are in each state (health checks, the staff console). */
    async countByStatus(): Promise<Record<OutboxStatus, number>> {
      const { rows } = await db.query('SELECT status, count(*)::int AS n FROM mail_outbox GROUP BY status');
      const counts: Record<OutboxStatus, number> = { queued: 0, sending: 0, sent: 0, dead: 0 };
      for (const row of rows) {
        const { status, n } = statusCountRow.parse(row);
        counts[status] = n;
      }
      return counts;
    },
  };
}
export type MailOutboxQueries = ReturnType<typeof createMailOutboxQueries>;
