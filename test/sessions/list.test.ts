import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../support/server';
import { createSession, expectError, invalid, ISO_SECONDS, manualClock, UNAUTHORIZED } from './helpers';

/** Each session is created one second after the previous one, so the order is visible in createdAt. */
const time = manualClock(Date.parse('2024-06-12T10:00:00.000Z'));
let s: TestServer;
/** alice's 25 sessions, oldest first. */
const mine: { id: string; name: string; createdAt: string }[] = [];

beforeAll(async () => {
  s = await startServer({ deps: { clock: time.clock } });
  for (let i = 0; i < 25; i++) {
    time.advance(1000);
    const created = await createSession(s, { name: `alice-${i}` });
    mine.push({ id: created.id, name: created.name, createdAt: created.createdAt });
  }
  // bob's sessions are interleaved in time and must never show up in alice's list or total.
  for (let i = 0; i < 3; i++) {
    time.advance(500);
    await createSession(s, { name: `bob-${i}` }, s.otherKey);
  }
  // alice: 0..4 completed, 5..7 failed, the rest active.
  for (const m of mine.slice(0, 5)) expect((await s.request('POST', `/api/v1/sessions/${m.id}/complete`)).status).toBe(200);
  for (const m of mine.slice(5, 8)) expect((await s.request('POST', `/api/v1/sessions/${m.id}/fail`, { body: { reason: 'r' } })).status).toBe(200);
});
afterAll(() => s?.close());

const list = (query = '', key?: string | null) => s.request('GET', `/api/v1/sessions${query}`, { key });
const newestFirst = () => [...mine].reverse();

describe('GET /api/v1/sessions', () => {
  it('defaults: limit 20, offset 0, newest first, total of all matching', async () => {
    const reply = await list();
    expect(reply.status).toBe(200);
    expect(Object.keys(reply.body)).toEqual(['data', 'pagination']);
    expect(reply.body.pagination).toEqual({ limit: 20, offset: 0, total: 25, next: expect.any(String) });
    expect(reply.body.data.map((d: any) => d.id)).toEqual(newestFirst().slice(0, 20).map((m) => m.id));
  });

  it('list items carry exactly id, name, status, createdAt', async () => {
    const { body } = await list('?limit=1');
    const newest = newestFirst()[0];
    expect(body.data).toEqual([{ id: newest.id, name: newest.name, status: 'active', createdAt: newest.createdAt }]);
    expect(Object.keys(body.data[0])).toEqual(['id', 'name', 'status', 'createdAt']);
    expect(body.data[0].createdAt).toMatch(ISO_SECONDS);
  });

  it('createdAt strictly decreases down the page', async () => {
    const { body } = await list('?limit=100');
    const times = body.data.map((d: any) => Date.parse(d.createdAt));
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeLessThan(times[i - 1]);
  });

  it('pages with limit and offset, echoing them', async () => {
    const all = newestFirst().map((m) => m.id);
    const page = await list('?limit=10&offset=10');
    expect(page.body.pagination).toEqual({ limit: 10, offset: 10, total: 25, next: expect.any(String) });
    expect(page.body.data.map((d: any) => d.id)).toEqual(all.slice(10, 20));
    const last = await list('?offset=20');
    expect(last.body.data.map((d: any) => d.id)).toEqual(all.slice(20));
    expect(last.body.pagination).toEqual({ limit: 20, offset: 20, total: 25, next: null });
    const beyond = await list('?offset=100');
    expect(beyond.body).toEqual({ data: [], pagination: { limit: 20, offset: 100, total: 25, next: null } });
  });

  it('accepts the bounds limit=1 and limit=100', async () => {
    expect((await list('?limit=1')).body.data).toHaveLength(1);
    const max = await list('?limit=100');
    expect(max.body.data).toHaveLength(25);
    expect(max.body.pagination.limit).toBe(100);
  });

  it.each([
    ['active', 17, (i: number) => i >= 8],
    ['completed', 5, (i: number) => i < 5],
    ['failed', 3, (i: number) => i >= 5 && i < 8],
  ])('status=%s lists only those, with their total', async (status, count, pick) => {
    const reply = await list(`?status=${status}&limit=100`);
    expect(reply.status).toBe(200);
    expect(reply.body.pagination).toEqual({ limit: 100, offset: 0, total: count, next: null });
    const expected = newestFirst().filter((m) => pick(mine.indexOf(m)));
    expect(reply.body.data.map((d: any) => d.id)).toEqual(expected.map((m) => m.id));
    for (const d of reply.body.data) expect(d.status).toBe(status);
  });

  it('status filter and paging combine', async () => {
    const reply = await list('?status=active&limit=5&offset=15');
    expect(reply.body.pagination).toEqual({ limit: 5, offset: 15, total: 17, next: null });
    expect(reply.body.data).toHaveLength(2);
  });

  it('only the caller\'s sessions, and only their total', async () => {
    const bob = await list('?limit=100', s.otherKey);
    expect(bob.body.pagination.total).toBe(3);
    expect(bob.body.data.map((d: any) => d.name)).toEqual(['bob-2', 'bob-1', 'bob-0']);
    const alice = await list('?limit=100');
    expect(alice.body.data.some((d: any) => d.name.startsWith('bob'))).toBe(false);
  });

  it.each([
    ['limit=0', 'limit must be an integer between 1 and 100'],
    ['limit=101', 'limit must be an integer between 1 and 100'],
    ['limit=-1', 'limit must be an integer between 1 and 100'],
    ['limit=abc', 'limit must be an integer'],
    ['limit=1.5', 'limit must be an integer'],
    ['limit=', 'limit must be an integer'],
    ['limit=1&limit=2', 'limit must be an integer'],
    ['offset=-1', 'offset must be an integer between 0 and 2147483647'],
    ['offset=x', 'offset must be an integer'],
    ['offset=99999999999', 'offset must be an integer'],
    ['status=bogus', 'status must be one of active, completed, failed'],
    ['status=ACTIVE', 'status must be one of active, completed, failed'],
    ['status=', 'status must be one of active, completed, failed'],
  ])('?%s → 400', async (query, message) => {
    expectError(await list(`?${query}`), 400, invalid(message));
  });

  it('401 without a valid key', async () => {
    expectError(await list('', null), 401, UNAUTHORIZED);
    expectError(await list('?limit=0', null), 401, UNAUTHORIZED);
  });
});

describe('ordering ties', () => {
  it('sessions created in the same instant are ordered by id, descending, and page stably', async () => {
    // Another owner (the bootstrap key's), so alice's numbers above are untouched.
    const key = 'sgk_bootstrap_for_tests_only';
    time.set('2024-07-01T00:00:00.000Z'); // frozen: every session below gets the same createdAt
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) ids.push((await createSession(s, { name: `t${i}` }, key)).id);
    const expected = [...ids].sort().reverse();
    expect(expected).not.toEqual([...ids].reverse()); // otherwise creation order alone would pass
    const reply = await list('', key);
    expect(reply.body.data.map((d: any) => d.id)).toEqual(expected);
    const paged: string[] = [];
    for (const offset of [0, 3, 6]) paged.push(...(await list(`?limit=3&offset=${offset}`, key)).body.data.map((d: any) => d.id));
    expect(paged).toEqual(expected);
  });
});
