import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { READ_OFF_FACTOR } from '../../src/http/json-body';
import { errorText } from '../sessions/helpers';
import { startServer, type TestServer } from '../support/server';
import { encodeRequest, RawConnection } from './raw-http';

/**
 * A body declared (Content-Length) far over its limit is answered 413 at once, unread, and the
 * connection closed; a body a little over is read off first, so its connection serves the next request
 * (test/http/json-body.test.ts). Over a bare socket: only part of the declared body is ever sent.
 */
let s: TestServer;
let inboxId: string;
const JSON_LIMIT = 1024 * 1024;
const MESSAGE_LIMIT = 64 * 1024;
const GiB = 1024 * 1024 * 1024;

beforeAll(async () => {
  s = await startServer({ env: { RATE_LIMIT_PER_MINUTE: '0', MAX_MESSAGE_BYTES: String(MESSAGE_LIMIT) } });
  const ownerId = (await s.app.services.apiKeys.authenticate(s.apiKey))!.ownerId;
  inboxId = (await s.app.services.inboxes.create(ownerId, {})).id;
});
afterAll(() => s?.close());

const TOO_LARGE_REST = errorText('Payload too large', 'Request body is too large');
const TOO_LARGE_GRAPHQL = JSON.stringify({ errors: [{ message: 'Request body is too large', extensions: { code: 'BAD_REQUEST' } }] });

const CASES = [
  { name: 'REST JSON', path: '/api/v1/sessions', type: 'application/json', limit: JSON_LIMIT, expected: TOO_LARGE_REST },
  { name: 'GraphQL', path: '/graphql', type: 'application/json; charset=utf-8', limit: JSON_LIMIT, expected: TOO_LARGE_GRAPHQL },
  { name: 'REST raw message', path: () => `/api/v1/inboxes/${inboxId}/messages`, type: 'message/rfc822', limit: MESSAGE_LIMIT, expected: TOO_LARGE_REST },
];
const pathOf = (c: (typeof CASES)[number]) => (typeof c.path === 'function' ? c.path() : c.path);

/** Headers that declare `length` bytes on a keep-alive connection; the body is written separately. */
function head(path: string, type: string, length: number): Buffer {
  return encodeRequest({
    path,
    headers: [['Authorization', `Bearer ${s.apiKey}`], ['Content-Type', type], ['Content-Length', String(length)], ['Connection', 'keep-alive']],
    framing: 'none',
  });
}

async function sessionTotal(): Promise<number> {
  const reply = await s.request('GET', '/api/v1/sessions?limit=1');
  return reply.body.pagination.total;
}

describe('a body declared far over its limit', () => {
  it.each(CASES)('$name: 1 GiB declared, 16 KiB sent → 413 at once, connection closed, nothing created', async (c) => {
    const before = await sessionTotal();
    const conn = await RawConnection.open(s.url);
    try {
      await conn.write(Buffer.concat([head(pathOf(c), c.type, GiB), Buffer.alloc(16 * 1024, 'a')]));
      const reply = await conn.response();
      expect(`${reply.status} ${reply.text}`).toBe(`413 ${c.expected}`);
      expect(reply.headers.connection).toBe('close');
      await expect.poll(() => conn.closed, { timeout: 5_000 }).toBe(true);
    } finally {
      conn.destroy();
    }
    expect(await sessionTotal()).toBe(before);
  });

  it.each(CASES)(`$name: exactly ${READ_OFF_FACTOR}× the limit, all sent → read off, 413, and the connection serves the next request`, async (c) => {
    const conn = await RawConnection.open(s.url);
    try {
      const length = READ_OFF_FACTOR * c.limit;
      await conn.write(Buffer.concat([head(pathOf(c), c.type, length), Buffer.alloc(length, 'a')]));
      const reply = await conn.response();
      expect(`${reply.status} ${reply.text}`).toBe(`413 ${c.expected}`);
      expect(reply.headers.connection).toBe('keep-alive');
      await conn.write(encodeRequest({ method: 'GET', path: '/healthz', headers: [['Connection', 'keep-alive']] }));
      expect((await conn.response()).status).toBe(200);
    } finally {
      conn.destroy();
    }
  });
});
