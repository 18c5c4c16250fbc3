import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../support/server';
import { createSession, errorText, expectError, invalid, manualClock, SESSION_KEYS, SESSION_NOT_FOUND, UNAUTHORIZED } from './helpers';

const time = manualClock(Date.parse('2024-06-12T10:00:00.000Z'));
let s: TestServer;
beforeAll(async () => {
  s = await startServer({ deps: { clock: time.clock } });
});
afterAll(() => s?.close());

const get = (id: string) => s.request('GET', `/api/v1/sessions/${id}`);
const complete = (id: string) => s.request('POST', `/api/v1/sessions/${id}/complete`);
const fail = (id: string, body: unknown = { reason: 'smtp down' }) => s.request('POST', `/api/v1/sessions/${id}/fail`, { body });
const events = async (id: string) => (await s.request('GET', `/api/v1/sessions/${id}/timeline`)).body.events as any[];
const steps = async (id: string) => (await s.request('POST', `/api/v1/sessions/${id}/replay`)).body.steps as any[];

const UNKNOWN_IDS = ['sess_0000000000000000000000', 'sess_nope', 'inb_0000000000000000000000', 'x'.repeat(300), '%20'];

describe('GET /api/v1/sessions/{id}', () => {
  it('200 with the Session schema, fields in the documented order', async () => {
    const created = await createSession(s, { name: 'g', metadata: { k: 'v' } });
    const reply = await get(created.id);
    expect(reply.status).toBe(200);
    expect(Object.keys(reply.body)).toEqual(SESSION_KEYS);
    expect(reply.body).toEqual({
      id: created.id, name: 'g', status: 'active', createdAt: '2024-06-12T10:00:00Z', updatedAt: '2024-06-12T10:00:00Z',
      completedAt: null, metadata: { k: 'v' }, inboxes: [], waits: [],
    });
  });

  it.each(UNKNOWN_IDS)('404 for unknown id %s', async (id) => {
    expectError(await get(id), 404, SESSION_NOT_FOUND);
  });

  it('401 before 404', async () => {
    expectError(await s.request('GET', '/api/v1/sessions/sess_0000000000000000000000', { key: null }), 401, UNAUTHORIZED);
  });
});

