import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSession, ISO_SECONDS } from '../sessions/helpers';
import { startServer, type TestServer } from '../support/server';
import { ADDRESS, INBOX_ID, MESSAGE_ID, plusSeconds, WAIT_ID } from './helpers';

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(() => s?.close());

const INBOX = 'id emailAddress status sessionId metadata createdAt expiresAt';
const MESSAGE = 'id inboxId from to subject text html sizeBytes receivedAt';
const WAIT = 'id inboxId sessionId type status timeoutSeconds filters { from subjectContains } result { type value messageId } createdAt deadline endedAt';
const codes = (reply: any) => (reply.body.errors ?? []).map((e: any) => e.extensions?.code);

/** Runs an operation that must succeed and returns its data. */
async function ok(query: string, variables: Record<string, unknown> = {}, key?: string): Promise<any> {
  const reply = await s.gql(query, variables, key);
  expect(reply.body.errors, JSON.stringify(reply.body.errors)).toBeUndefined();
  expect(reply.status).toBe(200);
  return reply.body.data;
}

const createInbox = (input: Record<string, unknown>, key?: string) =>
  ok(`mutation($input: CreateInboxInput!) { createInbox(input: $input) { ${INBOX} } }`, { input }, key).then((d) => d.createInbox);
const createWait = (input: Record<string, unknown>, key?: string) =>
  ok(`mutation($input: CreateWaitInput!) { createWait(input: $input) { ${WAIT} } }`, { input }, key).then((d) => d.createWait);
const deliverMessage = (inboxId: string, input: Record<string, unknown>, key?: string) =>
  ok(`mutation($inboxId: ID!, $input: DeliverMessageInput!) { deliverMessage(inboxId: $inboxId, input: $input) { ${MESSAGE} } }`, { inboxId, input }, key).then((d) => d.deliverMessage);

