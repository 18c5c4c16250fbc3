import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSession, errorText, expectError, invalid, manualClock } from '../sessions/helpers';
import { startServer, type TestServer } from '../support/server';
import { ADDRESS, count, createInbox, eventsWith, eventTypes, INBOX_ID, INBOX_KEYS, sleep } from './helpers';

// A manual clock: expiry is tested by moving time, not by sleeping. Every inbox here that is not
// meant to expire keeps the default TTL (1 h) and the clock moves forward by minutes at most.
const time = manualClock(Date.parse('2024-06-12T10:00:00.000Z'));
let s: TestServer;
beforeAll(async () => {
  s = await startServer({ deps: { clock: time.clock } });
});
afterAll(() => s?.close());

const INBOX_NOT_FOUND = errorText('Not found', 'Inbox not found');
const SESSION_NOT_FOUND = errorText('Not found', 'Session not found');
const list = (query = '', key?: string) => s.request('GET', `/api/v1/inboxes${query}`, { key });

describe('POST /api/v1/inboxes', () => {
  it('201 with the documented body: inb_ id, address, active, expiresAt = createdAt + 3600 s by default', async () => {
    time.set('2024-06-12T10:00:00.000Z');
    const reply = await s.request('POST', '/api/v1/inboxes', { body: {} });
    expect(reply.status).toBe(201);
    expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
    expect(Object.keys(reply.body)).toEqual(INBOX_KEYS);
    expect(reply.body).toEqual({
      id: expect.stringMatching(INBOX_ID),
      emailAddress: expect.stringMatching(ADDRESS('sessions.localhost')),
      status: 'active',
      sessionId: null,
      metadata: {},
      createdAt: '2024-06-12T10:00:00Z',
      expiresAt: '2024-06-12T11:00:00Z',
    });
  });

  it('an empty request (no body at all) creates one with the defaults', async () => {
    const reply = await s.request('POST', '/api/v1/inboxes');
    expect(reply.status, reply.text).toBe(201);
    expect(reply.body).toMatchObject({ status: 'active', sessionId: null, metadata: {} });
  });

  it('ttlSeconds sets expiresAt; the bounds 1 and 604800 are accepted', async () => {
    time.set('2024-06-12T10:00:00.000Z');
    expect((await createInbox(s, { ttlSeconds: 1 })).expiresAt).toBe('2024-06-12T10:00:01Z');
    expect((await createInbox(s, { ttlSeconds: 604800 })).expiresAt).toBe('2024-06-19T10:00:00Z');
    expect((await createInbox(s, { ttlSeconds: 90 })).expiresAt).toBe('2024-06-12T10:01:30Z');
  });

  it('keeps metadata and the session; the session lists the inbox and records inbox.created', async () => {
    const session = await createSession(s, { name: 'with-inbox' });
    const inbox = await createInbox(s, { sessionId: session.id, metadata: { purpose: 'signup', n: [1, { deep: true }] } });
    expect(inbox).toMatchObject({ sessionId: session.id, metadata: { purpose: 'signup', n: [1, { deep: true }] } });
    time.advance(1000); // the session lists its inboxes oldest first
    const second = await createInbox(s, { sessionId: session.id });
    const got = await s.request('GET', `/api/v1/sessions/${session.id}`);
    expect(got.body.inboxes).toEqual([inbox.id, second.id]);
    expect(got.body.waits).toEqual([]);
    const events = (await s.request('GET', `/api/v1/sessions/${session.id}/timeline`)).body.events;
    expect(events.filter((e: any) => e.type === 'inbox.created').map((e: any) => e.payload)).toEqual([
      { inboxId: inbox.id, emailAddress: inbox.emailAddress },
      { inboxId: second.id, emailAddress: second.emailAddress },
    ]);
  });

  it('addresses are <16 random characters>@sessions.localhost and unique', async () => {
    const addresses = new Set<string>();
    for (let i = 0; i < 25; i++) {
      const { emailAddress } = await createInbox(s);
      expect(emailAddress).toMatch(ADDRESS('sessions.localhost'));
      addresses.add(emailAddress);
    }
    expect(addresses.size).toBe(25);
  });

  it.each([
    ['completed', 'complete', undefined],
    ['failed', 'fail', { reason: 'gave up' }],
  ])('409 for a %s session, nothing created', async (status, action, body) => {
    const own = await s.app.services.apiKeys.create(`ended-${status}`);
    const session = await createSession(s, { name: `ended-${status}` }, own);
    await s.request('POST', `/api/v1/sessions/${session.id}/${action}`, { key: own, body });
    expectError(await s.request('POST', '/api/v1/inboxes', { key: own, body: { sessionId: session.id } }), 409, errorText('Conflict', `Session is already ${status}`));
    expect((await list('', own)).body.pagination.total).toBe(0);
    expect(await eventTypes(s, session.id)).not.toContain('inbox.created');
  });

  it('404 for a session that does not exist or is not a session id', async () => {
    for (const sessionId of ['sess_0000000000000000000000', 'nope', 'inb_0000000000000000000000']) {
      expectError(await s.request('POST', '/api/v1/inboxes', { body: { sessionId } }), 404, SESSION_NOT_FOUND);
    }
  });
});

