import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it, vi } from 'vitest';
import { type Inbox, type Session, SessionsGateway, SessionsGatewayError, type Wait, WaitTimeoutError } from '../../sdk/typescript/src';
import { startServer, type TestServer } from '../support/server';
import { rawMessage, startCuttingProxy, uncoveredRoutes } from './helpers';

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

/** A multipart message with a text body and one PDF attachment, as an RFC 822 source. */
function withAttachment(to: string, pdf: Buffer): string {
  return [
    'From: Sender <sender@example.test>',
    `To: ${to}`,
    'Cc: Copy <copy@example.test>',
    'Reply-To: replies@example.test',
    'Message-ID: <m1@example.test>',
    'Subject: Your invoice',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="b1"',
    '',
    '--b1',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Your code is 246810. Open https://app.example.test/invoice?id=7',
    '--b1',
    'Content-Type: application/pdf; name="invoice.pdf"',
    'Content-Disposition: attachment; filename="invoice.pdf"',
    'Content-Transfer-Encoding: base64',
    '',
    pdf.toString('base64'),
    '--b1--',
    '',
  ].join('\r\n');
}

describe('messages: details, raw source and attachments', () => {
  it('reads headers, codes, links and attachments, and downloads the source and the file', async () => {
    const inbox = await client.inboxes.create();
    const pdf = Buffer.from('%PDF-1.4\n' + 'x'.repeat(300) + '\n%%EOF\n');
    const source = withAttachment(inbox.emailAddress, pdf);
    const summary = await client.inboxes.deliver(inbox.id, source);
    const message = await client.messages.get(summary.id);
    expect(message).toMatchObject({ cc: ['copy@example.test'], replyTo: ['replies@example.test'], messageId: '<m1@example.test>', inReplyTo: null });
    expect(message.headers).toContainEqual({ name: 'Subject', value: 'Your invoice' });
    expect(message.codes.find((c) => c.best)?.value).toBe('246810');
    expect(message.links.map((l) => l.url)).toContain('https://app.example.test/invoice?id=7');
    expect(message.attachments).toEqual([{ id: expect.any(String), filename: 'invoice.pdf', contentType: 'application/pdf', sizeBytes: pdf.length, contentId: null }]);

    const raw: Uint8Array = await client.messages.raw(summary.id);
    expect(Buffer.from(raw).equals(Buffer.from(source, 'utf8'))).toBe(true);
    const file = await client.messages.attachment(summary.id, message.attachments[0]!.id);
    expect(file.contentType).toMatch(/^application\/pdf/);
    expect(file.filename).toBe('invoice.pdf');
    expect(Buffer.from(file.data).equals(pdf)).toBe(true);
    await expect(client.messages.attachment(summary.id, 'att_missing')).rejects.toMatchObject({ status: 404 });
  });
});

