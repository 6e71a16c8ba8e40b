// latchkey customers import: load the customer directory (issue 4, item 8; DESIGN.md, "Customer directory
// import format"). Progress on stderr when it is a terminal; the summary on stdout.
// latchkey customers link|unlink EMAIL|ID CUSTOMER_ID: staff link an account to a customer or remove the link.
import type { Latchkey } from '../../app.js';
import type { CustomerImportSummary } from '../../services/customers/index.js';
import type { ImportFormat } from '../../services/legacy/import/index.js';
import { createProgressBar } from '../../services/legacy/import/progress.js';
import { parse } from '../args.js';
import { table, UsageError, type Output } from '../output.js';
import { batchSize, checkFormat } from './legacy.js';

export const customersUsage = `latchkey customers import [--format ndjson|csv] [--dry-run] [--rejects PATH] [--batch-size N] FILE
       latchkey customers link EMAIL|ID CUSTOMER_ID
       latchkey customers unlink EMAIL|ID CUSTOMER_ID`;

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

/** latchkey customers link|unlink: staff manage an account's customer links (audited as linked by "staff"). */
async function linkCommand(sub: 'link' | 'unlink', argv: string[], latchkey: () => Promise<Latchkey>, out: Output): Promise<void> {
  const { positionals } = parse(argv, {}, customersUsage);
  if (positionals.length !== 2) throw new UsageError(`latchkey customers ${sub} takes EMAIL|ID and CUSTOMER_ID.\n\nUsage: ${customersUsage}`);
  const [who, customerId] = positionals as [string, string];
  const lk = await latchkey();
  const account = await lk.services.accounts.requireAccount(who);
  const changed = sub === 'link'
    ? await lk.services.customers.link(account.id, customerId, 'staff')
    : await lk.services.customers.unlink(account.id, customerId, 'staff');
  const customers = (await lk.services.customers.linksOf(account.id)).map((l) => l.customer_id);
  const message = sub === 'link'
    ? (changed ? `Linked ${account.email} to customer ${customerId}.` : `${account.email} was already linked to customer ${customerId}.`)
    : (changed ? `Unlinked ${account.email} from customer ${customerId}.` : `${account.email} was not linked to customer ${customerId}.`);
  out.result({ sub: account.id, email: account.email, changed, customers }, message);
}

/** Runs a customers subcommand. */
export async function customersCommand(sub: string | undefined, argv: string[], latchkey: () => Promise<Latchkey>, out: Output): Promise<void> {
  if (sub === 'link' || sub === 'unlink') return linkCommand(sub, argv, latchkey, out);
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
