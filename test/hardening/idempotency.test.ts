import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../sessions/helpers';
import { startServer, type TestServer } from '../support/server';
import { type RawReply, send } from './helpers';

/**
 * `Idempotency-Key` on the creating POSTs: a retry with the same key and body gets the first answer
 * (same status and body, `Idempotent-Replayed: true`) and creates nothing; the same key with another
 * body is a 409; keys belong to their owner; concurrent duplicates create one thing; a malformed key
 * is a 400; a 400 answer is remembered like any other.
 */

let s: TestServer;
beforeAll(async () => {
  s = await startServer({ env: { RATE_LIMIT_PER_MINUTE: '0' } });
});
afterAll(() => s?.close());

let counter = 0;
const freshKey = (label: string) => `${label}-${Date.now()}-${counter++}`;

function post(path: string, body: unknown, idempotencyKey?: string, apiKey: string = s.apiKey): Promise<RawReply> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (idempotencyKey !== undefined) headers['idempotency-key'] = idempotencyKey;
  return send(s.url, 'POST', path, { key: apiKey, headers, body: JSON.stringify(body) });
}
const total = async (path: string, apiKey = s.apiKey) => ((await send(s.url, 'GET', path, { key: apiKey })).body as { pagination: { total: number } }).pagination.total;
const events = (type: string, sessionId: string) => s.app.db.prisma.event.count({ where: { type, sessionId } });
const replayed = (r: RawReply) => r.headers.get('idempotent-replayed');

function expectConflict(r: RawReply, message?: RegExp) {
  expect(r.status, r.text).toBe(409);
  expect(Object.keys(r.body as object).sort()).toEqual(['error', 'message']);
  expect(r.body).toEqual({ error: 'Conflict', message: expect.any(String) });
  if (message) expect((r.body as { message: string }).message).toMatch(message);
}

async function session(name = 'parent'): Promise<string> {
  const r = await post('/api/v1/sessions', { name });
  expect(r.status).toBe(201);
  return (r.body as { id: string }).id;
}
async function inbox(sessionId?: string): Promise<string> {
  const r = await post('/api/v1/inboxes', sessionId ? { sessionId } : {});
  expect(r.status).toBe(201);
  return (r.body as { id: string }).id;
}

/** Each creating route: a body, how to count what it created, and how to find its session.created-like event. */
const ROUTES = [
  {
    name: 'POST /api/v1/sessions',
    setup: async () => ({ path: '/api/v1/sessions', body: { name: `idem-${counter++}`, metadata: { a: 1 } }, other: { name: 'another' } }),
    count: () => total('/api/v1/sessions'),
    event: async (created: any) => events('session.created', created.id),
  },
  {
    name: 'POST /api/v1/inboxes',
    setup: async () => {
      const sessionId = await session();
      return { path: '/api/v1/inboxes', body: { sessionId, ttlSeconds: 600 }, other: { sessionId, ttlSeconds: 601 }, sessionId };
    },
    count: () => total('/api/v1/inboxes'),
    event: async (created: any) => s.app.db.prisma.event.count({ where: { type: 'inbox.created', sessionId: created.sessionId } }),
  },
  {
    name: 'POST /api/v1/waits',
    setup: async () => {
      const sessionId = await session();
      const inboxId = await inbox(sessionId);
      return { path: '/api/v1/waits', body: { inboxId, type: 'otp', timeoutSeconds: 600 }, other: { inboxId, type: 'message', timeoutSeconds: 600 }, sessionId };
    },
    count: () => s.app.db.prisma.wait.count(),
    event: async (created: any) => events('wait.created', created.sessionId),
  },
  {
    name: 'POST /api/v1/inboxes/{id}/messages',
    setup: async () => {
      const sessionId = await session();
      const inboxId = await inbox(sessionId);
      return {
        path: `/api/v1/inboxes/${inboxId}/messages`,
        body: { from: 'a@example.test', subject: 'Code', text: 'Your code is 123456' },
        other: { from: 'a@example.test', subject: 'Code', text: 'Your code is 654321' },
        sessionId,
      };
    },
    count: () => s.app.db.prisma.message.count(),
    event: async (created: any) => s.app.db.prisma.event.count({ where: { type: 'message.received', sessionId: (await s.app.db.prisma.inbox.findUnique({ where: { id: created.inboxId } }))!.sessionId } }),
  },
];

