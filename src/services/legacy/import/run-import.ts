// The import loop shared by `latchkey legacy import` and `latchkey customers import`: stream the file's
// records, check each, write rejects with their line numbers, and apply valid rows in batches, one
// transaction per batch (so a crash loses at most the batch in flight, and re-running converges: batches
// are idempotent upserts). A batch the database refuses is retried row by row, so one bad row never stops
// the import. A dry run applies everything inside one transaction that is rolled back at the end: the
// summary is what the import would do, and nothing is written.
import { stat } from 'node:fs/promises';
import { withSavepoint } from '../../../db/savepoint.js';
import type { Database, Queryable } from '../../../db/types.js';
import { pgErrorCode } from '../../../db/errors.js';
import { InvalidInput } from '../../errors.js';
import { readRecords, type CsvColumns, type ImportFormat } from './records.js';
import { openRejectsFile, type RejectEntry } from './rejects.js';

export type Counts = Record<string, number>;

export interface ImportProgress {
  /** Records read so far (valid and rejected). */
  rows: number;
  bytesRead: number;
  /** Size of the file in bytes. */
  totalBytes: number;
}

export interface ImportRun<Row, C extends Record<keyof C, number>> {
  db: Database;
  file: string;
  format: ImportFormat;
  columns: CsvColumns;
  dryRun: boolean;
  rejectsPath: string;
  /** Rows per transaction (default 500). */
  batchSize?: number;
  parse(record: Record<string, unknown>): { ok: true; row: Row } | { ok: false; reason: string };
  /** Identifies a rejected record in the rejects file (e.g. { legacy_id }); never secrets. */
  keyOf(record: Record<string, unknown>): Record<string, unknown>;
  /** Applies valid rows; refuse(i, reason) rejects rows[i] (e.g. a conflict only the database can see). */
  applyBatch(tx: Queryable, rows: Row[], refuse: (index: number, reason: string) => void): Promise<C>;
  emptyCounts(): C;
  onProgress?(progress: ImportProgress): void;
}

export interface ImportTotals<C extends Record<keyof C, number>> {
  /** Records read (blank lines aside). */
  rows: number;
  rejected: number;
  batches: number;
  /** The rejects file, or null when nothing was rejected. */
  rejectsFile: string | null;
  counts: C;
}

export const DEFAULT_BATCH_SIZE = 500;
const MAX_ATTEMPTS = 5;

/** Thrown inside a dry run's transaction to roll it back. */
class DryRunRollback extends Error {}

/** SQLSTATE classes of data the database refused (bad values, violated constraints). */
const isDataError = (err: unknown) => /^(22|23)/.test(pgErrorCode(err) ?? '');
/** Deadlock or serialization failure: the batch may simply be run again. */
const isRetryable = (err: unknown) => ['40P01', '40001'].includes(pgErrorCode(err) ?? '');

async function checkInput(file: string, rejectsPath: string): Promise<number> {
  let info;
  try {
    info = await stat(file);
  } catch (err) {
    throw new InvalidInput(`Cannot read ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}.`, 'file');
  }
  if (!info.isFile()) throw new InvalidInput(`${file} is not a file.`, 'file');
  if ((await stat(rejectsPath).catch(() => undefined))?.ino === info.ino) throw new InvalidInput('The rejects file must not be the input file.', 'rejects');
  return info.size;
}

