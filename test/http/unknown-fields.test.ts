import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BodyFields } from '../../src/http/body-fields';
import { prepare, type RestRoute } from '../../src/http/rest-adapter';
import { restRoutes } from '../../src/http/routes';
import { getSchema } from '../../src/graphql/schema';
import { startServer, type TestServer } from '../support/server';
import { rawRequest } from './raw-http';

/**
 * Unknown JSON body fields are refused, never dropped: every POST route of the route table (a new one
 * is tested by being added) answers `400 unknown field "…"` naming them, nested objects included. The
 * fields a route allows come from its operation's input types, and its `variables` must pass each one
 * on, or a field would be accepted and still vanish.
 */
const posts = restRoutes.filter((r) => r.method === 'POST');
const prepared = new Map(posts.map((r) => [r, prepare({ schema: getSchema(), rawBodyLimit: 1024 }, r)]));
const name = (r: RestRoute) => `${r.method} ${r.path}`;
/** A path for the route; the ids need not exist, as the body is refused before anything is looked up. */
const pathOf = (r: RestRoute) => `/api/v1${r.path.replace(/:\w+/g, 'x_1')}`;

/** Every nested object field (`filters`) of a route's body, as [dotted name, its fields]. */
function nestedObjects(fields: BodyFields, prefix = ''): [string, BodyFields][] {
  return [...fields].flatMap(([field, inner]) => (inner ? [[prefix + field, inner] as [string, BodyFields], ...nestedObjects(inner, `${prefix}${field}.`)] : []));
}
/** `{ filters: { bogus: 1 } }` for 'filters.bogus'. */
function bodyAt(dotted: string, value: unknown): Record<string, unknown> {
  return dotted.split('.').reduceRight<unknown>((inner, key) => ({ [key]: inner }), value) as Record<string, unknown>;
}

let s: TestServer;
beforeAll(async () => {
  s = await startServer({ env: { RATE_LIMIT_PER_MINUTE: '0' } });
});
afterAll(() => s?.close());

const invalid = (message: string) => ({ error: 'Invalid request', message });

describe('unknown body fields on every POST route', () => {
  it('the route table has POST routes with and without a body, and one with a nested object', () => {
    expect(posts.filter((r) => r.readsBody).length).toBeGreaterThan(0);
    expect(posts.filter((r) => !r.readsBody).length).toBeGreaterThan(0);
    expect(posts.some((r) => nestedObjects(prepared.get(r)!.bodyFields).length > 0)).toBe(true);
  });

  for (const route of posts) {
    describe(name(route), () => {
      it('one unknown field: 400 naming it', async () => {
        const r = await s.request('POST', pathOf(route), { body: { metdata: { a: 1 } } });
        expect(r.status, r.text).toBe(400);
        expect(r.body).toEqual(invalid('unknown field "metdata"'));
      });

      it('several unknown fields: 400 naming each', async () => {
        const r = await s.request('POST', pathOf(route), { body: { nmae: 'x', extra: 1 } });
        expect(r.body).toEqual(invalid('unknown fields "nmae", "extra"'));
      });

      it('server-owned fields (id, status) are unknown too', async () => {
        const r = await s.request('POST', pathOf(route), { body: { id: 'sess_mine', status: 'completed' } });
        expect(r.body).toEqual(invalid('unknown fields "id", "status"'));
      });

      for (const [object, fields] of nestedObjects(prepared.get(route)!.bodyFields)) {
        it(`an unknown field inside ${object}: 400 naming ${object}.bogus`, async () => {
          const known = [...fields.keys()][0];
          const r = await s.request('POST', pathOf(route), { body: bodyAt(object, { [known]: 'x', bogus: 1 }) });
          expect(r.status, r.text).toBe(400);
          expect(r.body).toEqual(invalid(`unknown field "${object}.bogus"`));
        });
      }

      it('every allowed field is passed on by the route (none accepted and then dropped)', () => {
        const read = new Set<string>();
        const spy = new Proxy({}, { get: (_t, k) => (typeof k === 'string' && read.add(k), undefined), has: () => false });
        route.variables({ params: { id: 'x' }, query: {}, body: spy as any });
        expect([...read].sort()).toEqual([...prepared.get(route)!.bodyFields.keys()].sort());
      });
    });
  }
});

