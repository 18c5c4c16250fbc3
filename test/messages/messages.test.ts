import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInbox, deliver, eventTypes, MESSAGE_ID, MESSAGE_KEYS } from '../inboxes/helpers';
import { createSession, errorText, expectError, invalid, ISO_SECONDS } from '../sessions/helpers';
import { startServer, type TestServer } from '../support/server';

const MAX = 4096;
let s: TestServer;
beforeAll(async () => {
  s = await startServer({ env: { MAX_MESSAGE_BYTES: String(MAX) } });
});
afterAll(() => s?.close());

const INBOX_NOT_FOUND = errorText('Not found', 'Inbox not found');
const MESSAGE_NOT_FOUND = errorText('Not found', 'Message not found');
const post = (inboxId: string, opts: { body?: unknown; rawBody?: string; headers?: Record<string, string>; key?: string }) =>
  s.request('POST', `/api/v1/inboxes/${inboxId}/messages`, opts);
const postRaw = (inboxId: string, raw: string, type = 'message/rfc822', key?: string) => post(inboxId, { rawBody: raw, headers: { 'content-type': type }, key });
const listMessages = (inboxId: string, query = '', key?: string) => s.request('GET', `/api/v1/inboxes/${inboxId}/messages${query}`, { key });

const MULTIPART = [
  'From: Acme <no-reply@acme.test>',
  'To: someone@sessions.localhost, other@sessions.localhost',
  'Subject: =?UTF-8?B?VsOpcmlmaWV6IHZvdHJlIGNvbXB0ZQ==?=', // "Vérifiez votre compte"
  'MIME-Version: 1.0',
  'Content-Type: multipart/alternative; boundary="b1"',
  '',
  '--b1',
  'Content-Type: text/plain; charset=utf-8',
  'Content-Transfer-Encoding: quoted-printable',
  '',
  'Votre code : 482913 =E2=80=94 merci',
  '--b1',
  'Content-Type: text/html; charset=utf-8',
  '',
  '<p>Votre code : <b>482913</b></p>',
  '--b1--',
  '',
].join('\r\n');

describe('POST /api/v1/inboxes/{id}/messages (JSON)', () => {
  it('201 with the message summary', async () => {
    const inbox = await createInbox(s);
    const before = Date.now();
    const reply = await post(inbox.id, { body: { from: 'Acme <no-reply@acme.test>', to: [inbox.emailAddress], subject: 'Welcome', text: 'Hello', html: '<p>Hello</p>' } });
    expect(reply.status, reply.text).toBe(201);
    expect(Object.keys(reply.body)).toEqual(MESSAGE_KEYS);
    expect(reply.body).toEqual({
      id: expect.stringMatching(MESSAGE_ID),
      inboxId: inbox.id,
      from: 'Acme <no-reply@acme.test>',
      to: [inbox.emailAddress],
      subject: 'Welcome',
      sizeBytes: expect.any(Number),
      receivedAt: expect.stringMatching(ISO_SECONDS),
    });
    expect(reply.body.sizeBytes).toBeGreaterThan(0);
    expect(Date.parse(reply.body.receivedAt)).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
  });

  it('to and subject are optional', async () => {
    const inbox = await createInbox(s);
    const m = await deliver(s, inbox.id, { from: 'a@x.test', text: 'only text' });
    expect(m).toMatchObject({ to: [], subject: '' });
    const h = await deliver(s, inbox.id, { from: 'a@x.test', html: '<i>only html</i>' });
    expect((await s.request('GET', `/api/v1/messages/${h.id}`)).body).toMatchObject({ text: null, html: '<i>only html</i>' });
  });

  it('records message.received {messageId, inboxId} on the session timeline', async () => {
    const session = await createSession(s, { name: 'mail' });
    const inbox = await createInbox(s, { sessionId: session.id });
    const m1 = await deliver(s, inbox.id, { from: 'a@x.test', subject: 'one' });
    const m2 = await deliver(s, inbox.id, { from: 'a@x.test', subject: 'two' });
    const { events } = (await s.request('GET', `/api/v1/sessions/${session.id}/timeline`)).body;
    expect(events.map((e: any) => e.type)).toEqual(['session.created', 'inbox.created', 'message.received', 'message.received']);
    expect(events.slice(2).map((e: any) => e.payload)).toEqual([{ messageId: m1.id, inboxId: inbox.id }, { messageId: m2.id, inboxId: inbox.id }]);
    expect(events[2].timestamp).toBe(m1.receivedAt);
  });
});

