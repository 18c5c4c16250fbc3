import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../sessions/helpers';
import { startServer, type TestServer } from '../support/server';

/**
 * Failed authentication is limited per client address: past AUTH_FAILURES_PER_MINUTE failures an address
 * gets 429 with Retry-After (good keys included, or a guesser could tell the right key by its answer),
 * until the minute ends; other addresses are not affected. The client addresses are real: 127.0.0.2,
 * .3, .4 on the loopback network, talking to the server on 127.0.0.1.
 */
const LIMIT = 5;
const clock = manualClock(Date.parse('2026-01-01T10:00:05Z'));
let s: TestServer;
beforeAll(async () => {
  s = await startServer({ env: { AUTH_FAILURES_PER_MINUTE: String(LIMIT), RATE_LIMIT_PER_MINUTE: '0' }, deps: { clock: clock.clock } });
});
afterAll(() => s?.close());

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}
/** A request from `from` (a loopback address) with `key`. */
function call(from: string, key: string | null, method: string, path: string, body?: unknown): Promise<Reply> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const headers: Record<string, string> = {};
  if (key) headers.authorization = `Bearer ${key}`;
  if (payload) headers['content-type'] = 'application/json';
  return new Promise((resolve, reject) => {
    const req = request(`${s.url}${path}`, { method, headers, localAddress: from, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}
const limitsHit = async () => Number(/sessions_gateway_limits_hit_total\{limit="auth_failures"\} (\d+)/.exec((await s.request('GET', '/metrics', { key: null })).text)?.[1] ?? 0);

describe('failed-authentication limit per client address', () => {
  it(`${LIMIT} failures a minute, then 429 with Retry-After for everything from that address — REST and GraphQL — until the minute ends`, async () => {
    const before = await limitsHit();
    for (let i = 0; i < LIMIT; i++) {
      const r = await call('127.0.0.2', i % 2 ? 'sgk_wrong_key_000000000000000000000000' : null, 'GET', '/api/v1/sessions');
      expect(r.status).toBe(401);
    }
    const refused = await call('127.0.0.2', 'sgk_wrong_key_000000000000000000000000', 'GET', '/api/v1/sessions');
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({ error: 'Too many requests', message: `Too many failed authentication attempts from this address (at most ${LIMIT} a minute); retry in 55 s` });
    expect(refused.headers['retry-after']).toBe('55');
    // The right key from the same address: refused too, so the answer tells a guesser nothing.
    expect((await call('127.0.0.2', s.apiKey, 'POST', '/api/v1/sessions', { name: 'x' })).status).toBe(429);
    const gql = await call('127.0.0.2', s.apiKey, 'POST', '/graphql', { query: '{ sessions { pagination { total } } }' });
    expect(gql.status).toBe(429);
    expect(gql.body.errors[0].extensions.code).toBe('RATE_LIMITED');
    expect(await limitsHit()).toBe(before + 3);

    clock.advance(55_000);
    expect((await call('127.0.0.2', s.apiKey, 'GET', '/api/v1/sessions')).status).toBe(200);
  });

  it('another address is not affected: its good key works, and its own failures are counted apart', async () => {
    for (let i = 0; i <= LIMIT; i++) await call('127.0.0.3', 'sgk_wrong_key_000000000000000000000000', 'GET', '/api/v1/sessions');
    expect((await call('127.0.0.3', s.apiKey, 'GET', '/api/v1/sessions')).status).toBe(429);
    expect((await call('127.0.0.4', s.apiKey, 'GET', '/api/v1/sessions')).status).toBe(200);
    expect((await call('127.0.0.4', s.apiKey, 'POST', '/graphql', { query: '{ sessions { pagination { total } } }' })).status).toBe(200);
    expect((await call('127.0.0.4', 'sgk_wrong_key_000000000000000000000000', 'GET', '/api/v1/sessions')).status).toBe(401);
  });

  it('a key lookup that fails for another reason (the database) is not a failed authentication: the address is not blocked', async () => {
    const keys = s.app.services.apiKeys;
    const lookup = keys.authenticate;
    // The key's lookup fails as it does when the database cannot answer (pg-pool's wait running out).
    keys.authenticate = async () => {
      throw new Error('timeout exceeded when trying to connect');
    };
    try {
      for (let i = 0; i <= LIMIT; i++) {
        const r = await call('127.0.0.5', s.apiKey, 'GET', '/api/v1/sessions');
        expect(r.status).toBe(500);
        expect(r.body).toEqual({ error: 'Internal server error', message: 'Failed to list sessions' });
      }
    } finally {
      keys.authenticate = lookup;
    }
    const before = await limitsHit();
    expect((await call('127.0.0.5', s.apiKey, 'GET', '/api/v1/sessions')).status).toBe(200);
    expect(await limitsHit()).toBe(before);
  });
});