describe('what is not an unknown field', () => {
  it("metadata's own keys are free-form", async () => {
    const r = await s.request('POST', '/api/v1/sessions', { body: { name: 'meta', metadata: { metdata: 1, nested: { anything: true } } } });
    expect(r.status, r.text).toBe(201);
    expect(r.body.metadata).toEqual({ metdata: 1, nested: { anything: true } });
  });

  it('POST /waits takes filters.* and since, and names a misspelt filter', async () => {
    const inbox = await s.request('POST', '/api/v1/inboxes', { body: {} });
    const since = new Date(Date.now() - 60_000).toISOString();
    const ok = await s.request('POST', '/api/v1/waits', { body: { inboxId: inbox.body.id, type: 'otp', timeoutSeconds: 60, since, filters: { from: 'a@example.test', subjectContains: 'code' } } });
    expect(ok.status, ok.text).toBe(201);
    expect(ok.body.filters).toEqual({ from: 'a@example.test', subjectContains: 'code' });
    const misspelt = await s.request('POST', '/api/v1/waits', { body: { inboxId: inbox.body.id, type: 'otp', filters: { form: 'a@example.test' } } });
    expect(misspelt.body).toEqual(invalid('unknown field "filters.form"'));
    const sinse = await s.request('POST', '/api/v1/waits', { body: { inboxId: inbox.body.id, type: 'otp', sinse: since } });
    expect(sinse.body).toEqual(invalid('unknown field "sinse"'));
  });

  it('a raw message body (message/rfc822) has no fields to check', async () => {
    const inbox = await s.request('POST', '/api/v1/inboxes', { body: {} });
    const r = await s.request('POST', `/api/v1/inboxes/${inbox.body.id}/messages`, { rawBody: 'From: a@example.test\r\nSubject: hi\r\n\r\nmetdata: 1\r\n', headers: { 'content-type': 'message/rfc822' } });
    expect(r.status, r.text).toBe(201);
  });

  it('a route without a body takes an empty object', async () => {
    const session = await s.request('POST', '/api/v1/sessions', { body: { name: 'empty body' } });
    const r = await s.request('POST', `/api/v1/sessions/${session.body.id}/complete`, { body: {} });
    expect(r.status, r.text).toBe(200);
  });

  it('a body sent anyway to a GET or DELETE route is held to the same rule', async () => {
    for (const [method, path] of [['GET', '/api/v1/sessions'], ['DELETE', '/api/v1/inboxes/inb_x']]) {
      const r = await rawRequest(s.url, { method, path, headers: [['Authorization', `Bearer ${s.apiKey}`], ['Content-Type', 'application/json']], body: '{"force":true}' });
      expect(r.body, `${method} ${path}`).toEqual(invalid('unknown field "force"'));
    }
  });

  it('a long list of unknown fields is named in part, each name cut short', async () => {
    const body = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`${'k'.repeat(120)}${i}`, i]));
    const r = await s.request('POST', '/api/v1/sessions', { body: { name: 'x', ...body } });
    expect(r.status).toBe(400);
    expect(r.body.message).toBe(`unknown fields ${Array.from({ length: 5 }, () => `"${'k'.repeat(100)}…"`).join(', ')} and 3 more`);
  });

  it('GraphQL refuses unknown input fields the same way (by its own validation)', async () => {
    const r = await s.gql('mutation { createSession(input: { name: "x", metdata: {} }) { id } }');
    expect(r.body.errors?.[0].message).toMatch(/"metdata" is not defined by type "CreateSessionInput"/);
  });
});
