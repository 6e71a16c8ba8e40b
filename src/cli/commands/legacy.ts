// latchkey legacy import: merge a legacy system's users into Latchkey accounts (issue 4; DESIGN.md,
// "Legacy import format"). Progress on stderr when it is a terminal; the summary on stdout.
import type { Latchkey } from '../../app.js';
import { resolveFormat, SOURCE_KEY, type ImportFormat, type LegacyImportSummary } from '../../services/legacy/import/index.js';
import { createProgressBar } from '../../services/legacy/import/progress.js';
import { parse } from '../args.js';
import { table, UsageError, type Output } from '../output.js';

export const legacyUsage = `latchkey legacy import --source KEY [--emails-verified] [--format ndjson|csv] [--dry-run] [--rejects PATH] [--batch-size N] FILE`;

function human(s: LegacyImportSummary): string[] {
  return [
    s.dryRun ? `Dry run: nothing was written. ${s.file} would import as follows.` : `Imported ${s.file} as source ${s.source}.`,
    ...table([
      ['rows read', s.rows],
      ['inserted', s.inserted],
      ['updated', s.updated],
      ['merged into existing accounts', s.merged],
      ['moved to another account (email changed)', s.moved],
      ['accounts created', s.accountsCreated],
      ['accounts removed (emptied by a move)', s.accountsRemoved],
      ['hashes ignored: account already has a password', s.hashesIgnored],
      ['customer links made', s.customerLinks],
      ['duplicate rows (later row won)', s.duplicates],
      ['rejected', s.rejected],
      ['emails verified by the source', s.emailsVerified ? 'yes' : 'no (each sign-in from this source proves the mailbox first)'],
    ]),
    ...(s.rejectsFile ? [`Rejected rows, with line numbers and reasons: ${s.rejectsFile}`] : []),
  ];
}

/** --batch-size: rows per transaction (default 500). */
export function batchSize(raw: string | undefined, usage: string): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new UsageError(`--batch-size must be a whole number from 1 to 10000.\n\nUsage: ${usage}`);
  return n;
}

/** The file's format must be known before anything is opened: --format, or the extension. */
export function checkFormat(file: string, format: string | undefined, usage: string): void {
  try {
    resolveFormat(file, format);
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n\nUsage: ${usage}`);
  }
}

/** Runs a legacy subcommand. */
export async function legacyCommand(sub: string | undefined, argv: string[], latchkey: () => Promise<Latchkey>, out: Output): Promise<void> {
  if (sub !== 'import') throw new UsageError(`Unknown legacy command ${sub ?? '(none)'}.\n\nUsage: ${legacyUsage}`);
  const { values, positionals } = parse(argv, {
    source: { type: 'string' },
    'emails-verified': { type: 'boolean' },
    format: { type: 'string' },
    'dry-run': { type: 'boolean' },
    rejects: { type: 'string' },
    'batch-size': { type: 'string' },
  }, legacyUsage);
  if (!values.source) throw new UsageError(`--source is required (e.g. --source eshop).\n\nUsage: ${legacyUsage}`);
  if (positionals.length !== 1) throw new UsageError(`latchkey legacy import takes exactly one FILE.\n\nUsage: ${legacyUsage}`);
  const size = batchSize(values['batch-size'], legacyUsage);
  if (!SOURCE_KEY.test(values.source) || values.source.length > 40) {
    throw new UsageError(`--source must be a key of lower-case letters, digits and dashes (e.g. eshop, customer-center), not ${JSON.stringify(values.source)}.\n\nUsage: ${legacyUsage}`);
  }
  checkFormat(positionals[0]!, values.format, legacyUsage);
  const progress = createProgressBar(process.stderr, !out.json);
  const lk = await latchkey();
  try {
    const summary = await lk.services.legacyImport.importFile({
      file: positionals[0]!,
      source: values.source,
      emailsVerified: values['emails-verified'] ?? false,
      format: values.format as ImportFormat | undefined, // checked by the service
      dryRun: values['dry-run'] ?? false,
      rejectsPath: values.rejects,
      batchSize: size,
      onProgress: (p) => progress.update(p),
    });
    progress.done();
    out.result(summary, human(summary));
  } finally {
    progress.done();
  }
}