describe('POST /api/v1/sessions/{id}/complete', () => {
  it('200 {id, status, completedAt}; the session shows it afterwards', async () => {
    time.set('2024-06-12T10:00:00.000Z');
    const created = await createSession(s, { name: 'c' });
    time.set('2024-06-12T10:05:00.000Z');
    const reply = await complete(created.id);
    expect(reply.status).toBe(200);
    expect(reply.text).toBe(JSON.stringify({ id: created.id, status: 'completed', completedAt: '2024-06-12T10:05:00Z' }));
    const after = (await get(created.id)).body;
    expect(after).toMatchObject({ status: 'completed', completedAt: '2024-06-12T10:05:00Z', updatedAt: '2024-06-12T10:05:00Z', createdAt: '2024-06-12T10:00:00Z' });
  });

  it('is idempotent: same completedAt, no second event or replay step', async () => {
    time.set('2024-06-12T11:00:00.000Z');
    const { id } = await createSession(s, { name: 'idem' });
    const first = await complete(id);
    time.advance(60_000);
    const second = await complete(id);
    expect(second.status).toBe(200);
    expect(second.text).toBe(first.text);
    expect((await get(id)).body.updatedAt).toBe('2024-06-12T11:00:00Z');
    expect((await events(id)).filter((e) => e.type === 'session.completed')).toHaveLength(1);
    expect((await steps(id)).filter((st) => st.action === 'complete_session')).toHaveLength(1);
  });

  it('20 concurrent completes: all 200 with one completedAt, exactly one event and one replay step', async () => {
    const { id } = await createSession(s, { name: 'race' });
    const replies = await Promise.all(Array.from({ length: 20 }, () => complete(id)));
    expect(replies.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(new Set(replies.map((r) => r.body.completedAt)).size).toBe(1);
    expect((await events(id)).map((e) => e.type)).toEqual(['session.created', 'session.completed']);
    expect((await steps(id)).map((st) => st.action)).toEqual(['complete_session']);
  });

  it('409 when the session failed, leaving it failed', async () => {
    const { id } = await createSession(s, { name: 'c-after-f' });
    expect((await fail(id)).status).toBe(200);
    expectError(await complete(id), 409, errorText('Conflict', 'Session is already failed'));
    expect((await get(id)).body).toMatchObject({ status: 'failed', completedAt: null });
    expect((await events(id)).map((e) => e.type)).toEqual(['session.created', 'session.failed']);
  });

  it.each(UNKNOWN_IDS)('404 for unknown id %s', async (id) => {
    expectError(await complete(id), 404, SESSION_NOT_FOUND);
  });

  it('ignores any request body (it reads none)', async () => {
    const { id } = await createSession(s, { name: 'c-body' });
    const reply = await s.request('POST', `/api/v1/sessions/${id}/complete`, { rawBody: 'not json', headers: { 'content-type': 'text/plain' } });
    expect(reply.status).toBe(200);
    expect(reply.body.status).toBe('completed');
  });
});

describe('POST /api/v1/sessions/{id}/fail', () => {
  it('200 {id, status: "failed", completedAt: null, failureReason}', async () => {
    time.set('2024-06-12T12:00:00.000Z');
    const { id } = await createSession(s, { name: 'f' });
    time.advance(2000);
    const reply = await fail(id, { reason: 'OTP never arrived' });
    expect(reply.status).toBe(200);
    expect(reply.text).toBe(JSON.stringify({ id, status: 'failed', completedAt: null, failureReason: 'OTP never arrived' }));
    expect((await get(id)).body).toMatchObject({ status: 'failed', completedAt: null, updatedAt: '2024-06-12T12:00:02Z' });
    const last = (await events(id)).at(-1);
    expect(last).toEqual({ timestamp: '2024-06-12T12:00:02Z', type: 'session.failed', payload: { sessionId: id, reason: 'OTP never arrived' } });
  });

  it('failing a failed session changes nothing (first reason kept, no second event)', async () => {
    const { id } = await createSession(s, { name: 'ff' });
    await fail(id, { reason: 'first' });
    const again = await fail(id, { reason: 'second' });
    expect(again.status).toBe(200);
    expect(again.body.failureReason).toBe('first');
    expect((await events(id)).filter((e) => e.type === 'session.failed')).toHaveLength(1);
    expect((await steps(id)).map((st) => st.action)).toEqual(['fail_session']);
  });

  it('409 when the session completed, leaving it completed', async () => {
    const { id } = await createSession(s, { name: 'f-after-c' });
    const done = await complete(id);
    expectError(await fail(id), 409, errorText('Conflict', 'Session is already completed'));
    expect((await get(id)).body).toMatchObject({ status: 'completed', completedAt: done.body.completedAt });
  });

  it('concurrent completes and fails: one wins, the losers of the other kind get 409, one final event', async () => {
    const { id } = await createSession(s, { name: 'mixed-race' });
    const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? complete(id) : fail(id, { reason: `r${i}` }))));
    const final = (await get(id)).body.status;
    expect(['completed', 'failed']).toContain(final);
    replies.forEach((r, i) => {
      const kind = i % 2 ? 'completed' : 'failed';
      if (kind === final) expect(r.status).toBe(200);
      else expectError(r, 409, errorText('Conflict', `Session is already ${final}`));
    });
    const terminal = (await events(id)).filter((e) => e.type !== 'session.created');
    expect(terminal.map((e) => e.type)).toEqual([`session.${final}`]);
    expect(await steps(id)).toHaveLength(1);
  });

  it.each([
    ['missing reason', {}, 'reason is required'],
    ['null reason', { reason: null }, 'reason is required'],
    ['empty reason', { reason: '' }, 'reason must not be empty'],
    ['blank reason', { reason: '  ' }, 'reason must not be empty'],
    ['numeric reason', { reason: 5 }, 'reason must be a string'],
    ['too long reason', { reason: 'x'.repeat(1001) }, 'reason must be at most 1000 characters'],
  ])('%s → 400, session stays active', async (_label, body, message) => {
    const { id } = await createSession(s, { name: 'fv' });
    expectError(await fail(id, body), 400, invalid(message));
    expect((await get(id)).body.status).toBe('active');
  });

  it('no body → 400 "reason is required"; non-JSON body → 400', async () => {
    const { id } = await createSession(s, { name: 'fb' });
    expectError(await s.request('POST', `/api/v1/sessions/${id}/fail`), 400, invalid('reason is required'));
    expectError(
      await s.request('POST', `/api/v1/sessions/${id}/fail`, { rawBody: 'reason=x', headers: { 'content-type': 'text/plain' } }),
      400,
      invalid('Content-Type must be application/json'),
    );
    expectError(await s.request('POST', `/api/v1/sessions/${id}/fail`, { body: ['x'] }), 400, invalid('Request body must be a JSON object'));
  });

  it('a reason of exactly 1000 characters is accepted', async () => {
    const { id } = await createSession(s, { name: 'f1000' });
    expect((await fail(id, { reason: 'y'.repeat(1000) })).body.failureReason).toBe('y'.repeat(1000));
  });

  it.each(UNKNOWN_IDS)('404 for unknown id %s', async (id) => {
    expectError(await fail(id), 404, SESSION_NOT_FOUND);
  });
});
