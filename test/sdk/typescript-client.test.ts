import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it, vi } from 'vitest';
import { type Inbox, type Session, SessionsGateway, SessionsGatewayError, type Wait, WaitTimeoutError } from '../../sdk/typescript/src';
import { startServer, type TestServer } from '../support/server';
import { rawMessage, uncoveredRoutes } from './helpers';

/**
 * The TypeScript SDK against a real server: the API reference's lines run verbatim, then every REST
 * route, pagination and the agent helpers (waitFor, waitForOtp over real SMTP, waitForLink).
 */

let s: TestServer;
let client: SessionsGateway;
/** Every request the client sent: the routes it reached. */
const sent: { method: string; path: string }[] = [];
const recordingFetch: typeof fetch = (input, init) => {
  sent.push({ method: init?.method ?? 'GET', path: new URL(String(input)).pathname });
  return fetch(input, init);
};
beforeAll(async () => {
  s = await startServer({ smtp: true, env: { SETTLE_INTERVAL_MS: '100' } });
  client = new SessionsGateway({ apiKey: s.apiKey, baseUrl: s.url, fetch: recordingFetch });
});
afterAll(() => s?.close());

/** Runs `lines` with console.log captured; returns what they logged. */
async function logged(lines: () => Promise<void>): Promise<unknown[][]> {
  const spy = vi.spyOn(console, 'log').mockImplementation(() => {});
  try {
    await lines();
    return spy.mock.calls;
  } finally {
    spy.mockRestore();
  }
}

describe('the API reference, verbatim (TypeScript tab)', () => {
  it('creates, lists, gets and reads the timeline of a session', async () => {
    let created = '';
    // POST /api/v1/sessions
    expect(
      await logged(async () => {
        const session = await client.sessions.create({ name: "user-signup-flow", metadata: { environment: "staging" } });
        console.log(session.id); // "sess_789"
        created = session.id;
      }),
    ).toEqual([[expect.stringMatching(/^sess_/)]]);

    // GET /api/v1/sessions
    const [[count]] = await logged(async () => {
      const sessions = await client.sessions.list({ status: "active", limit: 20, offset: 0 });
      console.log(sessions.data.length);
    });
    expect(count).toBe(1);

    // GET /api/v1/sessions/{id}, with the created id in place of the example's
    const [[status, inboxes, waits]] = await logged(async () => {
      const session = await client.sessions.get(created);
      console.log(session.status, session.inboxes, session.waits);
    });
    expect([status, inboxes, waits]).toEqual(['active', [], []]);

    // GET /api/v1/sessions/{id}/timeline
    const [[events]] = await logged(async () => {
      const timeline = await client.sessions.timeline(created);
      console.log(timeline.events);
    });
    expect(events).toEqual([{ timestamp: expect.any(String), type: 'session.created', payload: expect.objectContaining({ sessionId: created }) }]);
  });

  it('returns the reference shapes: the 201 session body', async () => {
    const session: Session = await client.sessions.create({ name: 'user-signup-flow', metadata: { environment: 'staging' } });
    // Exact types (checked by `npm run typecheck`): no any, enums as unions, nullable where null.
    expectTypeOf(session.status).toEqualTypeOf<'active' | 'completed' | 'failed'>();
    expectTypeOf(session.completedAt).toEqualTypeOf<string | null>();
    expectTypeOf(session.inboxes).toEqualTypeOf<string[]>();
    expectTypeOf(session.metadata).toEqualTypeOf<{ [key: string]: unknown }>();
    expectTypeOf(client.waits.get).returns.resolves.toHaveProperty('result').toEqualTypeOf<{ type: 'otp' | 'magic_link' | 'message'; value: string; messageId: string } | null>();
    expectTypeOf(client.inboxes.waitForOtp).returns.resolves.toEqualTypeOf<string>();
    expect(session).toEqual({
      id: expect.stringMatching(/^sess_/),
      name: 'user-signup-flow',
      status: 'active',
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      completedAt: null,
      metadata: { environment: 'staging' },
      inboxes: [],
      waits: [],
    });
  });
});