describe('POST /api/v1/inboxes/{id}/messages (raw RFC 822)', () => {
  it('parses a MIME message: encoded subject, both parts, every recipient; sizeBytes is the raw size', async () => {
    const inbox = await createInbox(s);
    const reply = await postRaw(inbox.id, MULTIPART);
    expect(reply.status, reply.text).toBe(201);
    expect(reply.body).toMatchObject({
      inboxId: inbox.id,
      from: expect.stringContaining('no-reply@acme.test'),
      to: ['someone@sessions.localhost', 'other@sessions.localhost'],
      subject: 'Vérifiez votre compte',
      sizeBytes: Buffer.byteLength(MULTIPART),
    });
    const full = await s.request('GET', `/api/v1/messages/${reply.body.id}`);
    expect(full.body.text.trim()).toBe('Votre code : 482913 — merci');
    expect(full.body.html.trim()).toBe('<p>Votre code : <b>482913</b></p>');
  });

  it('a single-part message, also as text/plain; the content type may carry parameters', async () => {
    const inbox = await createInbox(s);
    const raw = 'From: a@x.test\r\nSubject: Plain\r\n\r\nJust text\r\n';
    for (const type of ['text/plain', 'message/rfc822; charset=utf-8']) {
      const reply = await postRaw(inbox.id, raw, type);
      expect(reply.status, `${type}: ${reply.text}`).toBe(201);
      expect(reply.body).toMatchObject({ from: 'a@x.test', subject: 'Plain', to: [] });
      const full = (await s.request('GET', `/api/v1/messages/${reply.body.id}`)).body;
      expect(full.text.trim()).toBe('Just text');
      expect(full.html).toBeNull();
    }
  });

  it('raw in a JSON body works too', async () => {
    const inbox = await createInbox(s);
    const m = await deliver(s, inbox.id, { raw: 'From: j@x.test\r\nSubject: In JSON\r\n\r\nbody\r\n' });
    expect(m).toMatchObject({ from: 'j@x.test', subject: 'In JSON' });
  });
});

describe('GET /api/v1/inboxes/{id}/messages and /api/v1/messages/{id}', () => {
  it('lists newest first with pagination; only this inbox\'s messages', async () => {
    const inbox = await createInbox(s);
    const other = await createInbox(s);
    await deliver(s, other.id, { from: 'z@x.test', subject: 'elsewhere' });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await deliver(s, inbox.id, { from: 'a@x.test', subject: `m${i}` })).id);
    const all = await listMessages(inbox.id);
    expect(all.status).toBe(200);
    expect(all.body.pagination).toEqual({ limit: 20, offset: 0, total: 5, next: null });
    expect(all.body.data.map((m: any) => m.id)).toEqual([...ids].reverse());
    for (const m of all.body.data) expect(Object.keys(m)).toEqual(MESSAGE_KEYS);
    const page = await listMessages(inbox.id, '?limit=2&offset=1');
    expect(page.body).toEqual({ data: all.body.data.slice(1, 3), pagination: { limit: 2, offset: 1, total: 5, next: expect.any(String) } });
    expect((await listMessages(inbox.id, '?offset=10')).body).toEqual({ data: [], pagination: { limit: 20, offset: 10, total: 5, next: null } });
  });

  it('an inbox with no mail lists nothing', async () => {
    const inbox = await createInbox(s);
    expect((await listMessages(inbox.id)).body).toEqual({ data: [], pagination: { limit: 20, offset: 0, total: 0, next: null } });
  });

  it('GET /messages/{id} returns the summary plus text and html', async () => {
    const inbox = await createInbox(s);
    const m = await deliver(s, inbox.id, { from: 'a@x.test', to: ['b@y.test', 'c@y.test'], subject: 'Both', text: 'plain body', html: '<b>rich body</b>' });
    const reply = await s.request('GET', `/api/v1/messages/${m.id}`);
    expect(reply.status).toBe(200);
    expect(Object.keys(reply.body)).toEqual([...MESSAGE_KEYS, 'text', 'html', 'cc', 'replyTo', 'messageId', 'inReplyTo', 'headers', 'attachments', 'codes', 'links']);
    expect(reply.body).toEqual({ ...m, text: 'plain body', html: '<b>rich body</b>', cc: [], replyTo: [], messageId: null, inReplyTo: null, headers: [], attachments: [], codes: [], links: [] });
  });

  it('404 for unknown and malformed ids', async () => {
    for (const id of ['msg_0000000000000000000000', 'msg_nope', 'inb_0000000000000000000000', 'x'.repeat(300)]) {
      expectError(await s.request('GET', `/api/v1/messages/${id}`), 404, MESSAGE_NOT_FOUND);
    }
    for (const id of ['inb_0000000000000000000000', 'nope', 'msg_0000000000000000000000']) {
      expectError(await listMessages(id), 404, INBOX_NOT_FOUND);
      expectError(await post(id, { body: { from: 'a@x.test', subject: 's' } }), 404, INBOX_NOT_FOUND);
    }
  });
});

