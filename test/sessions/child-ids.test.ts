import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInbox, createWait, INBOX_ID, WAIT_ID } from '../inboxes/helpers';
import { startServer, type TestServer } from '../support/server';
import { createSession, manualClock } from './helpers';

/**
 * Session.inboxIds / Session.waitIds (src/sessions/session.resolver.ts): the ids of `inboxes` / `waits`,
 * in the same order. REST's session body is built from them. They are read three ways — from the rows
 * when `inboxes`/`waits` are asked for too, ids only by `session(id)`, and through the ids loaders for
 * `sessions` — and every way must agree with `inboxes { id }` / `waits { id }`.
 */

const time = manualClock(Date.parse('2024-06-12T10:00:00.000Z'));
let s: TestServer;

interface Seeded {
  id: string;
  /** Live inboxes, oldest first. */
  inboxIds: string[];
  /** All waits, oldest first (those of a deleted inbox included: it cancels them, they stay). */
  waitIds: string[];
  /** Created at one instant: the order is the database's order of the ids (its collation), not checked against the seed. */
  tied?: boolean;
}
/** A: 2 inboxes (the second deleted), 2 waits — created a second apart, so creation order is the order. */
let a: Seeded;
/** B: 3 inboxes and 3 waits created at the same instant: the order falls to the ids. */
let b: Seeded;
/** C: nothing under it. */
let c: Seeded;

beforeAll(async () => {
  s = await startServer({ deps: { clock: time.clock }, env: { RATE_LIMIT_PER_MINUTE: '0', SETTLE_INTERVAL_MS: '60000' } });

  const sessionA = (await createSession(s, { name: 'A' })).id;
  time.advance(1000);
  const keep = (await createInbox(s, { sessionId: sessionA })).id;
  time.advance(1000);
  const gone = (await createInbox(s, { sessionId: sessionA })).id;
  time.advance(1000);
  const w1 = (await createWait(s, { inboxId: keep, type: 'message', timeoutSeconds: 600 })).id;
  time.advance(1000);
  const w2 = (await createWait(s, { inboxId: gone, type: 'otp', timeoutSeconds: 600 })).id;
  time.advance(1000);
  const deleted = await s.request('DELETE', `/api/v1/inboxes/${gone}`);
  expect(deleted.status, deleted.text).toBe(204);
  a = { id: sessionA, inboxIds: [keep], waitIds: [w1, w2] };

  time.advance(1000);
  const sessionB = (await createSession(s, { name: 'B' })).id;
  const inboxes: string[] = [];
  for (let i = 0; i < 3; i++) inboxes.push((await createInbox(s, { sessionId: sessionB })).id);
  const waits: string[] = [];
  for (const inboxId of inboxes) waits.push((await createWait(s, { inboxId, type: 'message', timeoutSeconds: 600 })).id);
  b = { id: sessionB, inboxIds: inboxes, waitIds: waits, tied: true };

  time.advance(1000);
  c = { id: (await createSession(s, { name: 'C' })).id, inboxIds: [], waitIds: [] };

  // Another owner's session with children: never in alice's answers.
  const bobs = (await createSession(s, { name: 'bob' }, s.otherKey)).id;
  const bobInbox = (await createInbox(s, { sessionId: bobs }, s.otherKey)).id;
  await createWait(s, { inboxId: bobInbox, type: 'message', timeoutSeconds: 600 }, s.otherKey);
});
afterAll(() => s?.close());

const ids = (list: { id: string }[]) => list.map((x) => x.id);

/** The seed's ids as a view of an answer comes back: in order, or (tied seeds) as sets. */
const seedView = (x: Seeded, got: { inboxIds: string[]; waitIds: string[] }) =>
  x.tied ? { inboxIds: [...got.inboxIds].sort(), waitIds: [...got.waitIds].sort(), want: { inboxIds: [...x.inboxIds].sort(), waitIds: [...x.waitIds].sort() } } : { ...got, want: { inboxIds: x.inboxIds, waitIds: x.waitIds } };
