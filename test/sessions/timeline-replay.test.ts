import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../support/server';
import { createSession, expectError, ISO_SECONDS, manualClock, SESSION_NOT_FOUND, UNAUTHORIZED } from './helpers';

const time = manualClock(Date.parse('2024-06-12T10:00:00.000Z'));
let s: TestServer;
beforeAll(async () => {
  s = await startServer({ deps: { clock: time.clock } });
});
afterAll(() => s?.close());

const timeline = (id: string, key?: string | null) => s.request('GET', `/api/v1/sessions/${id}/timeline`, { key });
const replay = (id: string, key?: string | null) => s.request('POST', `/api/v1/sessions/${id}/replay`, { key });

describe('GET /api/v1/sessions/{id}/timeline', () => {
  it('a new session has exactly its session.created event', async () => {
    time.set('2024-06-12T10:00:00.000Z');
    const { id } = await createSession(s, { name: 't' });
    const reply = await timeline(id);
    expect(reply.status).toBe(200);
    expect(reply.text).toBe(JSON.stringify({ events: [{ timestamp: '2024-06-12T10:00:00Z', type: 'session.created', payload: { sessionId: id } }] }));
  });

  it('lists events in the order they happened, with {timestamp, type, payload} only', async () => {
    time.set('2024-06-12T10:00:00.000Z');
    const { id } = await createSession(s, { name: 't2' });
    time.set('2024-06-12T10:05:00.000Z');
    await s.request('POST', `/api/v1/sessions/${id}/complete`);
    const { events } = (await timeline(id)).body;
    expect(events).toEqual([
      { timestamp: '2024-06-12T10:00:00Z', type: 'session.created', payload: { sessionId: id } },
      { timestamp: '2024-06-12T10:05:00Z', type: 'session.completed', payload: { sessionId: id } },
    ]);
    for (const e of events) expect(Object.keys(e)).toEqual(['timestamp', 'type', 'payload']);
  });

  it('keeps the order when timestamps tie', async () => {
    time.set('2024-06-12T13:00:00.000Z'); // frozen: both events get the same timestamp
    const { id } = await createSession(s, { name: 'tie' });
    await s.request('POST', `/api/v1/sessions/${id}/fail`, { body: { reason: 'why' } });
    const { events } = (await timeline(id)).body;
    expect(events.map((e: any) => e.type)).toEqual(['session.created', 'session.failed']);
    expect(events[1].payload).toEqual({ sessionId: id, reason: 'why' });
  });

  it('holds only this session\'s events', async () => {
    const a = await createSession(s, { name: 'a' });
    const b = await createSession(s, { name: 'b' });
    await s.request('POST', `/api/v1/sessions/${b.id}/complete`);
    const { events } = (await timeline(a.id)).body;
    expect(events).toHaveLength(1);
    expect(events[0].payload.sessionId).toBe(a.id);
  });

  it('404 for an unknown session, 401 without a key', async () => {
    expectError(await timeline('sess_0000000000000000000000'), 404, SESSION_NOT_FOUND);
    expectError(await timeline('sess_0000000000000000000000', null), 401, UNAUTHORIZED);
  });
});

describe('POST /api/v1/sessions/{id}/replay', () => {
  it('a session that did nothing yet has no steps', async () => {
    const { id } = await createSession(s, { name: 'r0' });
    const reply = await replay(id);
    expect(reply.status).toBe(200);
    expect(reply.text).toBe('{"steps":[]}');
  });

  it('records complete_session with input, output, timestamp and duration', async () => {
    time.set('2024-06-12T14:00:00.000Z');
    const { id } = await createSession(s, { name: 'r1' });
    time.set('2024-06-12T14:01:00.000Z');
    await s.request('POST', `/api/v1/sessions/${id}/complete`);
    const { steps } = (await replay(id)).body;
    expect(steps).toEqual([
      { index: 0, timestamp: '2024-06-12T14:01:00Z', action: 'complete_session', input: { sessionId: id }, output: { id, status: 'completed' }, durationMs: expect.any(Number) },
    ]);
    expect(Object.keys(steps[0])).toEqual(['index', 'timestamp', 'action', 'input', 'output', 'durationMs']);
    expect(Number.isInteger(steps[0].durationMs) && steps[0].durationMs >= 0).toBe(true);
  });

  it('records fail_session with the reason', async () => {
    const { id } = await createSession(s, { name: 'r2' });
    await s.request('POST', `/api/v1/sessions/${id}/fail`, { body: { reason: 'no mail' } });
    const { steps } = (await replay(id)).body;
    expect(steps).toHaveLength(1);
    expect(steps[0]).toMatchObject({ index: 0, action: 'fail_session', input: { sessionId: id, reason: 'no mail' }, output: { id, status: 'failed' } });
    expect(steps[0].timestamp).toMatch(ISO_SECONDS);
  });

  it('replaying changes nothing: same steps, same timeline, same session', async () => {
    const { id } = await createSession(s, { name: 'r3' });
    await s.request('POST', `/api/v1/sessions/${id}/complete`);
    const before = { t: (await timeline(id)).text, r: (await replay(id)).text, g: (await s.request('GET', `/api/v1/sessions/${id}`)).text };
    await replay(id);
    const after = { t: (await timeline(id)).text, r: (await replay(id)).text, g: (await s.request('GET', `/api/v1/sessions/${id}`)).text };
    expect(after).toEqual(before);
  });

  it('404 for an unknown session, 401 without a key', async () => {
    expectError(await replay('sess_0000000000000000000000'), 404, SESSION_NOT_FOUND);
    expectError(await replay('nope'), 404, SESSION_NOT_FOUND);
    expectError(await replay('sess_0000000000000000000000', null), 401, UNAUTHORIZED);
  });
});
