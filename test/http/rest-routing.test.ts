import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restRoutes } from '../../src/http/routes';
import { type RawReply, send } from '../hardening/helpers';
import { createSession, errorText, ROUTE_NOT_FOUND, SESSION_NOT_FOUND, UNAUTHORIZED } from '../sessions/helpers';
import { startServer, type TestServer } from '../support/server';

/**
 * src/http/route-table.ts: every REST route is matched by one table mounted at /api/v1. Requests go
 * out over node:http (test/hardening/helpers `send`), so paths are sent byte for byte.
 *
 * Already covered in test/sessions/http-edges.test.ts: 404 "Route not found" for unknown paths, and
 * 405 + Allow for other methods on the session paths (e.g. PUT /api/v1/sessions → Allow: POST, GET).
 * Here: case-insensitive paths, one trailing slash, HEAD, Allow across the whole table (declaration
 * order), malformed percent-encoding in a path parameter, and a few more 404 shapes.
 */

let s: TestServer;
let id: string;
beforeAll(async () => {
  s = await startServer({ env: { RATE_LIMIT_PER_MINUTE: '0' } });
  id = (await createSession(s, { name: 'routing' })).id;
});
afterAll(() => s?.close());

const get = (path: string, key: string | null = s.apiKey) => send(s.url, 'GET', path, { key });
const head = (path: string, key: string | null = s.apiKey) => send(s.url, 'HEAD', path, { key });
const UNDECODABLE = errorText('Invalid request', 'The request could not be read');

/** Status and exact body text, for one-line comparisons. */
const answer = (r: RawReply) => `${r.status} ${r.text}`;

describe('paths match case-insensitively', () => {
  it.each([
    ['/api/v1/SESSIONS', '/api/v1/sessions'],
    ['/API/V1/Sessions', '/api/v1/sessions'],
    ['/api/v1/Sessions/:id', '/api/v1/sessions/:id'],
    ['/api/v1/SESSIONS/:id/TIMELINE', '/api/v1/sessions/:id/timeline'],
    ['/api/v1/Inboxes', '/api/v1/inboxes'],
  ])('GET %s answers as GET %s', async (odd, plain) => {
    const [a, b] = [await get(odd.replace(':id', id)), await get(plain.replace(':id', id))];
    expect(a.status).toBe(200);
    expect(answer(a)).toBe(answer(b));
  });

  it('POST /api/v1/SESSIONS creates a session; POST /api/v1/Sessions/:id/COMPLETE completes it', async () => {
    const created = await send(s.url, 'POST', '/api/v1/SESSIONS', { key: s.apiKey, headers: { 'content-type': 'application/json' }, body: '{"name":"upper"}' });
    expect(created.status, created.text).toBe(201);
    const newId = (created.body as { id: string }).id;
    const done = await send(s.url, 'POST', `/api/v1/Sessions/${newId}/COMPLETE`, { key: s.apiKey });
    expect(done.status, done.text).toBe(200);
    expect((done.body as { status: string }).status).toBe('completed');
  });

  it('only the route is case-insensitive: the id in it is not (an upper-cased id is another id)', async () => {
    const r = await get(`/api/v1/sessions/${id.toUpperCase()}`);
    expect(answer(r)).toBe(`404 ${SESSION_NOT_FOUND}`);
  });
});

