// The rejects file of an import: one JSON object per rejected record ({line, <key>, reason}), written as the
// import goes (constant memory). It never contains a password hash or salt. Created fresh for each run and
// removed again when the run rejected nothing, so a rejects file always belongs to the last run.
import { createWriteStream, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { once } from 'node:events';

export interface RejectEntry {
  line: number;
  reason: string;
  [key: string]: unknown;
}

export interface RejectsFile {
  readonly path: string;
  readonly count: number;
  write(entry: RejectEntry): Promise<void>;
  /** Flushes and closes; removes the file when nothing was rejected. Returns the path, or null. */
  close(): Promise<string | null>;
}

/** The default rejects file: FILE.rejects.ndjson next to the input. */
export const defaultRejectsPath = (input: string) => `${input}.rejects.ndjson`;

/** Opens (truncating) the rejects file at path. */
export async function openRejectsFile(path: string): Promise<RejectsFile> {
  const stream: WriteStream = createWriteStream(path, { flags: 'w', mode: 0o600 });
  await once(stream, 'open');
  let count = 0;
  return {
    path,
    get count() {
      return count;
    },
    async write(entry) {
      count += 1;
      if (!stream.write(`${JSON.stringify(entry)}\n`)) await once(stream, 'drain');
    },
    async close() {
      await new Promise<void>((resolve, reject) => stream.end((err?: Error | null) => (err ? reject(err) : resolve())));
      if (count > 0) return path;
      await rm(path, { force: true });
      return null;
    },
  };
}