describe.each(ROUTES.map((r) => [r.name, r] as const))('%s with Idempotency-Key', (_name, route) => {
  it('a retry with the same key and body → the first answer (same id, 201, Idempotent-Replayed: true), nothing created', async () => {
    const { path, body } = await route.setup();
    const key = freshKey('retry');
    const first = await post(path, body, key);
    expect(first.status, first.text).toBe(201);
    expect(replayed(first)).toBeNull();
    const countAfterFirst = await route.count();

    for (let i = 0; i < 3; i++) {
      const retry = await post(path, body, key);
      expect(retry.status).toBe(201);
      expect(replayed(retry)).toBe('true');
      expect(retry.headers.get('content-type')).toMatch(/^application\/json/);
      expect(retry.body).toEqual(first.body);
      expect((retry.body as { id: string }).id).toBe((first.body as { id: string }).id);
    }
    expect(await route.count()).toBe(countAfterFirst);
    expect(await route.event(first.body)).toBe(1);

    // Without the key, the same body creates another one: the key is what makes it a retry.
    const unkeyed = await post(path, body);
    expect(unkeyed.status).toBe(201);
    expect((unkeyed.body as { id: string }).id).not.toBe((first.body as { id: string }).id);
  });

  it('the same key with another body → 409 Conflict, nothing created', async () => {
    const { path, body, other } = await route.setup();
    const key = freshKey('mismatch');
    expect((await post(path, body, key)).status).toBe(201);
    const before = await route.count();
    expectConflict(await post(path, other, key), /different request/);
    expect(await route.count()).toBe(before);
    // The original is still replayed afterwards.
    expect(replayed(await post(path, body, key))).toBe('true');
  });

  it("keys are per owner: bob reusing alice's key creates his own", async () => {
    const { path, body } = await route.setup();
    const key = freshKey('owner');
    const alice = await post(path, body, key);
    expect(alice.status).toBe(201);
    if (path === '/api/v1/sessions') {
      const bob = await post(path, body, key, s.otherKey);
      expect(bob.status).toBe(201);
      expect(replayed(bob)).toBeNull();
      expect((bob.body as { id: string }).id).not.toBe((alice.body as { id: string }).id);
      expect(await total('/api/v1/sessions', s.otherKey)).toBeGreaterThanOrEqual(1);
      // …and his retry replays his, not hers.
      const bobAgain = await post(path, body, key, s.otherKey);
      expect((bobAgain.body as { id: string }).id).toBe((bob.body as { id: string }).id);
    } else {
      // alice's parents are not bob's: with her key, bob is told they do not exist, not given her answer.
      const bob = await post(path, body, key, s.otherKey);
      expect(bob.status).toBe(404);
      expect(replayed(bob)).toBeNull();
      expect(bob.body).toEqual({ error: 'Not found', message: expect.stringMatching(/not found$/) });
    }
  });

  it('10 concurrent requests with one key → exactly one created; the others replay it or are told it is in progress', async () => {
    const { path, body } = await route.setup();
    const key = freshKey('concurrent');
    const before = await route.count();
    const replies = await Promise.all(Array.from({ length: 10 }, () => post(path, body, key)));
    expect(await route.count()).toBe(before + 1);
    const originals = replies.filter((r) => r.status === 201 && replayed(r) === null);
    expect(originals).toHaveLength(1);
    const id = (originals[0].body as { id: string }).id;
    for (const r of replies) {
      if (r.status === 201) {
        expect((r.body as { id: string }).id).toBe(id);
      } else {
        expectConflict(r, /still in progress/);
      }
    }
    expect(await route.event(originals[0].body)).toBe(1);
    // Once it has finished, a retry replays it.
    const later = await post(path, body, key);
    expect(later.status).toBe(201);
    expect(replayed(later)).toBe('true');
    expect((later.body as { id: string }).id).toBe(id);
  });

  it.each([
    ['empty', ''],
    ['only spaces', '   '],
    ['256 characters', 'k'.repeat(256)],
    ['non-ASCII', 'clé-ünïcode'],
    ['a space inside', 'a b'],
    ['a tab inside', 'a\tb'],
  ])('an invalid key (%s) → 400, nothing created', async (_what, key) => {
    const { path, body } = await route.setup();
    const before = await route.count();
    const r = await post(path, body, key);
    expect(r.status, r.text).toBe(400);
    expect(r.body).toEqual({ error: 'Invalid request', message: 'Idempotency-Key must be 1 to 255 visible ASCII characters' });
    expect(await route.count()).toBe(before);
  });

  it('255 visible ASCII characters are a valid key', async () => {
    const { path, body } = await route.setup();
    const key = `${freshKey('long')}-`.padEnd(255, '~');
    expect((await post(path, body, key)).status).toBe(201);
    expect(replayed(await post(path, body, key))).toBe('true');
  });

  it('a 400 answer is remembered and replayed as the same 400', async () => {
    const { path } = await route.setup();
    const key = freshKey('bad');
    const bad = path.endsWith('/messages') ? { from: 'a@example.test' } : path.endsWith('/waits') ? { type: 'otp' } : path.endsWith('/inboxes') ? { ttlSeconds: 0 } : { name: '' };
    const first = await post(path, bad, key);
    expect(first.status, first.text).toBe(400);
    expect(replayed(first)).toBeNull();
    const again = await post(path, bad, key);
    expect(again.status).toBe(400);
    expect(replayed(again)).toBe('true');
    expect(again.text).toBe(first.text);
    // The key is spent on that request: a corrected body under it is another request.
    const { body } = await route.setup();
    expectConflict(await post(path, body, key));
  });
});

