import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInbox, deliver } from '../inboxes/helpers';
import { createSession, expectError, invalid, manualClock } from '../sessions/helpers';
import { startServer, type TestServer } from '../support/server';

/**
 * `after` (a cursor from `pagination.next`) beside `offset` on every list: REST and GraphQL. Rows are
 * created under a manual clock, several in the same instant, so ties on the time are exercised.
 */
const time = manualClock(Date.parse('2024-06-12T10:00:00.000Z'));
let s: TestServer;
beforeAll(async () => {
  s = await startServer({ deps: { clock: time.clock } });
});
afterAll(() => s?.close());

const ids = (reply: { body: any }) => reply.body.data.map((d: { id: string }) => d.id) as string[];

async function get(path: string, key?: string) {
  const reply = await s.request('GET', path, { key });
  expect(reply.status, reply.text).toBe(200);
  return reply;
}

/** Every id of a list, page by page through `pagination.next`; `between(n)` runs after page n. */
async function walk(path: string, limit: number, opts: { key?: string; between?: (page: number) => Promise<void> } = {}): Promise<string[]> {
  const sep = path.includes('?') ? '&' : '?';
  const seen: string[] = [];
  let after: string | null = null;
  for (let page = 0; page < 1000; page++) {
    const reply = await get(`${path}${sep}limit=${limit}${after === null ? '' : `&after=${encodeURIComponent(after)}`}`, opts.key);
    expect(reply.body.data.length).toBeLessThanOrEqual(limit);
    expect(reply.body.pagination.offset).toBe(0);
    seen.push(...ids(reply));
    after = reply.body.pagination.next;
    if (after === null) return seen;
    expect(reply.body.data).toHaveLength(limit); // a page that is not the last one is full
    await opts.between?.(page);
  }
  throw new Error('the cursor never reached the end');
}

/** `count` rows made in groups of `tie` sharing one instant, one second between the groups. */
async function make(count: number, tie: number, create: (i: number) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < count; i++) {
    if (i % tie === 0) time.advance(1000);
    await create(i);
  }
}

describe('sessions', () => {
  const key = () => s.otherKey; // bob's list is this suite's own

  beforeAll(async () => {
    await make(13, 3, (i) => createSession(s, { name: `s${i}` }, s.otherKey));
    for (const id of ids(await get('/api/v1/sessions?limit=4', key())).slice(0, 2)) {
      expect((await s.request('POST', `/api/v1/sessions/${id}/complete`, { key: key() })).status).toBe(200);
    }
  });

  it('walking every page by cursor gives the offset listing, for every page size', async () => {
    const all = ids(await get('/api/v1/sessions?limit=100', key()));
    expect(all).toHaveLength(13);
    for (const limit of [1, 2, 3, 5, 13, 100]) expect(await walk('/api/v1/sessions', limit, { key: key() }), `limit ${limit}`).toEqual(all);
    const byOffset: string[] = [];
    for (let offset = 0; offset < 13; offset += 5) byOffset.push(...ids(await get(`/api/v1/sessions?limit=5&offset=${offset}`, key())));
    expect(byOffset).toEqual(all);
  });

  it('keeps the status filter and its total on every page', async () => {
    const active = ids(await get('/api/v1/sessions?status=active&limit=100', key()));
    expect(active).toHaveLength(11);
    expect(await walk('/api/v1/sessions?status=active', 4, { key: key() })).toEqual(active);
    const first = await get('/api/v1/sessions?status=active&limit=4', key());
    const second = await get(`/api/v1/sessions?status=active&limit=4&after=${first.body.pagination.next}`, key());
    expect(second.body.pagination).toEqual({ limit: 4, offset: 0, total: 11, next: expect.any(String) });
  });

  it('rows inserted between page reads are neither skipped nor repeated', async () => {
    const key = 'sgk_bootstrap_for_tests_only'; // an owner of its own: the other tests' lists stay as they are
    time.set('2024-08-01T00:00:00.000Z');
    await make(10, 2, (i) => createSession(s, { name: `w${i}` }, key));
    const before = ids(await get('/api/v1/sessions?limit=100', key));
    const inserted: string[] = [];
    const seen = await walk('/api/v1/sessions', 3, {
      key,
      between: async (page) => {
        if (page !== 0) return;
        // Newer than everything: it belongs before the cursor, so a later page must not show it.
        time.set('2024-09-01T00:00:00.000Z');
        await createSession(s, { name: 'newest' }, key);
        // As old as the oldest rows: it belongs after the cursor, so a later page must show it.
        time.set('2024-08-01T00:00:01.000Z');
        inserted.push((await createSession(s, { name: 'old' }, key)).id);
      },
    });
    expect(new Set(seen).size).toBe(seen.length);
    const after = ids(await get('/api/v1/sessions?limit=100', key));
    // The order today, less the newest (inserted before the cursor), is exactly what the walk saw.
    expect(seen).toEqual(after.slice(1));
    expect(seen).toEqual(expect.arrayContaining([...before, ...inserted]));
    // Offset paging, by contrast, shows a row twice when one is inserted in front of it.
    const page1 = ids(await get('/api/v1/sessions?limit=3', key));
    time.set('2024-10-01T00:00:00.000Z');
    await createSession(s, { name: 'newer still' }, key);
    expect(ids(await get('/api/v1/sessions?limit=3&offset=3', key))[0]).toBe(page1[2]);
  });

  it('the last page says next: null, and so does an empty list', async () => {
    const page = await get('/api/v1/sessions?limit=13', key());
    expect(page.body.pagination).toEqual({ limit: 13, offset: 0, total: 13, next: null });
    const none = await get('/api/v1/sessions?status=failed', key());
    expect(none.body).toEqual({ data: [], pagination: { limit: 20, offset: 0, total: 0, next: null } });
  });

  it('offset pages carry next too, and it continues where the offset page ended', async () => {
    const all = ids(await get('/api/v1/sessions?limit=100', key()));
    const page = await get('/api/v1/sessions?limit=4&offset=4', key());
    const rest = await get(`/api/v1/sessions?limit=100&after=${page.body.pagination.next}`, key());
    expect([...ids(page), ...ids(rest)]).toEqual(all.slice(4));
  });

  it.each([
    ['after=', 'empty'],
    ['after=x', 'too short to decode'],
    ['after=abc!', 'not base64url'],
    [`after=${Buffer.from('not json').toString('base64url')}`, 'not JSON'],
    [`after=${Buffer.from('[1,2,3]').toString('base64url')}`, 'the wrong shape'],
    [`after=${Buffer.from('["2024-01-01","sess_x"]').toString('base64url')}`, 'a time that is not milliseconds'],
    [`after=${Buffer.from('[1718186400000,"DROP TABLE"]').toString('base64url')}`, 'an id of the wrong shape'],
    [`after=${'A'.repeat(300)}`, 'too long'],
    ['after=a&after=b', 'given twice'],
  ])('?%s → 400 (%s)', async (query) => {
    const reply = await s.request('GET', `/api/v1/sessions?${query}`, { key: key() });
    expect(reply.status, reply.text).toBe(400);
    expect(reply.body.error).toBe('Invalid request');
    expect(reply.body.message).toMatch(/^after must be /);
  });

  it('after and offset together → 400 naming both', async () => {
    const next = (await get('/api/v1/sessions?limit=2', key())).body.pagination.next;
    for (const offset of ['0', '2']) {
      expectError(await s.request('GET', `/api/v1/sessions?after=${next}&offset=${offset}`, { key: key() }), 400, invalid('after and offset cannot be used together: page by one of them'));
    }
  });

  it('GraphQL: the same cursor, the same errors', async () => {
    const q = 'query($after: String, $offset: Int) { sessions(limit: 5, after: $after, offset: $offset) { data { id } pagination { offset total next } } }';
    const all = ids(await get('/api/v1/sessions?limit=100', key()));
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const reply: { body: any } = await s.gql(q, { after }, key());
      expect(reply.body.errors).toBeUndefined();
      seen.push(...reply.body.data.sessions.data.map((d: { id: string }) => d.id));
      after = reply.body.data.sessions.pagination.next;
    } while (after !== null);
    expect(seen).toEqual(all);
    const both = await s.gql(q, { after: 'x', offset: 0 }, key());
    expect(both.body.errors?.[0]).toMatchObject({ message: 'after and offset cannot be used together: page by one of them', extensions: { code: 'BAD_USER_INPUT' } });
    const bad = await s.gql(q, { after: 'x' }, key());
    expect(bad.body.errors?.[0]).toMatchObject({ message: 'after must be a cursor returned in pagination.next', extensions: { code: 'BAD_USER_INPUT' } });
  });
});

