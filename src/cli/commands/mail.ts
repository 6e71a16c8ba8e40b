// latchkey mail status|dead|retry: the outbox as staff see it (mail that could not be delivered).
import type { Latchkey } from '../../app.js';
import { parse } from '../args.js';
import { UsageError, type Output } from '../output.js';

export const mailUsage = `latchkey mail status [--json]
       latchkey mail dead [--limit N] [--json]
       latchkey mail retry ID [--json]`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Runs a mail subcommand. */
export async function mailCommand(sub: string | undefined, argv: string[], latchkey: () => Promise<Latchkey>, out: Output): Promise<void> {
  switch (sub) {
    case 'status': {
      parse(argv, {}, mailUsage);
      const counts = await (await latchkey()).mailer.stats();
      out.result(counts, Object.entries(counts).map(([status, n]) => `${status}: ${n}`));
      return;
    }
    case 'dead': {
      const { values } = parse(argv, { limit: { type: 'string' } }, mailUsage);
      const limit = values.limit === undefined ? 50 : Number(values.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new UsageError('--limit must be a whole number from 1 to 1000.');
      const dead = await (await latchkey()).mailer.deadLetters(limit);
      const rows = dead.map((m) => ({
        id: m.id,
        recipient: m.recipient,
        template: m.template,
        attempts: m.attempts,
        last_error: m.lastError,
        created_at: m.createdAt.toISOString(),
        last_attempt_at: m.lastAttemptAt?.toISOString() ?? null,
      }));
      out.result(rows, rows.length ? rows.map((m) => `${m.id}  ${m.template} to ${m.recipient}  ${m.attempts} attempts  ${m.last_error ?? ''}`) : ['No dead mail.']);
      return;
    }
    case 'retry': {
      const { positionals } = parse(argv, {}, mailUsage);
      const id = positionals[0];
      if (!id || positionals.length > 1) throw new UsageError(`Give the id of one dead mail (see latchkey mail dead).\n\nUsage: ${mailUsage}`);
      if (!UUID.test(id)) throw new UsageError(`"${id}" is not a mail id (see latchkey mail dead).`);
      await (await latchkey()).mailer.retry(id);
      out.result({ id, status: 'queued' }, `Mail ${id} is queued again; a server node delivers it within its poll interval.`);
      return;
    }
    default:
      throw new UsageError(`Unknown mail command ${sub ?? '(none)'}.\n\nUsage: ${mailUsage}`);
  }
}