/** Runs an import; returns its totals. Throws InvalidInput for an unreadable file or a bad CSV header. */
export async function runImport<Row, C extends Record<keyof C, number>>(run: ImportRun<Row, C>): Promise<ImportTotals<C>> {
  const totalBytes = await checkInput(run.file, run.rejectsPath);
  const rejects = await openRejectsFile(run.rejectsPath);
  const batchSize = run.batchSize ?? DEFAULT_BATCH_SIZE;
  const totals: ImportTotals<C> = { rows: 0, rejected: 0, batches: 0, rejectsFile: null, counts: run.emptyCounts() };
  const counter = { bytesRead: 0 };
  const add = (c: C) => {
    const sum = totals.counts as Counts;
    for (const [k, v] of Object.entries(c as Counts)) sum[k] = (sum[k] ?? 0) + v;
  };

  type Valid = { line: number; row: Row; key: Record<string, unknown> };
  /** What applying one batch did: counts of its parts and the rows the database refused. */
  type Applied = { counts: C[]; refused: RejectEntry[] };

  // Rejects wait for the end of their batch, so the file lists them in line order. A batch closes after
  // batchSize records, valid or not, which bounds the memory this takes. While one batch is in the database,
  // the next is read and checked (with a PostgreSQL server the two run on different cores); batches still
  // reach the database one at a time, in file order, so crash safety and idempotency are unchanged.
  const consume = async (applyBatch: (rows: Valid[]) => Promise<Applied>) => {
    let batch: Valid[] = [];
    let pending: RejectEntry[] = [];
    let inFlight: Promise<void> | undefined;
    const finish = async (rows: Valid[], rejected: RejectEntry[], progress: ImportProgress) => {
      if (rows.length > 0) {
        const applied = await applyBatch(rows);
        applied.counts.forEach(add);
        rejected.push(...applied.refused);
        totals.batches += 1;
      }
      for (const entry of rejected.sort((a, b) => a.line - b.line)) await rejects.write(entry);
      run.onProgress?.(progress);
    };
    const flush = async () => {
      await inFlight;
      inFlight = finish(batch, pending, { rows: totals.rows, bytesRead: counter.bytesRead, totalBytes });
      inFlight.catch(() => undefined); // handled: awaited at the next flush or at the end
      batch = [];
      pending = [];
    };
    try {
      for await (const item of readRecords(run.file, run.format, run.columns, counter)) {
        totals.rows += 1;
        if ('error' in item) {
          pending.push({ line: item.line, ...(item.partial ? run.keyOf(item.partial) : {}), reason: item.error });
        } else {
          const parsed = run.parse(item.record);
          if (!parsed.ok) pending.push({ line: item.line, ...run.keyOf(item.record), reason: parsed.reason });
          else batch.push({ line: item.line, row: parsed.row, key: run.keyOf(item.record) });
        }
        if (batch.length + pending.length >= batchSize) await flush();
      }
      await flush();
    } finally {
      // Never leave a batch running behind an error of the reader (its own error, if any, is thrown by flush).
      await inFlight?.catch(() => undefined);
    }
    await inFlight;
  };

  /** Applies part of a batch under a savepoint; the counts and refusals count only when it succeeds. */
  const attempt = async (tx: Queryable, part: Valid[], applied: Applied) => {
    const refused: RejectEntry[] = [];
    const counts = await withSavepoint(tx, () => run.applyBatch(tx, part.map((b) => b.row), (i, reason) => {
      const b = part[i]!;
      refused.push({ line: b.line, ...b.key, reason });
    }));
    applied.counts.push(counts);
    applied.refused.push(...refused);
  };
  /** Applies a batch in tx; when the database refuses it, applies its rows one by one and rejects the refused ones. */
  const applyIn = async (tx: Queryable, batch: Valid[]): Promise<Applied> => {
    const applied: Applied = { counts: [], refused: [] };
    try {
      await attempt(tx, batch, applied);
    } catch (err) {
      if (!isDataError(err)) throw err;
      for (const b of batch) {
        try {
          await attempt(tx, [b], applied);
        } catch (rowErr) {
          if (!isDataError(rowErr)) throw rowErr;
          applied.refused.push({ line: b.line, ...b.key, reason: `the database refused the row: ${(rowErr as Error).message}` });
        }
      }
    }
    return applied;
  };

  try {
    if (run.dryRun) {
      await run.db.transaction(async (tx) => {
        await consume((batch) => applyIn(tx, batch));
        throw new DryRunRollback();
      }).catch((err: unknown) => {
        if (!(err instanceof DryRunRollback)) throw err;
      });
    } else {
      await consume((batch) => withRetries(() => run.db.transaction((tx) => applyIn(tx, batch))));
    }
  } finally {
    totals.rejectsFile = await rejects.close();
  }
  totals.rejected = rejects.count;
  return totals;
}

async function withRetries<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!isRetryable(err) || attempt >= MAX_ATTEMPTS) throw err;
      await new Promise((resolve) => setTimeout(resolve, 20 * attempt));
    }
  }
}
