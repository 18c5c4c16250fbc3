import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shutdownWatchers } from '../../src/http/request-signal';
import { waitUntil } from '../operations/helpers';
import { createSession, expectError, invalid, SESSION_NOT_FOUND, UNAUTHORIZED } from '../sessions/helpers';
import { startServer, type TestServer } from '../support/server';
import { openSse, seedEvents, sleep } from './helpers';

let s: TestServer;
beforeAll(async () => {
  s = await startServer({ env: { STREAM_HEARTBEAT_MS: '1000', MAX_STREAMS_PER_KEY: '2', AUTH_CACHE_TTL_MS: '400' } });
});
afterAll(async () => s?.close());

const eventsUrl = (id: string, query = '') => `${s.url}/api/v1/sessions/${id}/events${query}`;
const timeline = async (id: string) => (await s.request('GET', `/api/v1/sessions/${id}/timeline?limit=500`)).body.events;

describe('GET /api/v1/sessions/{id}/events (Server-Sent Events)', () => {
  it('streams id: cursor, event: type, data: {timestamp,type,payload}, then live events, and ends after the terminal event', async () => {
    const session = await createSession(s);
    const stream = await openSse(eventsUrl(session.id), s.apiKey);
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    await stream.until(1);
    await s.request('POST', '/api/v1/inboxes', { body: { sessionId: session.id } });
    await s.request('POST', `/api/v1/sessions/${session.id}/fail`, { body: { reason: 'boom' } });
    await stream.ended;
    const stored = await timeline(session.id);
    const got = stream.events.filter((e) => e.event);
    expect(got.map((e) => e.id)).toEqual(stored.map((e: any) => e.cursor));
    expect(got.map((e) => e.event)).toEqual(['session.created', 'inbox.created', 'session.failed']);
    expect(got.map((e) => JSON.parse(e.data!))).toEqual(stored.map(({ cursor: _c, ...rest }: any) => rest));
  });

  it('resumes from Last-Event-ID (and ?after=) with no gap and no duplicate', async () => {
    const session = await createSession(s);
    await seedEvents(s, session.id, 2);
    const first = await openSse(eventsUrl(session.id), s.apiKey);
    await first.until(3);
    first.abort(); // the connection drops
    await seedEvents(s, session.id, 2);
    const lastId = first.events.filter((e) => e.id).at(-1)!.id!;
    const second = await openSse(eventsUrl(session.id), s.apiKey, { 'last-event-id': lastId });
    await second.until(2);
    const third = await openSse(eventsUrl(session.id, `?after=${lastId}`), s.apiKey, { 'last-event-id': 'ignored-when-after-is-given' });
    await third.until(2);
    const ids = [...first.events, ...second.events].filter((e) => e.id).map((e) => e.id);
    expect(ids).toEqual((await timeline(session.id)).map((e: any) => e.cursor));
    expect(third.events.filter((e) => e.id).map((e) => e.id)).toEqual(ids.slice(3));
    second.abort();
    third.abort();
  });

  it('sends a heartbeat comment while nothing happens', async () => {
    const session = await createSession(s);
    const stream = await openSse(eventsUrl(session.id), s.apiKey);
    await stream.until(1);
    await sleep(1300);
    expect(stream.events.some((e) => e.comment === 'heartbeat')).toBe(true);
    stream.abort();
  });

  it('answers errors as JSON before any stream starts: 401, 404 (another owner’s too), 400 for a bad cursor', async () => {
    const session = await createSession(s);
    const noKey = await openSse(eventsUrl(session.id), null);
    expect([noKey.status, noKey.json]).toEqual([401, JSON.parse(UNAUTHORIZED)]);
    const other = await openSse(eventsUrl(session.id), s.otherKey);
    expect([other.status, other.json]).toEqual([404, JSON.parse(SESSION_NOT_FOUND)]);
    const missing = await openSse(eventsUrl('sess_0000000000000000000000'), s.apiKey);
    expect(missing.status).toBe(404);
    expectError(await s.request('GET', `/api/v1/sessions/${session.id}/events?after=%25%25`), 400, invalid('after is not a valid cursor'));
  });

  it('refuses a stream over MAX_STREAMS_PER_KEY with 429', async () => {
    const session = await createSession(s);
    const a = await openSse(eventsUrl(session.id), s.apiKey);
    const b = await openSse(eventsUrl(session.id), s.apiKey);
    await Promise.all([a.until(1), b.until(1)]);
    const refused = await openSse(eventsUrl(session.id), s.apiKey);
    expect(refused.status).toBe(429);
    expect(refused.json).toEqual({ error: 'Too many requests', message: 'At most 2 event streams may be open per API key; close one first' });
    a.abort();
    b.abort();
    await sleep(200);
    const again = await openSse(eventsUrl(session.id), s.apiKey);
    expect(again.status).toBe(200);
    again.abort();
  });

  it('closes a revoked key’s stream with an error event and a retry hint', async () => {
    const key = await s.app.services.apiKeys.create('dave');
    const { body: session } = await s.request('POST', '/api/v1/sessions', { body: { name: 'd' }, key });
    const stream = await openSse(eventsUrl(session.id), key);
    await stream.until(1);
    const info = (await s.app.services.apiKeys.list()).find((k) => k.owner === 'dave')!;
    await s.app.services.apiKeys.revoke(info.prefix);
    await stream.ended;
    const last = stream.events.at(-1)!;
    expect(last.event).toBe('error');
    expect(last.retry).toBeDefined();
    expect(JSON.parse(last.data!)).toEqual({ error: 'Unauthorized', message: 'The API key was revoked' });
  });
});

describe('many SSE streams and the shutdown signal', () => {
  it('a dozen streams watch it without a listener each (no MaxListenersExceededWarning), and leave nothing behind', async () => {
    const many = await startServer({ env: { MAX_STREAMS_PER_KEY: '20' } });
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    try {
      const session = await createSession(many);
      const before = shutdownWatchers(many.app.shutdownSignal);
      const streams = await Promise.all(Array.from({ length: 12 }, () => openSse(`${many.url}/api/v1/sessions/${session.id}/events`, many.apiKey)));
      await Promise.all(streams.map((st) => st.until(1)));
      expect(shutdownWatchers(many.app.shutdownSignal)).toBeGreaterThanOrEqual(before + 12);
      await sleep(50); // Node emits its warning on a later tick
      expect(warnings.filter((w) => w.startsWith('MaxListenersExceededWarning'))).toEqual([]);
      for (const st of streams) st.abort();
      await waitUntil('the streams to be released', () => shutdownWatchers(many.app.shutdownSignal) === before, 10_000);
    } finally {
      process.off('warning', onWarning);
      await many.close();
    }
  });
});
