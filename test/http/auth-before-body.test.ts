import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../support/server';
import { RawConnection } from './raw-http';

/**
 * The key is checked from the headers before any body is read. A client that announces a body and
 * dribbles it with a wrong (or no) key is answered 401 at once and its connection closed: the answer
 * must not wait for the body, so it comes well within a second although the body never completes. An
 * admitted request has HTTP_BODY_TIMEOUT_MS (here 1 s) to send its body, then gets 408 and the door.
 */
let s: TestServer;
beforeAll(async () => {
  s = await startServer({ env: { RATE_LIMIT_PER_MINUTE: '0', HTTP_BODY_TIMEOUT_MS: '1000' } });
});
afterAll(() => s?.close());

/** Headers announcing a 100 kB body, then its first bytes only. */
async function dribble(path: string, key: string | null): Promise<RawConnection> {
  const c = await RawConnection.open(s.url);
  const auth = key ? `Authorization: Bearer ${key}\r\n` : '';
  await c.write(`POST ${path} HTTP/1.1\r\nHost: test\r\n${auth}Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"name":"`);
  return c;
}
async function closedWithin(c: RawConnection, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!c.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return c.closed;
}

describe('authentication before the body', () => {
  for (const [path, shape] of [['/api/v1/sessions', 'rest'], ['/graphql', 'graphql']] as const) {
    for (const key of ['sgk_wrong_key_000000000000000000000000', null]) {
      it(`${path}, ${key ? 'wrong key' : 'no key'}, body never finished: 401 in under 1 s, connection closed`, async () => {
        const started = Date.now();
        const c = await dribble(path, key);
        const r = await c.response(5_000);
        expect(Date.now() - started).toBeLessThan(1_000);
        expect(r.status).toBe(401);
        expect(r.headers.connection).toBe('close');
        if (shape === 'rest') expect(r.body).toEqual({ error: 'Unauthorized', message: 'Invalid or missing API key' });
        else expect(r.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
        expect(await closedWithin(c, 2_000)).toBe(true);
        c.destroy();
      });
    }
  }

  it('a good key with a body that stalls: 408 after HTTP_BODY_TIMEOUT_MS, connection closed, nothing created', async () => {
    const before = ((await s.request('GET', '/api/v1/sessions')).body as { pagination: { total: number } }).pagination.total;
    for (const path of ['/api/v1/sessions', '/graphql']) {
      const c = await dribble(path, s.apiKey);
      const r = await c.response(10_000);
      expect(r.status).toBe(408);
      expect(r.headers.connection).toBe('close');
      if (path === '/graphql') expect(r.body.errors[0].message).toBe('The request body was not received within 1000 ms');
      else expect(r.body).toEqual({ error: 'Request timeout', message: 'The request body was not received within 1000 ms' });
      expect(await closedWithin(c, 2_000)).toBe(true);
      c.destroy();
    }
    expect(((await s.request('GET', '/api/v1/sessions')).body as { pagination: { total: number } }).pagination.total).toBe(before);
  });

  it('a good key with a whole body still works, and the connection is kept for the next request', async () => {
    const c = await RawConnection.open(s.url);
    const body = JSON.stringify({ name: 'kept' });
    const req = `POST /api/v1/sessions HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer ${s.apiKey}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    await c.write(req);
    expect((await c.response()).status).toBe(201);
    await c.write(req);
    expect((await c.response()).status).toBe(201);
    c.destroy();
  });
});
