import { ensureFolderOf } from './sqlite-folder';
import Database from 'better-sqlite3';
import { ExitCode, StartupError } from '../startup/failure';
import { sqlitePath } from './url';

/**
 * One gateway process per SQLite database. Its in-memory state (held long-polls, the event feed, rate
 * limits' timing) assumes no other process writes behind its back, and SQLite serves one writer well;
 * several instances are what PostgreSQL is for.
 *
 * The lock is SQLite's own, on a tiny database beside the real one (`<file>-gateway.lock`), held for the
 * process's lifetime in EXCLUSIVE locking mode. It is an OS lock (fcntl), so the kernel drops it when the
 * process dies, however it dies: no stale lock after a crash or SIGKILL, nothing to clean up. The lock
 * file itself stays (deleting it on exit would race with a starter that just opened it). The gateway's
 * database file is not locked, so the CLIs (`npm run keys`, `npm run db:migrate`), backups and tests
 * still work beside a running server.
 */
export function lockSqliteDatabase(url: string): { release(): void } {
  const file = sqlitePath(url);
  ensureFolderOf(file);
  const lock = new Database(`${file}-gateway.lock`, { timeout: 0 });
  try {
    lock.pragma('journal_mode = MEMORY'); // no -journal file next to it
    lock.pragma('locking_mode = EXCLUSIVE'); // the first write takes the lock, and it is never given back
    lock.exec('BEGIN EXCLUSIVE');
    lock.exec('CREATE TABLE IF NOT EXISTS held (pid INTEGER)');
    lock.prepare('DELETE FROM held').run();
    lock.prepare('INSERT INTO held (pid) VALUES (?)').run(process.pid);
    lock.exec('COMMIT');
  } catch (err) {
    lock.close();
    const code = (err as { code?: string }).code ?? '';
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
      throw new StartupError(
        ExitCode.sqliteInUse,
        [
          `Another sessions-gateway process is already running on the SQLite database ${file} (DATABASE_URL=${url}).`,
          'SQLite serves one gateway process: stop the other one first, or run several instances on PostgreSQL (DATABASE_URL=postgresql://…).',
        ],
        { cause: err },
      );
    }
    throw err;
  }
  return { release: () => lock.close() };
}
