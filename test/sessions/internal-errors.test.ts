import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../support/server';
import { ALL_ROUTES, createSession, expectError, internal } from './helpers';

/**
 * Real database failures, not mocks: a table is renamed away under the running server (as a broken
 * migration or a dropped table would), then put back. Every route must answer the contract's 500 —
 * "Failed to <action>" — and leak nothing of the database or the code.
 */
let s: TestServer;
let sessionId: string;
const LEAKS = /sql|prisma|sqlite|no such table|session_broken|apikey_broken|stack|\bat \w|\.ts\b|\.js\b/i;

beforeAll(async () => {
  // The key cache is off, so the key lookup hits the database on every request.
  s = await startServer({ env: { AUTH_CACHE_TTL_MS: '0' } });
  sessionId = (await createSession(s)).id;
});
afterAll(() => s?.close());

// In a transaction, as every write: on SQLite, statements outside one run on a read-only connection.
const exec = (sql: string) => s.app.db.tx((tx) => tx.$executeRawUnsafe(sql));

describe('the Session table is gone', () => {
  beforeAll(() => exec('ALTER TABLE "Session" RENAME TO "Session_broken"'));
  afterAll(() => exec('ALTER TABLE "Session_broken" RENAME TO "Session"'));

  it.each(ALL_ROUTES('ID'))('$method $path → 500 "Failed to $action", nothing leaked', async (route) => {
    const reply = await s.request(route.method, route.path.replace('ID', sessionId), { body: route.body });
    expectError(reply, 500, internal(route.action));
    expect(reply.text).not.toMatch(LEAKS);
  });

  it('GraphQL answers INTERNAL_SERVER_ERROR with a generic message and the request id', async () => {
    const reply = await s.gql('{ sessions { data { id } } }', {}, undefined);
    expect(reply.body.data).toBeNull();
    expect(reply.body.errors).toHaveLength(1);
    expect(reply.body.errors![0]).toMatchObject({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: reply.headers.get('x-request-id') } });
    expect(Object.keys(reply.body.errors![0].extensions).sort()).toEqual(['code', 'requestId']);
    expect(reply.text).not.toMatch(LEAKS);
    const mutation = await s.gql('mutation { createSession(input: {name: "x"}) { id } }');
    expect(mutation.body.errors![0].extensions.code).toBe('INTERNAL_SERVER_ERROR');
    expect(mutation.text).not.toMatch(LEAKS);
  });
});

describe('the API key table is gone', () => {
  beforeAll(() => exec('ALTER TABLE "ApiKey" RENAME TO "ApiKey_broken"'));
  afterAll(() => exec('ALTER TABLE "ApiKey_broken" RENAME TO "ApiKey"'));

  it.each(ALL_ROUTES('ID'))('$method $path → 500 "Failed to $action" (an outage is not a bad key)', async (route) => {
    const reply = await s.request(route.method, route.path.replace('ID', sessionId), { body: route.body });
    expectError(reply, 500, internal(route.action));
    expect(reply.text).not.toMatch(LEAKS);
  });

  it('GraphQL: a 500 with INTERNAL_SERVER_ERROR, not UNAUTHENTICATED, and nothing leaked', async () => {
    const reply = await s.gql('{ sessions { data { id } } }');
    expect(reply.status).toBe(500);
    expect(reply.body.errors!.map((e: any) => e.extensions?.code)).toEqual(['INTERNAL_SERVER_ERROR']);
    expect(reply.text).not.toMatch(LEAKS);
  });
});

describe('after the database is repaired', () => {
  it('every route works again (the 500s came from the database)', async () => {
    expect((await s.request('GET', `/api/v1/sessions/${sessionId}`)).status).toBe(200);
    expect((await s.request('GET', '/api/v1/sessions')).body.pagination.total).toBe(1);
    expect((await s.request('POST', '/api/v1/sessions', { body: { name: 'again' } })).status).toBe(201);
    expect((await s.request('POST', `/api/v1/sessions/${sessionId}/complete`)).status).toBe(200);
  });
});
