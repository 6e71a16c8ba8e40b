// Where the package's own files (migrations, views, locales, static assets) are, in a checkout or installed.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function findPackageRoot(start: string): string {
  let dir = start;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`Latchkey package root not found above ${start}`);
    dir = parent;
  }
  return dir;
}

/** The directory holding Latchkey's package.json. */
export const packageRoot = findPackageRoot(path.dirname(fileURLToPath(import.meta.url)));
export const migrationsDir = path.join(packageRoot, 'migrations');
export const viewsDir = path.join(packageRoot, 'views');
export const localesDir = path.join(packageRoot, 'locales');
export const publicDir = path.join(packageRoot, 'public');