describe('one trailing slash is allowed', () => {
  it.each([
    ['/api/v1/sessions/', '/api/v1/sessions'],
    ['/api/v1/sessions/:id/', '/api/v1/sessions/:id'],
    ['/api/v1/sessions/:id/timeline/', '/api/v1/sessions/:id/timeline'],
    ['/api/v1/SESSIONS/?limit=1', '/api/v1/sessions?limit=1'],
    ['/api/v1/inboxes/', '/api/v1/inboxes'],
  ])('GET %s answers as GET %s', async (slashed, plain) => {
    const [a, b] = [await get(slashed.replace(':id', id)), await get(plain.replace(':id', id))];
    expect(a.status).toBe(200);
    expect(answer(a)).toBe(answer(b));
  });

  it('POST /api/v1/sessions/ creates a session', async () => {
    const r = await send(s.url, 'POST', '/api/v1/sessions/', { key: s.apiKey, headers: { 'content-type': 'application/json' }, body: '{"name":"slash"}' });
    expect(r.status, r.text).toBe(201);
  });

  it.each([
    ['GET', '/api/v1/sessions//'],
    ['GET', '/api/v1/sessions/:id//'],
    ['GET', '//api/v1/sessions'],
    ['GET', '/api/v1//sessions'],
    ['GET', '/api/v1/sessionsx'],
    ['GET', '/api/v1/sessions/:id/timeline/extra'],
    ['POST', '/api/v1/sessions/:id/complete//'],
  ])('%s %s (two slashes, or more than the route) → 404 Route not found', async (method, path) => {
    const r = await send(s.url, method, path.replace(':id', id), { key: s.apiKey });
    expect(answer(r)).toBe(`404 ${ROUTE_NOT_FOUND}`);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
  });
});

describe('HEAD on a GET route answers as GET, without a body', () => {
  it.each([
    '/api/v1/sessions',
    '/api/v1/sessions?limit=1&offset=1',
    '/api/v1/sessions/:id',
    '/api/v1/sessions/:id/timeline',
    '/api/v1/SESSIONS/:id/',
    '/api/v1/inboxes',
    '/api/v1/sessions/sess_0000000000000000000000',
    '/api/v1/sessions?limit=0',
  ])('HEAD %s', async (path) => {
    const p = path.replace(':id', id);
    const [g, h] = [await get(p), await head(p)];
    expect(h.status).toBe(g.status);
    expect(h.text).toBe('');
    expect(g.text).not.toBe('');
    expect(h.headers.get('content-type')).toBe(g.headers.get('content-type'));
    expect(h.headers.get('content-length')).toBe(g.headers.get('content-length'));
    expect(Number(h.headers.get('content-length'))).toBe(Buffer.byteLength(g.text));
  });

  it('HEAD without a key → 401, as GET (and without a body)', async () => {
    const [g, h] = [await get('/api/v1/sessions', null), await head('/api/v1/sessions', null)];
    expect(answer(g)).toBe(`401 ${UNAUTHORIZED}`);
    expect(h.status).toBe(401);
    expect(h.text).toBe('');
    expect(h.headers.get('content-length')).toBe(String(UNAUTHORIZED.length));
  });

  it('HEAD on a path that has no GET route → 405 with that path’s Allow', async () => {
    const h = await head(`/api/v1/sessions/${id}/complete`);
    expect(h.status).toBe(405);
    expect(h.headers.get('allow')).toBe('POST');
    expect(h.text).toBe('');
  });

  it('HEAD on an unknown path → 404, no body', async () => {
    const h = await head('/api/v1/nope');
    expect(h.status).toBe(404);
    expect(h.text).toBe('');
    expect(h.headers.get('content-length')).toBe(String(ROUTE_NOT_FOUND.length));
  });
});

