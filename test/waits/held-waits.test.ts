import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { shutdownWatchers } from '../../src/http/request-signal';
import { waitTopic } from '../../src/waits/held-waits';
import { createInbox, createWait, deliver, sleep } from '../inboxes/helpers';
import { waitUntil } from '../operations/helpers';
import { openSse, SESSION_EVENTS, subscribe, wsClient } from '../live/helpers';
import { createSession, errorText, expectError } from '../sessions/helpers';
import { startServer, type TestServer } from '../support/server';

// Held long-polls read nothing while nothing happens: a notification, their deadline timer, their
// request's signal or the periodic sweep wakes them. These tests take each of those away in turn.
let s: TestServer;
beforeAll(async () => {
  s = await startServer({ env: { MAX_HELD_PER_KEY: '20' } });
});
afterAll(() => s?.close());

const held = () => s.app.services.heldWaits;
const notifier = () => s.app.services.notifier;

/** Drops every in-process notification while `fn` runs (as if it were lost), then restores them. */
async function withoutNotifications<T>(fn: () => Promise<T>): Promise<T> {
  const original = notifier().notify;
  notifier().notify = () => {};
  try {
    return await fn();
  } finally {
    notifier().notify = original;
  }
}

async function pendingWait(timeoutSeconds = 120): Promise<any> {
  const session = await createSession(s, { name: 'held' });
  const inbox = await createInbox(s, { sessionId: session.id });
  return createWait(s, { inboxId: inbox.id, type: 'otp', timeoutSeconds });
}

interface Answer {
  status: number;
  body: any;
  ms: number;
}

/** Starts a long-poll and resolves once the server holds it, to its answer (wrapped: not awaited here). */
async function holdPoll(waitId: string, seconds: number, opts: { signal?: AbortSignal; key?: string } = {}): Promise<{ answer: Promise<Answer> }> {
  const before = held().size;
  const started = Date.now();
  const reply = fetch(`${s.url}/api/v1/waits/${waitId}?waitSeconds=${seconds}`, {
    headers: { authorization: `Bearer ${opts.key ?? s.apiKey}` },
    signal: opts.signal,
  }).then(async (r) => ({ status: r.status, body: await r.json(), ms: Date.now() - started }));
  reply.catch(() => {}); // an aborted poll rejects; the test decides whether it looks
  await waitUntil('the long-poll to be held', () => held().size > before, 10_000, 10);
  return { answer: reply };
}

afterEach(async () => {
  // Every test leaves nothing held behind.
  await waitUntil('no held long-polls', () => held().size === 0, 10_000);
});

