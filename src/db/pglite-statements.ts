// Parameterised statements on the embedded database as named prepared statements.
// PGlite's own query() sends Parse, Describe, Bind, Describe, Execute and Sync as six separate calls into the
// WASM module, and PostgreSQL parses, analyses and plans the statement text every time. Latchkey runs the same
// few dozen statement texts over and over, so each text is prepared once per database session (Parse + Describe,
// which also gives the parameter types), and every execution is one call: Bind, Describe, Execute, Sync.
// Parameters are serialised and rows parsed by PGlite's own serializers and parsers, exactly as query() does.
// The caller provides the locking (PGlite's transaction and query locks), so nothing else interleaves.
// Messages go through execProtocolStream, as in PGlite's query(): execProtocol would deliver the answer to the
// output handler the CLI socket (pglite-socket, execProtocolRawStream) leaves installed, not to us.
import { parse, protocol, type PGlite } from '@electric-sql/pglite';

/** What a statement returns: its rows (parsed by PGlite's type parsers) and the number of rows affected. */
export type StatementResult = ReturnType<typeof parse.parseResults>[number];

interface Prepared {
  name: string;
  /** Parameter type OIDs, as PostgreSQL inferred them when preparing. */
  types: number[];
}

/** Statement texts are fixed in the queries layer; this bound only guards against a runaway caller. */
const MAX_PREPARED = 500;

/** SQLSTATEs meaning a prepared statement is gone or outdated (after DEALLOCATE, or a schema change). */
function isStaleStatement(err: unknown): boolean {
  const { code, message } = (err ?? {}) as { code?: unknown; message?: unknown };
  if (code === '26000') return true; // invalid_sql_statement_name: prepared statement does not exist
  return code === '0A000' && typeof message === 'string' && message.includes('cached plan must not change result type');
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Runs statements on pglite through a cache of prepared statements. */
export function createStatementRunner(pglite: PGlite) {
  const { serialize } = protocol;
  const prepared = new Map<string, Prepared>();
  // Statements dropped from the cache that may still exist in the session; closed with the next Parse.
  const toClose: string[] = [];
  let counter = 0;

  async function prepare(text: string, inTransaction: boolean): Promise<Prepared> {
    const cached = prepared.get(text);
    if (cached) return cached;
    if (prepared.size >= MAX_PREPARED) {
      const [oldestText, oldest] = prepared.entries().next().value!;
      prepared.delete(oldestText);
      toClose.push(oldest.name);
    }
    const name = `latchkey_${++counter}`;
    const closing = toClose.splice(0);
    const messages = await pglite.execProtocolStream(concat([
      ...closing.map((old) => serialize.close({ type: 'S', name: old })),
      serialize.parse({ name, text, types: [] }),
      serialize.describe({ type: 'S', name }),
      serialize.sync(),
    ]), { syncToFs: !inTransaction });
    const statement = { name, types: parse.parseDescribeStatementResults(messages) };
    prepared.set(text, statement);
    return statement;
  }

  async function execute(statement: Prepared, params: readonly unknown[], inTransaction: boolean): Promise<StatementResult> {
    const values = params.map((value, i) => {
      if (value === null || value === undefined) return null;
      const serializer = pglite.serializers[statement.types[i]!];
      return serializer ? serializer(value) : String(value);
    });
    const messages = await pglite.execProtocolStream(concat([
      serialize.bind({ statement: statement.name, values }),
      serialize.describe({ type: 'P' }),
      serialize.execute({}),
      serialize.sync(),
    ]), { syncToFs: !inTransaction });
    return parse.parseResults(messages, pglite.parsers)[0]!;
  }

  /**
   * Runs one statement. The caller holds PGlite's locks: the transaction lock outside a transaction, and in
   * every case the query lock. A statement found stale is prepared again and, outside a transaction, retried
   * (it failed before executing, so it had no effect); inside one the error stands, as the transaction is aborted.
   */
  async function run(text: string, params: readonly unknown[], inTransaction: boolean): Promise<StatementResult> {
    try {
      return await execute(await prepare(text, inTransaction), params, inTransaction);
    } catch (err) {
      if (!isStaleStatement(err)) throw err;
      // One statement outdated by a schema change, or all of them gone (DEALLOCATE ALL): prepare again.
      const stale = (err as { code?: unknown }).code === '26000' ? [...prepared.keys()] : [text];
      for (const key of stale) {
        const statement = prepared.get(key);
        if (!statement) continue;
        prepared.delete(key);
        toClose.push(statement.name);
      }
      if (inTransaction) throw err;
      return execute(await prepare(text, inTransaction), params, inTransaction);
    }
  }

  return { run };
}
export type StatementRunner = ReturnType<typeof createStatementRunner>;
