// Puts a person into Latchkey the way an operator does, for the self-service tests of imported accounts: one
// NDJSON export per legacy source, imported with the real import service. The hashes are made here, the way the
// sources made them: bcrypt by @node-rs/bcrypt, Django's pbkdf2_sha256 and a salted MD5 digest by node:crypto.
import { hashSync } from '@node-rs/bcrypt';
import { createHash, pbkdf2Sync, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Latchkey } from '../../../src/app.js';

/** The three sources of issue 4 and the hash format each one used. */
export type LegacySource = 'customer-center' | 'eshop' | 'mobile';

/** The hash fields of a legacy record for this password, in the format the source used. */
export function legacyHashFields(source: LegacySource, password: string): Record<string, string> {
  switch (source) {
    case 'eshop':
      return { password_hash: hashSync(password, { cost: 4 }) };
    case 'customer-center': {
      const salt = randomBytes(9).toString('base64url');
      const iterations = 1000; // kept low in tests; the benchmark uses Django's real count
      return { password_hash: `pbkdf2_sha256$${iterations}$${salt}$${pbkdf2Sync(password, salt, iterations, 32, 'sha256').toString('base64')}` };
    }
    case 'mobile': {
      const salt = randomBytes(6).toString('hex');
      return { password_hash: createHash('md5').update(password + salt).digest('hex'), hash_scheme: 'md5', salt, salt_position: 'suffix' };
    }
  }
}

let serial = 0;

/**
 * Imports one person from each listed source (null: that source had no password). The customer center is
 * imported with --emails-verified, the others without, as in the example. Returns nothing: read the
 * account back by email.
 */
export async function importLegacyPerson(latchkey: Latchkey, email: string, passwords: Partial<Record<LegacySource, string | null>>): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lk-legacy-person-'));
  try {
    for (const [source, password] of Object.entries(passwords) as [LegacySource, string | null][]) {
      serial += 1;
      const record = { legacy_id: `${source}-${serial}-${Date.now()}`, email, name: `Imported from ${source}`, ...(password === null ? {} : legacyHashFields(source, password)) };
      const file = path.join(dir, `${source}.ndjson`);
      await writeFile(file, `${JSON.stringify(record)}\n`);
      const summary = await latchkey.services.legacyImport.importFile({ file, source, emailsVerified: source === 'customer-center', rejectsPath: path.join(dir, 'rejects.ndjson') });
      if (summary.rejected !== 0 || summary.inserted !== 1) throw new Error(`the import of ${source} did not take the record: ${JSON.stringify(summary)}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
