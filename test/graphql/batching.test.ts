import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../support/server';

// Counting statements needs a quiet database: the background settler and the rate limiter's counter
// flush would add their own queries, and an expired auth cache entry a key lookup. All are pushed out
// of the way here; what is counted is the query's own reads.
let s: TestServer;
let ownerId: string;
/** What was seeded per session, to check the query returns all of it. */
const seeded = new Map<string, { inboxes: Map<string, { messages: number; waits: number }>; waits: number }>();

beforeAll(async () => {
  s = await startServer({ env: { SETTLE_INTERVAL_MS: '60000', AUTH_CACHE_TTL_MS: '60000', RATE_LIMIT_PER_MINUTE: '0' } });
  ownerId = (await s.app.services.apiKeys.authenticate(s.apiKey))!.ownerId;
  const { sessions, inboxes, waits, messages } = s.app.services;
  // 50 sessions, each with 1–2 inboxes; each inbox with 1–2 waits and 1–2 messages.
  for (let i = 0; i < 50; i++) {
    const session = await sessions.create(ownerId, { name: `batch-${i}` });
    const entry = { inboxes: new Map<string, { messages: number; waits: number }>(), waits: 0 };
    for (let j = 0; j < 1 + (i % 2); j++) {
      const inbox = await inboxes.create(ownerId, { sessionId: session.id });
      const waitCount = 1 + ((i + j) % 2);
      for (let k = 0; k < waitCount; k++) await waits.create(ownerId, { inboxId: inbox.id, type: k === 0 ? ('message' as any) : ('otp' as any) });
      const messageCount = 1 + (i % 3 === 0 ? 1 : 0);
      for (let k = 0; k < messageCount; k++) await messages.deliver(ownerId, inbox.id, { from: 'a@x.test', subject: `m${k}`, text: 'hello' });
      entry.inboxes.set(inbox.id, { messages: messageCount, waits: waitCount });
      entry.waits += waitCount;
    }
    seeded.set(session.id, entry);
  }
}, 180_000);
afterAll(() => s?.close());

const QUERY = (limit: number) =>
  `{ sessions(limit: ${limit}) { data { id inboxes { id messages { id } waits { id } } waits { id } timeline { type } } } }`;

/**
 * SQL statements one GraphQL request costs: the delta of the app's statement counter around it. The
 * smaller of two runs, because a (rare, once a minute) settler tick may land inside one of them.
 */
async function statementsFor(query: string): Promise<{ count: number; data: any }> {
  const counts: number[] = [];
  let data: any;
  for (let run = 0; run < 2; run++) {
    const before = s.app.db.statements.count;
    const reply = await s.gql(query);
    counts.push(s.app.db.statements.count - before);
    expect(reply.status).toBe(200);
    expect(reply.body.errors, JSON.stringify(reply.body.errors)).toBeUndefined();
    data = reply.body.data;
  }
  return { count: Math.min(...counts), data };
}

describe('nested GraphQL reads are batched (no N+1)', () => {
  it('sessions → inboxes → messages / waits, waits, timeline: the same small number of statements for 5 and 50 sessions', async () => {
    await s.gql('{ sessions(limit: 1) { data { id } } }'); // warm the auth cache (and anything lazy)

    const five = await statementsFor(QUERY(5));
    const fifty = await statementsFor(QUERY(50));

    // The data is really there: every seeded inbox, wait and message, and a full timeline per session.
    expect(five.data.sessions.data).toHaveLength(5);
    expect(fifty.data.sessions.data).toHaveLength(50);
    let inboxesSeen = 0;
    let messagesSeen = 0;
    for (const session of fifty.data.sessions.data) {
      const expected = seeded.get(session.id)!;
      expect(session.inboxes.map((i: any) => i.id)).toEqual([...expected.inboxes.keys()]);
      expect(session.waits).toHaveLength(expected.waits);
      for (const inbox of session.inboxes) {
        expect(inbox.messages).toHaveLength(expected.inboxes.get(inbox.id)!.messages);
        expect(inbox.waits).toHaveLength(expected.inboxes.get(inbox.id)!.waits);
        inboxesSeen++;
        messagesSeen += inbox.messages.length;
      }
      const types = session.timeline.map((e: any) => e.type);
      expect(types[0]).toBe('session.created');
      expect(types.filter((t: string) => t === 'message.received')).toHaveLength(session.inboxes.reduce((n: number, i: any) => n + i.messages.length, 0));
    }
    expect(inboxesSeen).toBe(75);
    expect(messagesSeen).toBeGreaterThan(75);

    // list + count, then one query per level: inboxes, waits, timelines, inbox messages, inbox waits.
    expect(five.count).toBeGreaterThan(0);
    expect(five.count).toBeLessThanOrEqual(8);
    expect(fifty.count).toBe(five.count);
  });

  it('sessions → inboxIds / waitIds (what REST lists): a fixed number of statements for 5 and 50 sessions', async () => {
    const q = (limit: number) => `{ sessions(limit: ${limit}) { data { id inboxIds waitIds } } }`;
    const five = await statementsFor(q(5));
    const fifty = await statementsFor(q(50));

    // The same ids, in the same order, as the children lists give.
    const reference = await statementsFor('{ sessions(limit: 50) { data { id inboxes { id } waits { id } } } }');
    expect(fifty.data.sessions.data).toEqual(
      reference.data.sessions.data.map((d: any) => ({ id: d.id, inboxIds: d.inboxes.map((i: any) => i.id), waitIds: d.waits.map((w: any) => w.id) })),
    );
    for (const d of fifty.data.sessions.data) {
      const expected = seeded.get(d.id)!;
      expect(d.inboxIds).toHaveLength(expected.inboxes.size);
      expect(d.waitIds).toHaveLength(expected.waits);
    }
    expect(fifty.data.sessions.data).toHaveLength(50);

    // list + count, one query for the inbox ids, one for the wait ids.
    expect(five.count).toBeGreaterThan(0);
    expect(five.count).toBeLessThanOrEqual(4);
    expect(fifty.count).toBe(five.count);
  });

  it('session(id) { inboxIds waitIds } costs no more than session(id) { inboxes { id } waits { id } }', async () => {
    const [id] = seeded.keys();
    const idsOnly = await statementsFor(`{ session(id: "${id}") { inboxIds waitIds } }`);
    const rows = await statementsFor(`{ session(id: "${id}") { inboxes { id } waits { id } } }`);
    expect(idsOnly.data.session).toEqual({ inboxIds: rows.data.session.inboxes.map((i: any) => i.id), waitIds: rows.data.session.waits.map((w: any) => w.id) });
    expect(idsOnly.count).toBeGreaterThan(0);
    expect(idsOnly.count).toBeLessThanOrEqual(rows.count);
  });

  it('the top-level inboxes list is batched the same way', async () => {
    const q = (limit: number) => `{ inboxes(limit: ${limit}) { data { id messages { id } waits { id } } } }`;
    const three = await statementsFor(q(3));
    const seventyFive = await statementsFor(q(75));
    expect(seventyFive.data.inboxes.data).toHaveLength(75);
    expect(seventyFive.data.inboxes.data.every((i: any) => i.messages.length > 0 && i.waits.length > 0)).toBe(true);
    expect(three.count).toBeLessThanOrEqual(5); // list + count + messages (each inbox's page of ids, then the rows) + waits
    expect(seventyFive.count).toBe(three.count);
  });
});