describe('Idempotency-Key scope', () => {
  it('one key on two routes: two separate requests', async () => {
    const key = freshKey('routes');
    const created = await post('/api/v1/sessions', { name: 'scope' }, key);
    expect(created.status).toBe(201);
    const other = await post('/api/v1/inboxes', {}, key);
    expect(other.status).toBe(201);
    expect(replayed(other)).toBeNull();
  });

  it('the same key on one route with another path id is another request (409)', async () => {
    const key = freshKey('paths');
    const [x, y] = [await inbox(), await inbox()];
    const body = { from: 'a@example.test', subject: 'hi' };
    expect((await post(`/api/v1/inboxes/${x}/messages`, body, key)).status).toBe(201);
    expectConflict(await post(`/api/v1/inboxes/${y}/messages`, body, key));
    expect(await s.app.db.prisma.message.count({ where: { inboxId: y } })).toBe(0);
  });

  it('a replay is the first answer even after the resource changed', async () => {
    const key = freshKey('changed');
    const first = await post('/api/v1/sessions', { name: 'will complete' }, key);
    const id = (first.body as { id: string }).id;
    expect((await send(s.url, 'POST', `/api/v1/sessions/${id}/complete`, { key: s.apiKey })).status).toBe(200);
    const retry = await post('/api/v1/sessions', { name: 'will complete' }, key);
    expect(retry.body).toEqual(first.body);
    expect((retry.body as { status: string }).status).toBe('active');
  });

  it('a raw message (text/plain) with a key: replayed, delivered once', async () => {
    const id = await inbox();
    const key = freshKey('raw');
    const raw = 'From: a@example.test\r\nSubject: raw\r\n\r\nYour code is 424242\r\n';
    const go = () => send(s.url, 'POST', `/api/v1/inboxes/${id}/messages`, { key: s.apiKey, headers: { 'content-type': 'text/plain', 'idempotency-key': key }, body: raw });
    const first = await go();
    expect(first.status, first.text).toBe(201);
    const again = await go();
    expect(replayed(again)).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(await s.app.db.prisma.message.count({ where: { inboxId: id } })).toBe(1);
    // Another raw text under the key is another request.
    expectConflict(await send(s.url, 'POST', `/api/v1/inboxes/${id}/messages`, { key: s.apiKey, headers: { 'content-type': 'text/plain', 'idempotency-key': key }, body: `${raw}!` }));
  });

  it('routes that do not create ignore the header', async () => {
    const id = await session('plain');
    const key = freshKey('ignored');
    for (let i = 0; i < 2; i++) {
      const r = await send(s.url, 'POST', `/api/v1/sessions/${id}/fail`, { key: s.apiKey, headers: { 'content-type': 'application/json', 'idempotency-key': key }, body: JSON.stringify({ reason: 'x' }) });
      expect(r.status).toBe(200);
      expect(replayed(r)).toBeNull();
    }
    // Even an invalid one: the header means nothing there.
    const r = await send(s.url, 'GET', '/api/v1/sessions', { key: s.apiKey, headers: { 'idempotency-key': '' } });
    expect(r.status).toBe(200);
  });
});

describe('Idempotency-Key expiry', () => {
  it('after 24 hours a key is forgotten: the same request creates again', async () => {
    const clock = manualClock(Date.now());
    const t = await startServer({ env: { RATE_LIMIT_PER_MINUTE: '0' }, deps: { clock: clock.clock } });
    try {
      const go = () => send(t.url, 'POST', '/api/v1/sessions', { key: t.apiKey, headers: { 'content-type': 'application/json', 'idempotency-key': 'daily' }, body: JSON.stringify({ name: 'daily' }) });
      const first = await go();
      clock.advance(24 * 60 * 60 * 1000 - 1000);
      expect(replayed(await go())).toBe('true');
      clock.advance(2000);
      const later = await go();
      expect(later.status).toBe(201);
      expect(replayed(later)).toBeNull();
      expect((later.body as { id: string }).id).not.toBe((first.body as { id: string }).id);
    } finally {
      await t.close();
    }
  });
});