describe('owner isolation', () => {
  it('another owner cannot deliver to, list, or read alice\'s mail; nothing is stored', async () => {
    const session = await createSession(s, { name: 'alice-mail' });
    const inbox = await createInbox(s, { sessionId: session.id });
    const m = await deliver(s, inbox.id, { from: 'a@x.test', subject: 'secret', text: 'the code is 123456' });
    expectError(await post(inbox.id, { key: s.otherKey, body: { from: 'bob@x.test', subject: 'spoof' } }), 404, INBOX_NOT_FOUND);
    expectError(await postRaw(inbox.id, 'From: bob@x.test\r\nSubject: spoof\r\n\r\nx\r\n', 'message/rfc822', s.otherKey), 404, INBOX_NOT_FOUND);
    expectError(await listMessages(inbox.id, '', s.otherKey), 404, INBOX_NOT_FOUND);
    expectError(await s.request('GET', `/api/v1/messages/${m.id}`, { key: s.otherKey }), 404, MESSAGE_NOT_FOUND);
    // Bob's own inbox never shows alice's message either.
    const bobs = await createInbox(s, {}, s.otherKey);
    expect((await listMessages(bobs.id, '', s.otherKey)).body.pagination.total).toBe(0);
    expect((await listMessages(inbox.id)).body.data.map((x: any) => x.id)).toEqual([m.id]);
    expect(await eventTypes(s, session.id)).toEqual(['session.created', 'inbox.created', 'message.received']);
  });
});

describe('bad input → 400, nothing stored', () => {
  let inbox: any;
  beforeAll(async () => {
    inbox = await createInbox(s);
  });
  const stored = async () => (await listMessages(inbox.id)).body.pagination.total;

  it.each([
    ['no fields', {}, 'from is required (or send raw)'],
    ['blank from', { from: '   ', subject: 's' }, 'from is required (or send raw)'],
    ['from a number', { from: 5, subject: 's' }, 'from must be a string'],
    ['from an object', { from: { address: 'a@x.test' }, subject: 's' }, 'from must be a string'],
    ['no subject, text or html', { from: 'a@x.test' }, 'a message needs a subject, text or html'],
    ['subject a number', { from: 'a@x.test', subject: 5 }, 'subject must be a string'],
    ['text a number', { from: 'a@x.test', text: 5 }, 'text must be a string'],
    ['html an object', { from: 'a@x.test', html: { b: 1 } }, 'html must be a string'],
    ['to a number', { from: 'a@x.test', subject: 's', to: 5 }, 'to must be a list'],
    ['to a list of numbers', { from: 'a@x.test', subject: 's', to: [1, 2] }, 'to must be a string'],
    ['subject over 998 characters', { from: 'a@x.test', subject: 'x'.repeat(999) }, 'subject must be at most 998 characters'],
    ['from over 998 characters', { from: `${'x'.repeat(999)}@x.test`, subject: 's' }, 'from must be at most 998 characters'],
    ['a message over MAX_MESSAGE_BYTES', { from: 'a@x.test', text: 'x'.repeat(MAX + 1) }, `message must be at most ${MAX} bytes`],
    ['empty raw', { raw: '' }, 'raw must not be empty'],
    ['raw over MAX_MESSAGE_BYTES', { raw: `Subject: big\r\n\r\n${'x'.repeat(MAX)}` }, `raw must be at most ${MAX} bytes`],
    ['raw a number', { raw: 42 }, 'raw must be a string'],
  ])('%s', async (_label, body, message) => {
    const before = await stored();
    expectError(await post(inbox.id, { body }), 400, invalid(message));
    expect(await stored()).toBe(before);
  });

  it('bodies that are not JSON objects, other content types, an empty raw body', async () => {
    const before = await stored();
    expectError(await post(inbox.id, { body: [] }), 400, invalid('Request body must be a JSON object'));
    expectError(await post(inbox.id, { rawBody: '{"from":', headers: { 'content-type': 'application/json' } }), 400, invalid('Request body is not valid JSON'));
    for (const type of ['text/html', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      expectError(await postRaw(inbox.id, 'from=a', type), 400, invalid('Content-Type must be application/json or message/rfc822 or text/plain'));
    }
    expectError(await postRaw(inbox.id, ''), 400, invalid('raw must not be empty'));
    expect(await stored()).toBe(before);
  });

  it('a raw message over MAX_MESSAGE_BYTES → 413, nothing stored', async () => {
    const before = await stored();
    const reply = await postRaw(inbox.id, `From: a@x.test\r\nSubject: big\r\n\r\n${'x'.repeat(MAX + 10)}\r\n`);
    expect(reply.status).toBe(413);
    expect(reply.body.error).toBe('Payload too large');
    expect(await stored()).toBe(before);
  });

  it.each([
    ['limit=0', 'limit must be an integer between 1 and 100'],
    ['limit=101', 'limit must be an integer between 1 and 100'],
    ['limit=x', 'limit must be an integer'],
    ['offset=-1', 'offset must be an integer between 0 and 2147483647'],
    ['offset=1.5', 'offset must be an integer'],
  ])('GET messages?%s → %s', async (query, message) => {
    expectError(await listMessages(inbox.id, `?${query}`), 400, invalid(message));
  });
});
