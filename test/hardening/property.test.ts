import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RestRoute } from '../../src/http/rest-adapter';
import { restRoutes } from '../../src/http/routes';
import { startServer, type TestServer } from '../support/server';
import { contractBodyProblem, documentedStatuses, leaks, nested, type RawReply, routeName, send, short, successStatus } from './helpers';

/**
 * Property: whatever JSON a client POSTs to the creating routes, and whatever query string it puts on
 * the lists, the answer is the route's success or one of its documented 4xx with the contract's
 * `{error, message}` body — never a 5xx, a leak or a hang.
 */

const RUNS = 100;
let s: TestServer;
let ids: { session: string; inbox: string; wait: string; message: string; bobSession: string };

beforeAll(async () => {
  s = await startServer({ env: { RATE_LIMIT_PER_MINUTE: '0' } });
  const post = async (path: string, body: unknown, key?: string) => {
    const r = await s.request('POST', path, { body, key });
    expect(r.status, r.text).toBe(201);
    return r.body.id as string;
  };
  const session = await post('/api/v1/sessions', { name: 'property' });
  const inbox = await post('/api/v1/inboxes', { sessionId: session, ttlSeconds: 604800 });
  const wait = await post('/api/v1/waits', { inboxId: inbox, type: 'message', timeoutSeconds: 600 });
  const message = await post(`/api/v1/inboxes/${inbox}/messages`, { from: 'a@example.test', subject: 'x', text: 'y' });
  const bobSession = await post('/api/v1/sessions', { name: 'bob' }, s.otherKey);
  ids = { session, inbox, wait, message, bobSession };
});
afterAll(() => s?.close());

const route = (method: string, path: string): RestRoute => {
  const r = restRoutes.find((x) => x.method === method && x.path === path);
  if (!r) throw new Error(`no route ${method} ${path}`);
  return r;
};

// ---------------------------------------------------------------------------------------------------
// Arbitraries.

/** Mostly ordinary characters, some of any script, some of anything (NUL, lone surrogates, quotes). */
const unit = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...'abcxyz019 @.-_'.split('')) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) },
  { weight: 1, arbitrary: fc.constantFrom('\u0000', '\ud800', '\udfff', '\u202e', '\u200b', '"', '\\', '\n', '\r\n', '%', "'") },
);
const text = fc.oneof(
  { weight: 8, arbitrary: fc.string({ unit, maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit, minLength: 1, maxLength: 4 }).map((t) => t.repeat(2_000)) },
);
const bigNumber = fc.constantFrom(1e308, -1e308, 2 ** 53 + 1, 2 ** 31, -(2 ** 31) - 1, 5e-324, -0, 0.1, 604800, 604801, 600, 601);
const number = fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), bigNumber);
const json = (maxDepth: number) => fc.jsonValue({ stringUnit: unit, maxDepth });
/** Any JSON value, leaning to the kinds that break things. */
const value = fc.oneof(
  { weight: 3, arbitrary: text },
  { weight: 2, arbitrary: number },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false, [], {}) },
  { weight: 2, arbitrary: json(4) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 2_000 }).map((d) => nested(d)) },
);

/** A record of the route's fields, each plausible (so the services are reached) or anything. */
function fields(spec: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<Record<string, unknown>> {
  const entries = Object.fromEntries(Object.entries(spec).map(([k, plausible]) => [k, fc.oneof({ weight: 3, arbitrary: plausible }, { weight: 2, arbitrary: value })]));
  return fc.record(entries, { requiredKeys: [] });
}

const anyId = () => fc.constantFrom(ids.session, ids.inbox, ids.wait, ids.message, ids.bobSession, 'sess_x', `inb_${'A'.repeat(22)}`, '');
const metadata = fc.oneof(fc.dictionary(text, json(3), { maxKeys: 6 }), fc.constant(undefined));

/** Whole bodies: anything at all, or the route's fields with arbitrary values and extra keys. */
function bodies(spec: () => Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 1, arbitrary: json(5) },
    { weight: 1, arbitrary: fc.object({ values: [value], maxDepth: 3 }) },
    { weight: 4, arbitrary: fc.tuple(fields(spec()), fc.dictionary(text, value, { maxKeys: 3 })).map(([known, extra]) => ({ ...extra, ...known })) },
  );
}

