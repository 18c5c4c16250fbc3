import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RateLimiter } from '../../src/protection/rate-limiter';
import { startServer, type TestServer } from '../support/server';
import { type RawReply, send } from './helpers';

/**
 * RATE_LIMIT_PER_MINUTE=5: every admitted response says the limit, what is left and when the window
 * resets; the 6th request of a minute is refused with 429 and Retry-After (REST and GraphQL alike);
 * each key has its own budget; requests without a valid key are 401 and cost nobody anything.
 */

const LIMIT = 5;
let s: TestServer;
let key: string;

beforeAll(async () => {
  s = await startServer({ env: { RATE_LIMIT_PER_MINUTE: String(LIMIT) } });
});
afterAll(() => s?.close());

/**
 * Windows are calendar minutes: a test that counts requests must not straddle one. Late in a minute
 * (second > 45), wait for the next. Then a fresh key, so every test starts with a full budget.
 */
beforeEach(async () => {
  const second = new Date().getUTCSeconds() + new Date().getUTCMilliseconds() / 1000;
  if (second > 45) await new Promise((r) => setTimeout(r, (60 - second) * 1000 + 200));
  key = await s.app.services.apiKeys.create('alice');
}, 30_000);

const rest = (method: string, path: string, k: string | null = key, body?: unknown) =>
  send(s.url, method, path, { key: k, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
const gql = (query: string, k: string | null = key) =>
  send(s.url, 'POST', '/graphql', { key: k, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });

function rateHeaders(r: RawReply) {
  return {
    limit: r.headers.get('x-ratelimit-limit'),
    remaining: r.headers.get('x-ratelimit-remaining'),
    reset: r.headers.get('x-ratelimit-reset'),
    retryAfter: r.headers.get('retry-after'),
  };
}

function expectSecondsInWindow(value: string | null) {
  expect(value).toMatch(/^\d+$/);
  expect(Number(value)).toBeGreaterThanOrEqual(1);
  expect(Number(value)).toBeLessThanOrEqual(60);
}

function expectTooManyRequests(r: RawReply) {
  expect(r.status, r.text).toBe(429);
  expect(r.headers.get('content-type')).toMatch(/^application\/json/);
  expect(Object.keys(r.body as object).sort()).toEqual(['error', 'message']);
  expect(r.body).toEqual({ error: 'Too many requests', message: expect.any(String) });
  expect((r.body as { message: string }).message).not.toBe('');
  const h = rateHeaders(r);
  expect(h.limit).toBe(String(LIMIT));
  expect(h.remaining).toBe('0');
  expectSecondsInWindow(h.retryAfter);
  expectSecondsInWindow(h.reset);
  expect(h.retryAfter).toBe(h.reset);
}

describe(`RATE_LIMIT_PER_MINUTE=${LIMIT}`, () => {
  it('every admitted response, success or error, REST or GraphQL, carries Limit, a falling Remaining and Reset ≤ 60 s', async () => {
    const admitted = [
      await rest('GET', '/api/v1/sessions'), // 200
      await rest('POST', '/api/v1/sessions', key, { name: 'counted' }), // 201
      await rest('GET', '/api/v1/sessions/sess_0000000000000000000000'), // 404
      await rest('GET', '/api/v1/sessions?limit=0'), // 400
      await gql('{ sessions { pagination { total } } }'), // 200
    ];
    expect(admitted.map((r) => r.status)).toEqual([200, 201, 404, 400, 200]);
    expect(admitted.map((r) => rateHeaders(r).limit)).toEqual(Array(LIMIT).fill(String(LIMIT)));
    expect(admitted.map((r) => rateHeaders(r).remaining)).toEqual(['4', '3', '2', '1', '0']);
    for (const r of admitted) {
      expectSecondsInWindow(rateHeaders(r).reset);
      expect(r.headers.get('retry-after')).toBeNull();
    }
    // Reset counts down to the same instant: never up within a window.
    const resets = admitted.map((r) => Number(rateHeaders(r).reset));
    expect([...resets].sort((a, b) => b - a)).toEqual(resets);
  });

  it('the 6th request of the minute → 429 with the contract body and Retry-After; so is every later one', async () => {
    for (let i = 0; i < LIMIT; i++) expect((await rest('GET', '/api/v1/sessions')).status).toBe(200);
    const sixth = await rest('GET', '/api/v1/sessions');
    expectTooManyRequests(sixth);
    expect((sixth.body as { message: string }).message).toMatch(/rate limit/i);
    // Refused on every route and method, whatever the request would have done.
    expectTooManyRequests(await rest('POST', '/api/v1/sessions', key, { name: 'not created' }));
    expectTooManyRequests(await rest('GET', '/api/v1/sessions/sess_0000000000000000000000'));
    expectTooManyRequests(await rest('DELETE', '/api/v1/inboxes/inb_0000000000000000000000'));
    expectTooManyRequests(await rest('GET', '/api/v1/sessions?limit=0'));
    // Nothing was created by the refused POST.
    const sessions = await s.app.db.prisma.session.count({ where: { name: 'not created' } });
    expect(sessions).toBe(0);
  });

  it('GraphQL over the limit → HTTP 429, extensions.code RATE_LIMITED, Retry-After', async () => {
    for (let i = 0; i < LIMIT; i++) expect((await gql('{ sessions { pagination { total } } }')).status).toBe(200);
    const refused = await gql('{ sessions { pagination { total } } }');
    expect(refused.status, refused.text).toBe(429);
    const body = refused.body as { errors: { message: string; extensions: { code: string } }[]; data?: unknown };
    expect(body.errors).toHaveLength(1);
    expect(body.errors[0].extensions.code).toBe('RATE_LIMITED');
    expect(body.errors[0].message).toMatch(/rate limit/i);
    expect(body.data ?? null).toBeNull();
    expect(rateHeaders(refused).limit).toBe(String(LIMIT));
    expect(rateHeaders(refused).remaining).toBe('0');
    expectSecondsInWindow(rateHeaders(refused).retryAfter);
    // A mutation is refused before it runs.
    const mutation = await gql('mutation { createSession(input: { name: "gql not created" }) { id } }');
    expect(mutation.status).toBe(429);
    expect(await s.app.db.prisma.session.count({ where: { name: 'gql not created' } })).toBe(0);
    // REST and GraphQL share one budget: REST is refused too.
    expectTooManyRequests(await rest('GET', '/api/v1/sessions'));
  });

  it('limits are per key: another owner, and another key of the same owner, are unaffected', async () => {
    for (let i = 0; i < LIMIT; i++) await rest('GET', '/api/v1/sessions');
    expectTooManyRequests(await rest('GET', '/api/v1/sessions'));

    const bob = await s.app.services.apiKeys.create('bob');
    const aliceSecondKey = await s.app.services.apiKeys.create('alice');
    for (const other of [bob, aliceSecondKey]) {
      const first = await rest('GET', '/api/v1/sessions', other);
      expect(first.status).toBe(200);
      expect(rateHeaders(first)).toMatchObject({ limit: String(LIMIT), remaining: '4' });
      const viaGraphQL = await gql('{ sessions { pagination { total } } }', other);
      expect(viaGraphQL.status).toBe(200);
      expect(rateHeaders(viaGraphQL).remaining).toBe('3');
    }
    // …and the exhausted key stays refused.
    expectTooManyRequests(await rest('GET', '/api/v1/sessions'));
  });

  it('requests without a valid key → 401 (no rate headers) and are not counted against anyone', async () => {
    const unauthenticated = [
      await rest('GET', '/api/v1/sessions', null),
      await rest('GET', '/api/v1/sessions', 'sgk_unknown_key_0000000000000000000000000000'),
      await send(s.url, 'GET', '/api/v1/sessions', { headers: { authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` } }),
      await gql('{ sessions { pagination { total } } }', null),
      ...(await Promise.all(Array.from({ length: 10 }, () => rest('POST', '/api/v1/sessions', 'sgk_nope', { name: 'x' })))),
    ];
    for (const r of unauthenticated) {
      expect(r.status, r.text).toBe(401);
      expect(r.headers.get('x-ratelimit-limit')).toBeNull();
      expect(r.headers.get('retry-after')).toBeNull();
    }
    expect(unauthenticated[0].body).toEqual({ error: 'Unauthorized', message: 'Invalid or missing API key' });
    expect((unauthenticated[3].body as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code).toBe('UNAUTHENTICATED');

    // The key's budget is whole…
    const remaining: (string | null)[] = [];
    for (let i = 0; i < LIMIT; i++) remaining.push(rateHeaders(await rest('GET', '/api/v1/sessions')).remaining);
    expect(remaining).toEqual(['4', '3', '2', '1', '0']);
    expectTooManyRequests(await rest('GET', '/api/v1/sessions'));
    // …and once it is spent, a request without a key is still a 401, not a 429.
    const after = await rest('GET', '/api/v1/sessions', null);
    expect(after.status).toBe(401);
    expect(after.body).toEqual({ error: 'Unauthorized', message: 'Invalid or missing API key' });
  });

  it('concurrent requests on one key: exactly 5 admitted, the rest 429', async () => {
    const replies = await Promise.all(Array.from({ length: 20 }, () => rest('GET', '/api/v1/sessions')));
    const statuses = replies.map((r) => r.status);
    expect(statuses.filter((st) => st === 200)).toHaveLength(LIMIT);
    expect(statuses.filter((st) => st === 429)).toHaveLength(20 - LIMIT);
    for (const r of replies.filter((x) => x.status === 429)) expectTooManyRequests(r);
  });

  it('health, readiness and unknown routes are not rate limited', async () => {
    for (let i = 0; i < LIMIT; i++) await rest('GET', '/api/v1/sessions');
    expectTooManyRequests(await rest('GET', '/api/v1/sessions'));
    expect((await send(s.url, 'GET', '/healthz')).status).toBe(200);
    expect((await send(s.url, 'GET', '/readyz')).status).toBe(200);
  });

  it('larger limits (admissions claimed in blocks): one limiter admits exactly the limit, two on one database never more', async () => {
    const big = 100;
    const one = new RateLimiter(s.app.db, big);
    const single = await Promise.all(Array.from({ length: 3 * big }, () => one.consume('key_single_block_test')));
    expect(single.filter((d) => d.allowed)).toHaveLength(big);
    expect(Math.min(...single.map((d) => d.remaining))).toBe(0);

    // Two instances (two limiters, one counter table): at most the limit, at worst one unused block
    // (5 % of the limit) per instance short of it.
    const [x, y] = [new RateLimiter(s.app.db, big), new RateLimiter(s.app.db, big)];
    const both = await Promise.all(Array.from({ length: 3 * big }, (_, i) => (i % 2 ? x : y).consume('key_shared_block_test')));
    const admitted = both.filter((d) => d.allowed).length;
    expect(admitted).toBeLessThanOrEqual(big);
    expect(admitted).toBeGreaterThanOrEqual(big - 5);
    const row = await s.app.db.prisma.rateLimitCounter.findMany({ where: { keyId: 'key_shared_block_test' } });
    expect(row).toHaveLength(1);
  });
});
