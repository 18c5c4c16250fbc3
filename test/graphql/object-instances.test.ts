import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Inbox } from '../../src/inboxes/inbox.type';
import { Session } from '../../src/sessions/session.type';
import { startServer, type TestServer } from '../support/server';

// TypeGraphQL runs a field resolver (Session.inboxes, Inbox.messages…) on an instance of its class: a
// plain object is first copied into a new instance, twice per field resolver call. Services hand out
// instances, so a page of 50 sessions is not copied 300 times. This pins that, on a real database.
let s: TestServer;
let ownerId: string;

beforeAll(async () => {
  s = await startServer();
  ownerId = (await s.app.services.apiKeys.authenticate(s.apiKey))!.ownerId;
});
afterAll(() => s?.close());

describe('services return instances of the GraphQL object types that have field resolvers', () => {
  it('sessions: created, by id with children, listed, completed', async () => {
    const { sessions } = s.app.services;
    const created = await sessions.create(ownerId, { name: 'instances' });
    expect(created).toBeInstanceOf(Session);
    const byId = await sessions.getWithChildren(ownerId, created.id, { inboxes: 'ids', waits: 'rows' });
    expect(byId).toBeInstanceOf(Session);
    expect(byId).toMatchObject({ id: created.id, name: 'instances', status: 'active', metadata: {} });
    const page = await sessions.list(ownerId, { limit: 5, offset: 0 });
    expect(page.data.length).toBeGreaterThan(0);
    for (const session of page.data) expect(session).toBeInstanceOf(Session);
    expect(await sessions.complete(ownerId, created.id)).toBeInstanceOf(Session);
  });

  it('inboxes: created, by id and listed; their field resolvers still answer', async () => {
    const { inboxes } = s.app.services;
    const inbox = await inboxes.create(ownerId, {});
    expect(inbox).toBeInstanceOf(Inbox);
    expect(inbox.emailAddress).toMatch(/@/);
    expect(await inboxes.get(ownerId, inbox.id)).toBeInstanceOf(Inbox);
    const page = await inboxes.list(ownerId, { limit: 5, offset: 0 });
    expect(page.data.map((i) => i.id)).toContain(inbox.id);
    for (const listed of page.data) expect(listed).toBeInstanceOf(Inbox);
    const byId = await s.gql<{ inbox: { id: string; messages: unknown[] } }>('query($id: ID!) { inbox(id: $id) { id messages { id } } }', { id: inbox.id }, s.apiKey);
    expect(byId.body.errors).toBeUndefined();
    expect(byId.body.data!.inbox).toEqual({ id: inbox.id, messages: [] });
  });
});
