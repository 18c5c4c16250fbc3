import type { Database as SqliteConnection, Statement } from 'better-sqlite3';
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
 */
function installCache(connection: SqliteConnection): void {
  const prepare = connection.prepare.bind(connection);
  const statements = new Map<string, Statement>();
  const prepared = (sql: string): Statement => {
    let statement = statements.get(sql);
    if (statement) {
      statements.delete(sql); // re-inserted below: most recently used last
    } else {
      statement = prepare(sql);
      if (statements.size >= STATEMENT_CACHE_SIZE) statements.delete(statements.keys().next().value!);
    }
    statements.set(sql, statement);
    return statement;
  };
  const reuse = (sql: string) => {
    const statement = prepared(sql);
    return {
      get reader() {
        return statement.reader;
      },
      run: (...args: unknown[]) => statement.run(...args),
      bind: (...args: unknown[]) => ({
        reader: statement.reader,
        columns: () => statement.columns(),
        raw: () => ({ all: () => statement.raw(true).all(...args) }),
        run: () => statement.run(...args),
      }),
    };
  };
  Object.defineProperty(connection, 'prepare', { value: reuse, configurable: true, writable: true });
  Object.defineProperty(connection, CACHED, { value: true });
}
