// Legacy import (issue 4, items 1 and 3): `latchkey legacy import` reads an NDJSON or CSV export of one
// legacy system (DESIGN.md, "Legacy import format") and merges it into Latchkey accounts by normalised
// email. Streaming, batched, idempotent, with a rejects file and a dry run (run-import.ts); the merge rules
// are in merge-batch.ts and profile.ts.
import path from 'node:path';
import type { Database } from '../../../db/types.js';
import type { AuditLog } from '../../audit/index.js';
import { InvalidInput } from '../../errors.js';
import { hasNulCharacter, keyField } from './fields.js';
import { emptyMergeCounts, mergeLegacyBatch, type MergeCounts } from './merge-batch.js';
import { resolveFormat, type ImportFormat } from './records.js';
import { defaultRejectsPath } from './rejects.js';
import { LEGACY_CSV_COLUMNS, parseLegacyRecord } from './rows.js';
import { runImport, type ImportProgress } from './run-import.js';

export { formatFromExtension, IMPORT_FORMATS, resolveFormat, type ImportFormat } from './records.js';
export type { ImportProgress } from './run-import.js';
export type { MergeCounts } from './merge-batch.js';

/** A source key: lower-case letters and digits, dash-separated (e.g. customer-center). */
export const SOURCE_KEY = /^[a-z0-9]+(-[a-z0-9]+)*$/;

export interface LegacyImportDeps {
  db: Database;
  audit: AuditLog;
  /** Source keys, best first (config.legacy.sourcePrecedence). */
  sourcePrecedence: readonly string[];
}

export interface LegacyImportOptions {
  file: string;
  source: string;
  /** The source verified that people own their addresses. */
  emailsVerified?: boolean;
  /** Default: from the file's extension. */
  format?: ImportFormat;
  dryRun?: boolean;
  /** Default: FILE.rejects.ndjson. */
  rejectsPath?: string;
  batchSize?: number;
  onProgress?: (progress: ImportProgress) => void;
}

/** What an import did (or, in a dry run, would do). */
export interface LegacyImportSummary extends MergeCounts {
  file: string;
  source: string;
  format: ImportFormat;
  emailsVerified: boolean;
  dryRun: boolean;
  /** Records read. */
  rows: number;
  rejected: number;
  batches: number;
  rejectsFile: string | null;
}

/** The legacy import service. */
export function createLegacyImport(deps: LegacyImportDeps) {
  return {
    /** Imports one legacy export file of one source. */
    async importFile(options: LegacyImportOptions): Promise<LegacyImportSummary> {
      if (!SOURCE_KEY.test(options.source) || options.source.length > 40) {
        throw new InvalidInput(`--source must be a key of lower-case letters, digits and dashes (e.g. eshop), not ${JSON.stringify(options.source)}.`, 'source');
      }
      const format = resolveFormat(options.file, options.format);
      const emailsVerified = options.emailsVerified ?? false;
      const dryRun = options.dryRun ?? false;
      const totals = await runImport({
        db: deps.db,
        file: options.file,
        format,
        columns: LEGACY_CSV_COLUMNS,
        dryRun,
        rejectsPath: options.rejectsPath ?? defaultRejectsPath(options.file),
        batchSize: options.batchSize,
        parse: (record) => (hasNulCharacter(record) ? { ok: false, reason: 'contains a NUL character' } : parseLegacyRecord(record)),
        keyOf: (record) => keyField(record, 'legacy_id'),
        applyBatch: (tx, rows) => mergeLegacyBatch(tx, rows, { source: options.source, emailsVerified, precedence: deps.sourcePrecedence }),
        emptyCounts: emptyMergeCounts,
        onProgress: options.onProgress,
      });
      const summary: LegacyImportSummary = {
        file: options.file, source: options.source, format, emailsVerified, dryRun,
        rows: totals.rows, ...totals.counts, rejected: totals.rejected, batches: totals.batches, rejectsFile: totals.rejectsFile,
      };
      if (!dryRun) {
        const { file, rejectsFile, ...data } = summary;
        await deps.audit.record({ type: 'legacy.imported', data: { ...data, file: path.basename(file), rejectsFile: rejectsFile && path.basename(rejectsFile) } });
      }
      return summary;
    },
  };
}
export type LegacyImport = ReturnType<typeof createLegacyImport>;
