// Pure rules of the legacy import: the streaming RFC 4180 CSV parser (quotes, line breaks inside quotes,
// records split across chunks, malformed records reported with their line and skipped), NDJSON line
// numbering, and the profile merge (source precedence; a user's edit or clearing is never overwritten).
import { describe, expect, it } from '@jest/globals';
import { csvRecords, type CsvRecord } from '../../../src/services/legacy/import/csv.js';
import { MAX_RECORD_BYTES, numberedLines } from '../../../src/services/legacy/import/lines.js';
import { decideProfile, importedProfile, type SourceProfile } from '../../../src/services/legacy/import/profile.js';
import { progressLine } from '../../../src/services/legacy/import/progress.js';

async function* chunked(text: string, size: number) {
  for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
}
async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}
const csv = (text: string, size = 1 << 16) => collect<CsvRecord>(csvRecords(chunked(text, size)));

describe('CSV parser (RFC 4180)', () => {
  const sample = 'a,b,c\r\n"x, y","say ""hi""",\r\n"two\nlines",plain,"" \n\nlast,row,end';

  it('reads quoted fields, doubled quotes, empty fields, CRLF and LF, and line breaks inside quotes', async () => {
    expect(await csv(sample)).toEqual([
      { line: 1, fields: ['a', 'b', 'c'] },
      { line: 2, fields: ['x, y', 'say "hi"', ''] },
      { line: 3, error: 'line 4: text after the closing quote of a field' },
      { line: 6, fields: ['last', 'row', 'end'] },
    ]);
  });

  it('gives the same records whatever the chunk boundaries', async () => {
    const whole = await csv(sample);
    for (const size of [1, 2, 3, 7]) expect(await csv(sample, size)).toEqual(whole);
  });

  it('reports a quote inside an unquoted field and an unclosed quote, then carries on', async () => {
    expect(await csv('ok,1\nbad"quote,2\nfine,3\n"never closed,4')).toEqual([
      { line: 1, fields: ['ok', '1'] },
      { line: 2, error: 'line 2: a quote inside an unquoted field (quote the whole field and double the quote)' },
      { line: 3, fields: ['fine', '3'] },
      { line: 4, error: 'the file ends inside a quoted field (an unclosed quote)' },
    ]);
  });

  it('skips a record longer than the limit without keeping it in memory', async () => {
    const records = await csv(`a,b\n"${'x'.repeat(MAX_RECORD_BYTES + 10)}\nnext,row\n`, 4096);
    expect(records[0]).toEqual({ line: 1, fields: ['a', 'b'] });
    expect(records[1]).toMatchObject({ line: 2, error: expect.stringMatching(/longer than/) });
    expect(records[2]).toEqual({ line: 3, fields: ['next', 'row'] });
  });
});

describe('NDJSON lines', () => {
  it('numbers lines across chunks, strips CR, and skips an over-long line', async () => {
    const text = `{"a":1}\r\n\n${'y'.repeat(MAX_RECORD_BYTES + 1)}\n{"b":2}`;
    expect(await collect(numberedLines(chunked(text, 1000)))).toEqual([
      { line: 1, text: '{"a":1}' },
      { line: 2, text: '' },
      { line: 3, tooLong: true },
      { line: 4, text: '{"b":2}' },
    ]);
  });
});

describe('profile merge', () => {
  const identity = (source: string, fields: Partial<SourceProfile>): SourceProfile => ({
    source, legacyId: source, lastLoginAt: null, name: null, given_name: null, family_name: null, phone: null, locale: null, ...fields,
  });
  const precedence = ['customer-center', 'eshop', 'mobile'];

  it('takes each field from the best source that has it; unlisted sources come last, then the most recent login', () => {
    const profile = importedProfile([
      identity('mobile', { name: 'Mobile', phone: '+1 mobile', locale: 'en' }),
      identity('crm', { name: 'CRM', given_name: 'From CRM' }),
      identity('eshop', { name: 'Eshop', legacyId: 'old', lastLoginAt: new Date('2020-01-01') }),
      identity('eshop', { name: 'Eshop recent', legacyId: 'new', lastLoginAt: new Date('2024-01-01') }),
      identity('customer-center', { family_name: 'Center' }),
    ], precedence);
    expect(profile).toEqual({ name: 'Eshop recent', given_name: 'From CRM', family_name: 'Center', phone_number: '+1 mobile', locale: 'en' });
  });

  it('writes only fields the user has not edited or cleared since the last import', () => {
    const decision = decideProfile(
      { name: 'My own name', given_name: null, family_name: 'Old', phone_number: null, locale: 'cs' },
      { name: 'Imported', family_name: 'Old', phone_number: '+1' },
      { name: 'New import', given_name: 'Given', family_name: 'New', phone_number: '+2', locale: 'en' },
    );
    expect(decision.changes).toEqual({ given_name: 'Given', family_name: 'New' });
    expect(decision.remembered).toEqual({ name: 'New import', given_name: 'Given', family_name: 'New', phone_number: '+2', locale: 'en' });
  });
});

describe('progress line', () => {
  it('shows rows, rows/s, percentage and the ETA from the bytes read', () => {
    expect(progressLine({ rows: 20_000, bytesRead: 250, totalBytes: 1000 }, 10)).toBe('[######..................] 25%  20,000 rows  2,000 rows/s ETA 0:30');
  });
});
