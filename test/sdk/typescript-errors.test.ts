import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  BadRequestError,
  ConflictError,
  ConnectionError,
  InternalServerError,
  NotFoundError,
  RateLimitError,
  SessionsGateway,
  SessionsGatewayError,
} from '../../sdk/typescript/src';
import { startServer, type TestServer } from '../support/server';
import { deadUrl, type FlakyProxy, startFlakyProxy } from './helpers';

/**
 * The TypeScript SDK's failures, each caused for real: a real server refusing (401, 400, 404, 409, 429),
 * a proxy failing on cue (503, dropped connections) and a port where nothing listens. Retries of creates
 * are proven to create once.
 */

let s: TestServer;
let proxy: FlakyProxy;
let client: SessionsGateway;
beforeAll(async () => {
  s = await startServer();
  proxy = await startFlakyProxy(s.url);
  client = new SessionsGateway({ apiKey: s.apiKey, baseUrl: s.url });
});
afterAll(async () => {
  await proxy?.close();
  await s?.close();
});

async function failure(promise: Promise<unknown>): Promise<SessionsGatewayError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SessionsGatewayError);
  return error as SessionsGatewayError;
}

async function sessionCount(): Promise<number> {
  return (await client.sessions.list()).pagination.total;
}

describe('error classes from a real server', () => {
  it('a wrong key: AuthenticationError (401) with the request id', async () => {
    const wrong = new SessionsGateway({ apiKey: 'sgk_wrong', baseUrl: s.url });
    const error = await failure(wrong.sessions.list());
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ status: 401, error: 'Unauthorized', message: 'Invalid or missing API key', requestId: expect.any(String) });
  });

  it('a missing id: NotFoundError (404)', async () => {
    const error = await failure(client.sessions.get('sess_doesnotexist'));
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).toMatchObject({ status: 404, error: 'Not found', message: 'Session not found' });
  });

  it('a bad body: BadRequestError (400), not retried', async () => {
    const error = await failure(client.sessions.create({ name: '' }));
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error).toMatchObject({ status: 400, error: 'Invalid request' });
    expect(error.message).toMatch(/name/);
  });

  it('failing a completed session: ConflictError (409)', async () => {
    const session = await client.sessions.create({ name: 'done' });
    await client.sessions.complete(session.id);
    const error = await failure(client.sessions.fail(session.id, { reason: 'too late' }));
    expect(error).toBeInstanceOf(ConflictError);
    expect(error).toMatchObject({ status: 409, error: 'Conflict' });
  });

  it('the rate limit: RateLimitError (429) with retryAfter in seconds', async () => {
    const limited = await startServer({ env: { RATE_LIMIT_PER_MINUTE: '1' } });
    try {
      const tight = new SessionsGateway({ apiKey: limited.apiKey, baseUrl: limited.url, maxRetries: 0 });
      // The first request spends the limit; a new minute can refill it once, so a few tries suffice.
      let error: unknown;
      for (let i = 0; i < 4 && !(error instanceof RateLimitError); i++) error = await tight.sessions.list().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RateLimitError);
      const limitedError = error as RateLimitError;
      expect(limitedError).toMatchObject({ status: 429, error: 'Too many requests' });
      expect(limitedError.retryAfter).toBeGreaterThanOrEqual(0);
      expect(limitedError.retryAfter).toBeLessThanOrEqual(60);
    } finally {
      await limited.close();
    }
  });

  it('5xx: InternalServerError once the retries are spent', async () => {
    const viaProxy = new SessionsGateway({ apiKey: s.apiKey, baseUrl: proxy.url, maxRetries: 1 });
    proxy.plan('503', '503');
    const before = proxy.seen.length;
    const error = await failure(viaProxy.sessions.list());
    expect(error).toBeInstanceOf(InternalServerError);
    expect(error).toMatchObject({ status: 503, error: 'Internal server error' });
    expect(proxy.seen.length - before).toBe(2);
  });

  it('nothing listening: ConnectionError', async () => {
    const nowhere = new SessionsGateway({ apiKey: s.apiKey, baseUrl: await deadUrl(), maxRetries: 0 });
    const error = await failure(nowhere.sessions.list());
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.status).toBeUndefined();
  });

  it('a per-request timeout: ConnectionError; an AbortSignal: its reason', async () => {
    const inbox = await client.inboxes.create();
    const wait = await client.waits.create({ inboxId: inbox.id, type: 'otp', timeoutSeconds: 120 });
    // The server holds this long-poll for 30 s; the client gives up long before.
    const timedOut = await failure(client.waits.get(wait.id, { waitSeconds: 30 }, { timeout: 200, maxRetries: 0 }));
    expect(timedOut).toBeInstanceOf(ConnectionError);
    expect(timedOut.message).toMatch(/timed out after 200 ms/);

    const controller = new AbortController();
    const held = client.waits.get(wait.id, { waitSeconds: 30 }, { signal: controller.signal });
    controller.abort(new Error('stop waiting'));
    await expect(held).rejects.toThrow('stop waiting');
    await client.waits.cancel(wait.id);
  });
});

describe('retries', () => {
  it('a create whose connection drops after the server did it is retried with the same key, and creates once', async () => {
    const viaProxy = new SessionsGateway({ apiKey: s.apiKey, baseUrl: proxy.url });
    const before = await sessionCount();
    proxy.plan('forward-then-drop');
    const start = proxy.seen.length;
    const session = await viaProxy.sessions.create({ name: 'exactly-once' });
    const attempts = proxy.seen.slice(start);
    expect(attempts.map((a) => a.step)).toEqual(['forward-then-drop', 'forward']);
    expect(attempts[0]!.idempotencyKey).toMatch(/^sgk-/);
    expect(attempts[1]!.idempotencyKey).toBe(attempts[0]!.idempotencyKey);
    expect(await sessionCount()).toBe(before + 1);
    expect((await client.sessions.get(session.id)).name).toBe('exactly-once');
  });

  it('a create answered 503 is retried and succeeds; every create has its own key', async () => {
    const viaProxy = new SessionsGateway({ apiKey: s.apiKey, baseUrl: proxy.url });
    const before = await sessionCount();
    proxy.plan('503', 'drop');
    const start = proxy.seen.length;
    const inbox = await viaProxy.inboxes.create();
    const attempts = proxy.seen.slice(start);
    expect(attempts.map((a) => a.step)).toEqual(['503', 'drop', 'forward']);
    expect(new Set(attempts.map((a) => a.idempotencyKey)).size).toBe(1);
    await viaProxy.sessions.create({ name: 'second' });
    expect(proxy.seen.at(-1)!.idempotencyKey).not.toBe(attempts[0]!.idempotencyKey);
    expect(await sessionCount()).toBe(before + 1);
    expect((await client.inboxes.get(inbox.id)).id).toBe(inbox.id);
  });

  it('429 is retried after Retry-After; reads are retried, other writes are not', async () => {
    const viaProxy = new SessionsGateway({ apiKey: s.apiKey, baseUrl: proxy.url });
    proxy.plan('429');
    const start = proxy.seen.length;
    expect((await viaProxy.sessions.list({ limit: 1 })).pagination.limit).toBe(1);
    expect(proxy.seen.slice(start).map((a) => a.step)).toEqual(['429', 'forward']);

    const session = await client.sessions.create({ name: 'no-retry' });
    proxy.plan('503');
    const error = await failure(viaProxy.sessions.complete(session.id));
    expect(error).toBeInstanceOf(InternalServerError);
    expect((await client.sessions.get(session.id)).status).toBe('active');
    expect(proxy.seen.at(-1)!.idempotencyKey).toBeUndefined();
  });
});
