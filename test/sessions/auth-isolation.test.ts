import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../support/server';
import { ALL_ROUTES, createSession, expectError, SESSION_NOT_FOUND, SESSION_ROUTES, UNAUTHORIZED } from './helpers';

const BOOTSTRAP = 'sgk_bootstrap_for_tests_only';
let s: TestServer;
let aliceSession: any;
beforeAll(async () => {
  // A long cache TTL: revocation must still show at once in this process.
  s = await startServer({ env: { AUTH_CACHE_TTL_MS: '60000' } });
  aliceSession = await createSession(s, { name: 'alice-private', metadata: { secret: 'yes' } });
});
afterAll(() => s?.close());

const BAD_AUTH: [string, Record<string, string> | null][] = [
  ['no Authorization header', null],
  ['an unknown key', { authorization: 'Bearer sgk_0000000000000000000000000000000000000000' }],
  ['Basic scheme', { authorization: 'Basic YWxpY2U6c2VjcmV0' }],
  ['Bearer without a token', { authorization: 'Bearer ' }],
  ['the bare key without Bearer', {}], // filled in below with the real key
  ['the real key with extra text', {}],
  ['an empty header', { authorization: '' }],
];

describe('401 on every route', () => {
  const cases = ALL_ROUTES('sess_0000000000000000000000').flatMap((route) => BAD_AUTH.map(([label, headers]) => ({ route, label, headers })));
  it.each(cases)('$route.action with $label', async ({ route, label, headers }) => {
    let h = headers;
    if (label === 'the bare key without Bearer') h = { authorization: s.apiKey };
    if (label === 'the real key with extra text') h = { authorization: `Bearer ${s.apiKey} extra` };
    const reply = await s.request(route.method, route.path.replace('sess_0000000000000000000000', aliceSession.id), { key: null, headers: h ?? {}, body: route.body });
    expectError(reply, 401, UNAUTHORIZED);
  });

  it('the scheme is case-insensitive', async () => {
    const reply = await s.request('GET', '/api/v1/sessions', { key: null, headers: { authorization: `bearer ${s.apiKey}` } });
    expect(reply.status).toBe(200);
  });

  it('a refused request changes nothing', async () => {
    const { id } = await createSession(s, { name: 'untouched' });
    for (const r of SESSION_ROUTES(id)) await s.request(r.method, r.path, { key: 'sgk_wrong', body: r.body });
    const after = await s.request('GET', `/api/v1/sessions/${id}`);
    expect(after.body.status).toBe('active');
    expect((await s.request('GET', `/api/v1/sessions/${id}/timeline`)).body.events).toHaveLength(1);
  });
});

