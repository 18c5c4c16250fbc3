import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SqlDriverAdapter, SqlQuery } from '@prisma/driver-adapter-utils';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { sqliteAdapter } from '../../src/db/client';
import type { SplitSqliteAdapter } from '../../src/db/sqlite-connections';
import { cachesStatements, STATEMENT_CACHE_SIZE } from '../../src/db/statement-cache';
import { StatementCounter } from '../../src/db/statement-counter';

const open: SqlDriverAdapter[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const adapter of open.splice(0)) await adapter.dispose();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

let lastFile = '';

/** The gateway's own SQLite adapter (as createDatabase builds it) on a fresh file (then in `lastFile`). */
async function connectGateway(): Promise<SplitSqliteAdapter> {
  const dir = mkdtempSync(join(tmpdir(), 'sg-stmt-cache-'));
  dirs.push(dir);
  lastFile = join(dir, 'c.db');
  const adapter = (await (await sqliteAdapter(lastFile, new StatementCounter())).connect()) as SplitSqliteAdapter;
  open.push(adapter);
  return adapter;
}

/** Its writer connection: the tests below create and change rows, which the read-only reader refuses. */
async function connect(): Promise<SqlDriverAdapter> {
  return (await connectGateway()).writer;
}

/** What the adapter reads of a kept statement's columns (its better-sqlite3 connection is its `client`). */
function columnsAsTheAdapterReadsThem(adapter: SqlDriverAdapter, sql: string, ...args: unknown[]): unknown {
  const client = (adapter as unknown as { client: { prepare(sql: string): { bind(...a: unknown[]): { columns(): unknown } } } }).client;
  return client.prepare(sql).bind(...args).columns();
}

const q = (sql: string, ...args: unknown[]): SqlQuery => ({
  sql,
  args,
  argTypes: args.map((a): SqlQuery['argTypes'][number] => ({ arity: 'scalar', scalarType: typeof a === 'number' ? 'int' : 'string' })),
});

async function table(adapter: SqlDriverAdapter): Promise<void> {
  await adapter.executeRaw(q('CREATE TABLE item (id TEXT PRIMARY KEY, n INTEGER NOT NULL)'));
  for (let i = 0; i < 5; i++) await adapter.executeRaw(q('INSERT INTO item (id, n) VALUES (?, ?)', `i${i}`, i * 10));
}

describe('SQLite statement cache', () => {
  it('is on for both connections of the adapter createDatabase builds', async () => {
    const adapter = await connectGateway();
    expect(cachesStatements(adapter.writer)).toBe(true);
    expect(cachesStatements(adapter.reader)).toBe(true);
  });

  it('runs one kept statement with each call’s own arguments', async () => {
    const adapter = await connect();
    await table(adapter);
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 5; i++) {
        const result = await adapter.queryRaw(q('SELECT id, n FROM item WHERE id = ?', `i${i}`));
        expect(result.columnNames).toEqual(['id', 'n']);
        expect(result.rows).toEqual([[`i${i}`, i * 10]]);
      }
    }
    expect((await adapter.queryRaw(q('SELECT id FROM item WHERE id = ?', 'missing'))).rows).toEqual([]);
    // A statement that returns no rows, sent as a query, still runs (and changes the row).
    expect((await adapter.queryRaw(q('UPDATE item SET n = ? WHERE id = ?', 7, 'i1'))).rows).toEqual([]);
    expect((await adapter.queryRaw(q('SELECT n FROM item WHERE id = ?', 'i1'))).rows).toEqual([[7]]);
    expect(await adapter.executeRaw(q('UPDATE item SET n = n + ? WHERE n >= ?', 1, 20))).toBe(3);
  });

  it('keeps a statement usable after it failed', async () => {
    const adapter = await connect();
    await table(adapter);
    const insert = 'INSERT INTO item (id, n) VALUES (?, ?)';
    await expect(adapter.executeRaw(q(insert, 'i0', 1))).rejects.toMatchObject({ name: 'DriverAdapterError' });
    expect(await adapter.executeRaw(q(insert, 'new', 1))).toBe(1);
    expect((await adapter.queryRaw(q('SELECT count(*) AS c FROM item'))).rows).toEqual([[6]]);
  });

  it('serves transactions (BEGIN is kept too) and their rollback', async () => {
    const adapter = await connect();
    await table(adapter);
    for (const outcome of ['ROLLBACK', 'COMMIT', 'ROLLBACK', 'COMMIT']) {
      const tx = await adapter.startTransaction();
      await tx.executeRaw(q('INSERT INTO item (id, n) VALUES (?, ?)', `tx-${outcome}-${Math.random()}`, 1));
      await tx.executeRaw(q(outcome));
      await (outcome === 'COMMIT' ? tx.commit() : tx.rollback());
    }
    expect((await adapter.queryRaw(q("SELECT count(*) FROM item WHERE id LIKE 'tx-%'"))).rows).toEqual([[2]]);
  });

  it('keeps a statement’s columns, and reads them again once the schema changed, here or in another connection', async () => {
    const adapter = await connect();
    await table(adapter);
    const select = 'SELECT * FROM item WHERE id = ?';
    const names = async () => (await adapter.queryRaw(q(select, 'i2'))).columnNames;
    expect(await names()).toEqual(['id', 'n']);
    // Kept: the same definitions, not read anew.
    expect(columnsAsTheAdapterReadsThem(adapter, select, 'i1')).toBe(columnsAsTheAdapterReadsThem(adapter, select, 'i2'));

    // Another connection (another process, say) renames a column: same text, same width, new name.
    const other = new BetterSqlite3(lastFile);
    try {
      other.exec('ALTER TABLE item RENAME COLUMN n TO amount');
    } finally {
      other.close();
    }
    // SQLite reloads this connection's view of the schema when it next runs a statement: the first run
    // may still describe the columns as they were (so it does without the cache), the next ones do not.
    await names();
    expect(await names()).toEqual(['id', 'amount']);
    expect(await names()).toEqual(['id', 'amount']);

    // This connection adds one: seen at once.
    await adapter.executeRaw(q('ALTER TABLE item ADD COLUMN note TEXT'));
    const result = await adapter.queryRaw(q(select, 'i2'));
    expect(result.columnNames).toEqual(['id', 'amount', 'note']);
    expect(result.rows).toEqual([['i2', 20, null]]);
  });

  it('stays right when more texts are used than it keeps', async () => {
    const adapter = await connect();
    const texts = STATEMENT_CACHE_SIZE + 50;
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < texts; i++) {
        const result = await adapter.queryRaw(q(`SELECT ? + ${i} AS v`, round));
        expect(result.rows).toEqual([[round + i]]);
      }
    }
  });
});
