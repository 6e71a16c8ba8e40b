// A streaming CSV parser (RFC 4180): comma-separated, fields optionally in double quotes, "" for a quote
// inside quotes, CRLF or LF line ends, line breaks allowed inside quoted fields. Constant memory: a record
// longer than MAX_RECORD_BYTES is reported and skipped. A malformed record is reported with the line it
// starts on, and parsing resumes at the next record.
import { MAX_RECORD_BYTES } from './lines.js';

export type CsvRecord = { line: number; fields: string[] } | { line: number; error: string };

const QUOTE = 34;
const COMMA = 44;
const LF = 10;
const CR = 13;

/** Parses CSV text chunks into records numbered by the line each starts on. */
export async function* csvRecords(chunks: AsyncIterable<string>): AsyncGenerator<CsvRecord> {
  let line = 1; // physical line the parser is on
  let recordLine = 1; // line the current record started on
  let fields: string[] = [];
  let field = '';
  let size = 0;
  let quoted = false; // inside a quoted field
  let afterQuote = false; // a quote just closed or was the first half of ""
  let fieldStarted = false; // the current field has content or quotes
  let broken: string | undefined; // the current record is malformed: skip to its end

  const reset = () => {
    fields = [];
    field = '';
    size = 0;
    quoted = false;
    afterQuote = false;
    fieldStarted = false;
    broken = undefined;
  };

  for await (const chunk of chunks) {
    const out: CsvRecord[] = [];
    let plainStart = -1; // start of a run of ordinary characters not yet copied into field
    const flushPlain = (end: number) => {
      if (plainStart !== -1) {
        field += chunk.slice(plainStart, end);
        plainStart = -1;
      }
    };
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (broken !== undefined) {
        plainStart = -1;
        if (c === LF) {
          out.push({ line: recordLine, error: broken });
          line += 1;
          recordLine = line;
          reset();
        }
        continue;
      }
      if (quoted) {
        if (c === QUOTE) {
          flushPlain(i);
          quoted = false;
          afterQuote = true;
        } else {
          if (c === LF) line += 1;
          if (plainStart === -1) plainStart = i;
        }
      } else if (afterQuote && c === QUOTE) {
        field += '"'; // "" inside quotes
        quoted = true;
        afterQuote = false;
      } else if (c === COMMA) {
        flushPlain(i);
        fields.push(field);
        field = '';
        afterQuote = false;
        fieldStarted = false;
      } else if (c === LF) {
        flushPlain(i);
        if (field.endsWith('\r') && !afterQuote) field = field.slice(0, -1);
        fields.push(field);
        const blank = fields.length === 1 && fields[0] === '' && !fieldStarted;
        if (!blank) out.push({ line: recordLine, fields });
        line += 1;
        recordLine = line;
        reset();
      } else if (c === QUOTE) {
        if (fieldStarted || plainStart !== -1 || field !== '') broken = `line ${line}: a quote inside an unquoted field (quote the whole field and double the quote)`;
        else {
          quoted = true;
          fieldStarted = true;
        }
      } else if (afterQuote) {
        if (c !== CR) broken = `line ${line}: text after the closing quote of a field`;
      } else {
        fieldStarted = true;
        if (plainStart === -1) plainStart = i;
      }
      if (++size > MAX_RECORD_BYTES && broken === undefined) {
        broken = `the record is longer than ${MAX_RECORD_BYTES} characters (an unclosed quote?)`;
        quoted = false;
      }
    }
    if (broken === undefined) flushPlain(chunk.length);
    yield* out;
  }
  if (broken !== undefined) {
    yield { line: recordLine, error: broken };
  } else if (quoted) {
    yield { line: recordLine, error: 'the file ends inside a quoted field (an unclosed quote)' };
  } else if (fieldStarted || fields.length > 0 || field !== '') {
    if (field.endsWith('\r') && !afterQuote) field = field.slice(0, -1);
    fields.push(field);
    yield { line: recordLine, fields };
  }
}