describe('inboxes', () => {
  let key: string;
  beforeAll(async () => {
    key = await s.app.services.apiKeys.create('carol');
    time.set('2025-01-01T00:00:00.000Z');
    // Short-lived ones first: once the clock moves on they are expired, the newer ones still active.
    await make(5, 2, () => createInbox(s, { ttlSeconds: 60 }, key));
    time.advance(120_000);
    await make(6, 3, () => createInbox(s, { ttlSeconds: 3600 }, key));
  });

  it.each(['', '?status=active', '?status=expired'])('walking by cursor gives the offset listing (%s)', async (filter) => {
    const all = ids(await get(`/api/v1/inboxes${filter}${filter ? '&' : '?'}limit=100`, key));
    expect(all).toHaveLength(filter === '' ? 11 : filter.endsWith('active') ? 6 : 5);
    for (const limit of [1, 2, 4]) expect(await walk(`/api/v1/inboxes${filter}`, limit, { key }), `limit ${limit}`).toEqual(all);
  });

  it('bad cursor and after with offset → 400', async () => {
    const reply = await s.request('GET', '/api/v1/inboxes?after=nope', { key });
    expect(reply.status).toBe(400);
    expect(reply.body.message).toMatch(/^after must be /);
    expectError(await s.request('GET', '/api/v1/inboxes?after=nope&offset=1', { key }), 400, invalid('after and offset cannot be used together: page by one of them'));
  });
});

describe('messages of an inbox', () => {
  it('walking by cursor gives the offset listing, ties included; bad input → 400', async () => {
    const key = await s.app.services.apiKeys.create('dave');
    time.set('2025-02-01T00:00:00.000Z');
    const inbox = await createInbox(s, {}, key);
    await make(9, 3, (i) => deliver(s, inbox.id, { from: 'a@b.test', subject: `m${i}`, text: 'x' }, key));
    const path = `/api/v1/inboxes/${inbox.id}/messages`;
    const all = ids(await get(`${path}?limit=100`, key));
    expect(all).toHaveLength(9);
    for (const limit of [1, 2, 4]) expect(await walk(path, limit, { key }), `limit ${limit}`).toEqual(all);
    const gql = await s.gql('query($id: ID!) { inboxMessages(inboxId: $id, limit: 4) { pagination { next } } }', { id: inbox.id }, key);
    const next = gql.body.data.inboxMessages.pagination.next;
    expect(ids(await get(`${path}?limit=100&after=${next}`, key))).toEqual(all.slice(4));
    expect((await s.request('GET', `${path}?after=%20`, { key })).status).toBe(400);
    expectError(await s.request('GET', `${path}?after=${next}&offset=0`, { key }), 400, invalid('after and offset cannot be used together: page by one of them'));
  });
});
