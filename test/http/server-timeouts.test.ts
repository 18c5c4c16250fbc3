import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSse, SESSION_EVENTS, subscribe, wsClient } from '../live/helpers';
import { connectHttp } from '../mcp/helpers';
import { startServer, type TestServer } from '../support/server';
import { RawConnection } from './raw-http';

/**
 * HTTP_HEADERS_TIMEOUT_MS and HTTP_REQUEST_TIMEOUT_MS, here far below their defaults (15 s, 60 s), on
 * the test server that applyServerTimeouts sets up as src/main.ts does. A client dribbling its headers
 * (or body) loses its socket; held answers — long-polls, SSE, graphql-ws, MCP — outlive the request
 * timeout, because it only covers receiving the request. No test here asserts how fast anything is:
 * the held ones check only that they were held longer than the timeout (a lower bound).
 */
const HEADERS_TIMEOUT_MS = 500;
const REQUEST_TIMEOUT_MS = 1_000;
/** Held answers are held this long: well past the request timeout. */
const HELD_SECONDS = 3;

let s: TestServer;
beforeAll(async () => {
  s = await startServer({
    env: { RATE_LIMIT_PER_MINUTE: '0', HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS), HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS), STREAM_HEARTBEAT_MS: '1000' },
  });
});
afterAll(() => s?.close());

/** Writes `line` every 100 ms until the server closes the socket (true) or `ms` pass (false). */
async function dribbleUntilClosed(c: RawConnection, line: string, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!c.socketClosed && Date.now() < deadline) {
    await c.write(line).catch(() => {});
    await new Promise((r) => setTimeout(r, 100));
  }
  return c.socketClosed;
}

async function waitFor(): Promise<{ inbox: string; wait: string }> {
  const inbox = await s.request('POST', '/api/v1/inboxes', { body: {} });
  const wait = await s.request('POST', '/api/v1/waits', { body: { inboxId: inbox.body.id, type: 'otp', timeoutSeconds: 600 } });
  expect(wait.status, wait.text).toBe(201);
  return { inbox: inbox.body.id, wait: wait.body.id };
}

describe('slow clients are cut off', () => {
  it('a client that dribbles its headers has its socket closed after the headers timeout', async () => {
    const c = await RawConnection.open(s.url);
    await c.write(`GET /healthz HTTP/1.1\r\nHost: test\r\n`);
    // Far longer than the timeouts; under heavy load the check still comes within it.
    expect(await dribbleUntilClosed(c, 'X-Slow: yes\r\n', 20_000)).toBe(true);
    expect((await c.response()).status).toBe(408); // Node's own answer, as it closes
    c.destroy();
  });

  it('an authenticated client that dribbles its body has its socket closed after the request timeout', async () => {
    const c = await RawConnection.open(s.url);
    await c.write(`POST /api/v1/sessions HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer ${s.apiKey}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"name":"`);
    expect(await dribbleUntilClosed(c, 'x', 20_000)).toBe(true);
    expect((await c.response()).status).toBe(408);
    c.destroy();
  });

  it('a client that sends its request in time is served', async () => {
    expect((await s.request('GET', '/api/v1/sessions')).status).toBe(200);
  });
});

describe('held answers outlive the request timeout', () => {
  it('REST long-poll: GET /waits/{id}?waitSeconds= answers after the wait, not a 408', async () => {
    const { wait } = await waitFor();
    const started = Date.now();
    const r = await s.request('GET', `/api/v1/waits/${wait}?waitSeconds=${HELD_SECONDS}`);
    expect(r.status, r.text).toBe(200);
    expect(r.body.status).toBe('pending');
    expect(Date.now() - started).toBeGreaterThan(REQUEST_TIMEOUT_MS);
  });

  it('GraphQL long-poll over POST: wait(waitSeconds:) answers after the wait', async () => {
    const { wait } = await waitFor();
    const started = Date.now();
    const r = await s.gql('query ($id: ID!, $w: Int) { wait(id: $id, waitSeconds: $w) { id status } }', { id: wait, w: HELD_SECONDS });
    expect(r.status, r.text).toBe(200);
    expect(r.body.data?.wait).toEqual({ id: wait, status: 'pending' });
    expect(Date.now() - started).toBeGreaterThan(REQUEST_TIMEOUT_MS);
  });

  it('SSE: an event stream stays open past the request timeout and still delivers', async () => {
    const session = await s.request('POST', '/api/v1/sessions', { body: { name: 'held stream' } });
    const stream = await openSse(`${s.url}/api/v1/sessions/${session.body.id}/events`, s.apiKey);
    expect(stream.status).toBe(200);
    await stream.until(1);
    await new Promise((r) => setTimeout(r, HELD_SECONDS * 1000));
    await s.request('POST', `/api/v1/sessions/${session.body.id}/complete`);
    const events = await stream.until(2);
    expect(events.map((e) => e.event)).toEqual(['session.created', 'session.completed']);
    stream.abort();
  });

  it('graphql-ws: a subscription stays open past the request timeout and still delivers', async () => {
    const session = await s.request('POST', '/api/v1/sessions', { body: { name: 'held subscription' } });
    const ws = wsClient(s, s.apiKey);
    try {
      const sub = subscribe(ws.client, SESSION_EVENTS, { sessionId: session.body.id });
      await sub.until(1);
      await new Promise((r) => setTimeout(r, HELD_SECONDS * 1000));
      await s.request('POST', `/api/v1/sessions/${session.body.id}/complete`);
      const events = await sub.until(2);
      expect(events.map((e) => e.type)).toEqual(['session.created', 'session.completed']);
      expect(sub.errors).toEqual([]);
      sub.stop();
    } finally {
      await ws.dispose();
    }
  });

  it('MCP: a wait_for_otp call held past the request timeout answers', async () => {
    const client = await connectHttp(s.url, s.apiKey);
    try {
      const inbox = await s.request('POST', '/api/v1/inboxes', { body: {} });
      const started = Date.now();
      const result: any = await client.callTool({ name: 'wait_for_otp', arguments: { inboxId: inbox.body.id, timeoutSeconds: HELD_SECONDS } });
      expect(JSON.stringify(result.content)).toMatch(/timed out|timeout/i);
      expect(Date.now() - started).toBeGreaterThan(REQUEST_TIMEOUT_MS);
    } finally {
      await client.close();
    }
  });
});