describe('every REST route', () => {
  it('sessions: complete, fail and replay', async () => {
    const done = await client.sessions.create({ name: 'to-complete' });
    const inbox = await client.inboxes.create({ sessionId: done.id, ttlSeconds: 600 });
    expect(await client.sessions.complete(done.id)).toEqual({ id: done.id, status: 'completed', completedAt: expect.any(String) });
    const replay = await client.sessions.replay(done.id);
    expect(replay.steps.map((step) => step.action)).toContain('create_inbox');
    expect(replay.steps.find((step) => step.action === 'create_inbox')?.output).toMatchObject({ id: inbox.id });

    const failing = await client.sessions.create({ name: 'to-fail' });
    expect(await client.sessions.fail(failing.id, { reason: 'captcha' })).toEqual({ id: failing.id, status: 'failed', completedAt: null, failureReason: 'captcha' });
  });

  it('inboxes: create, get, list, deliver, messages, messages.get and delete', async () => {
    const session = await client.sessions.create({ name: 'mail' });
    const inbox: Inbox = await client.inboxes.create({ sessionId: session.id, metadata: { purpose: 'signup' } });
    expect(inbox).toMatchObject({ sessionId: session.id, status: 'active', metadata: { purpose: 'signup' } });
    expect(await client.inboxes.get(inbox.id)).toEqual(inbox);
    expect((await client.inboxes.list({ status: 'active' })).data.map((i) => i.id)).toContain(inbox.id);

    const fromParts = await client.inboxes.deliver(inbox.id, { from: 'a@example.test', subject: 'Hello', text: 'Your code is 123456' });
    const fromRaw = await client.inboxes.deliver(inbox.id, rawMessage(inbox.emailAddress, 'Raw', 'Raw body'));
    expect(fromRaw).toMatchObject({ inboxId: inbox.id, subject: 'Raw' });
    const page = await client.inboxes.messages(inbox.id, { limit: 10 });
    expect(page.pagination.total).toBe(2);
    expect(page.data.map((m) => m.id).sort()).toEqual([fromParts.id, fromRaw.id].sort());
    const message = await client.messages.get(fromParts.id);
    expect(message).toMatchObject({ id: fromParts.id, subject: 'Hello', text: expect.stringContaining('123456') });

    await client.inboxes.delete(inbox.id);
    await expect(client.inboxes.get(inbox.id)).rejects.toMatchObject({ status: 404, error: 'Not found' });
  });

  it('waits: create, get (long-poll), waitFor and cancel', async () => {
    const inbox = await client.inboxes.create();
    const wait: Wait = await client.waits.create({ inboxId: inbox.id, type: 'otp', timeoutSeconds: 60, filters: { subjectContains: 'code' } });
    expect(wait).toMatchObject({ status: 'pending', type: 'otp', filters: { subjectContains: 'code' }, result: null });
    expect((await client.waits.get(wait.id)).status).toBe('pending');

    const ended = client.waits.waitFor(wait.id, { timeoutSeconds: 30 });
    await client.inboxes.deliver(inbox.id, { from: 'a@example.test', subject: 'Your code', text: 'Code: 424242' });
    expect(await ended).toMatchObject({ id: wait.id, status: 'completed', result: { type: 'otp', value: '424242' } });

    const other = await client.waits.create({ inboxId: inbox.id, type: 'magic_link' });
    expect(await client.waits.cancel(other.id)).toMatchObject({ id: other.id, status: 'canceled' });
    expect(await client.waits.waitFor(other.id)).toMatchObject({ status: 'canceled' });
  });
});

describe('coverage', () => {
  // Runs after the tests above (vitest keeps file order): together they reached every REST route.
  it('the tests above reached every route of the REST table through the client', () => {
    expect(uncoveredRoutes(sent)).toEqual([]);
  });
});