describe('GET /api/v1/inboxes', () => {
  let own: string;
  const ids: string[] = [];
  beforeAll(async () => {
    own = await s.app.services.apiKeys.create('inbox-lister');
    time.set('2024-06-12T10:00:00.000Z');
    for (let i = 0; i < 23; i++) {
      time.advance(1000);
      ids.push((await createInbox(s, { metadata: { i } }, own)).id);
    }
  });

  it('defaults: limit 20, offset 0, newest first, total of all', async () => {
    const reply = await list('', own);
    expect(reply.status).toBe(200);
    expect(Object.keys(reply.body)).toEqual(['data', 'pagination']);
    expect(reply.body.pagination).toEqual({ limit: 20, offset: 0, total: 23, next: expect.any(String) });
    expect(reply.body.data.map((d: any) => d.id)).toEqual([...ids].reverse().slice(0, 20));
    for (const d of reply.body.data) expect(Object.keys(d)).toEqual(INBOX_KEYS);
  });

  it('pages with limit and offset, echoing them', async () => {
    const page = await list('?limit=5&offset=20', own);
    expect(page.body.pagination).toEqual({ limit: 5, offset: 20, total: 23, next: null });
    expect(page.body.data.map((d: any) => d.id)).toEqual([ids[2], ids[1], ids[0]]);
    expect((await list('?limit=100&offset=100', own)).body).toEqual({ data: [], pagination: { limit: 100, offset: 100, total: 23, next: null } });
  });

  it('filters by status active / expired, on the effective status', async () => {
    const other = await s.app.services.apiKeys.create('inbox-status');
    time.set('2024-06-12T10:10:00.000Z');
    const short = await createInbox(s, { ttlSeconds: 30 }, other);
    time.advance(1000);
    const long = await createInbox(s, {}, other);
    time.advance(31_000); // `short` is past its deadline now; no settling needed to list it as expired
    const active = await list('?status=active', other);
    expect(active.body).toMatchObject({ data: [{ id: long.id, status: 'active' }], pagination: { total: 1 } });
    const expired = await list('?status=expired', other);
    expect(expired.body).toMatchObject({ data: [{ id: short.id, status: 'expired' }], pagination: { total: 1 } });
    expect((await list('', other)).body.data.map((d: any) => [d.id, d.status])).toEqual([[long.id, 'active'], [short.id, 'expired']]);
  });

  it('status=deleted is refused: deleted inboxes are gone from reads (it used to list every inbox)', async () => {
    const other = await s.app.services.apiKeys.create('inbox-status-deleted');
    const a = await createInbox(s, {}, other);
    await createInbox(s, {}, other);
    expect((await s.request('DELETE', `/api/v1/inboxes/${a.id}`, { key: other })).status).toBe(204);
    expectError(await list('?status=deleted', other), 400, invalid('status must be one of active, expired'));
    // Not a value of the filter's enum at all: GraphQL refuses the literal before running anything.
    const gql = await s.gql('{ inboxes(status: deleted) { data { id } } }', {}, other);
    expect(gql.body.errors!.map((e: any) => e.extensions.code)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  });

  it('never lists deleted inboxes', async () => {
    const other = await s.app.services.apiKeys.create('inbox-deleted-list');
    const a = await createInbox(s, {}, other);
    const b = await createInbox(s, {}, other);
    expect((await s.request('DELETE', `/api/v1/inboxes/${a.id}`, { key: other })).status).toBe(204);
    for (const q of ['', '?status=active', '?status=expired']) {
      const reply = await list(q, other);
      expect(reply.body.data.map((d: any) => d.id)).not.toContain(a.id);
    }
    expect((await list('', other)).body).toMatchObject({ data: [{ id: b.id }], pagination: { total: 1 } });
  });
});

describe('GET /api/v1/inboxes/{id}', () => {
  it('returns the inbox as created', async () => {
    const created = await createInbox(s, { metadata: { k: 'v' } });
    const reply = await s.request('GET', `/api/v1/inboxes/${created.id}`);
    expect(reply.status).toBe(200);
    expect(reply.text).toBe(JSON.stringify(created));
  });

  it('404 for unknown and malformed ids', async () => {
    for (const id of ['inb_0000000000000000000000', 'inb_nope', 'sess_0000000000000000000000', 'x'.repeat(300), '%20']) {
      expectError(await s.request('GET', `/api/v1/inboxes/${id}`), 404, INBOX_NOT_FOUND);
    }
  });
});

describe('DELETE /api/v1/inboxes/{id}', () => {
  it('204 with no body, then GET is 404; deleting again is 404', async () => {
    const session = await createSession(s, { name: 'del' });
    const inbox = await createInbox(s, { sessionId: session.id });
    const reply = await s.request('DELETE', `/api/v1/inboxes/${inbox.id}`);
    expect(reply.status).toBe(204);
    expect(reply.text).toBe('');
    expectError(await s.request('GET', `/api/v1/inboxes/${inbox.id}`), 404, INBOX_NOT_FOUND);
    expectError(await s.request('DELETE', `/api/v1/inboxes/${inbox.id}`), 404, INBOX_NOT_FOUND);
    expectError(await s.request('GET', `/api/v1/inboxes/${inbox.id}/messages`), 404, INBOX_NOT_FOUND);
    expectError(await s.request('POST', `/api/v1/inboxes/${inbox.id}/messages`, { body: { from: 'a@x.test', subject: 'late' } }), 404, INBOX_NOT_FOUND);
    const types = await eventTypes(s, session.id);
    expect(types).toEqual(['session.created', 'inbox.created', 'inbox.deleted']);
  });

  it('404 for unknown and malformed ids', async () => {
    for (const id of ['inb_0000000000000000000000', 'nope']) {
      expectError(await s.request('DELETE', `/api/v1/inboxes/${id}`), 404, INBOX_NOT_FOUND);
    }
  });
});

describe('expiry', () => {
  it('an inbox past expiresAt reads expired at once, refuses mail and waits, and records inbox.expired exactly once', async () => {
    time.set('2024-06-12T10:20:00.000Z');
    const session = await createSession(s, { name: 'expiring' });
    const inbox = await createInbox(s, { sessionId: session.id, ttlSeconds: 60 });
    time.set('2024-06-12T10:20:59.000Z');
    expect((await s.request('GET', `/api/v1/inboxes/${inbox.id}`)).body.status).toBe('active');

    time.set('2024-06-12T10:21:00.000Z'); // exactly expiresAt
    expect((await s.request('GET', `/api/v1/inboxes/${inbox.id}`)).body.status).toBe('expired');
    const conflict = errorText('Conflict', 'Inbox is expired');
    expectError(await s.request('POST', `/api/v1/inboxes/${inbox.id}/messages`, { body: { from: 'a@x.test', subject: 'too late' } }), 409, conflict);
    expectError(await s.request('POST', '/api/v1/waits', { body: { inboxId: inbox.id, type: 'otp' } }), 409, conflict);

    // The background settler records the expiry without any request about this inbox…
    let events: any[] = [];
    for (let i = 0; i < 60 && events.length === 0; i++) {
      await sleep(100);
      events = await eventsWith(s, 'inbox.expired', 'inboxId', inbox.id);
    }
    expect(events).toHaveLength(1);
    // …and more settlers racing afterwards (as other instances would) record nothing more.
    const settled = await Promise.all(Array.from({ length: 5 }, () => s.app.services.inboxes.settleDue(time.clock())));
    expect(settled.every((n) => n === 0)).toBe(true);
    await sleep(700); // one more background tick
    expect(await eventsWith(s, 'inbox.expired', 'inboxId', inbox.id)).toHaveLength(1);

    const timeline = (await s.request('GET', `/api/v1/sessions/${session.id}/timeline`)).body.events;
    expect(timeline.filter((e: any) => e.type === 'inbox.expired')).toEqual([
      { timestamp: '2024-06-12T10:21:00Z', type: 'inbox.expired', payload: { inboxId: inbox.id } },
    ]);
    expect((await s.request('GET', `/api/v1/inboxes/${inbox.id}`)).body.status).toBe('expired');
    // Expiry ends the inbox, not its session.
    expect((await s.request('GET', `/api/v1/sessions/${session.id}`)).body.status).toBe('active');
  });

  it('concurrent settlers on an overdue inbox: inbox.expired exactly once', async () => {
    time.set('2024-06-12T10:30:00.000Z');
    const session = await createSession(s, { name: 'expiring-race' });
    await createInbox(s, { sessionId: session.id, ttlSeconds: 5 });
    time.advance(6000);
    const settled = await Promise.all(Array.from({ length: 6 }, () => s.app.services.inboxes.settleDue(time.clock())));
    await sleep(700); // and the background settler, too
    expect(settled.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(1);
    expect(count(await eventTypes(s, session.id), 'inbox.expired')).toBe(1);
  });
});

describe('owner isolation', () => {
  it('another owner gets 404 for the inbox on every route and changes nothing', async () => {
    const session = await createSession(s, { name: 'alice-inboxes' });
    const inbox = await createInbox(s, { sessionId: session.id, metadata: { secret: 1 } });
    expectError(await s.request('GET', `/api/v1/inboxes/${inbox.id}`, { key: s.otherKey }), 404, INBOX_NOT_FOUND);
    expectError(await s.request('DELETE', `/api/v1/inboxes/${inbox.id}`, { key: s.otherKey }), 404, INBOX_NOT_FOUND);
    expectError(await s.request('GET', `/api/v1/inboxes/${inbox.id}/messages`, { key: s.otherKey }), 404, INBOX_NOT_FOUND);
    expectError(await s.request('POST', `/api/v1/inboxes/${inbox.id}/messages`, { key: s.otherKey, body: { from: 'bob@x.test', subject: 'hi' } }), 404, INBOX_NOT_FOUND);
    expectError(await s.request('POST', '/api/v1/waits', { key: s.otherKey, body: { inboxId: inbox.id, type: 'message' } }), 404, INBOX_NOT_FOUND);
    // …nor put an inbox into alice's session.
    expectError(await s.request('POST', '/api/v1/inboxes', { key: s.otherKey, body: { sessionId: session.id } }), 404, SESSION_NOT_FOUND);

    const mine = await s.request('GET', `/api/v1/inboxes/${inbox.id}`);
    expect(mine.text).toBe(JSON.stringify(inbox));
    expect((await s.request('GET', `/api/v1/inboxes/${inbox.id}/messages`)).body.pagination.total).toBe(0);
    expect(await eventTypes(s, session.id)).toEqual(['session.created', 'inbox.created']);
    expect((await s.request('GET', `/api/v1/sessions/${session.id}`)).body.inboxes).toEqual([inbox.id]);
  });

  it('lists never show another owner\'s inboxes', async () => {
    const alices = await createInbox(s);
    const bobs = await createInbox(s, {}, s.otherKey);
    const bob = await list('?limit=100', s.otherKey);
    expect(bob.body.data.map((d: any) => d.id)).not.toContain(alices.id);
    expect(bob.body.data.map((d: any) => d.id)).toContain(bobs.id);
    const alice = await list('?limit=100');
    expect(alice.body.data.map((d: any) => d.id)).not.toContain(bobs.id);
    for (const q of ['?status=active', '?status=expired']) {
      expect((await list(`${q}&limit=100`, s.otherKey)).body.data.every((d: any) => d.id !== alices.id)).toBe(true);
    }
    expect(bob.body.pagination.total).toBe(bob.body.data.length);
  });
});

describe('bad input → 400, nothing created', () => {
  const BAD_BODIES: [Record<string, unknown>, string][] = [
    [{ ttlSeconds: 0 }, 'ttlSeconds must be an integer between 1 and 604800'],
    [{ ttlSeconds: -5 }, 'ttlSeconds must be an integer between 1 and 604800'],
    [{ ttlSeconds: 604801 }, 'ttlSeconds must be an integer between 1 and 604800'],
    [{ ttlSeconds: 1.5 }, 'ttlSeconds must be an integer'],
    [{ ttlSeconds: '60' }, 'ttlSeconds must be an integer'],
    [{ ttlSeconds: true }, 'ttlSeconds must be an integer'],
    [{ ttlSeconds: 99999999999 }, 'ttlSeconds must be an integer'],
    [{ metadata: 'x' }, 'metadata must be a JSON object'],
    [{ metadata: [] }, 'metadata must be a JSON object'],
    [{ metadata: [1, 2] }, 'metadata must be a JSON object'],
    [{ metadata: 42 }, 'metadata must be a JSON object'],
    [{ metadata: { x: 'y'.repeat(16 * 1024) } }, 'metadata must be at most 16 KB'],
    [{ sessionId: 42 }, 'sessionId must be a string'],
    [{ sessionId: true }, 'sessionId must be a string'],
    [{ sessionId: { id: 'x' } }, 'sessionId must be a string'],
  ];
  it.each(BAD_BODIES.map(([body, message]) => ({ label: JSON.stringify(body).slice(0, 60), body, message })))('$label → $message', async ({ body, message }) => {
    const own = await s.app.services.apiKeys.create('inbox-bad-input');
    expectError(await s.request('POST', '/api/v1/inboxes', { body, key: own }), 400, invalid(message));
    expect((await list('', own)).body.pagination.total).toBe(0);
  });

  it('a body that is not a JSON object, malformed JSON, or another content type', async () => {
    expectError(await s.request('POST', '/api/v1/inboxes', { body: [] }), 400, invalid('Request body must be a JSON object'));
    expectError(await s.request('POST', '/api/v1/inboxes', { rawBody: 'null', headers: { 'content-type': 'application/json' } }), 400, invalid('Request body is not valid JSON'));
    expectError(await s.request('POST', '/api/v1/inboxes', { rawBody: '{"ttlSeconds": ', headers: { 'content-type': 'application/json' } }), 400, invalid('Request body is not valid JSON'));
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'message/rfc822']) {
      expectError(await s.request('POST', '/api/v1/inboxes', { rawBody: 'ttlSeconds=60', headers: { 'content-type': type } }), 400, invalid('Content-Type must be application/json'));
    }
  });

  it.each([
    ['limit=0', 'limit must be an integer between 1 and 100'],
    ['limit=101', 'limit must be an integer between 1 and 100'],
    ['limit=abc', 'limit must be an integer'],
    ['limit=1.5', 'limit must be an integer'],
    ['offset=-1', 'offset must be an integer between 0 and 2147483647'],
    ['offset=x', 'offset must be an integer'],
    ['status=bogus', 'status must be one of active, expired'],
  ])('GET /api/v1/inboxes?%s → %s', async (query, message) => {
    expectError(await list(`?${query}`), 400, invalid(message));
  });
});
