import type { SqlDriverAdapter, SqlDriverAdapterFactory, SqlQueryable } from '@prisma/driver-adapter-utils';
import type { Database as BetterSqlite3Database } from 'better-sqlite3';
import { ensureFolderOf } from './sqlite-folder';
import type { Prisma, PrismaClient as SqliteClient } from '../generated/sqlite/client';
import { withCommitHooks } from './commit-hooks';
import { FixedStatements, postgresStatementName, sqliteReaderRun } from './fixed-statements';
import { onConnect, type SplitSqliteAdapter, splitReadsFromTransactions } from './sqlite-connections';
import { withStatementCache } from './statement-cache';
import { type AdapterListener, StatementCounter } from './statement-counter';
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
  /** The hottest reads as fixed SQL on the same adapter, beneath Prisma's query path (fixed-statements.ts). */
  readonly fixed: FixedStatements;
  /**
   * The driver adapter's transaction under a `tx` of `db.tx`: fixed statements run on it
   * (`db.fixed.x(…, await db.adapterTx(tx))`) are part of that transaction. The first call per
   * transaction costs one statement (see client.ts).
   */
  adapterTx(tx: Tx): Promise<SqlQueryable>;
  /** Cheap round trip for /readyz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  url: string;
  poolSize?: number;
  statementTimeoutMs?: number;
}

/**
 * See adapterTx. The probe's number is its argument, not part of its text: one statement text stays
 * prepared (a text per transaction was prepared anew each time and pushed others out of the cache).
 */
const ADAPTER_TX_PROBE: Record<Provider, string> = { sqlite: 'SELECT ? AS "sg_adapter_tx"', postgresql: 'SELECT $1::int AS "sg_adapter_tx"' };

/** Opens the database for the gateway (and its CLIs): the right adapter, pool and session settings. */
export async function createDatabase(opts: DatabaseOptions): Promise<Database> {
  const provider = providerOf(opts.url);
  const statements = new StatementCounter();
  const fixed = new FixedStatements(provider, () => prisma.$connect());
  // Which adapter transaction is under a Prisma transaction client: Prisma does not say, so a probe
  // statement with a number of its own is sent through the client and recognised on its way through
  // the adapter (robust against any interleaving of concurrent transactions).
  const adapterTxOf = new WeakMap<Tx, SqlQueryable>();
  const probes = new Map<number, Tx>();
  let probeSeq = 0;
  const seen: AdapterListener = {
    connected: (adapter) => fixed.attach(adapter, sqliteReaderOf(adapter, statements)),
    transactionStatement: (adapterTx, { sql, args }) => {
      const tx = probes.size && sql === ADAPTER_TX_PROBE[provider] ? probes.get(Number(args[0])) : undefined;
      if (tx) adapterTxOf.set(tx, adapterTx);
    },
  };
  const prisma = provider === 'sqlite' ? await createSqliteClient(opts, statements, seen) : await createPostgresClient(opts, statements, seen);
  return {
    provider,
    prisma,
    statements,
    fixed,
    adapterTx: async (tx) => {
      let adapterTx = adapterTxOf.get(tx);
      if (adapterTx) return adapterTx;
      const probe = ++probeSeq;
      probes.set(probe, tx);
      try {
        await tx.$queryRawUnsafe(ADAPTER_TX_PROBE[provider], probe);
      } finally {
        probes.delete(probe);
      }
      adapterTx = adapterTxOf.get(tx);
      if (!adapterTx) throw new Error('Not a transaction of db.tx');
      return adapterTx;
    },
    tx: (fn) => withCommitHooks((body) => prisma.$transaction(body, { maxWait: 10_000, timeout: 20_000 }), fn),
    ping: async () => {
      // On SQLite `SELECT 1` reads no table, so it succeeds even when the database cannot be read;
      // the schema table makes it a real read of the file.
      await prisma.$queryRawUnsafe(provider === 'sqlite' ? 'SELECT count(*) FROM sqlite_master' : 'SELECT 1');
    },
    close: () => prisma.$disconnect(),
  };
}

async function createSqliteClient(opts: DatabaseOptions, statements: StatementCounter, seen: AdapterListener): Promise<PrismaDb> {
  const file = sqlitePath(opts.url);
  ensureFolderOf(file);
  const adapter = await sqliteAdapter(file, statements, seen);
  // Loaded only for the engine in use: each generated client brings its own query compiler.
  const { PrismaClient } = await import('../generated/sqlite/client');
  return new PrismaClient({ adapter });
}

/**
 * The gateway's SQLite driver adapter: transactions on a writer connection, other reads on a read-only
 * one; statements kept prepared on both, and counted.
 */
export async function sqliteAdapter(file: string, statements: StatementCounter, seen?: AdapterListener): Promise<SqlDriverAdapterFactory> {
  // Each engine's adapter (and driver) is loaded only when that engine is used.
  const { PrismaBetterSqlite3 } = await import('@prisma/adapter-better-sqlite3');
  const url = `file:${file}`;
  // busy timeout: other processes (the keys CLI, a migrating instance) may hold the write lock briefly.
  const writer = withDurableCommits(withStatementCache(new PrismaBetterSqlite3({ url, timeout: 5_000 })));
  const reader = withStatementCache(new PrismaBetterSqlite3({ url, timeout: 5_000, readonly: true }));
  return statements.wrap(splitReadsFromTransactions(writer, reader), seen);
}

/**
 * For the fixed statements on SQLite: the reader connection of the gateway's split adapter (its
 * better-sqlite3 connection is the adapter's `client`, which the statement cache also relies on).
 */
function sqliteReaderOf(adapter: SqlDriverAdapter, statements: StatementCounter) {
  const connection = (adapter as Partial<SplitSqliteAdapter>).reader as unknown as { client?: BetterSqlite3Database } | undefined;
  return connection?.client ? sqliteReaderRun(connection.client, () => void statements.count++) : undefined;
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

async function createPostgresClient(opts: DatabaseOptions, statements: StatementCounter, seen: AdapterListener): Promise<PrismaDb> {
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
    // The fixed statements run as named prepared statements; Prisma's own stay unnamed.
    { ...(schema ? { schema } : {}), statementNameGenerator: (query) => postgresStatementName(query.sql)! },
  );
  const { PrismaClient } = await import('../generated/postgresql/client');
  return new PrismaClient({ adapter: statements.wrap(adapter, seen) }) as unknown as PrismaDb;
}