describe('sessions: paged timeline and the live event stream', () => {
  it('pages the timeline by cursor, equal to the whole timeline', async () => {
    const session = await client.sessions.create({ name: 'paged-timeline' });
    for (let i = 0; i < 4; i++) await client.inboxes.create({ sessionId: session.id });
    const whole = await client.sessions.timeline(session.id);
    const first = await client.sessions.timeline(session.id, { limit: 2 });
    expectTypeOf(first.next).toEqualTypeOf<string | null>();
    expect(first.events).toHaveLength(2);
    expect(first.next).toBe(first.events[1]!.cursor);
    const rest = await client.sessions.timeline(session.id, { after: first.next! });
    expect(rest.next).toBeNull();
    const all: string[] = [];
    for await (const event of client.sessions.iterateTimeline(session.id, { limit: 2 })) all.push(event.type);
    expect(all).toEqual(whole.events.map((e) => e.type));
    expect([...first.events, ...rest.events].map((e) => e.type)).toEqual(all);
  });

  it('events arrive live, and the stream ends after the terminal event', async () => {
    const session = await client.sessions.create({ name: 'live' });
    const seen: string[] = [];
    const stream = client.sessions.events(session.id);
    for await (const event of stream) {
      seen.push(event.type);
      expect(event.cursor).toEqual(expect.any(String));
      // Each step happens only after the previous event came in: they arrive live.
      if (event.type === 'session.created') await client.inboxes.create({ sessionId: session.id });
      if (event.type === 'inbox.created') await client.sessions.complete(session.id);
    }
    expect(seen).toEqual(['session.created', 'inbox.created', 'session.completed']);
  });

  it('resumes by itself after a forced disconnect, with no gap and no duplicate', async () => {
    const proxy = await startCuttingProxy(s.url);
    const viaProxy = new SessionsGateway({ apiKey: s.apiKey, baseUrl: proxy.url });
    try {
      const session = await client.sessions.create({ name: 'resume' });
      const inbox = await client.inboxes.create({ sessionId: session.id });
      const got: { cursor: string; type: string }[] = [];
      for await (const event of viaProxy.sessions.events(session.id)) {
        got.push({ cursor: event.cursor, type: event.type });
        if (got.length === 2) {
          proxy.cut(); // midway: the stream is open and the session goes on
          await client.inboxes.deliver(inbox.id, { from: 'a@example.test', subject: 'during the cut', text: 'x' });
          await client.inboxes.create({ sessionId: session.id });
          await client.sessions.fail(session.id, { reason: 'done' });
        }
      }
      const expected: { cursor: string; type: string }[] = [];
      for await (const event of client.sessions.iterateTimeline(session.id)) expected.push({ cursor: event.cursor, type: event.type });
      expect(got).toEqual(expected);
      expect(got.at(-1)?.type).toBe('session.failed');
      // The second connection asked for what followed the last event received.
      expect(proxy.seen.length).toBeGreaterThanOrEqual(2);
      expect(proxy.seen[1]!.path).toContain(`after=${encodeURIComponent(got[1]!.cursor)}`);
    } finally {
      await proxy.close();
    }
  });

  it('starts after a given cursor, and a missing session is a NotFoundError before any stream', async () => {
    const session = await client.sessions.create({ name: 'after' });
    await client.inboxes.create({ sessionId: session.id });
    await client.sessions.complete(session.id);
    const [first] = (await client.sessions.timeline(session.id, { limit: 1 })).events;
    const rest: string[] = [];
    for await (const event of client.sessions.events(session.id, { after: first!.cursor })) rest.push(event.type);
    expect(rest).toEqual(['inbox.created', 'session.completed']);
    const missing = client.sessions.events('sess_missing')[Symbol.asyncIterator]().next();
    await expect(missing).rejects.toMatchObject({ name: 'NotFoundError', status: 404 });
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

describe('waits that look back (since) and the new filters', () => {
  it('waitForOtp with since takes a message that came before the wait', async () => {
    const inbox = await client.inboxes.create();
    const before = new Date(Date.now() - 60_000);
    await client.inboxes.deliver(inbox.id, { from: 'auth@example.test', subject: 'Login code', text: 'Your code is 135790' });
    expect(await client.inboxes.waitForOtp(inbox.id, { since: before, subjectMatches: '^Login', timeoutSeconds: 5 })).toBe('135790');
    expect(await client.inboxes.waitForLink(inbox.id, { since: before.toISOString(), timeoutSeconds: 1 }).catch((e: unknown) => e)).toBeInstanceOf(WaitTimeoutError);
  });

  it('waits.create takes since, to, subjectMatches, bodyMatches and pattern', async () => {
    const inbox = await client.inboxes.create();
    await client.inboxes.deliver(inbox.id, { from: 'a@example.test', to: [inbox.emailAddress], subject: 'Ref ticket', text: 'ticket REF-4321 opened' });
    const since = new Date(Date.now() - 60_000).toISOString();
    const wait = await client.waits.create({
      inboxId: inbox.id,
      type: 'otp',
      since,
      timeoutSeconds: 5,
      filters: { to: inbox.emailAddress, subjectMatches: 'ticket$', bodyMatches: 'REF-\\d+', pattern: 'REF-(\\d+)' },
    });
    expect(wait.since).toEqual(expect.any(String));
    expect(await client.waits.waitFor(wait.id, { timeoutSeconds: 10 })).toMatchObject({ status: 'completed', result: { value: '4321' } });
    await expect(client.waits.create({ inboxId: inbox.id, type: 'otp', filters: { subjectMatches: '(' } })).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/subjectMatches/) });
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
