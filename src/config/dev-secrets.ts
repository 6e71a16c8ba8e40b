// Development secrets: cookie keys and the key encryption key, generated once per data dir and
// persisted (0600) so sessions and tokens survive a restart. Production refuses them (see index.ts).
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';

const devSecretsFile = z.object({ cookieKeys: z.array(z.string().min(32)).min(1), keyEncryptionKey: z.string().regex(/^[0-9a-f]{64}$/) });

export interface DevSecrets {
  cookieKeys: string[];
  keyEncryptionKey: Buffer;
  created: boolean;
  file: string;
}

/** Loads the development secrets of dataDir, creating them on first use. */
export async function loadOrCreateDevSecrets(dataDir: string): Promise<DevSecrets> {
  const file = path.join(dataDir, 'dev-secrets.json');
  try {
    const parsed = devSecretsFile.parse(JSON.parse(await readFile(file, 'utf8')));
    return { cookieKeys: parsed.cookieKeys, keyEncryptionKey: Buffer.from(parsed.keyEncryptionKey, 'hex'), created: false, file };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`${file} is unreadable or malformed; delete it to generate new development secrets (existing sessions and signing keys will be lost).`);
  }
  const secrets = { cookieKeys: [randomBytes(32).toString('base64url')], keyEncryptionKey: randomBytes(32).toString('hex') };
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await writeFile(file, JSON.stringify(secrets, null, 2), { mode: 0o600, flag: 'wx' }).catch(async (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err; // another process created them first: use theirs
  });
  const stored = devSecretsFile.parse(JSON.parse(await readFile(file, 'utf8')));
  return { cookieKeys: stored.cookieKeys, keyEncryptionKey: Buffer.from(stored.keyEncryptionKey, 'hex'), created: true, file };
}