function expectSeed(x: Seeded, got: { inboxIds: string[]; waitIds: string[] }): void {
  const { want, ...view } = seedView(x, { inboxIds: got.inboxIds, waitIds: got.waitIds });
  expect(view).toEqual(want);
}

async function gqlData(query: string, variables?: Record<string, unknown>, key?: string): Promise<any> {
  const reply = await s.gql(query, variables, key);
  expect(reply.status, reply.text).toBe(200);
  expect(reply.body.errors, JSON.stringify(reply.body.errors)).toBeUndefined();
  return reply.body.data;
}

describe('the seed is what the tests assume', () => {
  it('ids have their formats; the deleted inbox is gone from lists', async () => {
    for (const x of [a, b]) {
      for (const i of x.inboxIds) expect(i).toMatch(INBOX_ID);
      for (const w of x.waitIds) expect(w).toMatch(WAIT_ID);
    }
    expect(a.inboxIds).toHaveLength(1);
    expect(a.waitIds).toHaveLength(2);
  });
});

describe.each([
  ['A (one inbox deleted)', () => a],
  ['B (children created at the same instant)', () => b],
  ['C (no children)', () => c],
])('session %s', (_name, seeded) => {
  it('session(id) { inboxIds waitIds inboxes { id } waits { id } }: the ids lists equal the children, in order', async () => {
    const x = seeded();
    const { session } = await gqlData('query($id: ID!) { session(id: $id) { inboxIds waitIds inboxes { id } waits { id } } }', { id: x.id });
    expect(session.inboxIds).toEqual(ids(session.inboxes));
    expect(session.waitIds).toEqual(ids(session.waits));
    expectSeed(x, session);
  });

  it('session(id) { inboxIds waitIds } alone (ids read with the session) gives the same', async () => {
    const x = seeded();
    const reference = (await gqlData('query($id: ID!) { session(id: $id) { inboxes { id } waits { id } } }', { id: x.id })).session;
    const { session } = await gqlData('query($id: ID!) { session(id: $id) { id inboxIds waitIds } }', { id: x.id });
    expect(session).toEqual({ id: x.id, inboxIds: ids(reference.inboxes), waitIds: ids(reference.waits) });
    expectSeed(x, session);
  });

  it('mixed selections (rows for one, ids for the other) give the same', async () => {
    const x = seeded();
    const reference = (await gqlData('query($id: ID!) { session(id: $id) { inboxes { id } waits { id } } }', { id: x.id })).session;
    const one = (await gqlData('query($id: ID!) { session(id: $id) { inboxIds waits { id } } }', { id: x.id })).session;
    expect({ inboxIds: one.inboxIds, waits: ids(one.waits) }).toEqual({ inboxIds: ids(reference.inboxes), waits: ids(reference.waits) });
    const two = (await gqlData('query($id: ID!) { session(id: $id) { inboxes { id } waitIds } }', { id: x.id })).session;
    expect({ inboxes: ids(two.inboxes), waitIds: two.waitIds }).toEqual({ inboxes: ids(reference.inboxes), waitIds: ids(reference.waits) });
  });

  it('REST GET /api/v1/sessions/:id lists the same ids as inboxes / waits, in the same order', async () => {
    const x = seeded();
    const reply = await s.request('GET', `/api/v1/sessions/${x.id}`);
    expect(reply.status, reply.text).toBe(200);
    const { session } = await gqlData('query($id: ID!) { session(id: $id) { inboxIds waitIds inboxes { id } waits { id } } }', { id: x.id });
    expect({ inboxes: reply.body.inboxes, waits: reply.body.waits }).toEqual({ inboxes: ids(session.inboxes), waits: ids(session.waits) });
    expect({ inboxes: reply.body.inboxes, waits: reply.body.waits }).toEqual({ inboxes: session.inboxIds, waits: session.waitIds });
    expectSeed(x, { inboxIds: reply.body.inboxes, waitIds: reply.body.waits });
  });
});