describe('held long-polls', () => {
  it('a lost in-process notification: the wait still ends, at the sweep', async () => {
    const wait = await pendingWait();
    const waits = s.app.services.waits;
    const sweep = waits.sweepHeld;
    let sweptAwake = 0;
    waits.sweepHeld = async () => {
      const woken = await sweep.call(waits);
      sweptAwake += woken;
      return woken;
    };
    try {
      const poll = await holdPoll(wait.id, 60);
      // The delivery completes the wait, but its notification is dropped.
      await withoutNotifications(() => deliver(s, wait.inboxId, { from: 'a@x.test', subject: 'Code', text: 'Your code is 424242' }));
      // The sweep (the deadline settler runs it every HELD_SWEEP_MS) finds the ended wait and wakes it.
      const answer = await poll.answer;
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ id: wait.id, status: 'completed', result: { value: '424242' } });
      // Answered by the sweep, not by the end of its 60 s window (its deadline is 120 s away).
      expect(answer.ms).toBeLessThan(30_000);
      expect(sweptAwake).toBe(1);
    } finally {
      waits.sweepHeld = sweep;
    }
  });

  it('the sweep wakes the held waits that ended, and leaves the pending ones held', async () => {
    const ended = await pendingWait();
    const still = await pendingWait();
    const pollEnded = await holdPoll(ended.id, 60);
    const pollStill = await holdPoll(still.id, 2);
    await withoutNotifications(() => s.request('POST', `/api/v1/waits/${ended.id}/cancel`));
    // 1, unless the background sweep (every 2 s) got there first in the moment since the cancel.
    expect(await s.app.services.waits.sweepHeld()).toBeLessThanOrEqual(1);
    expect((await pollEnded.answer).body.status).toBe('canceled');
    expect(held().ids()).toEqual([still.id]);
    // The other one stays held until its own window ends, and then answers as it stands.
    expect((await pollStill.answer).body.status).toBe('pending');
  });

  it('a sweep reads the same while 1 or 12 long-polls are held and nothing happens: no read per held wait', async () => {
    const waits = s.app.services.waits;
    const statements = () => s.app.db.statements.count;
    /** Statements of one sweep, the background settler's own sweep kept out (it would count too). */
    const sweepCost = async (): Promise<number> => {
      let cost = Number.POSITIVE_INFINITY;
      for (let i = 0; i < 3; i++) {
        const before = statements();
        await waits.sweepHeld();
        cost = Math.min(cost, statements() - before);
      }
      return cost;
    };
    const clients: AbortController[] = [];
    const holdMany = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const c = new AbortController();
        clients.push(c);
        await holdPoll((await pendingWait()).id, 60, { signal: c.signal });
      }
    };
    try {
      await holdMany(1);
      const one = await sweepCost();
      await holdMany(11);
      const twelve = await sweepCost();
      expect(one).toBe(1); // the newest event number, unchanged: nothing ended, nothing else is read
      expect(twelve).toBe(one);
      expect(held().size).toBe(12);
    } finally {
      for (const c of clients) c.abort();
    }
  });

  it('a deadline passing with no request and no notification ends a held long-poll (its own timer)', async () => {
    const wait = await pendingWait(1);
    // The settler's notification is dropped too: only the long-poll's own timer is left.
    const answer = await withoutNotifications(async () => (await holdPoll(wait.id, 30)).answer);
    expect(answer.body).toMatchObject({ id: wait.id, status: 'timed_out', endedAt: wait.deadline });
    expect(answer.ms).toBeLessThan(20_000);
    const row = await s.app.db.prisma.wait.findUniqueOrThrow({ where: { id: wait.id } });
    expect(row.status).toBe('timed_out');
  });

  it('a long-poll whose window runs out with nothing happening answers without reading the wait again', async () => {
    const wait = await pendingWait();
    const fixed = s.app.db.fixed;
    const original = fixed.waitById;
    let reads = 0;
    fixed.waitById = (id, on) => {
      if (id === wait.id) reads++;
      return original.call(fixed, id, on);
    };
    try {
      const poll = await holdPoll(wait.id, 1);
      const answer = await poll.answer;
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ id: wait.id, status: 'pending' });
      // Its first read only: the end of its window woke nothing, so the wait is as that read found it.
      expect(reads).toBe(1);
    } finally {
      fixed.waitById = original;
    }
  });

  it('a long-poll released by its client going away leaves nothing behind', async () => {
    const wait = await pendingWait();
    const client = new AbortController();
    const poll = await holdPoll(wait.id, 60, { signal: client.signal });
    expect(held().ids()).toEqual([wait.id]);
    expect(notifier().listenerCount(waitTopic(wait.id))).toBe(1);
    expect(s.app.services.heldLimit.count()).toBe(1);
    expect(shutdownWatchers(s.app.shutdownSignal)).toBe(1);

    client.abort();
    await expect(poll.answer).rejects.toThrow();
    await waitUntil('the held long-poll to be released', () => held().size === 0, 10_000);
    expect(held().ids()).toEqual([]);
    expect(notifier().listenerCount(waitTopic(wait.id))).toBe(0);
    expect(s.app.services.heldLimit.count()).toBe(0);
    expect(s.app.services.heldLimit.keys).toBe(0);
    expect(shutdownWatchers(s.app.shutdownSignal)).toBe(0);
    // The wait itself is untouched.
    expect((await s.request('GET', `/api/v1/waits/${wait.id}`)).body.status).toBe('pending');
  });

  it('many long-polls on one wait share its listener, and all wake at once', async () => {
    const wait = await pendingWait();
    const polls = [];
    for (let i = 0; i < 5; i++) polls.push((await holdPoll(wait.id, 60)).answer);
    expect(held().size).toBe(5);
    expect(notifier().listenerCount(waitTopic(wait.id))).toBe(1);
    await deliver(s, wait.inboxId, { from: 'a@x.test', subject: 'Code', text: 'Your code is 777111' });
    for (const answer of await Promise.all(polls)) expect(answer.body.status).toBe('completed');
    expect(notifier().listenerCount(waitTopic(wait.id))).toBe(0);
  });

  it('more than 10 concurrent long-polls raise no MaxListenersExceededWarning', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      const waits = await Promise.all(Array.from({ length: 15 }, () => pendingWait()));
      const polls = [];
      for (const w of waits) polls.push((await holdPoll(w.id, 60)).answer);
      await waitUntil('15 held', () => held().size === 15, 10_000);
      await Promise.all(waits.map((w) => s.request('POST', `/api/v1/waits/${w.id}/cancel`)));
      for (const answer of await Promise.all(polls)) expect(answer.body.status).toBe('canceled');
      await sleep(50); // warnings are emitted on the next tick
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
  });
});

