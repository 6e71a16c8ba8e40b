// Streaming text input for the imports: reads a file chunk by chunk in constant memory, counts the bytes
// read (for progress and ETA) and splits NDJSON into numbered lines. An over-long line is skipped, not kept.
import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

/** The longest line or CSV record accepted (a legacy user record is a few hundred bytes). */
export const MAX_RECORD_BYTES = 256 * 1024;

/** Counts the bytes read so far, for progress reporting. */
export interface ByteCounter {
  bytesRead: number;
}

/** Decoded UTF-8 text of a file in chunks (a leading byte-order mark dropped), counting bytes into counter. */
export async function* readTextChunks(file: string, counter: ByteCounter): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let first = true;
  for await (const chunk of createReadStream(file, { highWaterMark: 64 * 1024 })) {
    const buffer = chunk as Buffer;
    counter.bytesRead += buffer.length;
    let text = decoder.write(buffer);
    if (first && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    if (text) yield text;
  }
  const rest = decoder.end();
  if (rest) yield rest;
}

export type NumberedLine = { line: number; text: string } | { line: number; tooLong: true };

/** Lines of a text stream, numbered from 1, without their \n or \r\n. */
export async function* numberedLines(chunks: AsyncIterable<string>): AsyncGenerator<NumberedLine> {
  let line = 1;
  let pending = '';
  let skipping = false; // inside a line already reported as too long
  for await (const chunk of chunks) {
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf('\n', start);
      if (newline === -1) break;
      const piece = chunk.slice(start, newline);
      if (skipping) skipping = false;
      else if (pending.length + piece.length > MAX_RECORD_BYTES) yield { line, tooLong: true };
      else yield { line, text: stripCr(pending + piece) };
      pending = '';
      line += 1;
      start = newline + 1;
    }
    if (skipping) continue;
    pending += chunk.slice(start);
    if (pending.length > MAX_RECORD_BYTES) {
      yield { line, tooLong: true };
      pending = '';
      skipping = true;
    }
  }
  if (!skipping && pending !== '') yield { line, text: stripCr(pending) };
}

const stripCr = (s: string) => (s.endsWith('\r') ? s.slice(0, -1) : s);
