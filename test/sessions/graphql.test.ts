import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../support/server';
import { createSession, ISO_SECONDS, manualClock, SESSION_ID } from './helpers';

const time = manualClock(Date.parse('2024-06-12T10:00:00.000Z'));
let s: TestServer;
beforeAll(async () => {
  s = await startServer({ deps: { clock: time.clock } });
});
afterAll(() => s?.close());

const FIELDS = 'id name status createdAt updatedAt completedAt failureReason metadata inboxes { id } waits { id }';
const CREATE = `mutation($input: CreateSessionInput!) { createSession(input: $input) { ${FIELDS} } }`;
const GET = `query($id: ID!) { session(id: $id) { ${FIELDS} timeline { timestamp type payload } } }`;
const codes = (reply: any) => (reply.body.errors ?? []).map((e: any) => e.extensions?.code);

describe('GraphQL operations', () => {
  it('createSession returns the session', async () => {
    time.set('2024-06-12T10:00:00.000Z');
    const reply = await s.gql(CREATE, { input: { name: 'g', metadata: { env: 'staging' } } });
    expect(reply.status).toBe(200);
    expect(reply.body.errors).toBeUndefined();
    expect(reply.body.data.createSession).toEqual({
      id: expect.stringMatching(SESSION_ID), name: 'g', status: 'active', createdAt: '2024-06-12T10:00:00Z', updatedAt: '2024-06-12T10:00:00Z',
      completedAt: null, failureReason: null, metadata: { env: 'staging' }, inboxes: [], waits: [],
    });
  });

  it('session(id) returns it with its timeline', async () => {
    const { data } = (await s.gql(CREATE, { input: { name: 'g2' } })).body;
    const reply = await s.gql(GET, { id: data.createSession.id });
    expect(reply.body.data.session).toMatchObject({ id: data.createSession.id, name: 'g2', metadata: {} });
    expect(reply.body.data.session.timeline).toEqual([{ timestamp: expect.stringMatching(ISO_SECONDS), type: 'session.created', payload: { sessionId: data.createSession.id } }]);
  });

  it('sessions: defaults, status filter, newest first, total', async () => {
    const own = await s.app.services.apiKeys.create('gql-lister');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      time.advance(1000);
      ids.push((await s.gql(CREATE, { input: { name: `l${i}` } }, own)).body.data.createSession.id);
    }
    await s.gql('mutation($id: ID!) { completeSession(id: $id) { id } }', { id: ids[0] }, own);
    const all = await s.gql('{ sessions { data { id status } pagination { limit offset total } } }', {}, own);
    expect(all.body.data.sessions.pagination).toEqual({ limit: 20, offset: 0, total: 3 });
    expect(all.body.data.sessions.data.map((d: any) => d.id)).toEqual([...ids].reverse());
    const completed = await s.gql('{ sessions(status: completed) { data { id } pagination { total } } }', {}, own);
    expect(completed.body.data.sessions).toEqual({ data: [{ id: ids[0] }], pagination: { total: 1 } });
    const page = await s.gql('{ sessions(limit: 1, offset: 1) { data { id } pagination { limit offset total } } }', {}, own);
    expect(page.body.data.sessions).toEqual({ data: [{ id: ids[1] }], pagination: { limit: 1, offset: 1, total: 3 } });
  });

  it('completeSession is idempotent; failSession after it is CONFLICT', async () => {
    const { id } = await createSession(s, { name: 'gc' });
    time.set('2024-06-12T10:30:00.000Z');
    const first = await s.gql('mutation($id: ID!) { completeSession(id: $id) { status completedAt } }', { id });
    expect(first.body.data.completeSession).toEqual({ status: 'completed', completedAt: '2024-06-12T10:30:00Z' });
    time.advance(5000);
    const again = await s.gql('mutation($id: ID!) { completeSession(id: $id) { status completedAt } }', { id });
    expect(again.body.data.completeSession).toEqual(first.body.data.completeSession);
    const conflict = await s.gql('mutation($id: ID!) { failSession(id: $id, reason: "late") { id } }', { id });
    expect(conflict.status).toBe(200);
    expect(codes(conflict)).toEqual(['CONFLICT']);
    expect(conflict.body.errors![0].message).toBe('Session is already completed');
  });

  it('failSession keeps the reason; replaySession lists the step', async () => {
    const { id } = await createSession(s, { name: 'gf' });
    const failed = await s.gql('mutation($id: ID!) { failSession(id: $id, reason: "timeout") { status completedAt failureReason } }', { id });
    expect(failed.body.data.failSession).toEqual({ status: 'failed', completedAt: null, failureReason: 'timeout' });
    const conflict = await s.gql('mutation($id: ID!) { completeSession(id: $id) { id } }', { id });
    expect(codes(conflict)).toEqual(['CONFLICT']);
    const replay = await s.gql('mutation($id: ID!) { replaySession(id: $id) { steps { index action input output durationMs timestamp } } }', { id });
    expect(replay.body.data.replaySession.steps).toEqual([
      { index: 0, action: 'fail_session', input: { sessionId: id, reason: 'timeout' }, output: { id, status: 'failed' }, durationMs: expect.any(Number), timestamp: expect.stringMatching(ISO_SECONDS) },
    ]);
  });
});

