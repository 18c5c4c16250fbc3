import { ensureFolderOf } from './sqlite-folder';
import type { SqlDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import type { Prisma, PrismaClient as SqliteClient } from '../generated/sqlite/client';
import { withCommitHooks } from './commit-hooks';
import { onConnect, splitReadsFromTransactions } from './sqlite-connections';
import { withStatementCache } from './statement-cache';
import { StatementCounter } from './statement-counter';
import { type Provider, providerOf, sqlitePath } from './url';

export type { Provider };

/** Both generated clients come from the same models, so one type describes either. */
export type PrismaDb = SqliteClient;
export type Tx = Prisma.TransactionClient;

export interface Database {
  readonly provider: Provider;
  readonly prisma: PrismaDb;
  /**
   * Every write goes through here. On SQLite, statements outside a transaction run on a read-only
   * connection (sqlite-connections.ts): a write elsewhere fails.
   */
  tx<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** SQL statements sent so far (tests and the benchmark read deltas of it). */
  readonly statements: StatementCounter;
  /** Cheap round trip for /readyz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  url: string;
  poolSize?: number;
  statementTimeoutMs?: number;
}

/** Opens the database for the gateway (and its CLIs): the right adapter, pool and session settings. */
export async function createDatabase(opts: DatabaseOptions): Promise<Database> {
  const provider = providerOf(opts.url);
  const statements = new StatementCounter();
  const prisma = provider === 'sqlite' ? await createSqliteClient(opts, statements) : await createPostgresClient(opts, statements);
  return {
    provider,
    prisma,
    statements,
    tx: (fn) => withCommitHooks((body) => prisma.$transaction(body, { maxWait: 10_000, timeout: 20_000 }), fn),
    ping: async () => {
      // On SQLite `SELECT 1` reads no table, so it succeeds even when the database cannot be read;
      // the schema table makes it a real read of the file.
      await prisma.$queryRawUnsafe(provider === 'sqlite' ? 'SELECT count(*) FROM sqlite_master' : 'SELECT 1');
    },
    close: () => prisma.$disconnect(),
  };
}

async function createSqliteClient(opts: DatabaseOptions, statements: StatementCounter): Promise<PrismaDb> {
  const file = sqlitePath(opts.url);
  ensureFolderOf(file);
  const adapter = await sqliteAdapter(file, statements);
  // Loaded only for the engine in use: each generated client brings its own query compiler.
  const { PrismaClient } = await import('../generated/sqlite/client');
  return new PrismaClient({ adapter });
}

/**
 * The gateway's SQLite driver adapter: transactions on a writer connection, other reads on a read-only
 * one; statements kept prepared on both, and counted.
 */
export async function sqliteAdapter(file: string, statements: StatementCounter): Promise<SqlDriverAdapterFactory> {
  // Each engine's adapter (and driver) is loaded only when that engine is used.
  const { PrismaBetterSqlite3 } = await import('@prisma/adapter-better-sqlite3');
  const url = `file:${file}`;
  // busy timeout: other processes (the keys CLI, a migrating instance) may hold the write lock briefly.
  const writer = withDurableCommits(withStatementCache(new PrismaBetterSqlite3({ url, timeout: 5_000 })));
  const reader = withStatementCache(new PrismaBetterSqlite3({ url, timeout: 5_000, readonly: true }));
  return statements.wrap(splitReadsFromTransactions(writer, reader));
}

/**
 * WAL (set persistently by the migrator) lets the reader run beside the writer; synchronous=FULL makes
 * every commit durable before the client hears 201 — across a crash of the process or the machine.
 */
function withDurableCommits<F extends SqlDriverAdapterFactory>(factory: F): F {
  return onConnect(factory, async (adapter) => {
    await adapter.executeRaw({ sql: 'PRAGMA synchronous = FULL', args: [], argTypes: [] });
  });
}

async function createPostgresClient(opts: DatabaseOptions, statements: StatementCounter): Promise<PrismaDb> {
  const url = new URL(opts.url);
  const schema = url.searchParams.get('schema') ?? undefined;
  url.searchParams.delete('schema');
  const { PrismaPg } = await import('@prisma/adapter-pg');
  const adapter = new PrismaPg(
    {
      connectionString: url.toString(),
      max: opts.poolSize ?? 10,
      statement_timeout: opts.statementTimeoutMs || undefined,
      connectionTimeoutMillis: 5_000,
      ...(schema ? { options: `-c search_path="${schema.replace(/"/g, '')}"` } : {}),
    },
    schema ? { schema } : undefined,
  );
  const { PrismaClient } = await import('../generated/postgresql/client');
  return new PrismaClient({ adapter: statements.wrap(adapter) }) as unknown as PrismaDb;
}
