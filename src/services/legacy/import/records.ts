// Import files as a stream of numbered records: NDJSON (one JSON object per line) or CSV with a header row.
// Each record keeps the line it starts on, so every reject names its line. A bad record is reported and
// skipped; a CSV header that names unknown columns or lacks required ones stops the import before it writes.
import path from 'node:path';
import { InvalidInput } from '../../errors.js';
import { csvRecords } from './csv.js';
import { MAX_RECORD_BYTES, numberedLines, readTextChunks, type ByteCounter } from './lines.js';

export type ImportFormat = 'ndjson' | 'csv';
export const IMPORT_FORMATS: readonly ImportFormat[] = ['ndjson', 'csv'];

export type NumberedRecord =
  | { line: number; record: Record<string, unknown> }
  /** partial: what could be read of a bad record (to name it in the rejects file). */
  | { line: number; error: string; partial?: Record<string, unknown> };

/** The format named by a file's extension (.ndjson, .jsonl, .json, .csv), if any. */
export function formatFromExtension(file: string): ImportFormat | undefined {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.ndjson' || ext === '.jsonl' || ext === '.json') return 'ndjson';
  return undefined;
}

/** The format to read: the one asked for, else the extension's; throws InvalidInput when neither says. */
export function resolveFormat(file: string, format: string | undefined): ImportFormat {
  if (format !== undefined) {
    if (!(IMPORT_FORMATS as readonly string[]).includes(format)) throw new InvalidInput(`--format must be ${IMPORT_FORMATS.join(' or ')}, not ${format}.`, 'format');
    return format as ImportFormat;
  }
  const inferred = formatFromExtension(file);
  if (!inferred) throw new InvalidInput(`Cannot tell the format of ${file} from its extension: pass --format ndjson or --format csv.`, 'format');
  return inferred;
}

export interface CsvColumns {
  /** Every column a header may name. */
  known: readonly string[];
  /** Columns the header must name. */
  required: readonly string[];
}

/** Reads a file's records in the given format; bytes read are counted into counter. */
export function readRecords(file: string, format: ImportFormat, columns: CsvColumns, counter: ByteCounter): AsyncGenerator<NumberedRecord> {
  const chunks = readTextChunks(file, counter);
  return format === 'csv' ? csvObjects(chunks, columns) : ndjsonObjects(chunks);
}

async function* ndjsonObjects(chunks: AsyncIterable<string>): AsyncGenerator<NumberedRecord> {
  for await (const item of numberedLines(chunks)) {
    if ('tooLong' in item) {
      yield { line: item.line, error: `the line is longer than ${MAX_RECORD_BYTES} characters` };
      continue;
    }
    if (item.text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(item.text);
    } catch (err) {
      yield { line: item.line, error: `not valid JSON (${(err as Error).message})` };
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      yield { line: item.line, error: 'not a JSON object' };
      continue;
    }
    yield { line: item.line, record: value as Record<string, unknown> };
  }
}

/** Checks a CSV header; throws InvalidInput naming what is wrong with line 1. */
function checkHeader(header: string[], columns: CsvColumns): string[] {
  const names = header.map((h) => h.trim());
  const unknown = names.filter((n) => !columns.known.includes(n));
  const missing = columns.required.filter((n) => !names.includes(n));
  const repeated = names.filter((n, i) => names.indexOf(n) !== i);
  const problems = [
    unknown.length ? `unknown column${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => JSON.stringify(n)).join(', ')}` : '',
    missing.length ? `missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}` : '',
    repeated.length ? `repeated column ${repeated.join(', ')}` : '',
  ].filter(Boolean);
  if (problems.length) {
    throw new InvalidInput(`Line 1 of the CSV file is not a valid header: ${problems.join('; ')}. Known columns: ${columns.known.join(', ')}.`, 'file');
  }
  return names;
}

async function* csvObjects(chunks: AsyncIterable<string>, columns: CsvColumns): AsyncGenerator<NumberedRecord> {
  let header: string[] | undefined;
  for await (const item of csvRecords(chunks)) {
    if ('error' in item) {
      if (!header) throw new InvalidInput(`Line 1 of the CSV file is not a valid header: ${item.error}.`, 'file');
      yield item;
      continue;
    }
    if (!header) {
      header = checkHeader(item.fields, columns);
      continue;
    }
    if (item.fields.length !== header.length) {
      const partial = Object.fromEntries(header.map((name, i) => [name, item.fields[i]]).filter(([, v]) => v !== undefined));
      yield { line: item.line, error: `the row has ${item.fields.length} field${item.fields.length === 1 ? '' : 's'}, the header has ${header.length}`, partial };
      continue;
    }
    const record: Record<string, unknown> = {};
    header.forEach((name, i) => {
      const value = item.fields[i]!;
      if (value !== '') record[name] = value;
    });
    yield { line: item.line, record };
  }
  if (!header) throw new InvalidInput('The CSV file is empty: it needs a header row naming the columns.', 'file');
}
