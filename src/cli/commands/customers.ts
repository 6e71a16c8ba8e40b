// latchkey customers import: load the customer directory (issue 4, item 8; DESIGN.md, "Customer directory
// import format"). Progress on stderr when it is a terminal; the summary on stdout.
import type { Latchkey } from '../../app.js';
import type { CustomerImportSummary } from '../../services/customers/index.js';
import type { ImportFormat } from '../../services/legacy/import/index.js';
import { createProgressBar } from '../../services/legacy/import/progress.js';
import { parse } from '../args.js';
import { table, UsageError, type Output } from '../output.js';
import { batchSize, checkFormat } from './legacy.js';

export const customersUsage = `latchkey customers import [--format ndjson|csv] [--dry-run] [--rejects PATH] [--batch-size N] FILE`;

function human(s: CustomerImportSummary): string[] {
  return [
    s.dryRun ? `Dry run: nothing was written. ${s.file} would import as follows.` : `Imported the customer directory ${s.file}.`,
    ...table([
      ['rows read', s.rows],
      ['customers inserted', s.inserted],
      ['customers updated', s.updated],
      ['licences added or assigned', s.licences],
      ['accounts linked (legacy customer_id)', s.customerLinks],
      ['duplicate rows (later row won)', s.duplicates],
      ['rejected', s.rejected],
    ]),
    ...(s.rejectsFile ? [`Rejected rows, with line numbers and reasons: ${s.rejectsFile}`] : []),
  ];
}

/** Runs a customers subcommand. */
export async function customersCommand(sub: string | undefined, argv: string[], latchkey: () => Promise<Latchkey>, out: Output): Promise<void> {
  if (sub !== 'import') throw new UsageError(`Unknown customers command ${sub ?? '(none)'}.\n\nUsage: ${customersUsage}`);
  const { values, positionals } = parse(argv, {
    format: { type: 'string' },
    'dry-run': { type: 'boolean' },
    rejects: { type: 'string' },
    'batch-size': { type: 'string' },
  }, customersUsage);
  if (positionals.length !== 1) throw new UsageError(`latchkey customers import takes exactly one FILE.\n\nUsage: ${customersUsage}`);
  const size = batchSize(values['batch-size'], customersUsage);
  checkFormat(positionals[0]!, values.format, customersUsage);
  const progress = createProgressBar(process.stderr, !out.json);
  const lk = await latchkey();
  try {
    const summary = await lk.services.customers.importFile({
      file: positionals[0]!,
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
