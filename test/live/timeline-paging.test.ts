import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSession, expectError, invalid, SESSION_NOT_FOUND } from '../sessions/helpers';
import { startServer, type TestServer } from '../support/server';
import { seedEvents } from './helpers';

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(async () => s?.close());

const strip = ({ cursor: _c, ...rest }: any) => rest;

describe('paged timeline', () => {
  it('1,000 events paged by 50 over REST equal the unpaged timeline, in order, each once', async () => {
    const session = await createSession(s);
    await seedEvents(s, session.id, 999);
    const whole = await s.request('GET', `/api/v1/sessions/${session.id}/timeline`);
    expect(whole.status).toBe(200);
    expect(Object.keys(whole.body)).toEqual(['events']); // no parameters: the documented body, unchanged
    expect(whole.body.events).toHaveLength(1000);

    const paged: any[] = [];
    let next: string | null = null;
    let pages = 0;
    do {
      const query: string = next === null ? '?limit=50' : `?limit=50&after=${next}`;
      const page = await s.request('GET', `/api/v1/sessions/${session.id}/timeline${query}`);
      expect(page.status, page.text).toBe(200);
      expect(Object.keys(page.body).sort()).toEqual(['events', 'next']);
      expect(page.body.events.length).toBeLessThanOrEqual(50);
      paged.push(...page.body.events);
      next = page.body.next;
      pages++;
    } while (next !== null);
    expect(pages).toBe(20);
    expect(paged.map(strip)).toEqual(whole.body.events);
    expect(new Set(paged.map((e) => e.cursor)).size).toBe(1000);
  });

  it('GraphQL Session.events is a Relay connection with the same cursors as TimelineEvent.cursor', async () => {
    const session = await createSession(s);
    await seedEvents(s, session.id, 4);
    const q = `query($id: ID!, $after: String) { session(id: $id) {
      timeline { id cursor sessionId }
      events(first: 2, after: $after) { edges { cursor node { id cursor sessionId type } } pageInfo { endCursor hasNextPage } }
    } }`;
    const first = await s.gql(q, { id: session.id });
    const timeline = first.body.data.session.timeline;
    expect(timeline.every((e: any) => e.sessionId === session.id)).toBe(true);
    const conn = first.body.data.session.events;
    expect(conn.edges.map((e: any) => e.node.id)).toEqual(timeline.slice(0, 2).map((e: any) => e.id));
    expect(conn.edges.map((e: any) => e.cursor)).toEqual(timeline.slice(0, 2).map((e: any) => e.cursor));
    expect(conn.pageInfo).toEqual({ endCursor: timeline[1].cursor, hasNextPage: true });
    const last = await s.gql(q, { id: session.id, after: timeline[3].cursor });
    expect(last.body.data.session.events).toEqual({ edges: [{ cursor: timeline[4].cursor, node: { id: timeline[4].id, cursor: timeline[4].cursor, sessionId: session.id, type: 'test.tick' } }], pageInfo: { endCursor: timeline[4].cursor, hasNextPage: false } });
    const empty = await s.gql(q, { id: session.id, after: timeline[4].cursor });
    expect(empty.body.data.session.events).toEqual({ edges: [], pageInfo: { endCursor: null, hasNextPage: false } });
  });

  it('after alone pages with the default size; the last page says next: null', async () => {
    const session = await createSession(s);
    const all = await s.request('GET', `/api/v1/sessions/${session.id}/timeline?limit=1`);
    expect(all.body.events).toHaveLength(1);
    expect(all.body.next).toBeNull();
    const rest = await s.request('GET', `/api/v1/sessions/${session.id}/timeline?after=${all.body.events[0].cursor}`);
    expect(rest.body).toEqual({ events: [], next: null });
  });

  it('refuses bad limits and cursors with 400, and another owner’s session with 404', async () => {
    const session = await createSession(s);
    for (const [query, message] of [
      // Named as the REST client sent it (the GraphQL argument is events(first:)).
      ['?limit=0', 'limit must be an integer between 1 and 500'],
      ['?limit=501', 'limit must be an integer between 1 and 500'],
      ['?limit=ten', 'limit must be an integer'],
      ['?after=nonsense!', 'after is not a valid cursor'],
      ['?after=', 'after is not a valid cursor'],
    ]) {
      expectError(await s.request('GET', `/api/v1/sessions/${session.id}/timeline${query}`), 400, invalid(message));
    }
    expectError(await s.request('GET', `/api/v1/sessions/${session.id}/timeline?limit=5`, { key: s.otherKey }), 404, SESSION_NOT_FOUND);
    const gql = await s.gql('query($id: ID!) { session(id: $id) { events { edges { cursor } } } }', { id: session.id }, s.otherKey);
    expect(gql.body.errors?.[0].extensions.code).toBe('NOT_FOUND');
  });
});
