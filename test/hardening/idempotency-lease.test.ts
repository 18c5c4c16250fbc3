import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/protection/canonical-json';
import { requestHash } from '../../src/protection/idempotency';
import { manualClock } from '../sessions/helpers';
import { startServer, type TestServer } from '../support/server';

/**
 * What a crash leaves behind, written into the record directly (the SIGKILL test in
 * idempotency-crash.test.ts reaches the same states by chance): an in-progress record holds its key
 * for the lease; after it, a retry runs the work again when nothing was created, or answers with what
 * was. Also the canonical-JSON fingerprint: key order and spacing never make a 409.
 */
const clock = manualClock(Date.now());
let s: TestServer;
beforeAll(async () => {
  s = await startServer({ env: { RATE_LIMIT_PER_MINUTE: '0', IDEMPOTENCY_LEASE_MS: '30000' }, deps: { clock: clock.clock } });
});
afterAll(() => s?.close());

let n = 0;
const post = (key: string, body: unknown) => s.request('POST', '/api/v1/sessions', { body, headers: { 'idempotency-key': key } });
const record = (key: string) => s.app.db.prisma.idempotencyRecord.findFirstOrThrow({ where: { key } });
/** Puts the record back as a process that died mid-request leaves it: in progress, maybe with its resource. */
async function crashed(key: string, resourceId: string | null) {
  await s.app.db.tx((tx) => tx.idempotencyRecord.updateMany({ where: { key }, data: { status: null, body: null, resourceId } }));
}
const sessionsNamed = (name: string) => s.app.db.prisma.session.count({ where: { name } });

describe('Idempotency-Key lease after a crash', () => {
  it('a record left in progress without a resource: 409 with Retry-After during the lease, then the retry creates it once', async () => {
    const key = `lease-new-${n++}`;
    const first = await post(key, { name: key });
    expect(first.status).toBe(201);
    await s.app.db.tx((tx) => tx.session.deleteMany({ where: { name: key } }));
    await s.app.db.tx((tx) => tx.event.deleteMany({ where: { sessionId: (first.body as { id: string }).id } }));
    await crashed(key, null);
    const stuck = await post(key, { name: key });
    expect(stuck.status).toBe(409);
    expect(stuck.body).toEqual({ error: 'Conflict', message: 'A request with this Idempotency-Key is still in progress' });
    expect(Number(stuck.headers.get('retry-after'))).toBeGreaterThanOrEqual(29);
    clock.advance(30_001);
    const retried = await post(key, { name: key });
    expect(retried.status, JSON.stringify(retried.body)).toBe(201);
    expect(retried.headers.get('idempotent-replayed')).toBeNull();
    expect(await sessionsNamed(key)).toBe(1);
    expect((await record(key)).status).toBe(201);
  });

  it('a record whose resource was committed: after the lease the retry answers with that resource (replayed), creating nothing', async () => {
    const key = `lease-recover-${n++}`;
    const first = await post(key, { name: key, metadata: { a: 1 } });
    expect(first.status).toBe(201);
    const id = (first.body as { id: string }).id;
    expect((await record(key)).resourceId).toBe(id);
    await crashed(key, id);
    expect((await post(key, { name: key, metadata: { a: 1 } })).status).toBe(409);
    clock.advance(30_001);
    const retried = await post(key, { name: key, metadata: { a: 1 } });
    expect(retried.status).toBe(201);
    expect(retried.headers.get('idempotent-replayed')).toBe('true');
    expect(retried.body).toEqual(first.body);
    expect(await sessionsNamed(key)).toBe(1);
    // The answer is stored again: the next retry is a plain replay.
    expect((await record(key)).status).toBe(201);
  });

  it('an attempt overtaken after its lease cannot commit its work: the resource exists once', async () => {
    const key = `lease-overtaken-${n++}`;
    const first = await post(key, { name: key });
    const rec = await record(key);
    // Another attempt took the record over (a new lease) before this one's work committed.
    await s.app.db.tx((tx) => tx.idempotencyRecord.updateMany({ where: { key }, data: { status: null, body: null, resourceId: null, leaseUntil: new Date(rec.leaseUntil!.getTime() + 1) } }));
    await s.app.db.tx((tx) => tx.session.deleteMany({ where: { name: key } }));
    await s.app.db.tx((tx) => tx.event.deleteMany({ where: { sessionId: (first.body as { id: string }).id } }));
    const { recordCreated, withIdempotencyClaim } = await import('../../src/protection/idempotency');
    const stale = { ownerId: rec.ownerId, key, route: rec.route, leaseUntil: rec.leaseUntil! };
    await expect(withIdempotencyClaim(stale, () => s.app.db.tx((tx) => recordCreated(tx, 'sess_x')))).rejects.toThrow(/took over/);
    expect((await record(key)).resourceId).toBeNull();
  });
});

describe('Idempotency-Key fingerprint: canonical JSON', () => {
  it('sorts keys at every depth, drops whitespace, keeps array order (RFC 8785)', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' } })).toBe('{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}');
    expect(canonicalJson(JSON.parse('{ "é": 1, "e": 2, "\\u20ac": 3, "Z": 4 }'))).toBe('{"Z":4,"e":2,"é":1,"€":3}');
    expect(canonicalJson([1e21, 0.1, -0, 'a\u2028'])).toBe('[1e+21,0.1,0,"a\u2028"]');
    expect(canonicalJson({ a: undefined, b: null })).toBe('{"b":null}');
    expect(requestHash([{}, { name: 'x', metadata: { a: 1, b: 2 } }])).toBe(requestHash([{}, { metadata: { b: 2, a: 1 }, name: 'x' }]));
    expect(requestHash([{}, { a: [1, 2] }])).not.toBe(requestHash([{}, { a: [2, 1] }]));
  });

  it('the same body with its keys in another order (and other spacing) is a replay, not a 409', async () => {
    const key = `canonical-${n++}`;
    const send = (text: string) => s.request('POST', '/api/v1/sessions', { rawBody: text, headers: { 'idempotency-key': key, 'content-type': 'application/json' } });
    const first = await send(`{"name":"${key}","metadata":{"a":1,"b":{"c":2,"d":3}}}`);
    expect(first.status).toBe(201);
    const again = await send(`{ "metadata": { "b": { "d": 3, "c": 2 }, "a": 1 }, "name": "${key}" }`);
    expect(again.status, JSON.stringify(again.body)).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    const other = await send(`{"name":"${key}","metadata":{"a":2,"b":{"c":2,"d":3}}}`);
    expect(other.status).toBe(409);
  });
});