describe('GraphQL errors', () => {
  it('UNAUTHENTICATED with HTTP 401 for a missing or invalid key', async () => {
    const expected = { errors: [{ message: 'Invalid or missing API key', extensions: { code: 'UNAUTHENTICATED' } }] };
    for (const key of [null, 'sgk_invalid', '']) {
      const reply = await s.gql('{ sessions { pagination { total } } }', {}, key);
      expect(reply.status).toBe(401);
      expect(reply.body).toEqual(expected); // exactly this: no data, no locations, no stack
    }
    const mutation = await s.gql(CREATE, { input: { name: 'x' } }, null);
    expect(mutation.status).toBe(401);
    expect(codes(mutation)).toEqual(['UNAUTHENTICATED']);
  });

  it.each([
    ['empty name', CREATE, { input: { name: '' } }, 'name must not be empty'],
    ['long name', CREATE, { input: { name: 'x'.repeat(201) } }, 'name must be at most 200 characters'],
    ['big metadata', CREATE, { input: { name: 'x', metadata: { x: 'y'.repeat(16 * 1024) } } }, 'metadata must be at most 16 KB'],
    ['limit 0', '{ sessions(limit: 0) { data { id } } }', {}, 'limit must be an integer between 1 and 100'],
    ['limit 101', '{ sessions(limit: 101) { data { id } } }', {}, 'limit must be an integer between 1 and 100'],
    ['negative offset', '{ sessions(offset: -1) { data { id } } }', {}, 'offset must be an integer between 0 and 2147483647'],
    ['empty reason', 'mutation { failSession(id: "sess_0000000000000000000000", reason: "") { id } }', {}, 'reason must not be empty'],
  ])('BAD_USER_INPUT: %s', async (_label, query, variables, message) => {
    const reply = await s.gql(query, variables);
    expect(codes(reply)).toEqual(['BAD_USER_INPUT']);
    expect(reply.body.errors![0].message).toBe(message);
  });

  it('BAD_USER_INPUT for badly typed variables (HTTP 400)', async () => {
    const arrayMeta = await s.gql(CREATE, { input: { name: 'x', metadata: [1] } });
    expect(arrayMeta.status).toBe(400);
    expect(codes(arrayMeta)).toEqual(['BAD_USER_INPUT']);
    const missingName = await s.gql(CREATE, { input: {} });
    expect(missingName.status).toBe(400);
    expect(codes(missingName)).toEqual(['BAD_USER_INPUT']);
    const badEnum = await s.gql('query($st: SessionStatus) { sessions(status: $st) { data { id } } }', { st: 'done' });
    expect(codes(badEnum)).toEqual(['BAD_USER_INPUT']);
  });

  it('NOT_FOUND for a missing session, in every operation', async () => {
    const id = 'sess_0000000000000000000000';
    const q = await s.gql('query($id: ID!) { session(id: $id) { id } }', { id });
    expect(q.body).toEqual({
      errors: [{ message: 'Session not found', locations: [{ line: 1, column: 19 }], path: ['session'], extensions: { code: 'NOT_FOUND' } }],
      data: { session: null },
    });
    for (const m of ['completeSession(id: $id) { id }', 'failSession(id: $id, reason: "r") { id }', 'replaySession(id: $id) { steps { index } }']) {
      const r = await s.gql(`mutation($id: ID!) { ${m} }`, { id });
      expect(codes(r), m).toEqual(['NOT_FOUND']);
    }
  });

  it('nothing created by a refused mutation', async () => {
    const own = await s.app.services.apiKeys.create('gql-refused');
    await s.gql(CREATE, { input: { name: '' } }, own);
    await s.gql(CREATE, { input: { name: 'x', metadata: 'str' } }, own);
    const list = await s.gql('{ sessions { pagination { total } } }', {}, own);
    expect(list.body.data.sessions.pagination.total).toBe(0);
  });
});

describe('REST and GraphQL see the same data', () => {
  it('created over GraphQL, read over REST', async () => {
    const { data } = (await s.gql(CREATE, { input: { name: 'cross', metadata: { a: [1, { b: 2 }] } } })).body;
    const g = data.createSession;
    const rest = await s.request('GET', `/api/v1/sessions/${g.id}`);
    expect(rest.body).toEqual({
      id: g.id, name: g.name, status: g.status, createdAt: g.createdAt, updatedAt: g.updatedAt,
      completedAt: g.completedAt, metadata: g.metadata, inboxes: [], waits: [],
    });
  });

  it('created and completed over REST, read over GraphQL (session, timeline, replay)', async () => {
    const created = await createSession(s, { name: 'cross2', metadata: { k: 1 } });
    const done = await s.request('POST', `/api/v1/sessions/${created.id}/complete`);
    const viaGql = (await s.gql(GET, { id: created.id })).body.data.session;
    const viaRest = (await s.request('GET', `/api/v1/sessions/${created.id}`)).body;
    expect(viaGql).toMatchObject({ ...viaRest, inboxes: [], waits: [] });
    expect(viaGql.completedAt).toBe(done.body.completedAt);
    const restTimeline = (await s.request('GET', `/api/v1/sessions/${created.id}/timeline`)).body.events;
    expect(viaGql.timeline).toEqual(restTimeline);
    const restReplay = (await s.request('POST', `/api/v1/sessions/${created.id}/replay`)).body;
    const gqlReplay = (await s.gql('mutation($id: ID!) { replaySession(id: $id) { steps { index timestamp action input output durationMs } } }', { id: created.id })).body.data.replaySession;
    expect(gqlReplay).toEqual(restReplay);
  });

  it('the same list, in the same order, with the same total', async () => {
    for (const status of ['', 'active', 'completed']) {
      const rest = (await s.request('GET', `/api/v1/sessions?limit=50${status ? `&status=${status}` : ''}`)).body;
      const gql = (await s.gql('query($st: SessionStatus) { sessions(limit: 50, status: $st) { data { id name status createdAt } pagination { limit offset total next } } }', { st: status || null })).body.data.sessions;
      expect(gql).toEqual(rest);
      expect(rest.data.length).toBeGreaterThan(0);
    }
  });
});
