import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInbox, createWait, deliver, eventTypes, getWait, plusSeconds, WAIT_ID, WAIT_KEYS } from '../inboxes/helpers';
import { createSession, errorText, expectError, invalid, ISO_SECONDS } from '../sessions/helpers';
import { startServer, type TestServer } from '../support/server';

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(() => s?.close());

const WAIT_NOT_FOUND = errorText('Not found', 'Wait not found');
const INBOX_NOT_FOUND = errorText('Not found', 'Inbox not found');
const SESSION_NOT_FOUND = errorText('Not found', 'Session not found');
const cancel = (id: string, key?: string) => s.request('POST', `/api/v1/waits/${id}/cancel`, { key });

/** A session with one inbox, the usual setting of a wait. */
async function setting(name = 'flow') {
  const session = await createSession(s, { name });
  const inbox = await createInbox(s, { sessionId: session.id });
  return { session, inbox };
}

describe('POST /api/v1/waits', () => {
  it('201 pending, in the inbox\'s session by default, deadline = createdAt + 120 s, with wait.created', async () => {
    const { session, inbox } = await setting();
    const reply = await s.request('POST', '/api/v1/waits', { body: { inboxId: inbox.id, type: 'otp' } });
    expect(reply.status, reply.text).toBe(201);
    expect(Object.keys(reply.body)).toEqual(WAIT_KEYS);
    const w = reply.body;
    expect(w).toEqual({
      id: expect.stringMatching(WAIT_ID),
      inboxId: inbox.id,
      sessionId: session.id,
      type: 'otp',
      status: 'pending',
      timeoutSeconds: 120,
      filters: {},
      result: null,
      createdAt: expect.stringMatching(ISO_SECONDS),
      deadline: plusSeconds(w.createdAt, 120),
      endedAt: null,
    });
    expect((await s.request('GET', `/api/v1/sessions/${session.id}`)).body).toMatchObject({ inboxes: [inbox.id], waits: [w.id] });
    const { events } = (await s.request('GET', `/api/v1/sessions/${session.id}/timeline`)).body;
    expect(events.at(-1)).toEqual({ timestamp: w.createdAt, type: 'wait.created', payload: { waitId: w.id, inboxId: inbox.id, type: 'otp' } });
  });

  it('timeoutSeconds bounds 1 and 600, filters kept, each type accepted', async () => {
    const { inbox } = await setting();
    const short = await createWait(s, { inboxId: inbox.id, type: 'message', timeoutSeconds: 600 });
    expect(short).toMatchObject({ timeoutSeconds: 600, deadline: plusSeconds(short.createdAt, 600) });
    const one = await createWait(s, { inboxId: inbox.id, type: 'magic_link', timeoutSeconds: 1 });
    expect(one).toMatchObject({ type: 'magic_link', timeoutSeconds: 1, deadline: plusSeconds(one.createdAt, 1) });
    const filtered = await createWait(s, { inboxId: inbox.id, type: 'otp', filters: { from: 'acme.test', subjectContains: 'Code' } });
    expect(filtered.filters).toEqual({ from: 'acme.test', subjectContains: 'Code' });
    expect((await createWait(s, { inboxId: inbox.id, type: 'otp', filters: { from: 'acme.test' } })).filters).toEqual({ from: 'acme.test' });
    expect((await createWait(s, { inboxId: inbox.id, type: 'otp', filters: {} })).filters).toEqual({});
  });

  it('an explicit sessionId; an inbox without a session gives a wait without one', async () => {
    const { inbox } = await setting();
    const other = await createSession(s, { name: 'other' });
    expect((await createWait(s, { inboxId: inbox.id, sessionId: other.id, type: 'message' })).sessionId).toBe(other.id);
    expect((await s.request('GET', `/api/v1/sessions/${other.id}`)).body.inboxes).toEqual([]);
    const loose = await createInbox(s);
    expect((await createWait(s, { inboxId: loose.id, type: 'message' })).sessionId).toBeNull();
  });

  it('409 when the session has ended; 404 for a deleted inbox; nothing created', async () => {
    const { session, inbox } = await setting();
    await s.request('POST', `/api/v1/sessions/${session.id}/complete`);
    expectError(await s.request('POST', '/api/v1/waits', { body: { inboxId: inbox.id, type: 'otp' } }), 409, errorText('Conflict', 'Session is already completed'));
    const gone = await createInbox(s);
    await s.request('DELETE', `/api/v1/inboxes/${gone.id}`);
    expectError(await s.request('POST', '/api/v1/waits', { body: { inboxId: gone.id, type: 'otp' } }), 404, INBOX_NOT_FOUND);
    expect((await s.request('GET', `/api/v1/sessions/${session.id}`)).body.waits).toEqual([]);
  });
});

