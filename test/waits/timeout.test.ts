import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { count, createInbox, createWait, deliver, eventsWith, eventTypes, getWait, sleep } from '../inboxes/helpers';
import { createSession, errorText, expectError } from '../sessions/helpers';
import { startServer, type TestServer } from '../support/server';

// The real clock and the real background settler (SETTLE_INTERVAL_MS default, 500 ms): deadlines must
// be acted on while nobody is asking.
let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(() => s?.close());

/** Polls the database (never the API) until `done`, for at most 3 s more. */
async function settled(done: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 15 && !(await done()); i++) await sleep(200);
}

describe('a wait reaching its deadline', () => {
  it('with no request at the deadline: timed_out, its session failed with a reason, one wait.timed_out and one session.failed', async () => {
    // Session A's wait will time out. Session B's wait completes before its deadline. The wait in C
    // has no session of its own (a loose inbox).
    const a = await createSession(s, { name: 'times-out' });
    const inboxA = await createInbox(s, { sessionId: a.id });
    const b = await createSession(s, { name: 'completes' });
    const inboxB = await createInbox(s, { sessionId: b.id });
    const loose = await createInbox(s);

    const wA = await createWait(s, { inboxId: inboxA.id, type: 'otp', timeoutSeconds: 1 });
    const wB = await createWait(s, { inboxId: inboxB.id, type: 'message', timeoutSeconds: 1 });
    const wC = await createWait(s, { inboxId: loose.id, type: 'message', timeoutSeconds: 1 });
    await deliver(s, inboxB.id, { from: 'a@x.test', subject: 'in time' });

    await sleep(2500); // no request of any kind meanwhile
    // On a loaded machine the settler's tick may come late: look in the database (no API request) a
    // little longer before counting.
    await settled(async () => count(await eventTypes(s, a.id), 'session.failed') > 0 && (await eventsWith(s, 'wait.timed_out', 'waitId', wC.id)).length > 0);

    // Straight from the database: what the settler wrote on its own.
    const events = await s.app.db.prisma.event.findMany({ where: { sessionId: a.id }, orderBy: { seq: 'asc' } });
    const types = events.map((e) => e.type);
    expect(count(types, 'wait.timed_out')).toBe(1);
    expect(count(types, 'session.failed')).toBe(1);
    expect(types.slice(-2)).toEqual(['wait.timed_out', 'session.failed']);
    const reason = `Wait ${wA.id} timed out after 1s`;
    expect(events.find((e) => e.type === 'wait.timed_out')!.payload).toEqual({ waitId: wA.id, inboxId: inboxA.id, timeoutSeconds: 1 });
    expect(events.find((e) => e.type === 'session.failed')!.payload).toEqual({ sessionId: a.id, reason });
    const sessionRow = await s.app.db.prisma.session.findUniqueOrThrow({ where: { id: a.id } });
    expect(sessionRow).toMatchObject({ status: 'failed', failureReason: reason });
    const waitRow = await s.app.db.prisma.wait.findUniqueOrThrow({ where: { id: wA.id } });
    expect(waitRow.status).toBe('timed_out');
    expect(waitRow.endedAt?.getTime()).toBe(waitRow.deadline.getTime());

    // The loose wait timed out too (once), failing nothing.
    expect(await eventsWith(s, 'wait.timed_out', 'waitId', wC.id)).toHaveLength(1);
    expect((await s.app.db.prisma.wait.findUniqueOrThrow({ where: { id: wC.id } })).status).toBe('timed_out');

    // The completed wait did not time out and its session is still active.
    expect(count(await eventTypes(s, b.id), 'wait.timed_out')).toBe(0);
    expect((await s.app.db.prisma.session.findUniqueOrThrow({ where: { id: b.id } })).status).toBe('active');
    expect((await getWait(s, wB.id)).status).toBe('completed');

    // The API says the same, and reading it (also long-polling) records nothing more.
    const waitView = await getWait(s, wA.id, '?waitSeconds=1');
    expect(waitView).toMatchObject({ status: 'timed_out', result: null, endedAt: waitView.deadline });
    expect((await s.request('GET', `/api/v1/sessions/${a.id}`)).body.status).toBe('failed');
    const gql = await s.gql('query($id: ID!) { session(id: $id) { status failureReason waits { id status } } }', { id: a.id });
    expect(gql.body.data.session).toEqual({ status: 'failed', failureReason: reason, waits: [{ id: wA.id, status: 'timed_out' }] });
    const timeline = (await s.request('GET', `/api/v1/sessions/${a.id}/timeline`)).body.events;
    expect(timeline.filter((e: any) => e.type === 'wait.timed_out')).toEqual([
      { timestamp: waitView.deadline, type: 'wait.timed_out', payload: { waitId: wA.id, inboxId: inboxA.id, timeoutSeconds: 1 } },
    ]);
    expect(timeline.filter((e: any) => e.type === 'session.failed')).toHaveLength(1);
    const { steps } = (await s.request('POST', `/api/v1/sessions/${a.id}/replay`)).body;
    expect(steps.map((st: any) => st.action)).toEqual(['create_inbox', 'create_wait', 'fail_session']);
    expect(steps[2]).toMatchObject({ input: { sessionId: a.id, reason }, output: { id: a.id, status: 'failed' } });

    // A timed-out wait cannot be canceled, and later mail does not complete it.
    expectError(await s.request('POST', `/api/v1/waits/${wA.id}/cancel`), 409, errorText('Conflict', 'Wait is already timed_out'));
    await deliver(s, inboxA.id, { from: 'a@x.test', subject: 'too late', text: 'Your code is 123456' });
    expect((await getWait(s, wA.id)).status).toBe('timed_out');

    await sleep(700); // another settler tick
    const after = await eventTypes(s, a.id);
    expect(count(after, 'wait.timed_out')).toBe(1);
    expect(count(after, 'session.failed')).toBe(1);
  });

  it('a long-poll running into the deadline returns timed_out at the deadline, not after waitSeconds', async () => {
    const session = await createSession(s, { name: 'polled-out' });
    const inbox = await createInbox(s, { sessionId: session.id });
    const w = await createWait(s, { inboxId: inbox.id, type: 'otp', timeoutSeconds: 1 });
    const started = Date.now();
    const reply = await s.request('GET', `/api/v1/waits/${w.id}?waitSeconds=10`);
    expect(reply.status).toBe(200);
    expect(reply.body.status).toBe('timed_out');
    expect(Date.now() - started).toBeLessThan(5000);
    await sleep(700); // let the background settler race the poll
    const types = await eventTypes(s, session.id);
    expect(count(types, 'wait.timed_out')).toBe(1);
    expect(count(types, 'session.failed')).toBe(1);
    expect((await s.request('GET', `/api/v1/sessions/${session.id}`)).body.status).toBe('failed');
  });

  it('a session already completed stays completed when its wait times out', async () => {
    const session = await createSession(s, { name: 'done-first' });
    const inbox = await createInbox(s, { sessionId: session.id });
    const w = await createWait(s, { inboxId: inbox.id, type: 'otp', timeoutSeconds: 1 });
    expect((await s.request('POST', `/api/v1/sessions/${session.id}/complete`)).status).toBe(200);
    await sleep(2000);
    await settled(async () => count(await eventTypes(s, session.id), 'wait.timed_out') > 0);
    const types = await eventTypes(s, session.id);
    expect(count(types, 'wait.timed_out')).toBe(1);
    expect(count(types, 'session.failed')).toBe(0);
    expect((await s.request('GET', `/api/v1/sessions/${session.id}`)).body.status).toBe('completed');
    expect((await getWait(s, w.id)).status).toBe('timed_out');
  });
});
