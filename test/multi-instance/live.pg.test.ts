import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OWNER_EVENTS, openSse, SESSION_EVENTS, subscribe, wsClient } from '../live/helpers';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { call, type GatewayProcess, startGatewayProcess } from '../support/process';

// Streams held on one instance see events written through the other (LISTEN/NOTIFY + one feed reader each).
const KEY = 'sgk_multi_instance_live_key_0000000000';

let database: TestDatabase;
let a: GatewayProcess;
let b: GatewayProcess;

beforeAll(async () => {
  database = await createTestDatabase();
  // A long catch-up interval: delivery within the test's waits proves the notification path.
  const env = { DATABASE_URL: database.url, BOOTSTRAP_API_KEY: KEY, EVENT_FEED_CATCH_UP_MS: '60000' };
  [a, b] = await Promise.all([startGatewayProcess(env), startGatewayProcess(env)]);
}, 120_000);

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await database?.drop();
});

describe('live events across two instances', () => {
  it('events written through A reach a subscription and an SSE stream held on B, in cursor order', async () => {
    const { body: session } = await call(a.url, KEY, 'POST', '/api/v1/sessions', { name: 'across' });
    const ws = wsClient({ url: b.url }, KEY);
    try {
      const sub = subscribe(ws.client, SESSION_EVENTS, { sessionId: session.id });
      const owner = subscribe(ws.client, OWNER_EVENTS, { types: ['inbox.created'] });
      const sse = await openSse(`${b.url}/api/v1/sessions/${session.id}/events`, KEY);
      await Promise.all([sub.until(1), sse.until(1)]);
      // Concurrent writers on both instances.
      await Promise.all(Array.from({ length: 10 }, (_, i) => call(i % 2 ? a.url : b.url, KEY, 'POST', '/api/v1/inboxes', { sessionId: session.id })));
      await call(a.url, KEY, 'POST', `/api/v1/sessions/${session.id}/complete`);
      await Promise.all([sub.ended, sse.ended]);
      await owner.until(10);
      const stored = (await call(a.url, KEY, 'GET', `/api/v1/sessions/${session.id}/timeline?limit=100`)).body.events.map((e: any) => e.cursor);
      expect(stored).toHaveLength(12);
      expect(sub.events.map((e) => e.cursor)).toEqual(stored);
      expect(sse.events.filter((e) => e.id).map((e) => e.id)).toEqual(stored);
      expect(owner.events.map((e) => e.cursor)).toEqual(stored.slice(1, 11));
    } finally {
      await ws.dispose();
    }
  });

  it('a stream dropped on B resumes on A from its last cursor with no gap and no duplicate', async () => {
    const { body: session } = await call(a.url, KEY, 'POST', '/api/v1/sessions', { name: 'resume' });
    const first = await openSse(`${b.url}/api/v1/sessions/${session.id}/events`, KEY);
    await call(a.url, KEY, 'POST', '/api/v1/inboxes', { sessionId: session.id });
    await first.until(2);
    first.abort();
    await call(b.url, KEY, 'POST', '/api/v1/inboxes', { sessionId: session.id });
    const lastId = first.events.filter((e) => e.id).at(-1)!.id!;
    const second = await openSse(`${a.url}/api/v1/sessions/${session.id}/events`, KEY, { 'last-event-id': lastId });
    await call(b.url, KEY, 'POST', `/api/v1/sessions/${session.id}/complete`);
    await second.ended;
    const stored = (await call(a.url, KEY, 'GET', `/api/v1/sessions/${session.id}/timeline?limit=100`)).body.events.map((e: any) => e.cursor);
    expect([...first.events, ...second.events].filter((e) => e.id).map((e) => e.id)).toEqual(stored);
  });
});