describe('completion', () => {
  it('a message delivered before the wait was created does not complete it; the next one does', async () => {
    const { session, inbox } = await setting();
    await deliver(s, inbox.id, { from: 'a@x.test', subject: 'early', text: 'code 111111' });
    const w = await createWait(s, { inboxId: inbox.id, type: 'message' });
    expect((await getWait(s, w.id)).status).toBe('pending');
    const m = await deliver(s, inbox.id, { from: 'a@x.test', subject: 'late' });
    const done = await getWait(s, w.id);
    expect(done).toMatchObject({ status: 'completed', result: { type: 'message', value: m.id, messageId: m.id }, endedAt: m.receivedAt });
    const types = await eventTypes(s, session.id);
    expect(types.slice(2)).toEqual(['message.received', 'wait.created', 'message.received', 'wait.completed']);
    const { events } = (await s.request('GET', `/api/v1/sessions/${session.id}/timeline`)).body;
    expect(events.at(-1).payload).toEqual({ waitId: w.id, messageId: m.id });
  });

  it('otp: a message without a code is skipped, the next one with a code completes it', async () => {
    const { inbox } = await setting();
    const w = await createWait(s, { inboxId: inbox.id, type: 'otp' });
    await deliver(s, inbox.id, { from: 'news@acme.test', subject: 'Weekly news', text: 'Nothing to see here.' });
    expect((await getWait(s, w.id)).status).toBe('pending');
    const m = await deliver(s, inbox.id, { from: 'auth@acme.test', subject: 'Sign in', text: 'Your verification code is 482913.' });
    expect(await getWait(s, w.id)).toMatchObject({ status: 'completed', result: { type: 'otp', value: '482913', messageId: m.id } });
    // Later mail changes nothing.
    await deliver(s, inbox.id, { from: 'auth@acme.test', subject: 'Sign in', text: 'Your verification code is 999999.' });
    expect((await getWait(s, w.id)).result).toEqual({ type: 'otp', value: '482913', messageId: m.id });
  });

  it('magic_link: the sign-in link of the first message that has one', async () => {
    const { inbox } = await setting();
    const w = await createWait(s, { inboxId: inbox.id, type: 'magic_link' });
    await deliver(s, inbox.id, { from: 'a@acme.test', subject: 'Hello', text: 'No links at all' });
    const m = await deliver(s, inbox.id, { from: 'a@acme.test', subject: 'Your sign-in link', html: '<p><a href="https://acme.test/magic?token=abc123">Sign in to Acme</a></p>' });
    expect(await getWait(s, w.id)).toMatchObject({ status: 'completed', result: { type: 'magic_link', value: 'https://acme.test/magic?token=abc123', messageId: m.id } });
  });

  it('filters: from and subjectContains (case-insensitive) must both match', async () => {
    const { inbox } = await setting();
    const w = await createWait(s, { inboxId: inbox.id, type: 'otp', filters: { from: 'ACME.test', subjectContains: 'login code' } });
    await deliver(s, inbox.id, { from: 'evil@other.test', subject: 'Your login code', text: 'code: 111111' });
    await deliver(s, inbox.id, { from: 'auth@acme.test', subject: 'Newsletter', text: 'code: 222222' });
    expect((await getWait(s, w.id)).status).toBe('pending');
    const m = await deliver(s, inbox.id, { from: 'Auth <auth@acme.test>', subject: 'Your LOGIN CODE', text: 'code: 333333' });
    expect((await getWait(s, w.id)).result).toEqual({ type: 'otp', value: '333333', messageId: m.id });
  });

  it('one message completes every pending wait it satisfies, each with its own result; other inboxes\' waits are untouched', async () => {
    const { session, inbox } = await setting();
    const otp = await createWait(s, { inboxId: inbox.id, type: 'otp' });
    const msg = await createWait(s, { inboxId: inbox.id, type: 'message' });
    const link = await createWait(s, { inboxId: inbox.id, type: 'magic_link' });
    const elsewhere = await createInbox(s, { sessionId: session.id });
    const other = await createWait(s, { inboxId: elsewhere.id, type: 'message' });
    const m = await deliver(s, inbox.id, { from: 'a@acme.test', subject: 'Code', text: 'Your code is 654321' });
    expect((await getWait(s, otp.id)).result).toEqual({ type: 'otp', value: '654321', messageId: m.id });
    expect((await getWait(s, msg.id)).result).toEqual({ type: 'message', value: m.id, messageId: m.id });
    expect((await getWait(s, link.id)).status).toBe('pending');
    expect((await getWait(s, other.id)).status).toBe('pending');
  });

  it('a raw RFC 822 delivery completes an otp wait', async () => {
    const { inbox } = await setting();
    const w = await createWait(s, { inboxId: inbox.id, type: 'otp', filters: { subjectContains: 'code' } });
    const raw = 'From: Acme <auth@acme.test>\r\nSubject: Your code\r\nContent-Type: text/plain\r\n\r\nYour sign-in code is 246810.\r\n';
    const reply = await s.request('POST', `/api/v1/inboxes/${inbox.id}/messages`, { rawBody: raw, headers: { 'content-type': 'message/rfc822' } });
    expect(reply.status).toBe(201);
    expect((await getWait(s, w.id)).result).toEqual({ type: 'otp', value: '246810', messageId: reply.body.id });
  });
});