describe('GraphQL: inboxes, messages and waits end to end', () => {
  it('createInbox, inbox(id), inboxes(...)', async () => {
    const session = await createSession(s, { name: 'gql' });
    const inbox = await createInbox({ sessionId: session.id, ttlSeconds: 120, metadata: { via: 'graphql' } });
    expect(inbox).toEqual({
      id: expect.stringMatching(INBOX_ID),
      emailAddress: expect.stringMatching(ADDRESS('sessions.localhost')),
      status: 'active',
      sessionId: session.id,
      metadata: { via: 'graphql' },
      createdAt: expect.stringMatching(ISO_SECONDS),
      expiresAt: plusSeconds(inbox.createdAt, 120),
    });
    expect((await ok(`query($id: ID!) { inbox(id: $id) { ${INBOX} } }`, { id: inbox.id })).inbox).toEqual(inbox);
    const defaults = await ok('mutation { createInbox { id ttl: expiresAt createdAt } }');
    expect(defaults.createInbox.ttl).toBe(plusSeconds(defaults.createInbox.createdAt, 3600));
    const listed = await ok('{ inboxes(status: active, limit: 1) { data { id } pagination { limit offset total next } } }');
    expect(listed.inboxes).toEqual({ data: [{ id: defaults.createInbox.id }], pagination: { limit: 1, offset: 0, total: 2, next: expect.any(String) } });
    // REST and GraphQL agree.
    const rest = (await s.request('GET', '/api/v1/inboxes?status=active&limit=1')).body;
    expect(rest.data.map((d: any) => d.id)).toEqual([defaults.createInbox.id]);
    expect(rest.pagination).toEqual(listed.inboxes.pagination);
  });

  it('createWait, deliverMessage, wait(id), message(id), inboxMessages, cancelWait, deleteInbox; nested fields', async () => {
    const session = await createSession(s, { name: 'gql-flow' });
    const inbox = await createInbox({ sessionId: session.id });
    const otp = await createWait({ inboxId: inbox.id, type: 'otp', timeoutSeconds: 60, filters: { from: 'acme.test' } });
    expect(otp).toEqual({
      id: expect.stringMatching(WAIT_ID),
      inboxId: inbox.id,
      sessionId: session.id,
      type: 'otp',
      status: 'pending',
      timeoutSeconds: 60,
      filters: { from: 'acme.test', subjectContains: null },
      result: null,
      createdAt: expect.stringMatching(ISO_SECONDS),
      deadline: plusSeconds(otp.createdAt, 60),
      endedAt: null,
    });
    const other = await createWait({ inboxId: inbox.id, type: 'magic_link' });

    // wait(id, waitSeconds) long-polls over GraphQL too and returns when the message lands.
    const started = Date.now();
    const poll = s.gql(`query($id: ID!) { wait(id: $id, waitSeconds: 20) { ${WAIT} } }`, { id: otp.id });
    await new Promise((r) => setTimeout(r, 300));
    const message = await deliverMessage(inbox.id, { from: 'Acme <auth@acme.test>', to: [inbox.emailAddress], subject: 'Your code', text: 'Code: 778899', html: '<b>778899</b>' });
    expect(message).toEqual({
      id: expect.stringMatching(MESSAGE_ID),
      inboxId: inbox.id,
      from: 'Acme <auth@acme.test>',
      to: [inbox.emailAddress],
      subject: 'Your code',
      text: 'Code: 778899',
      html: '<b>778899</b>',
      sizeBytes: expect.any(Number),
      receivedAt: expect.stringMatching(ISO_SECONDS),
    });
    const polled = await poll;
    expect(polled.body.errors).toBeUndefined();
    expect(polled.body.data.wait).toMatchObject({ status: 'completed', result: { type: 'otp', value: '778899', messageId: message.id }, endedAt: message.receivedAt });
    expect(Date.now() - started).toBeLessThan(5000);

    expect((await ok(`query($id: ID!) { message(id: $id) { ${MESSAGE} } }`, { id: message.id })).message).toEqual(message);
    const page = await ok(`query($id: ID!) { inboxMessages(inboxId: $id) { data { id } pagination { limit offset total } } }`, { id: inbox.id });
    expect(page.inboxMessages).toEqual({ data: [{ id: message.id }], pagination: { limit: 20, offset: 0, total: 1 } });

    const canceled = (await ok(`mutation($id: ID!) { cancelWait(id: $id) { id status } }`, { id: other.id })).cancelWait;
    expect(canceled).toEqual({ id: other.id, status: 'canceled' });
    expect((await ok(`mutation($id: ID!) { cancelWait(id: $id) { id status } }`, { id: other.id })).cancelWait).toEqual(canceled);
    const conflict = await s.gql(`mutation($id: ID!) { cancelWait(id: $id) { id } }`, { id: otp.id });
    expect(codes(conflict)).toEqual(['CONFLICT']);
    expect(conflict.body.errors![0].message).toBe('Wait is already completed');

    // Session.inboxes / Session.waits / Inbox.messages / Inbox.waits as objects.
    const tree = await ok(
      `query($id: ID!) { session(id: $id) { inboxes { id status messages { id subject } waits { id status } } waits { id type status result { value } } } }`,
      { id: session.id },
    );
    expect(tree.session).toEqual({
      inboxes: [{ id: inbox.id, status: 'active', messages: [{ id: message.id, subject: 'Your code' }], waits: [{ id: otp.id, status: 'completed' }, { id: other.id, status: 'canceled' }] }],
      waits: [
        { id: otp.id, type: 'otp', status: 'completed', result: { value: '778899' } },
        { id: other.id, type: 'magic_link', status: 'canceled', result: null },
      ],
    });
    const viaInbox = await ok(`query($id: ID!) { inbox(id: $id) { messages { id } waits { id } } }`, { id: inbox.id });
    expect(viaInbox.inbox).toEqual({ messages: [{ id: message.id }], waits: [{ id: otp.id }, { id: other.id }] });

    const deleted = (await ok(`mutation($id: ID!) { deleteInbox(id: $id) { id status } }`, { id: inbox.id })).deleteInbox;
    expect(deleted).toEqual({ id: inbox.id, status: 'deleted' });
    const gone = await s.gql(`query($id: ID!) { inbox(id: $id) { id } }`, { id: inbox.id });
    expect(codes(gone)).toEqual(['NOT_FOUND']);
    expect(gone.body.errors![0].message).toBe('Inbox not found');

    const { steps } = (await s.request('POST', `/api/v1/sessions/${session.id}/replay`)).body;
    expect(steps.map((st: any) => st.action)).toEqual(['create_inbox', 'create_wait', 'create_wait', 'deliver_message', 'cancel_wait', 'delete_inbox']);
  });

  it('errors: NOT_FOUND for another owner, BAD_USER_INPUT for bad arguments, CONFLICT for an ended session', async () => {
    const inbox = await createInbox({});
    const w = await createWait({ inboxId: inbox.id, type: 'message' });
    const m = await deliverMessage(inbox.id, { from: 'a@x.test', subject: 'x' });
    const asBob = [
      [`query($id: ID!) { inbox(id: $id) { id } }`, { id: inbox.id }],
      [`query($id: ID!) { message(id: $id) { id } }`, { id: m.id }],
      [`query($id: ID!) { wait(id: $id, waitSeconds: 5) { id } }`, { id: w.id }],
      [`query($id: ID!) { inboxMessages(inboxId: $id) { data { id } } }`, { id: inbox.id }],
      [`mutation($id: ID!) { deleteInbox(id: $id) { id } }`, { id: inbox.id }],
      [`mutation($id: ID!) { cancelWait(id: $id) { id } }`, { id: w.id }],
      [`mutation($id: ID!) { deliverMessage(inboxId: $id, input: { from: "bob@x.test", subject: "s" }) { id } }`, { id: inbox.id }],
      [`mutation($id: ID!) { createWait(input: { inboxId: $id, type: otp }) { id } }`, { id: inbox.id }],
    ] as const;
    for (const [query, variables] of asBob) {
      expect(codes(await s.gql(query, variables, s.otherKey)), query).toEqual(['NOT_FOUND']);
    }
    expect((await ok(`query($id: ID!) { inbox(id: $id) { status messages { id } waits { status } } }`, { id: inbox.id })).inbox).toEqual({
      status: 'active', messages: [{ id: m.id }], waits: [{ status: 'completed' }],
    });

    const bad: [string, Record<string, unknown>, string][] = [
      ['mutation { createInbox(input: { ttlSeconds: 0 }) { id } }', {}, 'ttlSeconds must be an integer between 1 and 604800'],
      ['mutation($id: ID!) { createWait(input: { inboxId: $id, type: otp, timeoutSeconds: 601 }) { id } }', { id: inbox.id }, 'timeoutSeconds must be an integer between 1 and 600'],
      ['query($id: ID!) { wait(id: $id, waitSeconds: 61) { id } }', { id: w.id }, 'waitSeconds must be an integer between 0 and 60'],
      ['query { inboxes(limit: 0) { data { id } } }', {}, 'limit must be an integer between 1 and 100'],
      ['mutation($id: ID!) { deliverMessage(inboxId: $id, input: { subject: "s" }) { id } }', { id: inbox.id }, 'from is required (or send raw)'],
    ];
    for (const [query, variables, message] of bad) {
      const reply = await s.gql(query, variables);
      expect(codes(reply), query).toEqual(['BAD_USER_INPUT']);
      expect(reply.body.errors![0].message).toBe(message);
    }
    const badEnum = await s.gql('mutation($input: CreateWaitInput!) { createWait(input: $input) { id } }', { input: { inboxId: inbox.id, type: 'sms' } });
    expect(badEnum.status).toBe(400);
    expect(codes(badEnum)).toEqual(['BAD_USER_INPUT']);

    const session = await createSession(s, { name: 'ended' });
    const inSession = await createInbox({ sessionId: session.id });
    await s.request('POST', `/api/v1/sessions/${session.id}/fail`, { body: { reason: 'stop' } });
    const conflict = await s.gql('mutation($id: ID!) { createInbox(input: { sessionId: $id }) { id } }', { id: session.id });
    expect(codes(conflict)).toEqual(['CONFLICT']);
    expect(codes(await s.gql('mutation($id: ID!) { createWait(input: { inboxId: $id, type: otp }) { id } }', { id: inSession.id }))).toEqual(['CONFLICT']);
  });
});