const BODY_ROUTES: [RestRoute, () => string, () => Record<string, fc.Arbitrary<unknown>>][] = [
  [route('POST', '/sessions'), () => '/api/v1/sessions', () => ({ name: text, metadata })],
  [route('POST', '/inboxes'), () => '/api/v1/inboxes', () => ({ sessionId: anyId(), ttlSeconds: number, metadata })],
  [
    route('POST', '/waits'),
    () => '/api/v1/waits',
    () => ({
      inboxId: anyId(),
      sessionId: anyId(),
      type: fc.constantFrom('otp', 'magic_link', 'message', 'OTP', ''),
      timeoutSeconds: number,
      filters: fields({ from: text, subjectContains: text }),
    }),
  ],
  [
    route('POST', '/inboxes/:id/messages'),
    () => `/api/v1/inboxes/${ids.inbox}/messages`,
    () => ({ raw: text, from: text, to: fc.array(text, { maxLength: 5 }), subject: text, text, html: text }),
  ],
];

/** Percent-encodes the UTF-8 of a string (lone surrogates become U+FFFD, as any client would send). */
const encode = (t: string) =>
  [...t].map((ch) => (/^[A-Za-z0-9\-_.~]$/.test(ch) ? ch : [...Buffer.from(ch, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''))).join('');
const queryKey = fc.oneof({ weight: 4, arbitrary: fc.constantFrom('limit', 'offset', 'status', 'waitSeconds', 'limit[]', '__proto__') }, { weight: 1, arbitrary: text.map((t) => t.slice(0, 20)) });
const queryValue = fc.oneof(
  fc.integer().map(String),
  fc.integer({ min: -5, max: 120 }).map(String),
  bigNumber.map(String),
  fc.constantFrom('active', 'completed', 'failed', 'expired', 'deleted', 'ACTIVE', '', '1.5', '1e3', '0x10', '+5', ' 5', 'true', 'null', '99999999999999999999'),
  text.map((t) => t.slice(0, 100)),
);
const rawJunk = fc.constantFrom('', '', '', '%', '%Z', '%FF', '%00', '+', '&&', '=', '%2B', '%E2%82');
const queryString = fc
  .array(fc.tuple(queryKey, queryValue, rawJunk, fc.boolean()), { maxLength: 6 })
  .map((pairs) => (pairs.length ? `?${pairs.map(([k, v, junk, bare]) => (bare && !v ? encode(k) : `${encode(k)}=${encode(v)}${junk}`)).join('&')}` : ''));

const LIST_ROUTES: [RestRoute, () => string][] = [
  [route('GET', '/sessions'), () => '/api/v1/sessions'],
  [route('GET', '/inboxes'), () => '/api/v1/inboxes'],
  [route('GET', '/inboxes/:id/messages'), () => `/api/v1/inboxes/${ids.inbox}/messages`],
];

// ---------------------------------------------------------------------------------------------------

function problemWith(r: RestRoute, reply: RawReply): string | null {
  if (reply.status === 0) return reply.text;
  const leak = leaks(reply.text);
  if (leak) return leak;
  if (reply.status === successStatus(r)) return null;
  if (reply.status < 400 || reply.status >= 500) return `status ${reply.status}`;
  if (!documentedStatuses(r).has(reply.status)) return `status ${reply.status} is not documented for ${routeName(r)}`;
  return contractBodyProblem(reply);
}

describe.each(BODY_ROUTES.map(([r, path, spec]) => [routeName(r), r, path, spec] as const))('arbitrary JSON bodies: %s', (_name, r, path, spec) => {
  it(`${RUNS} bodies → success or a documented 4xx, never a 5xx`, async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(bodies(spec), fc.boolean(), async (body, withKey) => {
        const text = JSON.stringify(body);
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (withKey) headers['idempotency-key'] = `prop-${Date.now()}-${n++}`; // unique: no conflicts between runs
        const reply = await send(s.url, 'POST', path(), { key: s.apiKey, headers, body: text });
        const problem = problemWith(r, reply);
        if (problem) throw new Error(`${problem}\n  body: ${short(text, 400)}\n  → ${reply.status} ${short(reply.text, 300)}`);
      }),
      { numRuns: RUNS },
    );
  }, 120_000);
});

describe.each(LIST_ROUTES.map(([r, path]) => [routeName(r), r, path] as const))('arbitrary query strings: %s', (_name, r, path) => {
  it(`${RUNS} query strings → 200 or a documented 4xx, never a 5xx`, async () => {
    await fc.assert(
      fc.asyncProperty(queryString, async (query) => {
        const reply = await send(s.url, 'GET', `${path()}${query}`, { key: s.apiKey });
        const problem = problemWith(r, reply);
        if (problem) throw new Error(`${problem}\n  query: ${short(query, 400)}\n  → ${reply.status} ${short(reply.text, 300)}`);
      }),
      { numRuns: RUNS },
    );
  }, 120_000);
});
