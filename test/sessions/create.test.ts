import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../support/server';
import { createSession, expectError, invalid, ISO_SECONDS, SESSION_ID, SESSION_KEYS, UNAUTHORIZED } from './helpers';

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(() => s?.close());

const post = (body: unknown, extra: { rawBody?: string; headers?: Record<string, string>; key?: string | null } = {}) =>
  s.request('POST', '/api/v1/sessions', { body, ...extra });

async function total(): Promise<number> {
  return (await s.request('GET', '/api/v1/sessions')).body.pagination.total;
}

describe('POST /api/v1/sessions', () => {
  it('201 with the documented Session body, fields in the documented order', async () => {
    const before = Date.now();
    const reply = await post({ name: 'user-signup-flow', metadata: { environment: 'staging' } });
    expect(reply.status).toBe(201);
    expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
    const body = reply.body;
    expect(Object.keys(body)).toEqual(SESSION_KEYS);
    expect(body).toEqual({
      id: expect.stringMatching(SESSION_ID),
      name: 'user-signup-flow',
      status: 'active',
      createdAt: expect.stringMatching(ISO_SECONDS),
      updatedAt: body.createdAt,
      completedAt: null,
      metadata: { environment: 'staging' },
      inboxes: [],
      waits: [],
    });
    const created = Date.parse(body.createdAt);
    expect(created).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(created).toBeLessThanOrEqual(Date.now());
  });

  it('persists what it returned (GET gives the same body)', async () => {
    const created = await createSession(s, { name: 'persisted', metadata: { nested: { a: [1, 'two', null, true] }, n: 1.5 } });
    const fetched = await s.request('GET', `/api/v1/sessions/${created.id}`);
    expect(fetched.status).toBe(200);
    expect(fetched.body).toEqual(created);
  });

  it('gives every session a new id', async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 10; i++) ids.add((await createSession(s, { name: `n${i}` })).id);
    expect(ids.size).toBe(10);
  });

  it('defaults metadata to {} when absent or null', async () => {
    expect((await createSession(s, { name: 'no-meta' })).metadata).toEqual({});
    expect((await createSession(s, { name: 'null-meta', metadata: null })).metadata).toEqual({});
  });

  it('refuses fields the client may not set (status, id, completedAt), naming them, and creates nothing', async () => {
    const before = (await s.request('GET', '/api/v1/sessions')).body.pagination.total;
    const r = await s.request('POST', '/api/v1/sessions', { body: { name: 'sneaky', status: 'completed', id: 'sess_0000000000000000000000', completedAt: '2020-01-01T00:00:00Z' } });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ error: 'Invalid request', message: 'unknown fields "status", "id", "completedAt"' });
    expect((await s.request('GET', '/api/v1/sessions')).body.pagination.total).toBe(before);
  });

  describe('name', () => {
    it.each([
      ['missing', {}],
      ['null', { name: null }],
      ['missing with metadata', { metadata: { a: 1 } }],
    ])('%s → 400 "name is required"', async (_label, body) => {
      expectError(await post(body), 400, invalid('name is required'));
    });

    it('no body at all → 400 "name is required"', async () => {
      expectError(await s.request('POST', '/api/v1/sessions'), 400, invalid('name is required'));
    });

    it.each([[''], ['   '], ['\t\n']])('blank %j → 400', async (name) => {
      expectError(await post({ name }), 400, invalid('name must not be empty'));
    });

    it.each([[5], [true], [{}], [['a']]])('non-string %j → 400', async (name) => {
      expectError(await post({ name }), 400, invalid('name must be a string'));
    });

    it('200 characters is accepted, 201 is not (counted in characters, not bytes)', async () => {
      expect((await createSession(s, { name: 'x'.repeat(200) })).name).toBe('x'.repeat(200));
      expect((await createSession(s, { name: '😀'.repeat(200) })).name).toBe('😀'.repeat(200));
      expectError(await post({ name: 'x'.repeat(201) }), 400, invalid('name must be at most 200 characters'));
    });
  });

  describe('metadata', () => {
    it.each([[[]], [['a']], ['text'], [42], [true]])('%j → 400 "metadata must be a JSON object"', async (metadata) => {
      expectError(await post({ name: 'm', metadata }), 400, invalid('metadata must be a JSON object'));
    });

    it('16 KB is accepted, one byte more is not', async () => {
      const overhead = JSON.stringify({ x: '' }).length;
      const exact = { x: 'a'.repeat(16 * 1024 - overhead) };
      expect(JSON.stringify(exact).length).toBe(16 * 1024);
      expect((await createSession(s, { name: 'big', metadata: exact })).metadata).toEqual(exact);
      const over = { x: 'a'.repeat(16 * 1024 - overhead + 1) };
      expectError(await post({ name: 'big', metadata: over }), 400, invalid('metadata must be at most 16 KB'));
    });

    it('absurd nesting → 400', async () => {
      let deep: Record<string, unknown> = {};
      for (let i = 0; i < 30; i++) deep = { d: deep };
      expectError(await post({ name: 'deep', metadata: deep }), 400, invalid('metadata must be nested at most 20 levels deep'));
    });
  });

  describe('body', () => {
    it('a JSON array body → 400', async () => {
      expectError(await post([{ name: 'x' }]), 400, invalid('Request body must be a JSON object'));
    });

    it('a non-JSON content type → 400', async () => {
      expectError(
        await post(undefined, { rawBody: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
        400,
        invalid('Content-Type must be application/json'),
      );
    });

    it('malformed JSON → 400', async () => {
      expectError(await post(undefined, { rawBody: '{"name": "x",', headers: { 'content-type': 'application/json' } }), 400, invalid('Request body is not valid JSON'));
    });
  });

  it('creates nothing when the request is refused', async () => {
    const before = await total();
    await post({ name: '' });
    await post({ name: 'x', metadata: [] });
    await post({ name: 'x' }, { key: null });
    await post({ name: 'x' }, { key: 'sgk_notarealkey' });
    expect(await total()).toBe(before);
  });

  it('401 without a valid key', async () => {
    expectError(await post({ name: 'x' }, { key: null }), 401, UNAUTHORIZED);
    expectError(await post({ name: 'x' }, { key: 'sgk_wrong' }), 401, UNAUTHORIZED);
  });
});
