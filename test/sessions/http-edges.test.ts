import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../support/server';
import { createSession, errorText, expectError, invalid, ROUTE_NOT_FOUND, SESSION_ID } from './helpers';

const ORIGIN = 'https://app.example';
let s: TestServer;
beforeAll(async () => {
  s = await startServer({ env: { CORS_ORIGINS: `${ORIGIN}, https://other.example` } });
});
afterAll(() => s?.close());

describe('request bodies', () => {
  it('malformed JSON → 400 (on every route that reads a body)', async () => {
    const { id } = await createSession(s);
    for (const path of ['/api/v1/sessions', `/api/v1/sessions/${id}/fail`]) {
      const reply = await s.request('POST', path, { rawBody: '{"name": ', headers: { 'content-type': 'application/json' } });
      expectError(reply, 400, invalid('Request body is not valid JSON'));
    }
  });

  it('a body over 1 MB → 413, nothing created', async () => {
    const before = (await s.request('GET', '/api/v1/sessions')).body.pagination.total;
    const rawBody = JSON.stringify({ name: 'big', metadata: { blob: 'x'.repeat(1024 * 1024) } });
    expectError(await s.request('POST', '/api/v1/sessions', { rawBody, headers: { 'content-type': 'application/json' } }), 413, errorText('Payload too large', 'Request body is too large'));
    expect((await s.request('GET', '/api/v1/sessions')).body.pagination.total).toBe(before);
  });

  it('a body under 1 MB with metadata over 16 KB is a 400, not a 413', async () => {
    const rawBody = JSON.stringify({ name: 'big', metadata: { blob: 'x'.repeat(512 * 1024) } });
    expectError(await s.request('POST', '/api/v1/sessions', { rawBody, headers: { 'content-type': 'application/json' } }), 400, invalid('metadata must be at most 16 KB'));
  });

  it('application/json with a charset parameter is accepted', async () => {
    const reply = await s.request('POST', '/api/v1/sessions', { rawBody: JSON.stringify({ name: 'cs' }), headers: { 'content-type': 'application/json; charset=utf-8' } });
    expect(reply.status).toBe(201);
    expect(reply.body.id).toMatch(SESSION_ID);
  });
});

describe('routing', () => {
  it.each([
    ['GET', '/api/v1/nope'],
    ['GET', '/api/v1'],
    ['POST', '/api/v1/inboxes-that-do-not-exist'],
    ['GET', '/api/v1/sessions/sess_0000000000000000000000/unknown'],
    ['GET', '/api/v1/sessions/a/b/c/d'],
    ['GET', '/api/v2/sessions'],
    ['GET', '/nowhere'],
  ])('%s %s → 404 Route not found (JSON)', async (method, path) => {
    expectError(await s.request(method, path), 404, ROUTE_NOT_FOUND);
  });

  it.each([
    ['DELETE', '/api/v1/sessions', 'POST, GET'],
    ['PUT', '/api/v1/sessions', 'POST, GET'],
    ['PATCH', '/api/v1/sessions/sess_0000000000000000000000', 'GET'],
    ['DELETE', '/api/v1/sessions/sess_0000000000000000000000', 'GET'],
    ['GET', '/api/v1/sessions/sess_0000000000000000000000/complete', 'POST'],
    ['GET', '/api/v1/sessions/sess_0000000000000000000000/fail', 'POST'],
    ['POST', '/api/v1/sessions/sess_0000000000000000000000/timeline', 'GET'],
    ['GET', '/api/v1/sessions/sess_0000000000000000000000/replay', 'POST'],
  ])('%s %s → 405 with Allow: %s', async (method, path, allow) => {
    const reply = await s.request(method, path);
    expect(reply.status).toBe(405);
    expect(reply.headers.get('allow')).toBe(allow);
    expect(reply.body).toEqual({ error: 'Method not allowed', message: expect.any(String) });
  });

  it('every response carries an X-Request-Id, reusing a sane incoming one', async () => {
    const mine = await s.request('GET', '/api/v1/sessions', { headers: { 'x-request-id': 'trace-123' } });
    expect(mine.headers.get('x-request-id')).toBe('trace-123');
    const made = await s.request('GET', '/api/v1/sessions', { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('health', () => {
  it.each(['/healthz', '/readyz'])('%s → 200 without a key', async (path) => {
    const reply = await s.request('GET', path, { key: null });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ status: 'ok' });
  });
});

describe('CORS (CORS_ORIGINS set)', () => {
  it('an allowed origin gets Access-Control-Allow-Origin on real responses, errors included', async () => {
    const ok = await s.request('GET', '/api/v1/sessions', { headers: { origin: ORIGIN } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(ok.headers.get('vary')).toMatch(/Origin/);
    const denied = await s.request('GET', '/api/v1/sessions', { key: null, headers: { origin: 'https://other.example' } });
    expect(denied.status).toBe(401);
    expect(denied.headers.get('access-control-allow-origin')).toBe('https://other.example');
  });

  it('preflight from an allowed origin → 204 allowing Authorization', async () => {
    const reply = await s.request('OPTIONS', '/api/v1/sessions', {
      key: null,
      headers: { origin: ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
    });
    expect(reply.status).toBe(204);
    expect(reply.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(reply.headers.get('access-control-allow-headers')).toMatch(/(^|, )Authorization(,|$)/);
    expect(reply.headers.get('access-control-allow-headers')).toMatch(/Content-Type/);
    expect(reply.headers.get('access-control-allow-methods')).toMatch(/POST/);
    const gql = await s.request('OPTIONS', '/graphql', { key: null, headers: { origin: ORIGIN, 'access-control-request-method': 'POST' } });
    expect(gql.status).toBe(204);
  });

  it('a foreign origin gets no CORS headers, on requests and preflights', async () => {
    const reply = await s.request('GET', '/api/v1/sessions', { headers: { origin: 'https://evil.example' } });
    expect(reply.headers.get('access-control-allow-origin')).toBeNull();
    const pre = await s.request('OPTIONS', '/api/v1/sessions', { key: null, headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
    expect(pre.headers.get('access-control-allow-headers')).toBeNull();
    expect(pre.status).not.toBe(204);
  });
});