describe('pagination: iterate() walks every page', () => {
  it('sessions, inboxes and messages', async () => {
    const tagged = await client.sessions.create({ name: 'paged' });
    const inboxes: string[] = [];
    for (let i = 0; i < 5; i++) inboxes.push((await client.inboxes.create({ sessionId: tagged.id })).id);
    for (let i = 0; i < 5; i++) await client.inboxes.deliver(inboxes[0]!, { from: 'a@example.test', subject: `m${i}`, text: 'x' });

    const sessionIds: string[] = [];
    for await (const session of client.sessions.iterate({ limit: 2 })) sessionIds.push(session.id);
    const total = (await client.sessions.list()).pagination.total;
    expect(sessionIds).toHaveLength(total);
    expect(new Set(sessionIds).size).toBe(total);
    expect(sessionIds).toContain(tagged.id);

    const inboxIds: string[] = [];
    for await (const inbox of client.inboxes.iterate({ limit: 2 })) inboxIds.push(inbox.id);
    expect(inboxIds).toEqual(expect.arrayContaining(inboxes));
    expect(inboxIds).toHaveLength((await client.inboxes.list()).pagination.total);

    const subjects: string[] = [];
    for await (const message of client.messages.iterate(inboxes[0]!, { limit: 2 })) subjects.push(message.subject);
    expect(subjects.sort()).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
  });
});

describe('agent helpers over real SMTP', () => {
  const smtp = () => nodemailer.createTransport({ host: '127.0.0.1', port: s.smtpPort!, secure: false, ignoreTLS: true });

  it('waitForOtp returns the code of a message sent by SMTP', async () => {
    const inbox = await client.inboxes.create();
    const code = client.inboxes.waitForOtp(inbox.id, { from: 'auth@example.test', subjectContains: 'verification', timeoutSeconds: 30 });
    // A message that does not match the filters is not taken.
    await smtp().sendMail({ from: 'spam@example.test', to: inbox.emailAddress, subject: 'verification', text: 'Code 111111' });
    await smtp().sendMail({ from: 'auth@example.test', to: inbox.emailAddress, subject: 'Your verification code', text: 'Your code is 987654.' });
    expect(await code).toBe('987654');
  });

  it('waitForLink returns the link of a message sent by SMTP', async () => {
    const inbox = await client.inboxes.create();
    const link = client.inboxes.waitForLink(inbox.id, { timeoutSeconds: 30 });
    await smtp().sendMail({ from: 'auth@example.test', to: inbox.emailAddress, subject: 'Sign in', html: '<p><a href="https://app.example.test/magic?token=abc">Sign in</a></p>' });
    expect(await link).toBe('https://app.example.test/magic?token=abc');
  });

  it('waitForOtp throws WaitTimeoutError when no message comes', async () => {
    const inbox = await client.inboxes.create();
    const error = await client.inboxes.waitForOtp(inbox.id, { timeoutSeconds: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect(error).toBeInstanceOf(SessionsGatewayError);
    expect((error as WaitTimeoutError).wait).toMatchObject({ inboxId: inbox.id, status: 'timed_out' });
  });

  it('waitFor throws WaitTimeoutError when its own time runs out first', async () => {
    const inbox = await client.inboxes.create();
    const wait = await client.waits.create({ inboxId: inbox.id, type: 'otp', timeoutSeconds: 120 });
    const error = await client.waits.waitFor(wait.id, { timeoutSeconds: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect((error as WaitTimeoutError).wait.status).toBe('pending');
  });
});

describe('construction', () => {
  it('reads SESSIONS_GATEWAY_API_KEY and SESSIONS_GATEWAY_URL', async () => {
    vi.stubEnv('SESSIONS_GATEWAY_API_KEY', s.apiKey);
    vi.stubEnv('SESSIONS_GATEWAY_URL', s.url);
    try {
      const fromEnv = new SessionsGateway();
      expect(fromEnv.baseUrl).toBe(s.url);
      expect((await fromEnv.sessions.list({ limit: 1 })).pagination.limit).toBe(1);
      vi.stubEnv('SESSIONS_GATEWAY_URL', '');
      expect(new SessionsGateway().baseUrl).toBe('http://localhost:4000');
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('refuses to start without a key, saying how to give one', () => {
    vi.stubEnv('SESSIONS_GATEWAY_API_KEY', '');
    try {
      expect(() => new SessionsGateway()).toThrow(/SESSIONS_GATEWAY_API_KEY/);
      expect(() => new SessionsGateway()).toThrow(SessionsGatewayError);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