describe('GET /api/v1/waits/{id}?waitSeconds=N (long-poll)', () => {
  it('returns as soon as a message delivered over HTTP completes the wait', async () => {
    const { inbox } = await setting();
    const w = await createWait(s, { inboxId: inbox.id, type: 'otp' });
    const started = Date.now();
    const poll = s.request('GET', `/api/v1/waits/${w.id}?waitSeconds=20`);
    await new Promise((r) => setTimeout(r, 400));
    const m = await deliver(s, inbox.id, { from: 'a@acme.test', subject: 'Code', text: 'Your code is 135790' });
    const reply = await poll;
    const elapsed = Date.now() - started;
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ status: 'completed', result: { type: 'otp', value: '135790', messageId: m.id } });
    expect(elapsed).toBeGreaterThanOrEqual(400); // it did wait…
    expect(elapsed).toBeLessThan(5000); // …and not for the whole 20 s
  });

  it('returns pending after N seconds when nothing arrives', async () => {
    const { inbox } = await setting();
    const w = await createWait(s, { inboxId: inbox.id, type: 'otp' });
    const started = Date.now();
    const reply = await s.request('GET', `/api/v1/waits/${w.id}?waitSeconds=2`);
    const elapsed = Date.now() - started;
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ id: w.id, status: 'pending', result: null, endedAt: null });
    expect(elapsed).toBeGreaterThanOrEqual(1900);
    expect(elapsed).toBeLessThan(5000);
  });

  it('a message that does not match does not end the poll early', async () => {
    const { inbox } = await setting();
    const w = await createWait(s, { inboxId: inbox.id, type: 'otp', filters: { from: 'acme.test' } });
    const started = Date.now();
    const poll = s.request('GET', `/api/v1/waits/${w.id}?waitSeconds=1`);
    await deliver(s, inbox.id, { from: 'other@else.test', subject: 'Code', text: 'code 123456' });
    const reply = await poll;
    expect(reply.body.status).toBe('pending');
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('returns at once for a wait that has ended, and wakes up when the wait is canceled', async () => {
    const { inbox } = await setting();
    const w = await createWait(s, { inboxId: inbox.id, type: 'message' });
    const started = Date.now();
    const poll = s.request('GET', `/api/v1/waits/${w.id}?waitSeconds=20`);
    await new Promise((r) => setTimeout(r, 300));
    expect((await cancel(w.id)).status).toBe(200);
    expect((await poll).body.status).toBe('canceled');
    expect(Date.now() - started).toBeLessThan(5000);
    const again = Date.now();
    expect((await getWait(s, w.id, '?waitSeconds=20')).status).toBe('canceled');
    expect(Date.now() - again).toBeLessThan(2000);
  });

  it('waitSeconds=0 and no waitSeconds read the wait without waiting', async () => {
    const { inbox } = await setting();
    const w = await createWait(s, { inboxId: inbox.id, type: 'message' });
    const started = Date.now();
    expect(await getWait(s, w.id, '?waitSeconds=0')).toEqual(w);
    expect(await getWait(s, w.id)).toEqual(w);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('POST /api/v1/waits/{id}/cancel', () => {
  it('cancels a pending wait with wait.canceled; canceling again returns it unchanged, no second event', async () => {
    const { session, inbox } = await setting();
    const w = await createWait(s, { inboxId: inbox.id, type: 'otp' });
    const first = await cancel(w.id);
    expect(first.status).toBe(200);
    expect(Object.keys(first.body)).toEqual(WAIT_KEYS);
    expect(first.body).toMatchObject({ id: w.id, status: 'canceled', result: null, endedAt: expect.stringMatching(ISO_SECONDS) });
    const second = await cancel(w.id);
    expect(second.status).toBe(200);
    expect(second.text).toBe(first.text);
    expect(await getWait(s, w.id)).toEqual(first.body);
    const types = await eventTypes(s, session.id);
    expect(types.filter((t) => t === 'wait.canceled')).toHaveLength(1);
    // A canceled wait is never completed afterwards.
    await deliver(s, inbox.id, { from: 'a@acme.test', subject: 'Code', text: 'Your code is 123456' });
    expect(await getWait(s, w.id)).toEqual(first.body);
  });

  it('409 for a completed wait, which stays completed', async () => {
    const { inbox } = await setting();
    const w = await createWait(s, { inboxId: inbox.id, type: 'message' });
    await deliver(s, inbox.id, { from: 'a@acme.test', subject: 'hi' });
    const done = await getWait(s, w.id);
    expect(done.status).toBe('completed');
    expectError(await cancel(w.id), 409, errorText('Conflict', 'Wait is already completed'));
    expect(await getWait(s, w.id)).toEqual(done);
  });

  it('deleting the inbox cancels its pending waits (not its completed ones)', async () => {
    const { session, inbox } = await setting();
    const done = await createWait(s, { inboxId: inbox.id, type: 'message' });
    await deliver(s, inbox.id, { from: 'a@acme.test', subject: 'hi' });
    const pending = await createWait(s, { inboxId: inbox.id, type: 'otp' });
    expect((await s.request('DELETE', `/api/v1/inboxes/${inbox.id}`)).status).toBe(204);
    expect((await getWait(s, pending.id)).status).toBe('canceled');
    expect((await getWait(s, done.id)).status).toBe('completed');
    const types = await eventTypes(s, session.id);
    expect(types.slice(-2)).toEqual(['wait.canceled', 'inbox.deleted']);
  });

  it('404 for unknown and malformed ids', async () => {
    for (const id of ['wait_0000000000000000000000', 'wait_nope', 'inb_0000000000000000000000', 'x'.repeat(300)]) {
      expectError(await cancel(id), 404, WAIT_NOT_FOUND);
      expectError(await s.request('GET', `/api/v1/waits/${id}`), 404, WAIT_NOT_FOUND);
      expectError(await s.request('GET', `/api/v1/waits/${id}?waitSeconds=5`), 404, WAIT_NOT_FOUND);
    }
  });
});

describe('replay and session references', () => {
  it('records create_inbox, create_wait, cancel_wait, deliver_message, delete_inbox in order, with durations', async () => {
    const session = await createSession(s, { name: 'replayed' });
    const inbox = await createInbox(s, { sessionId: session.id, ttlSeconds: 600 });
    const w = await createWait(s, { inboxId: inbox.id, type: 'otp', timeoutSeconds: 60, filters: { from: 'acme' } });
    await cancel(w.id);
    await cancel(w.id); // idempotent: no second step
    const m = await deliver(s, inbox.id, { from: 'a@acme.test', subject: 'Hello' });
    expect((await s.request('DELETE', `/api/v1/inboxes/${inbox.id}`)).status).toBe(204);

    const reply = await s.request('POST', `/api/v1/sessions/${session.id}/replay`);
    expect(reply.status).toBe(200);
    const { steps } = reply.body;
    expect(steps.map((st: any) => st.action)).toEqual(['create_inbox', 'create_wait', 'cancel_wait', 'deliver_message', 'delete_inbox']);
    steps.forEach((st: any, i: number) => {
      expect(Object.keys(st)).toEqual(['index', 'timestamp', 'action', 'input', 'output', 'durationMs']);
      expect(st.index).toBe(i);
      expect(st.timestamp).toMatch(ISO_SECONDS);
      expect(Number.isInteger(st.durationMs) && st.durationMs >= 0).toBe(true);
    });
    expect(steps[0]).toMatchObject({ input: { ttlSeconds: 600 }, output: { id: inbox.id, emailAddress: inbox.emailAddress } });
    expect(steps[1]).toMatchObject({ input: { inboxId: inbox.id, type: 'otp', timeoutSeconds: 60, filters: { from: 'acme' } }, output: { id: w.id } });
    expect(steps[2]).toMatchObject({ input: { waitId: w.id }, output: { id: w.id, status: 'canceled' } });
    expect(steps[3]).toMatchObject({ input: { inboxId: inbox.id, from: 'a@acme.test', subject: 'Hello' }, output: { id: m.id, completedWaits: [] } });
    expect(steps[4]).toMatchObject({ input: { inboxId: inbox.id }, output: { id: inbox.id, status: 'deleted' } });
    const stamps = steps.map((st: any) => Date.parse(st.timestamp));
    expect([...stamps].sort((a, b) => a - b)).toEqual(stamps);
  });

  it('a delivery that completes waits names them in its step', async () => {
    const { session, inbox } = await setting();
    const w = await createWait(s, { inboxId: inbox.id, type: 'message' });
    const m = await deliver(s, inbox.id, { from: 'a@acme.test', subject: 'x' });
    const { steps } = (await s.request('POST', `/api/v1/sessions/${session.id}/replay`)).body;
    expect(steps.at(-1)).toMatchObject({ action: 'deliver_message', output: { id: m.id, completedWaits: [w.id] } });
  });

  it('GET /sessions/{id} lists its inbox and wait ids, oldest first', async () => {
    const { session, inbox } = await setting();
    const second = await createInbox(s, { sessionId: session.id });
    const w1 = await createWait(s, { inboxId: inbox.id, type: 'otp' });
    const w2 = await createWait(s, { inboxId: second.id, type: 'message' });
    const got = (await s.request('GET', `/api/v1/sessions/${session.id}`)).body;
    expect(got.inboxes).toEqual([inbox.id, second.id]);
    expect(got.waits).toEqual([w1.id, w2.id]);
    const listed = (await s.request('GET', '/api/v1/sessions?limit=100')).body.data.find((x: any) => x.id === session.id);
    expect(listed).toBeDefined();
  });
});

describe('owner isolation', () => {
  it('another owner gets 404 for alice\'s wait on every route and changes nothing', async () => {
    const { session, inbox } = await setting('alice-waits');
    const w = await createWait(s, { inboxId: inbox.id, type: 'otp' });
    expectError(await s.request('GET', `/api/v1/waits/${w.id}`, { key: s.otherKey }), 404, WAIT_NOT_FOUND);
    const started = Date.now();
    expectError(await s.request('GET', `/api/v1/waits/${w.id}?waitSeconds=10`, { key: s.otherKey }), 404, WAIT_NOT_FOUND);
    expect(Date.now() - started).toBeLessThan(2000);
    expectError(await cancel(w.id, s.otherKey), 404, WAIT_NOT_FOUND);
    // Bob cannot wait on alice's inbox, nor attach his wait to alice's session.
    expectError(await s.request('POST', '/api/v1/waits', { key: s.otherKey, body: { inboxId: inbox.id, type: 'otp' } }), 404, INBOX_NOT_FOUND);
    const bobs = await createInbox(s, {}, s.otherKey);
    expectError(await s.request('POST', '/api/v1/waits', { key: s.otherKey, body: { inboxId: bobs.id, sessionId: session.id, type: 'otp' } }), 404, SESSION_NOT_FOUND);
    // …and alice cannot wait on bob's inbox.
    expectError(await s.request('POST', '/api/v1/waits', { body: { inboxId: bobs.id, sessionId: session.id, type: 'otp' } }), 404, INBOX_NOT_FOUND);
    // Bob's mail to his own inbox never touches alice's wait.
    await deliver(s, bobs.id, { from: 'a@acme.test', subject: 'Code', text: 'Your code is 123456' }, s.otherKey);

    expect(await getWait(s, w.id)).toEqual(w);
    expect((await s.request('GET', `/api/v1/sessions/${session.id}`)).body.waits).toEqual([w.id]);
    expect(await eventTypes(s, session.id)).toEqual(['session.created', 'inbox.created', 'wait.created']);
  });

  it('GraphQL: bob never sees alice\'s waits, even through his own objects', async () => {
    const { inbox } = await setting('alice-gql');
    const w = await createWait(s, { inboxId: inbox.id, type: 'otp' });
    const reply = await s.gql('query($id: ID!) { wait(id: $id) { id } }', { id: w.id }, s.otherKey);
    expect(reply.body.errors!.map((e: any) => e.extensions.code)).toEqual(['NOT_FOUND']);
    const bobs = await s.gql('{ inboxes(limit: 100) { data { id waits { id } } } sessions(limit: 100) { data { waits { id } } } }', {}, s.otherKey);
    expect(JSON.stringify(bobs.body)).not.toContain(w.id);
    expect(JSON.stringify(bobs.body)).not.toContain(inbox.id);
  });
});

describe('bad input → 400, nothing created', () => {
  let inbox: any;
  let session: any;
  beforeAll(async () => {
    ({ session, inbox } = await setting('bad-input'));
  });
  const id = () => inbox.id;

  it.each([
    ['no inboxId', () => ({ type: 'otp' }), 'inboxId is required'],
    ['inboxId null', () => ({ inboxId: null, type: 'otp' }), 'inboxId is required'],
    ['inboxId a number', () => ({ inboxId: 42, type: 'otp' }), 'inboxId must be a string'],
    ['inboxId an object', () => ({ inboxId: { id: id() }, type: 'otp' }), 'inboxId must be a string'],
    ['inboxId a list', () => ({ inboxId: [id()], type: 'otp' }), 'inboxId must be a string'],
    ['no type', () => ({ inboxId: id() }), 'type is required'],
    ['unknown type', () => ({ inboxId: id(), type: 'sms' }), 'type must be one of otp, magic_link, message'],
    ['type in capitals', () => ({ inboxId: id(), type: 'OTP' }), 'type must be one of otp, magic_link, message'],
    ['type a number', () => ({ inboxId: id(), type: 1 }), 'type must be one of otp, magic_link, message'],
    ['sessionId a number', () => ({ inboxId: id(), type: 'otp', sessionId: 7 }), 'sessionId must be a string'],
    ['timeoutSeconds 0', () => ({ inboxId: id(), type: 'otp', timeoutSeconds: 0 }), 'timeoutSeconds must be an integer between 1 and 600'],
    ['timeoutSeconds 601', () => ({ inboxId: id(), type: 'otp', timeoutSeconds: 601 }), 'timeoutSeconds must be an integer between 1 and 600'],
    ['timeoutSeconds negative', () => ({ inboxId: id(), type: 'otp', timeoutSeconds: -1 }), 'timeoutSeconds must be an integer between 1 and 600'],
    ['timeoutSeconds 1.5', () => ({ inboxId: id(), type: 'otp', timeoutSeconds: 1.5 }), 'timeoutSeconds must be an integer'],
    ['timeoutSeconds a string', () => ({ inboxId: id(), type: 'otp', timeoutSeconds: '30' }), 'timeoutSeconds must be an integer'],
    ['timeoutSeconds huge', () => ({ inboxId: id(), type: 'otp', timeoutSeconds: 1e12 }), 'timeoutSeconds must be an integer'],
    ['filters a string', () => ({ inboxId: id(), type: 'otp', filters: 'acme' }), 'filters must be an object'],
    ['filters a list', () => ({ inboxId: id(), type: 'otp', filters: [] }), 'filters must be an object'],
    ['filters a list of strings', () => ({ inboxId: id(), type: 'otp', filters: ['acme'] }), 'filters must be an object'],
    ['filters a number', () => ({ inboxId: id(), type: 'otp', filters: 3 }), 'filters must be an object'],
    ['filters.from a number', () => ({ inboxId: id(), type: 'otp', filters: { from: 5 } }), 'filters.from must be a string'],
    ['filters.subjectContains a list', () => ({ inboxId: id(), type: 'otp', filters: { subjectContains: ['a'] } }), 'filters.subjectContains must be a string'],
    ['filters.from empty', () => ({ inboxId: id(), type: 'otp', filters: { from: '' } }), 'filters.from must be 1 to 320 characters'],
    ['filters.subjectContains too long', () => ({ inboxId: id(), type: 'otp', filters: { subjectContains: 'x'.repeat(321) } }), 'filters.subjectContains must be 1 to 320 characters'],
  ])('%s', async (_label, body, message) => {
    expectError(await s.request('POST', '/api/v1/waits', { body: body() }), 400, invalid(message));
    expect((await s.request('GET', `/api/v1/sessions/${session.id}`)).body.waits).toEqual([]);
  });

  it('ids that name nothing → 404, nothing created', async () => {
    for (const inboxId of ['inb_0000000000000000000000', 'nope', 'wait_0000000000000000000000']) {
      expectError(await s.request('POST', '/api/v1/waits', { body: { inboxId, type: 'otp' } }), 404, INBOX_NOT_FOUND);
    }
    expectError(await s.request('POST', '/api/v1/waits', { body: { inboxId: inbox.id, sessionId: 'sess_nope', type: 'otp' } }), 404, SESSION_NOT_FOUND);
    expect((await s.request('GET', `/api/v1/sessions/${session.id}`)).body.waits).toEqual([]);
  });

  it('bodies that are not JSON objects, other content types', async () => {
    expectError(await s.request('POST', '/api/v1/waits', { body: [] }), 400, invalid('Request body must be a JSON object'));
    expectError(await s.request('POST', '/api/v1/waits'), 400, invalid('inboxId is required'));
    expectError(await s.request('POST', '/api/v1/waits', { rawBody: '{"inboxId":', headers: { 'content-type': 'application/json' } }), 400, invalid('Request body is not valid JSON'));
    for (const type of ['text/plain', 'message/rfc822', 'application/x-www-form-urlencoded']) {
      expectError(await s.request('POST', '/api/v1/waits', { rawBody: `inboxId=${inbox.id}&type=otp`, headers: { 'content-type': type } }), 400, invalid('Content-Type must be application/json'));
    }
    expect((await s.request('GET', `/api/v1/sessions/${session.id}`)).body.waits).toEqual([]);
  });

  it.each([
    ['waitSeconds=61', 'waitSeconds must be an integer between 0 and 60'],
    ['waitSeconds=-1', 'waitSeconds must be an integer between 0 and 60'],
    ['waitSeconds=3600', 'waitSeconds must be an integer between 0 and 60'],
    ['waitSeconds=abc', 'waitSeconds must be an integer'],
    ['waitSeconds=1.5', 'waitSeconds must be an integer'],
    ['waitSeconds=', 'waitSeconds must be an integer'],
    ['waitSeconds=1&waitSeconds=2', 'waitSeconds must be an integer'],
    ['waitSeconds=99999999999', 'waitSeconds must be an integer'],
  ])('GET /waits/{id}?%s → %s', async (query, message) => {
    const w = await createWait(s, { inboxId: (await createInbox(s)).id, type: 'otp' });
    expectError(await s.request('GET', `/api/v1/waits/${w.id}?${query}`), 400, invalid(message));
  });
});