describe('another method on a known path → 405 with Allow in declaration order', () => {
  // Every distinct path of the table, with its methods in the order src/http/routes.ts declares them.
  const byPath = new Map<string, string[]>();
  for (const r of restRoutes) byPath.set(r.path, [...(byPath.get(r.path) ?? []), r.method]);

  it('the table as declared today (a change to it shows here)', () => {
    expect(Object.fromEntries(byPath)).toEqual({
      '/sessions': ['POST', 'GET'],
      '/sessions/:id': ['GET'],
      '/sessions/:id/complete': ['POST'],
      '/sessions/:id/events': ['GET'],
      '/sessions/:id/fail': ['POST'],
      '/sessions/:id/timeline': ['GET'],
      '/sessions/:id/replay': ['POST'],
      '/inboxes': ['POST', 'GET'],
      '/inboxes/:id': ['GET', 'DELETE'],
      '/inboxes/:id/messages': ['POST', 'GET'],
      '/messages/:id': ['GET'],
      '/messages/:id/raw': ['GET'],
      '/messages/:id/attachments/:attachmentId': ['GET'],
      '/waits': ['POST'],
      '/waits/:id': ['GET'],
      '/waits/:id/cancel': ['POST'],
    });
  });

  it.each([...byPath].map(([path, methods]) => [path, methods.join(', ')] as const))('PUT /api/v1%s → 405, Allow: %s', async (path, allow) => {
    const r = await send(s.url, 'PUT', `/api/v1${path.replace(':id', 'x_0000000000000000000000')}`, { key: s.apiKey });
    expect(r.status).toBe(405);
    expect(r.headers.get('allow')).toBe(allow);
    expect(r.text).toBe(errorText('Method not allowed', `Use ${allow.split(', ').join(' or ')} for this route`));
  });

  it.each([
    ['PUT', '/api/v1/SESSIONS/', 'POST, GET'],
    ['PATCH', '/api/v1/inboxes/inb_0000000000000000000000', 'GET, DELETE'],
    ['DELETE', '/api/v1/inboxes/inb_0000000000000000000000/messages', 'POST, GET'],
    ['OPTIONS', '/api/v1/sessions', 'POST, GET'],
    ['GET', '/api/v1/waits', 'POST'],
  ])('%s %s → 405, Allow: %s', async (method, path, allow) => {
    const r = await send(s.url, method, path, { key: s.apiKey });
    expect(r.status).toBe(405);
    expect(r.headers.get('allow')).toBe(allow);
    expect(r.body).toEqual({ error: 'Method not allowed', message: `Use ${allow.split(', ').join(' or ')} for this route` });
  });

  it('405 is answered before authentication (no key needed to learn the methods)', async () => {
    const r = await send(s.url, 'PUT', '/api/v1/sessions', { key: null });
    expect(r.status).toBe(405);
    expect(r.headers.get('allow')).toBe('POST, GET');
  });
});

describe('path parameters are percent-decoded', () => {
  it('an encoded id is decoded before use', async () => {
    const encoded = `%${'s'.charCodeAt(0).toString(16)}${id.slice(1)}`;
    const r = await get(`/api/v1/sessions/${encoded}`);
    expect(r.status).toBe(200);
    expect((r.body as { id: string }).id).toBe(id);
  });

  it.each([
    ['GET', '/api/v1/sessions/%E0%A4%A'],
    ['GET', '/api/v1/sessions/%E0%A4%A/timeline'],
    ['POST', '/api/v1/sessions/%E0%A4%A/complete'],
    ['GET', '/api/v1/sessions/%'],
    ['GET', '/api/v1/sessions/%ZZ'],
    ['GET', '/api/v1/sessions/%FF%FE'],
    ['GET', '/api/v1/inboxes/%C0%AF'],
    ['GET', '/api/v1/Sessions/%E0%A4%A/'],
  ])('%s %s (not valid percent-encoded UTF-8) → 400 in the contract shape, not 500', async (method, path) => {
    const r = await send(s.url, method, path, { key: s.apiKey });
    expect(answer(r)).toBe(`400 ${UNDECODABLE}`);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('HEAD with a malformed parameter → 400 without a body', async () => {
    const h = await head('/api/v1/sessions/%E0%A4%A');
    expect(h.status).toBe(400);
    expect(h.text).toBe('');
  });

  it('a method the path does not have is a 405 even when the parameter is malformed (the method is checked first)', async () => {
    const r = await send(s.url, 'DELETE', '/api/v1/sessions/%E0%A4%A', { key: s.apiKey });
    expect(r.status).toBe(405);
    expect(r.headers.get('allow')).toBe('GET');
  });

  it('the server is fine afterwards', async () => {
    expect((await get(`/api/v1/sessions/${id}`)).status).toBe(200);
  });
});
