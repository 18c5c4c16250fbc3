import type { ColumnDefinition, Database as SqliteConnection, Statement } from 'better-sqlite3';
import type { SqlDriverAdapter, SqlDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { onConnect } from './sqlite-connections';

/** Distinct SQL texts kept prepared. Prisma's texts are few (one per query shape; `IN` lists vary by arity). */
export const STATEMENT_CACHE_SIZE = 500;

/**
 * Keeps SQLite statements prepared across requests. Prisma's better-sqlite3 adapter prepares every
 * statement anew (`client.prepare(sql).bind(args)`), and parsing and planning the SQL was a fifth of a
 * by-id request's CPU time. With this, a text is prepared once and run with each request's arguments.
 *
 * The adapter's connection is its `client` field, which its typings do not declare (adapter 7.10.0, pinned
 * in package.json). `cachesStatements()` tells whether the cache is on; a test asserts it, so an adapter
 * that changes shape fails that test instead of quietly losing the cache.
 */
export function withStatementCache<F extends SqlDriverAdapterFactory>(factory: F): F {
  return onConnect(factory, (adapter) => {
    const connection = (adapter as unknown as { client?: SqliteConnection }).client;
    if (connection && typeof connection.prepare === 'function') installCache(connection);
  });
}

const CACHED = Symbol('sessions-gateway.statementCache');

export function cachesStatements(adapter: SqlDriverAdapter): boolean {
  const connection = (adapter as unknown as { client?: Record<symbol, unknown> }).client;
  return Boolean(connection?.[CACHED]);
}

/**
 * Replaces `connection.prepare` with one that returns what the adapter uses of a statement — `bind(args)`
 * then `reader`, `columns()`, `raw().all()`, `run()`; or `run()` straight away — over a statement kept
 * in an LRU map. better-sqlite3's `bind()` is permanent, so arguments are passed to each run instead.
 * Every call is synchronous, so one statement is never used by two requests at once.
 *
 * The adapter also asks every reading statement for its `columns()` (names and declared types), which
 * better-sqlite3 builds anew, five strings per column, on every call: for a by-id request that was as
 * much CPU time as the rest of the driver. They are kept with the statement, under the database's schema
 * version (`PRAGMA schema_version`: any schema change, from any connection, bumps it; reading it costs a
 * fraction of reading the columns). They are kept only as read just after the statement ran: SQLite
 * reloads a connection's view of the schema when a statement runs, so a statement not yet run since a
 * change by another connection still describes the columns as they were (as it does without this cache).
 */
function installCache(connection: SqliteConnection): void {
  const prepare = connection.prepare.bind(connection);
  const schemaVersion = prepare('PRAGMA schema_version').pluck();
  const statements = new Map<string, Kept>();
  const prepared = (sql: string): Kept => {
    let kept = statements.get(sql);
    if (kept) {
      statements.delete(sql); // re-inserted below: most recently used last
    } else {
      kept = { sql, statement: prepare(sql) };
      if (statements.size >= STATEMENT_CACHE_SIZE) statements.delete(statements.keys().next().value!);
    }
    statements.set(sql, kept);
    return kept;
  };
  const columnsOf = (kept: Kept): ColumnDefinition[] => {
    if (kept.columns !== undefined && kept.columnsVersion === schemaVersion.get()) return kept.columns;
    // Not kept, or the schema changed since: prepared anew, the statement reflects this connection's view.
    if (kept.columns !== undefined) kept.statement = prepare(kept.sql);
    kept.columns = undefined;
    return kept.statement.columns();
  };
  const runAll = (kept: Kept, args: unknown[]): unknown[] => {
    const version = kept.columns === undefined ? (schemaVersion.get() as number) : undefined;
    const rows = kept.statement.raw(true).all(...args);
    if (version !== undefined) {
      kept.columns = kept.statement.columns();
      kept.columnsVersion = version;
    }
    return rows;
  };
  const reuse = (sql: string) => {
    const kept = prepared(sql);
    return {
      get reader() {
        return kept.statement.reader;
      },
      run: (...args: unknown[]) => kept.statement.run(...args),
      bind: (...args: unknown[]) => ({
        reader: kept.statement.reader,
        columns: () => columnsOf(kept),
        raw: () => ({ all: () => runAll(kept, args) }),
        run: () => kept.statement.run(...args),
      }),
    };
  };
  Object.defineProperty(connection, 'prepare', { value: reuse, configurable: true, writable: true });
  Object.defineProperty(connection, CACHED, { value: true });
}

interface Kept {
  sql: string;
  statement: Statement;
  /** columns() as read right after a run under schema version `columnsVersion` (read before that run). */
  columns?: ColumnDefinition[];
  columnsVersion?: number;
}
