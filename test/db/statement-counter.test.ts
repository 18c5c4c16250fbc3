import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import type { SqlQuery } from '@prisma/driver-adapter-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { StatementCounter } from '../../src/db/statement-counter';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A real SQLite adapter on a fresh file, wrapped by a counter. */
async function counted() {
  const dir = mkdtempSync(join(tmpdir(), 'sg-counter-'));
  dirs.push(dir);
  const counter = new StatementCounter();
  const adapter = await counter.wrap(new PrismaBetterSqlite3({ url: `file:${join(dir, 'c.db')}` })).connect();
  return { counter, adapter };
}

const sql = (text: string): SqlQuery => ({ sql: text, args: [], argTypes: [] });

describe('StatementCounter', () => {
  it('counts every statement, however often the method is read off the adapter', async () => {
    const { counter, adapter } = await counted();
    const queryRaw = adapter.queryRaw;
    expect(adapter.queryRaw).toBe(queryRaw); // bound once, not per read
    await queryRaw(sql('SELECT 1'));
    expect((await adapter.queryRaw(sql('SELECT 2 AS two'))).rows).toEqual([[2]]);
    await adapter.executeRaw(sql('CREATE TABLE t (x INTEGER)'));
    const tx = await adapter.startTransaction();
    await tx.executeRaw(sql('INSERT INTO t VALUES (1)'));
    await tx.commit();
    expect(counter.count).toBe(4);
    expect((await adapter.queryRaw(sql('SELECT x FROM t'))).rows).toEqual([[1]]);
    expect(counter.count).toBe(5);
    await adapter.dispose();
  });

  it('binds a method again when the adapter replaces it', async () => {
    const { counter, adapter } = await counted();
    const before = adapter.queryRaw;
    const seen: string[] = [];
    const original = before;
    // Defined through the proxy, the new method lands on the real adapter behind it: the proxy must see it.
    Object.defineProperty(adapter, 'queryRaw', {
      configurable: true,
      value: (q: SqlQuery) => {
        seen.push(q.sql);
        return original(q);
      },
    });
    expect(adapter.queryRaw).not.toBe(before);
    await adapter.queryRaw(sql('SELECT 3'));
    expect(seen).toEqual(['SELECT 3']);
    expect(counter.count).toBe(2); // the new method counted, and the original it called counted too
    await adapter.dispose();
  });
});