describe('owner isolation', () => {
  it.each(SESSION_ROUTES('ID'))('$action as another owner → 404 Session not found', async (route) => {
    const path = route.path.replace('ID', aliceSession.id);
    expectError(await s.request(route.method, path, { key: s.otherKey, body: route.body }), 404, SESSION_NOT_FOUND);
  });

  it('another owner\'s attempts leave the session untouched', async () => {
    const { id } = await createSession(s, { name: 'alice-2' });
    await s.request('POST', `/api/v1/sessions/${id}/complete`, { key: s.otherKey });
    await s.request('POST', `/api/v1/sessions/${id}/fail`, { key: s.otherKey, body: { reason: 'bob was here' } });
    await s.request('POST', `/api/v1/sessions/${id}/replay`, { key: s.otherKey });
    const mine = await s.request('GET', `/api/v1/sessions/${id}`);
    expect(mine.body).toMatchObject({ status: 'active', completedAt: null });
    expect((await s.request('GET', `/api/v1/sessions/${id}/timeline`)).body.events.map((e: any) => e.type)).toEqual(['session.created']);
    expect((await s.request('POST', `/api/v1/sessions/${id}/replay`)).body.steps).toEqual([]);
  });

  it('lists and totals never include another owner\'s sessions', async () => {
    const bobs = await createSession(s, { name: 'bob-only' }, s.otherKey);
    const bob = await s.request('GET', '/api/v1/sessions?limit=100', { key: s.otherKey });
    expect(bob.body.data.map((d: any) => d.id)).toEqual([bobs.id]);
    expect(bob.body.pagination.total).toBe(1);
    const alice = await s.request('GET', '/api/v1/sessions?limit=100');
    expect(alice.body.data.map((d: any) => d.id)).not.toContain(bobs.id);
    expect(alice.body.data.map((d: any) => d.id)).toContain(aliceSession.id);
  });

  it('the owner can still read it all', async () => {
    const reply = await s.request('GET', `/api/v1/sessions/${aliceSession.id}`);
    expect(reply.status).toBe(200);
    expect(reply.body.metadata).toEqual({ secret: 'yes' });
  });

  it('GraphQL: another owner gets NOT_FOUND and an empty list', async () => {
    const one = await s.gql('query($id: ID!) { session(id: $id) { id name metadata } }', { id: aliceSession.id }, s.otherKey);
    expect(one.body.data).toEqual({ session: null });
    expect(one.body.errors!.map((e: any) => e.extensions.code)).toEqual(['NOT_FOUND']);
    for (const m of ['completeSession(id: $id) { id }', 'replaySession(id: $id) { steps { index } }', 'failSession(id: $id, reason: "x") { id }']) {
      const r = await s.gql(`mutation($id: ID!) { ${m} }`, { id: aliceSession.id }, s.otherKey);
      expect(r.body.errors?.[0]?.extensions?.code, m).toBe('NOT_FOUND');
    }
    const list = await s.gql('{ sessions(limit: 100) { data { id } } }', {}, s.otherKey);
    expect(list.body.data.sessions.data.map((d: any) => d.id)).not.toContain(aliceSession.id);
  });
});

describe('keys', () => {
  it('BOOTSTRAP_API_KEY is a working key of its own owner', async () => {
    const created = await createSession(s, { name: 'from-bootstrap' }, BOOTSTRAP);
    const own = await s.request('GET', '/api/v1/sessions', { key: BOOTSTRAP });
    expect(own.status).toBe(200);
    expect(own.body.data.map((d: any) => d.id)).toEqual([created.id]);
    expectError(await s.request('GET', `/api/v1/sessions/${created.id}`), 404, SESSION_NOT_FOUND);
  });

  it('a revoked key is refused at once (despite the 60 s cache), other keys keep working', async () => {
    const key = await s.app.services.apiKeys.create('carol');
    const created = await createSession(s, { name: 'carol-1' }, key); // now cached as valid
    expect((await s.request('GET', `/api/v1/sessions/${created.id}`, { key })).status).toBe(200);
    expect(await s.app.services.apiKeys.revoke(key.slice(0, 12))).toBe(1);
    for (const r of ALL_ROUTES(created.id)) expectError(await s.request(r.method, r.path, { key, body: r.body }), 401, UNAUTHORIZED);
    const gql = await s.gql('{ sessions { pagination { total } } }', {}, key);
    expect(gql.status).toBe(401);
    expect(gql.body).toEqual({ errors: [{ message: 'Invalid or missing API key', extensions: { code: 'UNAUTHENTICATED' } }] });
    expect((await s.request('GET', '/api/v1/sessions')).status).toBe(200);
  });

  it('a second key of the same owner sees the same sessions', async () => {
    const second = await s.app.services.apiKeys.create('alice');
    const reply = await s.request('GET', `/api/v1/sessions/${aliceSession.id}`, { key: second });
    expect(reply.status).toBe(200);
  });
});

describe('CORS_ORIGINS unset (this server)', () => {
  it('answers browsers from any origin without CORS headers, preflights included', async () => {
    const reply = await s.request('GET', '/api/v1/sessions', { headers: { origin: 'https://app.example' } });
    expect(reply.status).toBe(200);
    expect(reply.headers.get('access-control-allow-origin')).toBeNull();
    const pre = await s.request('OPTIONS', '/api/v1/sessions', { key: null, headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' } });
    expect(pre.status).not.toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
    expect(pre.headers.get('access-control-allow-methods')).toBeNull();
    expect(pre.headers.get('access-control-allow-headers')).toBeNull();
  });
});
