import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Creates the folders above a SQLite file, one level at a time. Node's `mkdirSync(…, { recursive: true })`
 * loops forever where creating a folder fails with ENOENT although its parent exists (under /proc:
 * `DATABASE_URL=file:/proc/x/y.db` burned CPU minutes in a CLI without a word). Here that ENOENT is
 * thrown like any other error, and the caller explains it (exit 4, "no such file or folder").
 */
export function ensureFolderOf(file: string): void {
  const missing: string[] = [];
  let folder = dirname(file);
  while (!exists(folder)) {
    missing.push(folder);
    const parent = dirname(folder);
    if (parent === folder) break;
    folder = parent;
  }
  for (const dir of missing.reverse()) {
    try {
      mkdirSync(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err; // another process made it first
    }
  }
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err; // EACCES, ENOTDIR…: the caller explains it
  }
}
