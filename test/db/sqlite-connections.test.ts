import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../../src/db/client';
import { applyMigrations } from '../../src/db/migrate';

// The gateway's SQLite database as createDatabase opens it (a real file, migrated): transactions on a
// writer connection, every other statement on a read-only reader.
const opened: { db: Database; dir: string }[] = [];
afterEach(async () => {
  for (const { db, dir } of opened.splice(0)) {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

async function open(): Promise<Database> {
  const dir = mkdtempSync(join(tmpdir(), 'sg-sqlite-conn-'));
  const url = `file:${join(dir, 'g.db')}`;
  await applyMigrations({ url, log: () => {} });
  const db = await createDatabase({ url });
  opened.push({ db, dir });
  return db;
}

/**
 * A transaction that has written one owner row and stays open, as a request's does between its awaits,
 * until `end` commits it or rolls it back (resolving once it has).
 */
async function openTransaction(db: Database, id: string): Promise<{ end(outcome: 'commit' | 'rollback'): Promise<void> }> {
  let written!: () => void;
  let finish!: (outcome: 'commit' | 'rollback') => void;
  const wasWritten = new Promise<void>((resolve) => (written = resolve));
  const outcome = new Promise<'commit' | 'rollback'>((resolve) => (finish = resolve));
  const tx = db.tx(async (t) => {
    await t.owner.create({ data: { id, name: id } });
    written();
    if ((await outcome) === 'rollback') throw new Error('rolled back');
  });
  tx.catch(() => {}); // observed by end()
  await wasWritten;
  return {
    async end(how) {
      finish(how);
      if (how === 'commit') await tx;
      else await expect(tx).rejects.toThrow('rolled back');
    },
  };
}

describe('SQLite: reads outside a transaction', () => {
  it('do not see rows another transaction has not committed, and see them once it has', async () => {
    const db = await open();
    const tx = await openTransaction(db, 'own_pending');
    // The transaction is open, its row written: a plain read is not inside it.
    expect(await db.prisma.owner.findUnique({ where: { id: 'own_pending' } })).toBeNull();
    await tx.end('commit');
    expect(await db.prisma.owner.findUnique({ where: { id: 'own_pending' } })).toMatchObject({ name: 'own_pending' });
  });

  it('never see the rows of a transaction that rolled back', async () => {
    const db = await open();
    const tx = await openTransaction(db, 'own_doomed');
    expect(await db.prisma.owner.count()).toBe(0);
    await tx.end('rollback');
    expect(await db.prisma.owner.count()).toBe(0);
  });
});

describe('SQLite: a write outside db.tx', () => {
  it('fails at once (read-only connection) and leaves an open transaction untouched', async () => {
    const db = await open();
    const tx = await openTransaction(db, 'own_in_tx');
    const started = Date.now();
    // Neither joins the open transaction nor waits (synchronously, in better-sqlite3) for its lock.
    await expect(db.prisma.owner.create({ data: { id: 'own_stray', name: 'stray' } })).rejects.toThrow(/readonly|read-only/i);
    expect(Date.now() - started).toBeLessThan(1_000);
    await tx.end('commit');
    expect((await db.prisma.owner.findMany({ orderBy: { id: 'asc' } })).map((o) => o.id)).toEqual(['own_in_tx']);
  });

  it('through db.tx is written, durably committed, and read back at once', async () => {
    const db = await open();
    await db.tx((t) => t.owner.create({ data: { id: 'own_ok', name: 'ok' } }));
    expect(await db.prisma.owner.findUnique({ where: { id: 'own_ok' } })).toMatchObject({ name: 'ok' });
    const [{ synchronous }] = await db.tx((t) => t.$queryRawUnsafe<{ synchronous: number | bigint }[]>('PRAGMA synchronous'));
    expect(Number(synchronous)).toBe(2); // FULL, on the connection that commits
  });
});
