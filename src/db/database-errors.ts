import { ExitCode, StartupError } from '../startup/failure';
import { providerOf, sqlitePath } from './url';

/** host:port of a PostgreSQL URL, for messages: never the user's password. */
export function postgresAddress(url: string): string {
  const u = new URL(url);
  return `${u.hostname || 'localhost'}:${u.port || '5432'}`;
}

/** SQLSTATEs that mean "not up yet" (57P03: the server is starting or shutting down). */
const PG_STARTING = new Set(['57P03', '57P01', '08006', '08001', '08004']);

/**
 * Whether a failed connection attempt may succeed later (the server or the network is not up yet), as
 * opposed to a refusal that retrying cannot fix (wrong password, no such database).
 */
export function isTransientPostgresError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return PG_STARTING.has(code);
  return true; // ECONNREFUSED, ENOTFOUND, EAI_AGAIN, ETIMEDOUT, "timeout expired", "Connection terminated"…
}

/** The reason an attempt failed, short: the errno code when there is one (its message repeats the address). */
export function shortReason(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown } | null;
  const message = typeof e?.message === 'string' && e.message ? e.message : String(err);
  return typeof e?.code === 'string' && /^E[A-Z_]+$/.test(e.code) ? e.code : message;
}

const SQLITE_OPEN_FAILURES = /^SQLITE_(CANTOPEN|READONLY|PERM|IOERR|FULL|NOTADB|CORRUPT|AUTH)/;
const FS_FAILURES: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EEXIST: 'a part of the path is a file, not a folder',
  EISDIR: 'the path is a folder',
  ENOENT: 'no such file or folder',
  ENOSPC: 'no space left on the device',
};

/**
 * Explains a failure to reach or open the database (exit 4) in the operator's terms, naming DATABASE_URL
 * (PostgreSQL: host and port only) and what to do. Anything else is returned as it is.
 */
export function explainDatabaseError(err: unknown, url: string): unknown {
  if (err instanceof StartupError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return err;
  const fail = (lines: string[]) => new StartupError(ExitCode.databaseUnavailable, lines, { cause: err });
  const message = err instanceof Error ? err.message : String(err);
  if (providerOf(url) === 'sqlite') {
    const file = sqlitePath(url);
    // A file-system error counts only when it is about the database's own path (or a folder above it).
    const errPath = (err as { path?: unknown }).path;
    const aboutTheFile = typeof errPath !== 'string' || file.startsWith(errPath) || errPath.startsWith(file);
    const reason = FS_FAILURES[code] && aboutTheFile ? FS_FAILURES[code] : SQLITE_OPEN_FAILURES.test(code) ? message : null;
    if (reason === null) return err;
    const what = `Cannot open the SQLite database ${file} (DATABASE_URL=${url}): ${reason}.`;
    if (/^SQLITE_(NOTADB|CORRUPT)/.test(code)) return fail([what, 'It is not a gateway database or it is damaged: restore it from a backup, or set DATABASE_URL to another file.']);
    if (code === 'ENOSPC' || code === 'SQLITE_FULL') return fail([what, 'Free some disk space, or set DATABASE_URL to a file on another disk.']);
    return fail([what, 'Make sure its folder exists (or can be created) and this user may write there, or set DATABASE_URL to another file.']);
  }
  const at = postgresAddress(url);
  const u = new URL(url);
  const user = decodeURIComponent(u.username) || '(default user)';
  const database = decodeURIComponent(u.pathname.replace(/^\//, '')) || user;
  if (code === '28P01' || code === '28000') {
    return fail([`PostgreSQL at ${at} (DATABASE_URL) refused user "${user}": ${message}.`, 'Check the user name and password in DATABASE_URL.']);
  }
  if (code === '3D000') {
    return fail([`PostgreSQL at ${at} (DATABASE_URL) has no database "${database}".`, `Create it (CREATE DATABASE "${database}" OWNER "${user}";) or correct the database name in DATABASE_URL.`]);
  }
  if (/^E[A-Z_]+$/.test(code) || /^(08|57P)/.test(code)) {
    return fail([`Cannot reach PostgreSQL at ${at} (DATABASE_URL): ${shortReason(err)}.`, 'Start PostgreSQL, or correct the host and port in DATABASE_URL.']);
  }
  return err;
}
