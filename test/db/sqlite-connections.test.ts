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

/** Resolves when `release` is called: holds a transaction open across the event loop, as a request's does between its awaits. */
function gate(): { wait: Promise<void>; release: () => void } {
  let release!: () => void;
  const wait = new Promise<void>((resolve) => (release = resolve));
  return { wait, release };
}

describe('SQLite: reads outside a transaction', () => {
  it('do not see rows another transaction has not committed, and see them once it has', async () => {
    const db = await open();
    const written = gate();
    const commit = gate();
    const tx = db.tx(async (t) => {
      await t.owner.create({ data: { id: 'own_pending', name: 'pending' } });
      written.release();
      await commit.wait;
    });
    await written.wait;
    // The transaction is open, its row written: a plain read is not inside it.
    expect(await db.prisma.owner.findUnique({ where: { id: 'own_pending' } })).toBeNull();
    commit.release();
    await tx;
    expect(await db.prisma.owner.findUnique({ where: { id: 'own_pending' } })).toMatchObject({ name: 'pending' });
  });

  it('never see the rows of a transaction that rolled back', async () => {
    const db = await open();
    const written = gate();
    const fail = gate();
    const tx = db.tx(async (t) => {
      await t.owner.create({ data: { id: 'own_doomed', name: 'doomed' } });
      written.release();
      await fail.wait;
      throw new Error('rolled back');
    });
    await written.wait;
    expect(await db.prisma.owner.count()).toBe(0);
    fail.release();
    await expect(tx).rejects.toThrow('rolled back');
    expect(await db.prisma.owner.count()).toBe(0);
  });
});

describe('SQLite: a write outside db.tx', () => {
  it('fails at once (read-only connection) and leaves an open transaction untouched', async () => {
    const db = await open();
    const written = gate();
    const commit = gate();
    const tx = db.tx(async (t) => {
      await t.owner.create({ data: { id: 'own_in_tx', name: 'in tx' } });
      written.release();
      await commit.wait;
    });
    await written.wait;
    const started = Date.now();
    // Neither joins the open transaction nor waits (synchronously, in better-sqlite3) for its lock.
    await expect(db.prisma.owner.create({ data: { id: 'own_stray', name: 'stray' } })).rejects.toThrow(/readonly|read-only/i);
    expect(Date.now() - started).toBeLessThan(1_000);
    commit.release();
    await tx;
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
