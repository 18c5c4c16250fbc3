import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSession } from '../sessions/helpers';
import { testEngine } from '../support/database';
import { startServer, type TestServer } from '../support/server';
import { SESSION_EVENTS, sleep, subscribe, wsClient } from './helpers';

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(async () => s?.close());

/** A transaction that appends an event, then stays open for `holdMs` before it commits. */
async function slowWrite(sessionId: string, ownerId: string, label: string, holdMs: number): Promise<void> {
  await s.app.db.tx(async (tx) => {
    await tx.owner.findUniqueOrThrow({ where: { id: ownerId } });
    await s.app.services.history.appendEvent(tx, { ownerId, sessionId, type: 'test.write', payload: { label } });
    await sleep(holdMs);
  });
}

async function page(sessionId: string, after: string | null): Promise<any[]> {
  const reply = await s.request('GET', `/api/v1/sessions/${sessionId}/timeline?limit=500${after ? `&after=${after}` : ''}`);
  expect(reply.status, reply.text).toBe(200);
  return reply.body.events;
}

describe('the cursor across transactions that commit out of order', () => {
  it('a transaction that started first but commits last is still found after the cursor of the one that committed first', async () => {
    const session = await createSession(s);
    const { ownerId } = await s.app.db.prisma.session.findUniqueOrThrow({ where: { id: session.id } });
    const start = await page(session.id, null);
    const ws = wsClient(s, s.apiKey);
    try {
      const live = subscribe(ws.client, SESSION_EVENTS, { sessionId: session.id, after: start.at(-1).cursor });
      const first = slowWrite(session.id, ownerId, 'started first, commits last', 800);
      await sleep(200); // the first transaction has written its rows and holds them open
      // On PostgreSQL this one commits while the first is still open; on SQLite it waits for the writer.
      await (testEngine() === 'postgresql' ? slowWrite(session.id, ownerId, 'started second', 0).then(() => undefined) : Promise.resolve());
      const tail = await page(session.id, start.at(-1).cursor);
      await first;
      if (testEngine() === 'sqlite') await slowWrite(session.id, ownerId, 'started second', 0);
      // A reader that tailed after what it had seen must find the late committer after its cursor.
      const rest = await page(session.id, tail.at(-1)?.cursor ?? start.at(-1).cursor);
      const read = [...tail, ...rest].map((e) => e.payload.label);
      expect(read.sort()).toEqual(['started first, commits last', 'started second']);
      await live.until(2);
      expect(live.events.map((e) => e.payload.label).sort()).toEqual(['started first, commits last', 'started second']);
      // Cursor order is commit order.
      const all = await page(session.id, start.at(-1).cursor);
      if (testEngine() === 'postgresql') expect(all.map((e) => e.payload.label)).toEqual(['started second', 'started first, commits last']);
      expect(live.events.map((e) => e.cursor)).toEqual(all.map((e) => e.cursor));
    } finally {
      await ws.dispose();
    }
  });

  it('a reader tailing during 40 concurrent, randomly delayed writers sees every event once, in cursor order', async () => {
    const session = await createSession(s);
    const { ownerId } = await s.app.db.prisma.session.findUniqueOrThrow({ where: { id: session.id } });
    const ws = wsClient(s, s.apiKey);
    try {
      const live = subscribe(ws.client, SESSION_EVENTS, { sessionId: session.id });
      const seen: any[] = [];
      let cursor: string | null = null;
      let writing = true;
      const tailing = (async () => {
        while (writing) {
          const got = await page(session.id, cursor);
          seen.push(...got);
          if (got.length) cursor = got.at(-1).cursor;
          await sleep(10);
        }
      })();
      await Promise.all(Array.from({ length: 40 }, (_, i) => sleep(Math.random() * 100).then(() => slowWrite(session.id, ownerId, `w${i}`, Math.random() * 60))));
      writing = false;
      await tailing;
      seen.push(...(await page(session.id, cursor)));
      const all = await page(session.id, null);
      expect(seen.map((e) => e.cursor)).toEqual(all.map((e) => e.cursor));
      await live.until(41);
      expect(live.events.map((e) => e.cursor)).toEqual(all.map((e) => e.cursor));
    } finally {
      await ws.dispose();
    }
  });
});