describe('sessions { data { … } } (through the loaders)', () => {
  it('inboxIds / waitIds per session equal inboxes / waits of the same session, and the seed', async () => {
    const { sessions } = await gqlData('{ sessions(limit: 100) { data { id inboxIds waitIds inboxes { id } waits { id } } } }');
    const byId = new Map<string, any>(sessions.data.map((d: any) => [d.id, d]));
    expect([...byId.keys()].sort()).toEqual([a.id, b.id, c.id].sort());
    for (const x of [a, b, c]) {
      const d = byId.get(x.id);
      expect({ id: x.id, inboxIds: d.inboxIds, waitIds: d.waitIds }).toEqual({ id: x.id, inboxIds: ids(d.inboxes), waitIds: ids(d.waits) });
      expectSeed(x, d);
    }
  });

  /** Per session: the ids of its inboxes / waits as `inboxes { id }` / `waits { id }` list them. */
  async function reference(): Promise<Map<string, { id: string; inboxIds: string[]; waitIds: string[] }>> {
    const { sessions } = await gqlData('{ sessions(limit: 100) { data { id inboxes { id } waits { id } } } }');
    return new Map(sessions.data.map((d: any) => [d.id, { id: d.id, inboxIds: ids(d.inboxes), waitIds: ids(d.waits) }]));
  }

  it('only the ids asked for (the ids loaders alone) give the same', async () => {
    const { sessions } = await gqlData('{ sessions(limit: 100) { data { id inboxIds waitIds } } }');
    expect(new Map(sessions.data.map((d: any) => [d.id, d]))).toEqual(await reference());
  });

  it('a page of one session at a time gives the same (the loader groups per page)', async () => {
    const want = await reference();
    for (let offset = 0; offset < 3; offset++) {
      const { sessions } = await gqlData('query($o: Int!) { sessions(limit: 1, offset: $o) { data { id inboxIds waitIds } } }', { o: offset });
      const [d] = sessions.data;
      expect(d).toEqual(want.get(d.id));
    }
  });
});

describe('ownership', () => {
  it('another owner gets NOT_FOUND for session(id) { inboxIds waitIds }', async () => {
    const reply = await s.gql('query($id: ID!) { session(id: $id) { inboxIds waitIds } }', { id: a.id }, s.otherKey);
    expect(reply.body.data?.session ?? null).toBeNull();
    expect(reply.body.errors?.map((e: any) => e.extensions?.code)).toEqual(['NOT_FOUND']);
  });

  it("bob's own session lists only bob's children", async () => {
    const { sessions } = await gqlData('{ sessions { data { inboxIds waitIds inboxes { id } waits { id } } } }', undefined, s.otherKey);
    expect(sessions.data).toHaveLength(1);
    const [d] = sessions.data;
    expect(d.inboxIds).toHaveLength(1);
    expect(d.waitIds).toHaveLength(1);
    expect(d.inboxIds).toEqual(ids(d.inboxes));
    expect(d.waitIds).toEqual(ids(d.waits));
    for (const x of [a, b]) for (const i of [...x.inboxIds, ...x.waitIds]) expect([...d.inboxIds, ...d.waitIds]).not.toContain(i);
  });
});

describe('the schema', () => {
  it('inboxIds and waitIds are [ID!]!', async () => {
    const data = await gqlData(`{ __type(name: "Session") { fields { name type { kind ofType { kind ofType { kind ofType { name } } } } } } }`);
    const field = (name: string) => data.__type.fields.find((f: any) => f.name === name);
    const shape = { kind: 'NON_NULL', ofType: { kind: 'LIST', ofType: { kind: 'NON_NULL', ofType: { name: 'ID' } } } };
    expect(field('inboxIds').type).toEqual(shape);
    expect(field('waitIds').type).toEqual(shape);
  });
});
