import { resolve } from 'node:path';

export type Provider = 'sqlite' | 'postgresql';

/** The engine a DATABASE_URL selects; anything but file: and postgresql:// is refused. */
export function providerOf(url: string): Provider {
  if (url.startsWith('file:')) return 'sqlite';
  if (/^postgres(ql)?:\/\//.test(url)) return 'postgresql';
  throw new Error(`Unsupported DATABASE_URL "${redactUrl(url)}": use file:<path> (SQLite) or postgresql://… (PostgreSQL)`);
}

/** For messages and logs: never print a password. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}

/** The absolute SQLite file path of a `file:` URL (relative paths are relative to the working directory). */
export function sqlitePath(url: string): string {
  return resolve(url.replace(/^file:/, '').replace(/\?.*$/, ''));
}
