import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { count, createInbox, createWait, deliver, eventTypes, getWait } from '../inboxes/helpers';
import { createSession, errorText, expectError, manualClock } from '../sessions/helpers';
import { startServer, type TestServer } from '../support/server';

// A manual clock and a background settler that practically never runs: an overdue wait stays pending
// in the database until these tests settle it, so the settlers below really race on a pending row.
const time = manualClock(Date.parse('2024-06-12T10:00:00.000Z'));
let s: TestServer;
beforeAll(async () => {
  s = await startServer({ deps: { clock: time.clock }, env: { SETTLE_INTERVAL_MS: '60000' } });
});
afterAll(() => s?.close());

const settlers = (n: number) => Promise.all(Array.from({ length: n }, () => s.app.services.waits.settleDue(time.clock())));
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

async function overdueWaitInSession(name: string, timeoutSeconds = 5) {
  const session = await createSession(s, { name });
  const inbox = await createInbox(s, { sessionId: session.id });
  const wait = await createWait(s, { inboxId: inbox.id, type: 'otp', timeoutSeconds });
  return { session, inbox, wait };
}

describe('deadline settlers racing', () => {
  it('several concurrent settleDue calls on one overdue wait: exactly one wait.timed_out and one session.failed', async () => {
    time.set('2024-06-12T10:00:00.000Z');
    const { session, wait } = await overdueWaitInSession('race-1');
    time.advance(6000);
    expect((await s.app.db.prisma.wait.findUniqueOrThrow({ where: { id: wait.id } })).status).toBe('pending');
    const settled = await settlers(6);
    expect(sum(settled)).toBe(1);
    const types = await eventTypes(s, session.id);
    expect(count(types, 'wait.timed_out')).toBe(1);
    expect(count(types, 'session.failed')).toBe(1);
    const { steps } = (await s.request('POST', `/api/v1/sessions/${session.id}/replay`)).body;
    expect(steps.filter((st: any) => st.action === 'fail_session')).toHaveLength(1);
    // Settling again finds nothing to do.
    expect(sum(await settlers(3))).toBe(0);
    expect(await eventTypes(s, session.id)).toEqual(types);
  });

  it('two overdue waits of one session, settled concurrently: two wait.timed_out, one session.failed', async () => {
    time.set('2024-06-12T11:00:00.000Z');
    const { session, inbox, wait } = await overdueWaitInSession('race-2');
    const second = await createWait(s, { inboxId: inbox.id, type: 'message', timeoutSeconds: 5 });
    time.advance(6000);
    expect(sum(await settlers(5))).toBe(2);
    const types = await eventTypes(s, session.id);
    expect(count(types, 'wait.timed_out')).toBe(2);
    expect(count(types, 'session.failed')).toBe(1);
    const failed = (await s.app.db.prisma.event.findMany({ where: { sessionId: session.id, type: 'session.failed' } }))[0];
    expect([`Wait ${wait.id} timed out after 5s`, `Wait ${second.id} timed out after 5s`]).toContain((failed.payload as any).reason);
  });

  it('settlers racing readers (GET, long-poll) and a cancel: still one event each; the cancel is refused', async () => {
    time.set('2024-06-12T12:00:00.000Z');
    const { session, wait } = await overdueWaitInSession('race-3');
    time.advance(6000);
    const [, reads, canceled] = await Promise.all([
      settlers(4),
      Promise.all([getWait(s, wait.id), getWait(s, wait.id, '?waitSeconds=1'), getWait(s, wait.id)]),
      s.request('POST', `/api/v1/waits/${wait.id}/cancel`),
    ]);
    for (const r of reads) expect(r.status).toBe('timed_out');
    expectError(canceled, 409, errorText('Conflict', 'Wait is already timed_out'));
    const types = await eventTypes(s, session.id);
    expect(count(types, 'wait.timed_out')).toBe(1);
    expect(count(types, 'session.failed')).toBe(1);
    expect(count(types, 'wait.canceled')).toBe(0);
    expect((await s.request('GET', `/api/v1/sessions/${session.id}`)).body.status).toBe('failed');
  });

  it('a matching message arriving after the deadline (before settling) does not complete the wait', async () => {
    time.set('2024-06-12T13:00:00.000Z');
    const { session, inbox, wait } = await overdueWaitInSession('late-mail');
    time.advance(5000); // exactly the deadline
    const m = await deliver(s, inbox.id, { from: 'a@x.test', subject: 'Code', text: 'Your code is 123456' });
    const { steps } = (await s.request('POST', `/api/v1/sessions/${session.id}/replay`)).body;
    expect(steps.find((st: any) => st.action === 'deliver_message').output).toEqual({ id: m.id, completedWaits: [] });
    expect(sum(await settlers(3))).toBe(1);
    expect(await getWait(s, wait.id)).toMatchObject({ status: 'timed_out', result: null });
    const types = await eventTypes(s, session.id);
    expect(count(types, 'wait.completed')).toBe(0);
    expect(count(types, 'wait.timed_out')).toBe(1);
  });

  it('a message just before the deadline completes it, and settling later does nothing', async () => {
    time.set('2024-06-12T14:00:00.000Z');
    const { session, inbox, wait } = await overdueWaitInSession('just-in-time');
    time.advance(4999);
    const m = await deliver(s, inbox.id, { from: 'a@x.test', subject: 'Code', text: 'Your code is 123456' });
    time.advance(10_000);
    expect(sum(await settlers(3))).toBe(0);
    expect(await getWait(s, wait.id)).toMatchObject({ status: 'completed', result: { type: 'otp', value: '123456', messageId: m.id } });
    expect((await s.request('GET', `/api/v1/sessions/${session.id}`)).body.status).toBe('active');
  });
});
