// latchkey keys rotate|list
import type { Latchkey } from '../../app.js';
import { SIGNING_ALGORITHMS, type SigningAlgorithm } from '../../services/keys/index.js';
import { parse } from '../args.js';
import { UsageError, type Output } from '../output.js';

export const keysUsage = `latchkey keys rotate [--alg ES256|RS256] [--json]
       latchkey keys list [--json]`;

/** Runs a keys subcommand. */
export async function keysCommand(sub: string | undefined, argv: string[], latchkey: () => Promise<Latchkey>, out: Output): Promise<void> {
  switch (sub) {
    case 'rotate': {
      const { values } = parse(argv, { alg: { type: 'string' } }, keysUsage);
      if (values.alg !== undefined && !SIGNING_ALGORITHMS.includes(values.alg as SigningAlgorithm)) throw new UsageError(`--alg must be one of ${SIGNING_ALGORITHMS.join(', ')}.`);
      const lk = await latchkey();
      const result = await lk.services.keys.rotate(values.alg as SigningAlgorithm | undefined);
      out.result(result, [
        ...result.created.map((k) => `New current ${k.alg} key ${k.kid}`),
        `${result.retired} previous key(s) retired; they stay in the JWKS until the tokens they signed have expired.`,
        `Running nodes switch within ${lk.config.keyRefreshSeconds} s.`,
      ]);
      return;
    }
    case 'list': {
      parse(argv, {}, keysUsage);
      const keys = await (await latchkey()).services.keys.list();
      const rows = keys.map((k) => ({ kid: k.kid, alg: k.alg, created_at: k.created_at.toISOString(), retired_at: k.retired_at?.toISOString() ?? null, publish_until: k.publish_until?.toISOString() ?? null }));
      out.result(rows, rows.map((k) => `${k.kid}  ${k.alg}  ${k.retired_at ? `retired, published until ${k.publish_until}` : 'current'}`));
      return;
    }
    default:
      throw new UsageError(`Unknown keys command ${sub ?? '(none)'}.\n\nUsage: ${keysUsage}`);
  }
}
