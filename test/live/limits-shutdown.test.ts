import { connect } from 'node:net';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSession } from '../sessions/helpers';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { startGatewayProcess } from '../support/process';
import { startServer, type TestServer } from '../support/server';
import { openSse, SESSION_EVENTS, sleep, subscribe, wsClient } from './helpers';

let s: TestServer;
beforeAll(async () => {
  s = await startServer({ env: { STREAM_BUFFER_EVENTS: '5' } });
});
afterAll(async () => s?.close());

const PAD = 'x'.repeat(64 * 1024);

/** Parses the SSE messages in raw HTTP response text (chunked framing lines are skipped by shape). */
function sseIds(raw: string): { ids: string[]; lastEvent?: string; lastData?: string; retry: boolean } {
  const ids = [...raw.matchAll(/^id: (\S+)$/gm)].map((m) => m[1]);
  const events = [...raw.matchAll(/^event: (\S+)$/gm)].map((m) => m[1]);
  const data = [...raw.matchAll(/^data: (.*)$/gm)].map((m) => m[1]);
  return { ids, lastEvent: events.at(-1), lastData: data.at(-1), retry: /^retry: \d+$/m.test(raw) };
}

describe('stream limits', () => {
  it('a consumer that stops reading is disconnected with a reason once its buffer is full, and loses nothing when it resumes', async () => {
    const session = await createSession(s);
    const { ownerId } = await s.app.db.prisma.session.findUniqueOrThrow({ where: { id: session.id } });
    const port = Number(new URL(s.url).port);
    const socket = connect(port, '127.0.0.1');
    let raw = '';
    socket.setEncoding('latin1');
    socket.on('data', (d) => (raw += d));
    socket.write(`GET /api/v1/sessions/${session.id}/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${s.apiKey}\r\nAccept: text/event-stream\r\n\r\n`);
    await sleep(300);
    expect(raw).toMatch(/^HTTP\/1.1 200/);
    socket.pause(); // stops reading: the kernel buffers fill, then the server's writes wait
    for (let i = 0; i < 300; i++) {
      await s.app.db.tx((tx) => s.app.services.history.appendEvent(tx, { ownerId, sessionId: session.id, type: 'test.big', payload: { i, pad: PAD } }));
      if (s.app.services.live.openFor((await s.app.services.apiKeys.authenticate(s.apiKey))!.keyId) === 0) break;
    }
    const key = (await s.app.services.apiKeys.authenticate(s.apiKey))!.keyId;
    expect(s.app.services.live.openFor(key)).toBe(0); // the stream was ended on the server
    const closed = new Promise((r) => socket.once('close', r));
    socket.resume(); // reads what was sent, up to the goodbye
    await closed;
    const got = sseIds(raw);
    expect(got.lastEvent).toBe('error');
    expect(JSON.parse(got.lastData!)).toMatchObject({ error: 'Slow consumer' });
    expect(got.retry).toBe(true);
    // Resume from the last id received: the rest, once each.
    const rest = await openSse(`${s.url}/api/v1/sessions/${session.id}/events`, s.apiKey, { 'last-event-id': got.ids.at(-1)! });
    const total = (await s.request('GET', `/api/v1/sessions/${session.id}/timeline?limit=500`)).body.events.map((e: any) => e.cursor);
    await rest.until(total.length - got.ids.length);
    rest.abort();
    expect([...got.ids, ...rest.events.filter((e) => e.id).map((e) => e.id)]).toEqual(total);
  });
});

describe('stream limits over graphql-ws', () => {
  it('a subscriber that stops reading is closed with 4413 and loses nothing when it resumes', async () => {
    const session = await createSession(s);
    const { ownerId } = await s.app.db.prisma.session.findUniqueOrThrow({ where: { id: session.id } });
    const keyId = (await s.app.services.apiKeys.authenticate(s.apiKey))!.keyId;
    // The protocol by hand, so the socket can stop reading.
    const ws = new WebSocket(`${s.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
    const received: string[] = [];
    let closed: { code: number; reason: string } | undefined;
    let acked = false;
    ws.on('message', (m) => {
      const msg = JSON.parse(String(m));
      if (msg.type === 'connection_ack') acked = true;
      if (msg.type === 'next') received.push(msg.payload.data.sessionEvents.cursor);
    });
    ws.on('close', (code, reason) => (closed = { code, reason: String(reason) }));
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${s.apiKey}` } }));
    while (!acked) await sleep(20);
    ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 'subscription($id: ID!) { sessionEvents(sessionId: $id) { cursor payload } }', variables: { id: session.id } } }));
    while (received.length < 1) await sleep(20);
    (ws as any)._socket.pause(); // stops reading
    for (let i = 0; i < 300 && s.app.services.live.openFor(keyId) > 0; i++) {
      await s.app.db.tx((tx) => s.app.services.history.appendEvent(tx, { ownerId, sessionId: session.id, type: 'test.big', payload: { i, pad: PAD } }));
    }
    expect(s.app.services.live.openFor(keyId)).toBe(0);
    (ws as any)._socket.resume();
    while (!closed) await sleep(20);
    expect(closed.code).toBe(4413);
    expect(closed.reason).toMatch(/Slow consumer/);
    const again = wsClient(s, s.apiKey);
    try {
      const total = (await s.request('GET', `/api/v1/sessions/${session.id}/timeline?limit=500`)).body.events.map((e: any) => e.cursor);
      const rest = subscribe(again.client, SESSION_EVENTS, { sessionId: session.id, after: received.at(-1) });
      await rest.until(total.length - received.length);
      expect([...received, ...rest.events.map((e) => e.cursor)]).toEqual(total);
    } finally {
      await again.dispose();
    }
  });
});

describe('shutdown', () => {
  let db: TestDatabase;
  afterAll(async () => db?.drop());

  it('SIGTERM closes graphql-ws sockets with 1001 and SSE streams with a retry hint, and the process exits 0', async () => {
    db = await createTestDatabase();
    const KEY = 'sgk_live_shutdown_test_key_000000000000';
    const gw = await startGatewayProcess({ DATABASE_URL: db.url, BOOTSTRAP_API_KEY: KEY });
    const created = await fetch(`${gw.url}/api/v1/sessions`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body: '{"name":"live"}' });
    const session = (await created.json()) as { id: string };
    const ws = wsClient({ url: gw.url }, KEY);
    const sub = subscribe(ws.client, SESSION_EVENTS, { sessionId: session.id });
    const sse = await openSse(`${gw.url}/api/v1/sessions/${session.id}/events`, KEY);
    await Promise.all([sub.until(1), sse.until(1)]);
    const code = await gw.stop();
    expect(code).toBe(0);
    expect((await ws.closed).code).toBe(1001);
    await sse.ended;
    const last = sse.events.at(-1)!;
    expect(last.retry).toMatch(/^\d+$/);
    expect(last.event).toBe('error');
    expect(JSON.parse(last.data!)).toMatchObject({ error: 'Service unavailable' });
    await ws.dispose();
  }, 90_000);
});
