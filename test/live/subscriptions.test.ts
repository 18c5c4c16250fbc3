import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSession } from '../sessions/helpers';
import { startServer, type TestServer } from '../support/server';
import { OWNER_EVENTS, SESSION_EVENTS, seedEvents, sleep, subscribe, wsClient } from './helpers';

let s: TestServer;
beforeAll(async () => {
  s = await startServer({ env: { MAX_STREAMS_PER_KEY: '3', AUTH_CACHE_TTL_MS: '400' } });
});
afterAll(async () => s?.close());

const timeline = async (id: string) => (await s.gql('query($id: ID!) { session(id: $id) { timeline { id cursor type } } }', { id })).body.data.session.timeline;

describe('GraphQL subscriptions over graphql-ws', () => {
  it('sessionEvents sends the history, tails live events in order, and completes after session.completed', async () => {
    const session = await createSession(s);
    await seedEvents(s, session.id, 3);
    const ws = wsClient(s, s.apiKey);
    try {
      const sub = subscribe(ws.client, SESSION_EVENTS, { sessionId: session.id });
      await sub.until(4);
      const inbox = await s.request('POST', '/api/v1/inboxes', { body: { sessionId: session.id } });
      expect(inbox.status).toBe(201);
      await s.request('POST', `/api/v1/sessions/${session.id}/complete`);
      await sub.ended;
      expect(sub.errors).toEqual([]);
      const stored = await timeline(session.id);
      expect(sub.events.map((e) => e.id)).toEqual(stored.map((e: any) => e.id));
      expect(sub.events.map((e) => e.type).slice(-2)).toEqual(['inbox.created', 'session.completed']);
      expect(sub.events.every((e) => e.sessionId === session.id)).toBe(true);
    } finally {
      await ws.dispose();
    }
  });

  it('resumes after a forced disconnect from the last cursor: no gap, no duplicate', async () => {
    const session = await createSession(s);
    const first = wsClient(s, s.apiKey);
    const a = subscribe(first.client, SESSION_EVENTS, { sessionId: session.id });
    await a.until(1);
    await seedEvents(s, session.id, 2);
    await a.until(3);
    await first.dispose(); // the connection drops
    await first.closed;
    const before = [...a.events];
    await seedEvents(s, session.id, 3); // committed while nobody listens
    const second = wsClient(s, s.apiKey);
    try {
      const b = subscribe(second.client, SESSION_EVENTS, { sessionId: session.id, after: before.at(-1).cursor });
      await b.until(3);
      await seedEvents(s, session.id, 1);
      await b.until(4);
      const seen = [...before, ...b.events].map((e) => e.id);
      expect(seen).toEqual((await timeline(session.id)).map((e: any) => e.id));
    } finally {
      await second.dispose();
    }
  });

  it('events(after, types) follows every session of the key’s owner, and only theirs', async () => {
    const ws = wsClient(s, s.apiKey);
    const other = wsClient(s, s.otherKey);
    try {
      const mine = subscribe(ws.client, OWNER_EVENTS, {});
      const done = subscribe(ws.client, OWNER_EVENTS, { types: ['session.completed'] });
      const theirs = subscribe(other.client, OWNER_EVENTS, {});
      await sleep(300); // the subscriptions are open (they start "now")
      const one = await createSession(s);
      const two = await createSession(s);
      const bobs = await createSession(s, { name: 'bob' }, s.otherKey);
      await s.request('POST', `/api/v1/sessions/${two.id}/complete`);
      await mine.until(3);
      await done.until(1);
      await theirs.until(1);
      expect(mine.events.map((e) => [e.sessionId, e.type])).toEqual([
        [one.id, 'session.created'],
        [two.id, 'session.created'],
        [two.id, 'session.completed'],
      ]);
      expect(done.events.map((e) => e.sessionId)).toEqual([two.id]);
      expect(theirs.events.map((e) => e.sessionId)).toEqual([bobs.id]);
      // Resuming the owner feed from a cursor replays exactly what came after it.
      const resumed = subscribe(ws.client, OWNER_EVENTS, { after: mine.events[0].cursor });
      await resumed.until(2);
      expect(resumed.events.map((e) => e.id)).toEqual(mine.events.slice(1).map((e) => e.id));
    } finally {
      await ws.dispose();
      await other.dispose();
    }
  });

  it('another owner’s session is NOT_FOUND on that subscription only; the socket stays usable', async () => {
    const session = await createSession(s);
    const ws = wsClient(s, s.otherKey);
    try {
      const denied = subscribe(ws.client, SESSION_EVENTS, { sessionId: session.id });
      await denied.ended;
      expect(denied.errors.map((e) => e.extensions?.code)).toEqual(['NOT_FOUND']);
      const own = await createSession(s, { name: 'bob' }, s.otherKey);
      const bad = subscribe(ws.client, SESSION_EVENTS, { sessionId: own.id, after: 'garbage' });
      await bad.ended;
      expect(bad.errors.map((e) => [e.extensions?.code, e.message])).toEqual([['BAD_USER_INPUT', 'after is not a valid cursor']]);
      const ok = subscribe(ws.client, SESSION_EVENTS, { sessionId: own.id });
      await ok.until(1);
      ok.stop();
    } finally {
      await ws.dispose();
    }
  });

  it('serves only subscriptions over the socket: a query is refused there (its limits apply over POST)', async () => {
    const ws = wsClient(s, s.apiKey);
    try {
      const query = subscribe(ws.client, '{ sessions { data { id } } }', {});
      await query.ended;
      expect(query.errors[0]?.[0]?.message ?? query.errors[0]?.message).toMatch(/Only subscriptions/);
    } finally {
      await ws.dispose();
    }
  });

  it('a missing or wrong key closes the socket with 4401', async () => {
    for (const key of [null, 'sgk_not_a_real_key_0000000000000000000000000000']) {
      const ws = wsClient(s, key);
      const closed = await ws.closed;
      expect(closed.code).toBe(4401);
      await ws.dispose();
    }
  });

  it('refuses the stream over MAX_STREAMS_PER_KEY with RATE_LIMITED; closing one frees a slot', async () => {
    const session = await createSession(s);
    const ws = wsClient(s, s.apiKey);
    try {
      const open = [1, 2, 3].map(() => subscribe(ws.client, SESSION_EVENTS, { sessionId: session.id }));
      await Promise.all(open.map((o) => o.until(1)));
      const refused = subscribe(ws.client, SESSION_EVENTS, { sessionId: session.id });
      await refused.ended;
      expect(refused.errors.map((e) => e.extensions?.code)).toEqual(['RATE_LIMITED']);
      expect(refused.errors[0].message).toMatch(/At most 3 event streams/);
      open[0].stop();
      await sleep(100);
      const again = subscribe(ws.client, SESSION_EVENTS, { sessionId: session.id });
      await again.until(1);
    } finally {
      await ws.dispose();
    }
  });

  it('a revoked key’s open streams close (4401) within the auth cache TTL', async () => {
    const key = await s.app.services.apiKeys.create('carol');
    const { body: session } = await s.request('POST', '/api/v1/sessions', { body: { name: 'c' }, key });
    const ws = wsClient(s, key);
    const sub = subscribe(ws.client, SESSION_EVENTS, { sessionId: session.id });
    await sub.until(1);
    const info = (await s.app.services.apiKeys.list()).find((k) => k.owner === 'carol')!;
    await s.app.services.apiKeys.revoke(info.prefix);
    const closed = await ws.closed;
    expect(closed.code).toBe(4401);
    expect(closed.reason).toMatch(/revoked/);
    await ws.dispose();
  });

  it('a key whose first stream opens while the revocation check runs is not taken for revoked', async () => {
    const apiKeys = s.app.services.apiKeys;
    const early = await apiKeys.create('erin');
    const late = await apiKeys.create('frank');
    const wsEarly = wsClient(s, early);
    const wsLate = wsClient(s, late);
    const original = apiKeys.activeKeyIds;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let checking!: () => void;
    const checkStarted = new Promise<void>((r) => (checking = r));
    try {
      const { body: first } = await s.request('POST', '/api/v1/sessions', { body: { name: 'e' }, key: early });
      const { body: second } = await s.request('POST', '/api/v1/sessions', { body: { name: 'f' }, key: late });
      // The next check asks about `early`'s key only, and is held until `late` has its stream open.
      apiKeys.activeKeyIds = async (ids) => {
        checking();
        await gate;
        return original.call(apiKeys, ids);
      };
      const watched = subscribe(wsEarly.client, SESSION_EVENTS, { sessionId: first.id });
      await watched.until(1);
      await checkStarted;
      const opened = subscribe(wsLate.client, SESSION_EVENTS, { sessionId: second.id });
      await opened.until(1);
      release();
      apiKeys.activeKeyIds = original;
      await sleep(600); // past the next checks (every 200 ms here)
      const race = await Promise.race([wsLate.closed.then((c) => `closed ${c.code} ${c.reason}`), sleep(10).then(() => 'open')]);
      expect(race).toBe('open');
      await s.request('POST', `/api/v1/sessions/${second.id}/complete`, { key: late });
      await opened.until(2);
      expect(opened.events.map((e) => e.type)).toEqual(['session.created', 'session.completed']);
    } finally {
      release();
      apiKeys.activeKeyIds = original;
      await wsEarly.dispose();
      await wsLate.dispose();
    }
  });

  it('subscriptions over plain HTTP are refused with a clear error', async () => {
    const reply = await s.gql('subscription { events { id } }');
    expect(reply.body.errors?.[0]?.message ?? reply.text).toMatch(/WebSocket|subscription/i);
  });
});

describe('a lost notification', () => {
  it('is recovered by the feed’s periodic catch-up (one read per instance)', async () => {
    const own = await startServer({ env: { EVENT_FEED_CATCH_UP_MS: '200' } });
    const ws = wsClient(own, own.apiKey);
    try {
      const session = await createSession(own);
      const sub = subscribe(ws.client, SESSION_EVENTS, { sessionId: session.id });
      await sub.until(1);
      const { ownerId } = await own.app.db.prisma.session.findUniqueOrThrow({ where: { id: session.id } });
      // Written straight to the table: no notification is ever sent for it.
      await own.app.db.tx((tx) => tx.event.create({ data: { id: 'evt_unannounced', ownerId, sessionId: session.id, type: 'test.silent', payload: {}, createdAt: new Date() } }));
      await sub.until(2);
      expect(sub.events[1].id).toBe('evt_unannounced');
    } finally {
      await ws.dispose();
      await own.close();
    }
  });
});
