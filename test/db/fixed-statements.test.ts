import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { FIXED } from '../../src/db/fixed-statements';
import { WaitType } from '../../src/waits/wait.type';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { startServer, type TestServer } from '../support/server';

/**
 * The fixed statements (src/db/fixed-statements.ts) read beneath Prisma's query path; these tests prove
 * that they return exactly the rows Prisma returns (both engines: this file runs in the sqlite and the
 * postgresql projects), and that a read after a write sees it.
 */
describe('fixed statements', () => {
  let s: TestServer;
  let ownerId: string;

  beforeAll(async () => {
    // The deadline settler's background reads would fall into the statement counts.
    s = await startServer({ env: { SETTLE_INTERVAL_MS: '60000' } });
    ownerId = (await s.app.services.apiKeys.authenticate(s.apiKey))!.ownerId;
  });
  afterAll(() => s.close());

  /** Sessions, inboxes and waits with every nullable column both null and set, odd JSON and unicode. */
  async function seed() {
    const { sessions, inboxes, waits, messages } = s.app.services;
    const odd = {
      'ключ 🔑': 'värde — "quoted" \\ back\nslash',
      nested: { deep: [1, -2.5, 1e21, 0.1, true, false, null, { '': '' }] },
      empty: {},
      list: [],
      big: 9007199254740991,
      zalgo: 'Z̷̧a̴l̶g̸o',
      nul: 'a\u0001b',
    };
    const plain = await sessions.create(ownerId, { name: 'plain', metadata: {} });
    const unicode = await sessions.create(ownerId, { name: 'ünïcödé 会话 🚀 "q" \'s\'', metadata: odd });
    const completed = await sessions.create(ownerId, { name: 'completed', metadata: { n: 1 } });
    await sessions.complete(ownerId, completed.id);
    const failed = await sessions.create(ownerId, { name: 'failed', metadata: { n: 2 } });
    await sessions.fail(ownerId, failed.id, 'raison — ошибка ✗');

    const kept = await inboxes.create(ownerId, { sessionId: unicode.id, metadata: odd });
    const second = await inboxes.create(ownerId, { sessionId: unicode.id });
    const deleted = await inboxes.create(ownerId, { sessionId: unicode.id, metadata: { gone: true } });
    await inboxes.delete(ownerId, deleted.id);
    const orphan = await inboxes.create(ownerId, { sessionId: null });

    // A message first, so a wait with `since` completes at once: result and endedAt set.
    await messages.deliver(ownerId, kept.id, { from: 'a@example.com', subject: 'Код 123456', text: 'Your code: 123456 ✓' });
    const since = new Date(Date.now() - 60_000);
    const done = await waits.create(ownerId, { inboxId: kept.id, type: WaitType.otp, since, filters: { subjectContains: 'Код' } });
    const pending = await waits.create(ownerId, { inboxId: second.id, type: WaitType.otp, timeoutSeconds: 600 });
    const canceled = await waits.create(ownerId, { inboxId: second.id, type: WaitType.message, filters: { from: 'ü@example.com', bodyMatches: '^h.*$' } });
    await waits.cancel(ownerId, canceled.id);
    const noSession = await waits.create(ownerId, { inboxId: orphan.id, type: WaitType.otp });
    return { sessions: [plain, unicode, completed, failed], waits: [done, pending, canceled, noSession], unicode };
  }

  it('return the rows Prisma returns: sessions, waits, and a session’s inboxes and waits, by id', async () => {
    const { db } = s.app;
    const seeded = await seed();
    for (const { id } of seeded.sessions) {
      const byPrisma = await db.prisma.session.findUnique({ where: { id } });
      expect(byPrisma).not.toBeNull();
      expect(await db.fixed.sessionById(id)).toStrictEqual(byPrisma);

      const order = [{ createdAt: 'asc' as const }, { id: 'asc' as const }];
      const inboxes = await db.prisma.inbox.findMany({ where: { sessionId: id, deletedAt: null }, orderBy: order });
      expect(await db.fixed.inboxesOfSession(id)).toStrictEqual(inboxes);
      expect(await db.fixed.inboxIdsOfSession(id)).toStrictEqual(inboxes.map((r) => r.id));
      const waits = await db.prisma.wait.findMany({ where: { sessionId: id }, orderBy: order });
      expect(await db.fixed.waitsOfSession(id)).toStrictEqual(waits);
      expect(await db.fixed.waitIdsOfSession(id)).toStrictEqual(waits.map((r) => r.id));
      // On PostgreSQL one statement for the three (ARRAY subqueries), on SQLite the three.
      const withChildIds = { session: byPrisma, inboxIds: inboxes.map((r) => r.id), waitIds: waits.map((r) => r.id) };
      expect(await db.fixed.sessionWithChildIds(id)).toStrictEqual(withChildIds);
    }
    for (const { id } of seeded.waits) {
      const byPrisma = await db.prisma.wait.findUnique({ where: { id } });
      expect(byPrisma).not.toBeNull();
      expect(await db.fixed.waitById(id)).toStrictEqual(byPrisma);
    }
    // The same through an adapter transaction (the path writes take; on SQLite reads outside a
    // transaction take the reader connection directly).
    await db.tx(async (tx) => {
      const on = await db.adapterTx(tx);
      for (const { id } of seeded.sessions) {
        expect(await db.fixed.sessionById(id, on)).toStrictEqual(await tx.session.findUnique({ where: { id } }));
        expect(await db.fixed.inboxesOfSession(id, on)).toStrictEqual(await db.fixed.inboxesOfSession(id));
        expect(await db.fixed.waitsOfSession(id, on)).toStrictEqual(await db.fixed.waitsOfSession(id));
      }
      for (const { id } of seeded.waits) expect(await db.fixed.waitById(id, on)).toStrictEqual(await tx.wait.findUnique({ where: { id } }));
    });
    // The seed covers what it claims: every nullable column both null and set.
    const sessionRows = await Promise.all(seeded.sessions.map((r) => db.fixed.sessionById(r.id)));
    for (const column of ['completedAt', 'failureReason'] as const) {
      expect(sessionRows.some((r) => r![column] === null) && sessionRows.some((r) => r![column] !== null), column).toBe(true);
    }
    const waitRows = await Promise.all(seeded.waits.map((r) => db.fixed.waitById(r.id)));
    for (const column of ['sessionId', 'since', 'result', 'endedAt'] as const) {
      expect(waitRows.some((r) => r![column] === null) && waitRows.some((r) => r![column] !== null), column).toBe(true);
    }
    const inboxRows = await db.prisma.inbox.findMany({ where: { ownerId } });
    expect(inboxRows.some((r) => r.deletedAt !== null) && inboxRows.some((r) => r.sessionId === null)).toBe(true);
    // The deleted inbox is left out of the session's inboxes, as Prisma's query leaves it out.
    expect((await db.fixed.inboxesOfSession(seeded.unicode.id)).length).toBe(2);
  });

  it('read nothing for an id that does not exist, and count as statements', async () => {
    const { db } = s.app;
    const before = db.statements.count;
    expect(await db.fixed.sessionById('sess_0000000000000000000000')).toBeNull();
    expect(await db.fixed.waitById('wait_0000000000000000000000')).toBeNull();
    expect(await db.fixed.waitIdsOfSession('sess_0000000000000000000000')).toStrictEqual([]);
    expect(db.statements.count - before).toBe(3);
    const beforeWithChildIds = db.statements.count;
    expect(await db.fixed.sessionWithChildIds('sess_0000000000000000000000')).toBeNull();
    expect(db.statements.count - beforeWithChildIds).toBe(db.provider === 'postgresql' ? 1 : 3);
  });

  it('reads of waits by id asked in one turn: on PostgreSQL one statement for all, each the row Prisma returns, null for a missing id', async () => {
    const { db } = s.app;
    const seeded = await seed();
    const ids = [...seeded.waits.map((w) => w.id), 'wait_0000000000000000000000', seeded.waits[0]!.id];
    const before = db.statements.count;
    const rows = await Promise.all(ids.map((id) => db.fixed.waitById(id)));
    expect(db.statements.count - before).toBe(db.provider === 'postgresql' ? 1 : ids.length);
    const byPrisma = await Promise.all(ids.map((id) => db.prisma.wait.findUnique({ where: { id } })));
    expect(rows).toStrictEqual(byPrisma);
    expect(rows.at(-2)).toBeNull();
  });

  it('see a write at once: the next read after a commit returns it', async () => {
    const { db, services } = s.app;
    const session = await services.sessions.create(ownerId, { name: 'rw', metadata: { v: 1 } });
    expect((await db.fixed.sessionById(session.id))!.name).toBe('rw');
    await db.tx((tx) => tx.session.update({ where: { id: session.id }, data: { name: 'rw 2', metadata: { v: 2 } } }));
    const after = await db.fixed.sessionById(session.id);
    expect(after).toMatchObject({ name: 'rw 2', metadata: { v: 2 } });
    await services.sessions.complete(ownerId, session.id);
    expect((await db.fixed.sessionById(session.id))!.status).toBe('completed');
  });

  it('run inside a transaction on its adapter transaction: they see its own uncommitted writes, others do not', async () => {
    const { db, services } = s.app;
    const session = await services.sessions.create(ownerId, { name: 'tx', metadata: {} });
    const before = db.statements.count;
    let insideRead: string | undefined;
    let outsideRead: string | undefined;
    await db.tx(async (tx) => {
      await tx.session.update({ where: { id: session.id }, data: { name: 'tx changed' } });
      const adapterTx = await db.adapterTx(tx);
      expect(await db.adapterTx(tx)).toBe(adapterTx); // found once per transaction
      insideRead = (await db.fixed.sessionById(session.id, adapterTx))!.name;
      outsideRead = (await db.fixed.sessionById(session.id))!.name;
    });
    expect(insideRead).toBe('tx changed');
    expect(outsideRead).toBe('tx');
    // BEGIN, the update (Prisma's update reads the row back), one probe, two fixed reads, COMMIT: a
    // fixed number, whatever the engine sends for the update.
    expect(db.statements.count - before).toBeGreaterThan(4);
    expect((await db.fixed.sessionById(session.id))!.name).toBe('tx changed');
  });

  it('find each concurrent transaction’s own adapter transaction', async () => {
    const { db, services } = s.app;
    const made = await Promise.all(Array.from({ length: 6 }, (_, i) => services.sessions.create(ownerId, { name: `c${i}`, metadata: {} })));
    const seen = await Promise.all(
      made.map((session, i) =>
        db.tx(async (tx) => {
          await tx.session.update({ where: { id: session.id }, data: { name: `c${i} mine` } });
          await new Promise((resolve) => setTimeout(resolve, 5 * (6 - i)));
          return (await db.fixed.sessionById(session.id, await db.adapterTx(tx)))!.name;
        }),
      ),
    );
    expect(seen).toStrictEqual(made.map((_, i) => `c${i} mine`));
  });

  it('are written for both engines with the same columns', () => {
    for (const query of Object.values(FIXED)) {
      expect(query.sql.postgresql.replace(/\$\d+/g, '?')).toBe(query.sql.sqlite);
    }
  });
});

