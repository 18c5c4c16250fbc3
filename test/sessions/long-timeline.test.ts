import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/db/ids';
import { startServer, type TestServer } from '../support/server';
import { createSession, expectError, SESSION_NOT_FOUND } from './helpers';

/**
 * The unpaged timeline of a long session (REST reads and writes it 500 events at a time; GraphQL reads
 * it in chunks): still every event, once, in the order they happened, in the same body as before.
 */
const EVENTS = 10_001; // + session.created: 10,002, past 20 pages of 500 and 10 chunks of 1,000

let s: TestServer;
let id: string;
let expected: { timestamp: string; type: string; payload: Record<string, unknown> }[];
beforeAll(async () => {
  s = await startServer();
  id = (await createSession(s, { name: 'long' })).id;
  const session = await s.app.db.prisma.session.findUniqueOrThrow({ where: { id } });
  const start = Date.parse('2024-06-12T10:00:00.000Z');
  // Timestamps go backwards and tie, so only `seq` gives the order.
  const rows = Array.from({ length: EVENTS }, (_, i) => ({
    id: newId('event'),
    ownerId: session.ownerId,
    sessionId: id,
    type: 'test.tick',
    payload: { i },
    createdAt: new Date(start - Math.floor(i / 3) * 1000),
  }));
  await s.app.db.tx(async (tx) => {
    for (let i = 0; i < rows.length; i += 1000) await tx.event.createMany({ data: rows.slice(i, i + 1000) });
  });
  // Another session's events in between must not leak in.
  const other = await createSession(s, { name: 'other' });
  await s.request('POST', `/api/v1/sessions/${other.id}/complete`);
  const created = (await s.request('GET', `/api/v1/sessions/${id}/timeline?limit=1`)).body.events[0];
  expected = [
    { timestamp: created.timestamp, type: 'session.created', payload: { sessionId: id } },
    ...rows.map((r) => ({ timestamp: r.createdAt.toISOString().replace('.000Z', 'Z'), type: 'test.tick', payload: { i: r.payload.i } })),
  ];
}, 60_000);
afterAll(() => s?.close());

describe('a timeline of 10,002 events, unpaged', () => {
  it('REST: the whole body, every event once and in order, exactly as JSON.stringify of the list', async () => {
    const reply = await s.request('GET', `/api/v1/sessions/${id}/timeline`);
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(reply.body.events).toHaveLength(EVENTS + 1);
    expect(reply.text).toBe(JSON.stringify({ events: expected }));
  });

  it('REST: the same as reading every page with limit/after', async () => {
    const paged: unknown[] = [];
    let after: string | null = null;
    do {
      const page: any = (await s.request('GET', `/api/v1/sessions/${id}/timeline?limit=500${after ? `&after=${after}` : ''}`)).body;
      paged.push(...page.events.map(({ cursor: _c, ...e }: { cursor: string }) => e));
      after = page.next;
    } while (after);
    expect(paged).toEqual(expected);
  });

  it('GraphQL Session.timeline: every event once, in order', async () => {
    const reply = await s.gql<{ session: { timeline: unknown[] } }>('query($id: ID!) { session(id: $id) { timeline { timestamp type payload } } }', { id });
    expect(reply.body.errors).toBeUndefined();
    expect(reply.body.data!.session.timeline).toEqual(expected);
  });

  it('REST: errors before the first page are ordinary answers (404, and other owners see 404)', async () => {
    expectError(await s.request('GET', '/api/v1/sessions/sess_0000000000000000000000/timeline'), 404, SESSION_NOT_FOUND);
    expectError(await s.request('GET', `/api/v1/sessions/${id}/timeline`, { key: s.otherKey }), 404, SESSION_NOT_FOUND);
  });
});
