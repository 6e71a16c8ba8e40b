// latchkey companies registry-import FILE [--format csv|ndjson]: load the built-in company registry the
// registration form is prefilled from (columns: country, tax_id, kind, name, vat_id, street_address,
// locality, postal_code, region). Bad rows are reported with their line numbers and never stop the import.
import type { Latchkey } from '../../app.js';
import type { RegistryImportFormat, RegistryImportSummary } from '../../services/companies/index.js';
import { parse } from '../args.js';
import { table, UsageError, type Output } from '../output.js';

export const companiesUsage = 'latchkey companies registry-import [--format csv|ndjson] FILE';

function human(s: RegistryImportSummary): string[] {
  return [
    `Imported the company registry ${s.file}.`,
    ...table([
      ['rows read', s.rows],
      ['companies added', s.inserted],
      ['companies updated', s.updated],
      ['rejected', s.rejected],
    ]),
    ...s.errors.map((e) => `  line ${e.line}: ${e.reason}`),
    ...(s.rejected > s.errors.length ? [`  ... and ${s.rejected - s.errors.length} more rejected rows`] : []),
  ];
}

/** Runs a companies subcommand. */
export async function companiesCommand(sub: string | undefined, argv: string[], latchkey: () => Promise<Latchkey>, out: Output): Promise<void> {
  if (sub !== 'registry-import') throw new UsageError(`Unknown companies command ${sub ?? '(none)'}.\n\nUsage: ${companiesUsage}`);
  const { values, positionals } = parse(argv, { format: { type: 'string' } }, companiesUsage);
  if (positionals.length !== 1) throw new UsageError(`latchkey companies registry-import takes exactly one FILE.\n\nUsage: ${companiesUsage}`);
  const format = values.format;
  if (format !== undefined && format !== 'csv' && format !== 'ndjson') throw new UsageError(`--format must be csv or ndjson, not ${format}.\n\nUsage: ${companiesUsage}`);
  const lk = await latchkey();
  const summary = await lk.services.companies.importRegistry(positionals[0]!, format as RegistryImportFormat | undefined);
  out.result(summary, human(summary));
}