describe('fixed statements across two instances on one database', () => {
  let database: TestDatabase;
  let a: Awaited<ReturnType<typeof createApp>>;
  let b: Awaited<ReturnType<typeof createApp>>;

  beforeAll(async () => {
    database = await createTestDatabase();
    const config = loadConfig({ DATABASE_URL: database.url, LOG_LEVEL: 'silent', PORT: '0', DATABASE_POOL_SIZE: '2' });
    a = await createApp(config);
    b = await createApp(config);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await database?.drop();
  });

  it('a read on one instance after a write on the other sees the write', async () => {
    await a.services.apiKeys.create('carol');
    const owner = (await a.db.prisma.owner.findFirstOrThrow({ where: { name: 'carol' } })).id;
    const session = await a.services.sessions.create(owner, { name: 'on a', metadata: {} });
    const inbox = await a.services.inboxes.create(owner, { sessionId: session.id });
    expect(await b.db.fixed.sessionById(session.id)).toStrictEqual(await a.db.prisma.session.findUnique({ where: { id: session.id } }));
    expect(await b.db.fixed.inboxIdsOfSession(session.id)).toStrictEqual([inbox.id]);
    expect((await b.db.fixed.sessionWithChildIds(session.id))!.inboxIds).toStrictEqual([inbox.id]);
    const wait = await a.services.waits.create(owner, { inboxId: inbox.id, type: WaitType.otp });
    expect((await b.services.waits.get(owner, wait.id)).status).toBe('pending');
    await a.services.waits.cancel(owner, wait.id);
    expect((await b.services.waits.get(owner, wait.id)).status).toBe('canceled');
    await a.services.sessions.complete(owner, session.id);
    expect((await b.db.fixed.sessionById(session.id))!.status).toBe('completed');
    const got = await b.services.sessions.getWithChildren(owner, session.id, { inboxes: 'ids', waits: 'ids' });
    expect(got.preloaded).toMatchObject({ inboxIds: [inbox.id], waitIds: [wait.id] });
  });
});
