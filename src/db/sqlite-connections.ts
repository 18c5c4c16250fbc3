import type { SqlDriverAdapter, SqlDriverAdapterFactory } from '@prisma/driver-adapter-utils';

/**
 * The factory, whose every new connection gets `setup` before Prisma uses it. The factory itself is
 * kept (adapters use #private fields), with only `connect` replaced.
 */
export function onConnect<F extends SqlDriverAdapterFactory>(factory: F, setup: (adapter: SqlDriverAdapter) => void | Promise<void>): F {
  const connect = factory.connect.bind(factory);
  return Object.assign(factory, {
    connect: async () => {
      const adapter = await connect();
      await setup(adapter);
      return adapter;
    },
  });
}

/** The SQLite adapter the gateway runs on: its two connections are visible for tests. */
export interface SplitSqliteAdapter extends SqlDriverAdapter {
  readonly writer: SqlDriverAdapter;
  readonly reader: SqlDriverAdapter;
}

/**
 * SQLite on two connections: transactions on a writer, every other statement on a read-only reader.
 *
 * Prisma's better-sqlite3 adapter has one connection and serializes only transactions. A read made
 * while another request's transaction was open (between its awaits) ran inside that transaction: it saw
 * rows not committed yet, and gone again if the transaction rolled back. On a connection of its own, a
 * read sees the last commit (WAL lets it run beside the writer), as on PostgreSQL.
 *
 * The reader is opened read-only, so a write outside `db.tx` fails at once with an error, rather than
 * joining another request's transaction (one connection) or blocking the event loop in better-sqlite3's
 * synchronous wait for the writer's lock (two writable connections).
 */
export function splitReadsFromTransactions(writer: SqlDriverAdapterFactory, reader: SqlDriverAdapterFactory): SqlDriverAdapterFactory {
  return {
    provider: writer.provider,
    adapterName: writer.adapterName,
    connect: async (): Promise<SplitSqliteAdapter> => {
      // The writer first: it creates the -wal and -shm files a read-only connection cannot create.
      const w = await writer.connect();
      let r: SqlDriverAdapter;
      try {
        r = await reader.connect();
      } catch (err) {
        await w.dispose();
        throw err;
      }
      return {
        provider: w.provider,
        adapterName: w.adapterName,
        writer: w,
        reader: r,
        queryRaw: (query) => r.queryRaw(query),
        executeRaw: (query) => r.executeRaw(query),
        executeScript: (script) => w.executeScript(script),
        startTransaction: async (isolationLevel) => rollsBackAfterFailedCommit(await w.startTransaction(isolationLevel)),
        dispose: async () => {
          // The writer last: the last connection to close checkpoints the WAL into the file, which takes a writable one.
          await r.dispose();
          await w.dispose();
        },
      };
    },
  };
}

/**
 * A COMMIT that fails (a deferred constraint, a full disk) leaves a SQLite transaction open. Prisma then
 * calls the adapter transaction's rollback(), which in the better-sqlite3 adapter only releases its lock
 * without a ROLLBACK: the writer stayed inside the failed transaction, and the next transaction on it
 * failed or hung. Here rollback() first ends whatever transaction is still open on the connection (after
 * an ordinary rollback there is none: Prisma sent ROLLBACK before).
 */
function rollsBackAfterFailedCommit<T extends object>(tx: T): T {
  const connection = (tx as { client?: { inTransaction?: boolean; exec?: (sql: string) => unknown } }).client;
  const { rollback } = tx as unknown as { rollback: () => Promise<void> };
  return Object.assign(tx, {
    rollback: async () => {
      if (connection?.inTransaction && connection.exec) connection.exec('ROLLBACK');
      return rollback.call(tx);
    },
  });
}