describe('MAX_HELD_PER_KEY (20 here)', () => {
  it('the next long-poll of that key gets 429 / RATE_LIMITED; other keys and plain reads are unaffected', async () => {
    const wait = await pendingWait();
    const clients = Array.from({ length: 20 }, () => new AbortController());
    const polls = [];
    for (const c of clients) polls.push((await holdPoll(wait.id, 60, { signal: c.signal })).answer);
    expect(s.app.services.heldLimit.count()).toBe(20);

    const message = 'At most 20 long-polls and streams may be held open at once per API key; retry when one has ended';
    const refused = await s.request('GET', `/api/v1/waits/${wait.id}?waitSeconds=5`);
    expectError(refused, 429, errorText('Too many requests', message));
    expect(refused.headers.get('retry-after')).toBe('1');
    const gql = await s.gql('query($id: ID!) { wait(id: $id, waitSeconds: 5) { id status } }', { id: wait.id });
    // An error of the field, not of the request: 200, as for any field error.
    expect(gql.status).toBe(200);
    expect(gql.body.data).toEqual({ wait: null });
    expect(gql.body.errors?.[0]).toMatchObject({ message, extensions: { code: 'RATE_LIMITED' } });
    // Not a long-poll: a plain read is not held, so not capped; nor is a long-poll on a wait that has ended.
    expect((await s.request('GET', `/api/v1/waits/${wait.id}`)).status).toBe(200);
    const ended = await pendingWait();
    await s.request('POST', `/api/v1/waits/${ended.id}/cancel`);
    expect((await s.request('GET', `/api/v1/waits/${ended.id}?waitSeconds=5`)).body.status).toBe('canceled');

    // Another key has its own slots (bob cannot see alice's wait: 404, but not 429).
    expect((await s.request('GET', `/api/v1/waits/${wait.id}?waitSeconds=1`, { key: s.otherKey })).status).toBe(404);

    // One answers (its client leaves): the key may hold one again.
    clients[0].abort();
    await waitUntil('a slot to free up', () => s.app.services.heldLimit.count() === 19, 10_000);
    const again = await holdPoll(wait.id, 60);
    await s.request('POST', `/api/v1/waits/${wait.id}/cancel`);
    expect((await again.answer).body.status).toBe('canceled');
    await expect(polls[0]).rejects.toThrow();
    for (const p of polls.slice(1)) expect((await p).body.status).toBe('canceled');
  });

  it('event streams (SSE and graphql-ws) take slots too: long-polls and streams share the cap', async () => {
    const wait = await pendingWait();
    const session = await createSession(s, { name: 'streams' });
    const eventsUrl = `${s.url}/api/v1/sessions/${session.id}/events`;
    const clients = Array.from({ length: 18 }, () => new AbortController());
    const polls = [];
    for (const c of clients) polls.push((await holdPoll(wait.id, 60, { signal: c.signal })).answer);
    const sse = await openSse(eventsUrl, s.apiKey);
    const ws = wsClient(s, s.apiKey);
    const subscription = subscribe(ws.client, SESSION_EVENTS, { sessionId: session.id });
    await Promise.all([sse.until(1), subscription.until(1)]);
    expect(s.app.services.heldLimit.count()).toBe(20);

    const message = 'At most 20 long-polls and streams may be held open at once per API key; retry when one has ended';
    expectError(await s.request('GET', `/api/v1/waits/${wait.id}?waitSeconds=5`), 429, errorText('Too many requests', message));
    const refusedStream = await openSse(eventsUrl, s.apiKey);
    expect([refusedStream.status, refusedStream.json]).toEqual([429, { error: 'Too many requests', message }]);
    const refusedSubscription = subscribe(ws.client, SESSION_EVENTS, { sessionId: session.id });
    await refusedSubscription.ended;
    expect(refusedSubscription.errors[0]).toMatchObject({ message, extensions: { code: 'RATE_LIMITED' } });
    // A refused stream holds nothing.
    expect(s.app.services.heldLimit.count()).toBe(20);

    // A stream that ends gives its slot back: a long-poll fits again.
    sse.abort();
    await waitUntil('the SSE stream to free its slot', () => s.app.services.heldLimit.count() === 19, 10_000);
    const again = await holdPoll(wait.id, 60);
    subscription.stop();
    await waitUntil('the subscription to free its slot', () => s.app.services.heldLimit.count() === 19, 10_000);
    await ws.dispose();
    for (const c of clients) c.abort();
    await s.request('POST', `/api/v1/waits/${wait.id}/cancel`);
    expect((await again.answer).body.status).toBe('canceled');
    await Promise.allSettled(polls);
    await waitUntil('every slot given back', () => s.app.services.heldLimit.count() === 0, 10_000);
  });
});
