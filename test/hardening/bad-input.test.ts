import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildSchema,
  getNamedType,
  type GraphQLInputType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  type OperationDefinitionNode,
  parse,
  typeFromAST,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RestRoute } from '../../src/http/rest-adapter';
import { restRoutes } from '../../src/http/routes';
import { startServer, type TestServer } from '../support/server';
import {
  BODY_PARSER_ANSWERS,
  contractBodyProblem,
  documentedStatuses,
  leaks,
  nested,
  nestedJsonText,
  type RawReply,
  ROUTE_NOT_FOUND,
  UNDECODABLE_PATH,
  routeName,
  send,
  short,
  successStatus,
} from './helpers';

/**
 * Every route, REST and GraphQL, gets a battery of bad inputs, generated from the route table and the
 * schema plus a few route-specific rules. Every answer must be a documented 4xx with the contract's
 * body (or, where the input is odd but legal, the route's success) — never a 5xx, a stack, SQL text
 * or a hang (each request has a 5 s deadline).
 */

const MAX_MESSAGE_BYTES = 256 * 1024;
const schema = buildSchema(readFileSync(join(__dirname, '..', '..', 'schema.graphql'), 'utf8'));

let s: TestServer;
/** alice's resources of every kind (the routes' valid ids), and one of bob's. */
interface Fixture {
  session: string;
  inbox: string;
  wait: string;
  message: string;
}
let bob: Fixture;

async function createFixture(key?: string): Promise<Fixture> {
  const post = async (path: string, body: unknown) => {
    const r = await s.request('POST', path, { body, key });
    expect(r.status, `${path}: ${r.text}`).toBe(201);
    return r.body.id as string;
  };
  const session = await post('/api/v1/sessions', { name: 'fixture' });
  const inbox = await post('/api/v1/inboxes', { sessionId: session });
  const wait = await post('/api/v1/waits', { inboxId: inbox, type: 'message', timeoutSeconds: 600 });
  const message = await post(`/api/v1/inboxes/${inbox}/messages`, { from: 'a@example.test', subject: 'hello', text: 'hi' });
  return { session, inbox, wait, message };
}

beforeAll(async () => {
  s = await startServer({ env: { RATE_LIMIT_PER_MINUTE: '0', MAX_MESSAGE_BYTES: String(MAX_MESSAGE_BYTES) } });
  bob = await createFixture(s.otherKey);
});
afterAll(() => s?.close());

// ---------------------------------------------------------------------------------------------------
// What each route reads, from its GraphQL operation: body fields (input objects, and non-ID scalars of
// POSTs), query parameters (non-ID variables of GETs); ID variables come from the path.

type Kind = 'String' | 'ID' | 'Int' | 'JSONObject' | 'Enum' | 'StringList' | 'Object' | 'Boolean' | 'DateTime';
interface Field {
  name: string;
  kind: Kind;
  required: boolean;
  enumValues?: string[];
  fields?: Field[];
}

function fieldOf(name: string, type: GraphQLInputType): Field {
  const required = isNonNullType(type);
  const inner = required ? (type as any).ofType : type;
  const named = getNamedType(inner as GraphQLInputType);
  if (isListType(inner)) return { name, kind: 'StringList', required };
  if (isEnumType(named)) return { name, kind: 'Enum', required, enumValues: named.getValues().map((v) => v.name) };
  if (isInputObjectType(named)) return { name, kind: 'Object', required, fields: Object.values(named.getFields()).map((f) => fieldOf(f.name, f.type)) };
  return { name, kind: named.name as Kind, required };
}

/** The query parameters a route's variables() reads. */
function queryRead(route: RestRoute): Set<string> {
  const seen = new Set<string>();
  const spy = new Proxy({}, { get: (_t, k) => (typeof k === 'string' && seen.add(k), undefined), has: () => false });
  route.variables({ params: { id: 'x' }, query: spy as any, body: {} });
  return seen;
}

function shapeOf(route: RestRoute): { body: Field[]; query: Field[] } {
  const op = parse(route.operation).definitions[0] as OperationDefinitionNode;
  const body: Field[] = [];
  const query: Field[] = [];
  for (const def of op.variableDefinitions ?? []) {
    const type = typeFromAST(schema, def.type as any) as GraphQLInputType;
    const field = fieldOf(def.variable.name.value, type);
    // A default makes a non-null variable optional.
    if (def.defaultValue) field.required = false;
    if (field.kind === 'ID') continue; // from the path
    if (field.kind === 'Object') body.push(...field.fields!);
    else if (route.method === 'GET') {
      // Variables the route computes (e.g. the timeline's $paged) are not query parameters.
      if (queryRead(route).has(field.name)) query.push(field);
    } else body.push(field);
  }
  return { body, query };
}

const idKind = (route: RestRoute): keyof Fixture | null => {
  const m = /^\/(sessions|inboxes|messages|waits)\/:id/.exec(route.path);
  return m ? (({ sessions: 'session', inboxes: 'inbox', messages: 'message', waits: 'wait' }) as const)[m[1] as 'sessions'] : null;
};

/** A valid body per body-reading route (fixture ids filled in): each case spoils one thing of it. */
const VALID_BODIES: Partial<Record<string, (f: Fixture) => Record<string, unknown>>> = {
  'POST /api/v1/sessions': () => ({ name: 'flow', metadata: { env: 'test' } }),
  'POST /api/v1/sessions/:id/fail': () => ({ reason: 'boom' }),
  'POST /api/v1/inboxes': (f) => ({ sessionId: f.session, ttlSeconds: 3600, metadata: { env: 'test' } }),
  'POST /api/v1/inboxes/:id/messages': () => ({ from: 'a@example.test', to: ['b@example.test'], subject: 'Code', text: 'Your code is 123456', html: '<p>hi</p>' }),
  'POST /api/v1/waits': (f) => ({ inboxId: f.inbox, type: 'otp', timeoutSeconds: 600, filters: { from: 'a@example.test', subjectContains: 'Code' } }),
};

/** Values the documentation says a field refuses, beyond wrong types (which every field refuses). */
const MUST_REFUSE: Record<string, unknown[]> = {
  name: ['', '   ', 'x'.repeat(201), '🙂'.repeat(201), 'a\u0000b'],
  reason: ['', '   ', 'x'.repeat(1001), 'a\u0000b'],
  metadata: [{ blob: 'x'.repeat(17 * 1024) }, nested(21), { 'a\u0000': 1 }, { a: 'b\u0000' }, { a: [1, { b: '\u0000' }] }],
  ttlSeconds: [0, -1, 604801, 2 ** 31, -(2 ** 31) - 1, 1e308, 1.5],
  timeoutSeconds: [0, -1, 601, 2 ** 31, 1e308, 1.5],
  from: ['', '   ', 'x'.repeat(999)],
  'filters.from': ['', 'x'.repeat(321)],
  'filters.subjectContains': ['', 'x'.repeat(1001)],
  subject: ['x'.repeat(999)],
  raw: ['', 'x'.repeat(MAX_MESSAGE_BYTES + 1)],
};

// ---------------------------------------------------------------------------------------------------
// The battery.

type Expect = 'refuse' | 'any';
interface Case {
  name: string;
  expect: Expect;
  build: (f: Fixture) => { path: string; headers?: Record<string, string>; body?: string | Buffer; key?: string | null };
}

const HUGE = 'h'.repeat(300_000);
const UNICODE = ['🙂 émoji ‮rtl‬ ​zw', '\u0301\u0301combining', 'ｆｕｌｌｗｉｄｔｈ', '\ud800 lone surrogate', '\udfff\ud800 reversed pair', '\u0001\u001f control', 'line\r\nbreak'];
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const SQLISH = ["' OR 1=1 --", 'x"; DROP TABLE "Session"; --', '%', '_', '\\'];
const WRONG_TYPES: Record<Kind, unknown[]> = {
  String: [123, 1.5, true, false, {}, { a: 1 }, [1], ['a', 'b']],
  ID: [true, {}, [], ['sess_x'], 1.5],
  Int: ['5', '', 'abc', true, {}, [], [1], 1.5, 2 ** 31, -(2 ** 31) - 1, 2 ** 53 + 2, 1e308, -1e308],
  JSONObject: [[], [1, 2], 'str', '', 1, 0, true, false],
  Enum: ['bogus', '', 'OTP', 'otp\u0000', 1, true, {}, []],
  StringList: [[1], [null], [['x']], [{}], {}, 1, true],
  Object: ['str', 1, true, []],
  Boolean: ['true', 1, 0, 'yes', {}, []],
  DateTime: [123, true, {}, [], '', 'yesterday', '2024-06-12', '2024-06-12T10:00:00', '1718186400', '2024-13-45T99:99:99Z'],
};
/** Ids that cannot be the route's: other prefixes, bad formats, traversal, NUL, huge. */
const BAD_IDS = (f: Fixture, kind: keyof Fixture | null): [string, string][] => [
  ...(Object.entries(f) as [keyof Fixture, string][]).filter(([k]) => k !== kind).map(([k, v]) => [`a real ${k} id (wrong prefix)`, v] as [string, string]),
  ...(kind ? [[`bob's ${kind}`, bob?.[kind] ?? 'B'] as [string, string]] : []),
  ['a prefix alone', 'sess_'],
  ['too short', 'sess_abc'],
  ['right length, bad characters', `sess_${'!'.repeat(22)}`],
  ['upper-case prefix', `SESS_${'A'.repeat(22)}`],
  ['no prefix', 'A'.repeat(27)],
  ['traversal', '../../etc/passwd'],
  ['NUL', '\u0000'],
  ['NUL after a prefix', `sess_${'A'.repeat(21)}\u0000`],
  ['unicode', '☃🙂'],
  ['huge', `sess_${'A'.repeat(100_000)}`],
];

/** Path ids, written as they travel: URL-encoded where a client would encode them, raw where not. */
const BAD_PATH_IDS: [string, string][] = [
  ['encoded traversal', '..%2F..%2Fetc%2Fpasswd'],
  ['double-encoded traversal', '..%252F..%252Fetc%252Fpasswd'],
  ['raw traversal', '../../etc/passwd'],
  ['dot-dot', '..'],
  ['encoded dot-dot', '%2e%2e'],
  ['dot', '.'],
  ['encoded NUL', '%00'],
  ['NUL in an id', `sess_${'A'.repeat(10)}%00${'A'.repeat(11)}`],
  ['malformed escape', '%'],
  ['bad escape', '%ZZ'],
  ['invalid UTF-8', '%FF%FE'],
  ['overlong UTF-8 slash', '%C0%AF'],
  ['encoded unicode', '%E2%98%83%F0%9F%99%82'],
  ['encoded space', '%20'],
  ['encoded newline', 'sess_%0D%0AX-Injected:%201'],
  ['query-looking', 'x%3Flimit%3D1'],
  ['very long (8 KB)', `sess_${'A'.repeat(8_000)}`],
  ['wrong format', 'sess_short'],
  ['right length, bad characters', `sess_${'-'.repeat(22)}`],
  ['SQL-ish', "x'%20OR%20'1'%3D'1"],
];

function jsonCase(name: string, expect: Expect, route: RestRoute, body: (f: Fixture) => unknown, headers: Record<string, string> = {}): Case {
  return { name, expect, build: (f) => ({ path: pathFor(route, f), headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body(f)) }) };
}
function rawCase(name: string, expect: Expect, route: RestRoute, body: string | Buffer | ((f: Fixture) => string | Buffer), headers: Record<string, string> = { 'content-type': 'application/json' }): Case {
  return { name, expect, build: (f) => ({ path: pathFor(route, f), headers, body: typeof body === 'function' ? body(f) : body }) };
}
const pathFor = (route: RestRoute, f: Fixture, id?: string, query = '') => {
  const kind = idKind(route);
  return `/api/v1${route.path.replace(':id', id ?? (kind ? f[kind] : ''))}${query}`;
};

function valueCases(route: RestRoute, base: (f: Fixture) => Record<string, unknown>, field: Field, prefix: string[] = []): Case[] {
  const label = [...prefix, field.name].join('.');
  const set = (f: Fixture, value: unknown) => {
    const body = structuredClone(base(f));
    let at: any = body;
    for (const p of prefix) at = at[p] = at[p] && typeof at[p] === 'object' ? at[p] : {};
    if (value === undefined) delete at[field.name];
    else at[field.name] = value;
    return body;
  };
  const cases: Case[] = [];
  const add = (what: string, expect: Expect, value: (f: Fixture) => unknown) =>
    cases.push(jsonCase(`${label}: ${what}`, expect, route, (f) => set(f, value(f))));

  add('missing', field.required ? 'refuse' : 'any', () => undefined);
  add('null', field.required ? 'refuse' : 'any', () => null);
  for (const v of WRONG_TYPES[field.kind]) add(`wrong type ${short(JSON.stringify(v), 40)}`, 'refuse', () => v);
  for (const v of MUST_REFUSE[label] ?? []) add(`refused value ${short(JSON.stringify(v), 40)}`, 'refuse', () => v);
  if (field.kind === 'String' || field.kind === 'StringList' || field.kind === 'ID') {
    const wrap = (v: string) => (field.kind === 'StringList' ? [v] : v);
    for (const v of ['', '   ', HUGE, 'a\u0000b', '\u0000', ...UNICODE, ...SQLISH]) add(`string ${short(JSON.stringify(v), 40)}`, 'any', () => wrap(v));
  }
  if (field.kind === 'ID') {
    const kind = field.name === 'sessionId' ? 'session' : 'inbox';
    cases.push(...idValueCases(route, set, label, kind));
  }
  if (field.kind === 'StringList') {
    add('10 000 addresses', 'any', () => Array(10_000).fill('x@example.test'));
    add('a single string for a list', 'any', () => 'x@example.test');
    add('an empty list', 'any', () => []);
  }
  if (field.kind === 'JSONObject') {
    add('empty object', 'any', () => ({}));
    add('nested 20 levels', 'any', () => nested(19));
    add('nested 1000 levels', 'refuse', () => nested(1000));
    add('unicode keys and values', 'any', () => Object.fromEntries(UNICODE.filter((u) => !LONE_SURROGATE.test(u)).map((u, i) => [u, `${u}${i}`])));
    add('the text \\u0000 (not a NUL)', 'any', () => ({ k: '\\u0000' }));
    add('lone surrogate value', 'refuse', () => ({ k: '\ud800' }));
    add('lone surrogate key', 'refuse', () => ({ '\udc00': 1 }));
    add('big numbers', 'any', () => ({ big: 1e308, small: -1e308, tiny: 5e-324, unsafe: 2 ** 53 + 2 }));
    add('1000 keys', 'any', () => Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`k${i}`, i])));
    add('prototype-looking keys', 'any', () => JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}'));
  }
  if (field.kind === 'Object') for (const sub of field.fields!) cases.push(...valueCases(route, base, sub, [...prefix, field.name]));
  if (field.kind === 'Object') {
    add('unknown field inside', 'any', () => ({ unknown: 1 }));
    add('empty object', 'any', () => ({}));
  }
  return cases;
}

function idValueCases(route: RestRoute, set: (f: Fixture, v: unknown) => unknown, label: string, kind: keyof Fixture): Case[] {
  // Built per fixture: which ids are "wrong" depends on it.
  return BAD_IDS({ session: 'S', inbox: 'I', wait: 'W', message: 'M' }, kind).map(([what], i) =>
    jsonCase(`${label}: ${what}`, 'refuse', route, (f) => set(f, BAD_IDS(f, kind)[i][1])),
  );
}

function queryCases(route: RestRoute, fields: Field[]): Case[] {
  const at = (query: string): Case['build'] => (f) => ({ path: pathFor(route, f, undefined, query) });
  const cases: Case[] = [
    { name: 'query: unknown parameter', expect: 'any', build: at('?unknown=1') },
    { name: 'query: bracket syntax', expect: 'any', build: at('?limit[]=1&a[b][c]=d') },
    { name: 'query: __proto__', expect: 'any', build: at('?__proto__=1&constructor=x') },
    { name: 'query: malformed escapes', expect: 'any', build: at('?%ZZ=%&=%FF') },
    { name: 'query: 6 KB', expect: 'any', build: at(`?q=${'x'.repeat(6_000)}`) },
    // Node's HTTP parser refuses a request head over 16 KB itself (see the 'request head' test below).
    { name: 'query: 1000 parameters', expect: 'any', build: at(`?${Array.from({ length: 1000 }, (_, i) => `p${i}=${i}`).join('&')}`) },
  ];
  for (const field of fields) {
    const q = (what: string, expect: Expect, query: string) => cases.push({ name: `query ${field.name}: ${what}`, expect, build: at(`?${query}`) });
    q('repeated', 'refuse', `${field.name}=1&${field.name}=2`);
    q('repeated, same value', 'refuse', `${field.name}=active&${field.name}=active`);
    q('NUL', 'refuse', `${field.name}=%00`);
    q('unicode', 'refuse', `${field.name}=%E2%98%83`);
    q('huge', 'refuse', `${field.name}=${'9'.repeat(5_000)}`);
    q('SQL-ish', 'refuse', `${field.name}=1%20OR%201%3D1`);
    q('empty', 'any', `${field.name}=`);
    q('no value', 'any', field.name);
    if (field.kind === 'Int') {
      for (const v of ['abc', '1.5', '1e3', '0x10', '99999999999999999999', '-2147483649', '2147483648', 'Infinity', 'NaN', '%201', 'true']) q(v, 'refuse', `${field.name}=${v}`);
      const range: Record<string, string[]> = { limit: route.path.endsWith('/timeline') ? ['0', '-1', '501'] : ['0', '-1', '101'], offset: ['-1'], waitSeconds: ['-1', '61', '%2B61'] };
      for (const v of range[field.name] ?? []) q(`out of range ${v}`, 'refuse', `${field.name}=${v}`);
    }
    if (field.kind === 'Enum') for (const v of ['bogus', 'ACTIVE', 'deleted%00', 'active,failed']) q(v, 'refuse', `${field.name}=${v}`);
  }
  if (route.path === '/inboxes' && route.method === 'GET') cases.push({ name: 'query status: deleted (not a filter)', expect: 'refuse', build: at('?status=deleted') });
  return cases;
}

function casesFor(route: RestRoute): Case[] {
  const name = routeName(route);
  const { body: bodyFields, query } = shapeOf(route);
  const kind = idKind(route);
  const cases: Case[] = [];
  const valid = VALID_BODIES[name];
  if (route.readsBody && !valid) throw new Error(`${name} reads a body: add a valid one to VALID_BODIES`);
  const validText = (f: Fixture) => (valid ? JSON.stringify(valid(f)) : '');
  const withBody = (f: Fixture) => (valid ? { headers: { 'content-type': 'application/json' }, body: validText(f) } : {});

  // Authentication first: no key, bad keys (nothing else is looked at).
  for (const [what, auth] of [
    ['no key', undefined],
    ['empty bearer', 'Bearer '],
    ['basic auth', 'Basic YWxpY2U6c2VjcmV0'],
    ['unknown key', `Bearer sgk_${'A'.repeat(40)}`],
    ['huge key', `Bearer sgk_${'A'.repeat(8_000)}`],
    ['latin-1 key', 'Bearer sgk_\u00e9\u00e9'],
  ] as const) {
    cases.push({ name: `auth: ${what}`, expect: 'refuse', build: (f) => ({ path: pathFor(route, f), key: null, ...withBody(f), headers: { ...withBody(f).headers, ...(auth ? { authorization: auth } : {}) } }) });
  }

  // Path ids.
  if (kind) {
    for (const [what, id] of BAD_IDS({ session: 'S', inbox: 'I', wait: 'W', message: 'M' }, kind).map(([w], i) => [w, i] as const)) {
      cases.push({
        name: `id: ${what}`,
        expect: 'refuse',
        build: (f) => ({ path: pathFor(route, f, encodeURIComponent(BAD_IDS(f, kind)[id][1]).slice(0, 8_000)), ...withBody(f) }),
      });
    }
    for (const [what, raw] of BAD_PATH_IDS) cases.push({ name: `path id: ${what}`, expect: 'refuse', build: (f) => ({ path: pathFor(route, f, raw), ...withBody(f) }) });
    // `/sessions/` is the list route (a trailing slash is allowed), `/sessions//complete` no route.
    cases.push({ name: 'path id: empty', expect: 'any', build: (f) => ({ path: pathFor(route, f, ''), ...withBody(f) }) });
  }

  cases.push(...queryCases(route, query));

  if (route.readsBody) {
    for (const field of bodyFields) cases.push(...valueCases(route, valid!, field));
    cases.push(jsonCase('body: empty object', bodyFields.some((f) => f.required) || name.endsWith('/messages') ? 'refuse' : 'any', route, () => ({})));
    // Unknown fields are refused by name (test/http/unknown-fields.test.ts), not dropped.
    cases.push(jsonCase('body: extra fields', 'refuse', route, (f) => ({ ...valid!(f), extra: 'x', id: 'sess_x', status: 'failed', ownerId: 'own_x' })));
    for (const [what, text] of [
      ['truncated', '{"name": '],
      ['open brace', '{'],
      ['close brace', '}'],
      ['single quotes', "{'name':'x'}"],
      ['trailing comma', '{"name":"x",}'],
      ['comment', '{"name":"x" /* c */}'],
      ['undefined', 'undefined'],
      ['NaN value', '{"name":NaN}'],
      ['trailing garbage', '{"name":"x"}garbage'],
      ['two objects', '{"name":"x"}{"name":"y"}'],
      ['NUL byte', '\u0000'],
      ['raw NUL inside a string', '{"name":"a\u0000b"}'],
      ['unescaped control character', '{"name":"a\u0001b"}'],
      ['bad escape', '{"name":"\\x41"}'],
      ['truncated unicode escape', '{"name":"\\u12"}'],
      ['nested 100 000 levels', `{"metadata":${nestedJsonText(100_000)}}`],
      ['array 100 000 levels', `{"metadata":{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}}`],
      ['null', 'null'],
      ['true', 'true'],
      ['number', '123'],
      ['string', '"name"'],
      ['array', '[]'],
      ['array of the body', (f: Fixture) => `[${validText(f)}]`],
    ] as const) {
      cases.push(rawCase(`body: ${what}`, 'refuse', route, text));
    }
    for (const [what, text] of [
      ['1e400 everywhere', (f: Fixture) => validText(f).replace(/:(\d+)/g, ':1e400')],
      ['-0 everywhere', (f: Fixture) => validText(f).replace(/:(\d+)/g, ':-0')],
      ['duplicate keys', (f: Fixture) => validText(f).replace(/^\{/, '{"name":"dup","reason":"dup","from":"dup@example.test",')],
      ['escaped NUL in an extra field', (f: Fixture) => validText(f).replace(/^\{/, '{"extra":"\\u0000",')],
      ['lone surrogates everywhere', (f: Fixture) => validText(f).replace(/"(flow|boom|Code|env|test|hi)"/g, '"\\ud800$1\\udfff"')],
      ['BOM', (f: Fixture) => `\ufeff${validText(f)}`],
      ['prototype keys', (f: Fixture) => validText(f).replace(/^\{/, '{"__proto__":{"name":"p"},"constructor":{"prototype":{}},')],
    ] as const) {
      cases.push(rawCase(`body: ${what}`, what === '1e400 everywhere' && /ttlSeconds|timeoutSeconds/.test(JSON.stringify(bodyFields.map((b) => b.name))) ? 'refuse' : 'any', route, text));
    }
    cases.push(rawCase('body: invalid UTF-8 bytes in a string', 'any', route, (f) => Buffer.concat([Buffer.from(validText(f).slice(0, -1)), Buffer.from(',"extra":"\xff\xfe"}', 'latin1')])));
    cases.push(rawCase('body: over 1 MB', 'refuse', route, `{"name":"${'x'.repeat(1024 * 1024 + 10)}"}`));
    cases.push(rawCase('body: deep and huge with an Idempotency-Key', 'refuse', route, `{"metadata":${nestedJsonText(100_000)}}`, { 'content-type': 'application/json', 'idempotency-key': 'deep' }));

    const rawOk = route.rawBodyTypes ?? [];
    for (const [what, headers, expect] of [
      ['no Content-Type', {}, 'refuse'],
      ['text/plain', { 'content-type': 'text/plain' }, rawOk.includes('text/plain') ? 'any' : 'refuse'],
      ['form', { 'content-type': 'application/x-www-form-urlencoded' }, 'refuse'],
      ['multipart', { 'content-type': 'multipart/form-data; boundary=xyz' }, 'refuse'],
      ['xml', { 'content-type': 'application/xml' }, 'refuse'],
      ['merge-patch json', { 'content-type': 'application/merge-patch+json' }, 'refuse'],
      ['message/rfc822', { 'content-type': 'message/rfc822' }, rawOk.includes('message/rfc822') ? 'any' : 'refuse'],
      ['json latin-1', { 'content-type': 'application/json; charset=latin1' }, 'refuse'],
      ['json utf-16', { 'content-type': 'application/json; charset=utf-16' }, 'refuse'],
      ['json, bogus charset', { 'content-type': 'application/json; charset=bogus-8' }, 'refuse'],
      ['upper-case JSON', { 'content-type': 'APPLICATION/JSON' }, 'any'],
      ['malformed Content-Type', { 'content-type': ';;;/' }, 'refuse'],
      ['gzip that is not', { 'content-type': 'application/json', 'content-encoding': 'gzip' }, 'refuse'],
      ['unknown encoding', { 'content-type': 'application/json', 'content-encoding': 'x-unknown' }, 'refuse'],
    ] as const) {
      cases.push(rawCase(`content type: ${what}`, expect as Expect, route, validText, headers as Record<string, string>));
    }
    if (route.idempotent) {
      for (const [what, key] of [
        ['empty', ''],
        ['a space', ' '],
        ['256 characters', 'k'.repeat(256)],
        ['non-ASCII', 'clé'],
        ['inner space', 'a b'],
      ] as const) {
        cases.push(jsonCase(`Idempotency-Key: ${what}`, 'refuse', route, valid!, { 'idempotency-key': key }));
      }
    }
  } else {
    // Routes that read no body: one sent anyway is ignored, unless the body parser cannot read it.
    cases.push(rawCase('stray body: malformed JSON', 'refuse', route, '{"x": '));
    cases.push(rawCase('stray body: over 1 MB', 'refuse', route, `{"x":"${'x'.repeat(1024 * 1024 + 10)}"}`));
    cases.push(rawCase('stray body: JSON', 'any', route, '{"reason":"x","name":"y"}'));
    cases.push(rawCase('stray body: text', 'any', route, 'hello', { 'content-type': 'text/plain' }));
    cases.push(rawCase('stray body: no Content-Type', 'any', route, 'hello', {}));
    cases.push(rawCase('stray body: bad charset', 'refuse', route, '{}', { 'content-type': 'application/json; charset=utf-16' }));
  }
  if (route.rawBodyTypes) {
    for (const type of route.rawBodyTypes) {
      cases.push(rawCase(`raw ${type}: empty`, 'refuse', route, '', { 'content-type': type }));
      cases.push(rawCase(`raw ${type}: over MAX_MESSAGE_BYTES`, 'refuse', route, `Subject: x\r\n\r\n${'x'.repeat(MAX_MESSAGE_BYTES + 1)}`, { 'content-type': type }));
      for (const [what, text] of [
        ['garbage', '\u0000\u0001\u0002 not a message'],
        ['headers only', 'From: a@example.test\r\nSubject: x\r\n'],
        ['broken MIME', 'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!!\r\n'],
        ['NUL everywhere', 'From: a\u0000@example.test\r\nSubject: \u0000\r\n\r\n\u0000'],
        ['unknown charset', 'Content-Type: text/plain; charset=x-nope\r\nSubject: =?x-nope?B?AAAA?=\r\n\r\nbody'],
        ['10 000 headers', `${'X-H: v\r\n'.repeat(10_000)}\r\nbody`],
        ['one 200 KB header line', `Subject: ${'s'.repeat(200_000)}\r\n\r\nbody`],
      ] as const) {
        cases.push(rawCase(`raw ${type}: ${what}`, 'any', route, text, { 'content-type': type }));
      }
    }
  }
  return cases;
}

// ---------------------------------------------------------------------------------------------------
// The verdict on one answer.

function verdict(route: RestRoute, c: Case, reply: RawReply): string | null {
  if (reply.status === 0) return reply.text;
  const leak = leaks(reply.text);
  if (leak) return leak;
  const documented = documentedStatuses(route);
  if (reply.status >= 200 && reply.status < 300) {
    if (c.expect === 'refuse') return `accepted (${reply.status}) what it must refuse`;
    return reply.status === successStatus(route) ? null : `success status ${reply.status}, documented ${successStatus(route)}`;
  }
  if (reply.status < 400 || reply.status >= 500) return `status ${reply.status}`;
  const problem = contractBodyProblem(reply);
  if (problem) return problem;
  if (documented.has(reply.status)) return null;
  const b = reply.body as { error: string; message: string };
  const sameAs = (e: { error: string; message: string }) => e.error === b.error && e.message === b.message;
  if ((BODY_PARSER_ANSWERS[reply.status] ?? []).some(sameAs)) return null;
  if (reply.status === 404 && sameAs(ROUTE_NOT_FOUND)) return null;
  // `/inboxes/` is the list's path: another method there is the Errors section's 405, with Allow.
  if (reply.status === 405 && b.error === 'Method not allowed' && c.name === 'path id: empty' && reply.headers.get('allow')) return null;
  if (reply.status === 400 && sameAs(UNDECODABLE_PATH) && /^path id: (malformed escape|bad escape|invalid UTF-8|overlong UTF-8)/.test(c.name)) return null;
  return `status ${reply.status} is not documented for this route (${[...documented].join(', ')})`;
}

describe.each(restRoutes.map((r) => [routeName(r), r] as const))('REST %s', (_name, route) => {
  let f: Fixture;
  beforeAll(async () => {
    f = await createFixture(); // every route gets its own: some cases succeed and change state
  });

  it.each(casesFor(route).map((c) => [c.name, c] as const))('%s', async (_n, c) => {
    const req = c.build(f);
    const key = req.key === undefined ? s.apiKey : req.key;
    const reply = await send(s.url, route.method, req.path, { key, headers: req.headers, body: req.body });
    const problem = verdict(route, c, reply);
    expect(problem, `${route.method} ${short(req.path, 200)} → ${reply.status} ${short(reply.text, 300)}`).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------------------
// GraphQL: the same battery through the variables of every operation the routes run.

const OK_CODES = new Set([
  'BAD_USER_INPUT',
  'GRAPHQL_VALIDATION_FAILED',
  'GRAPHQL_PARSE_FAILED',
  'NOT_FOUND',
  'CONFLICT',
  'BAD_REQUEST',
  'UNAUTHENTICATED',
  'PERSISTED_QUERY_NOT_FOUND',
  'OPERATION_RESOLUTION_FAILURE',
]);

interface GqlCase {
  name: string;
  expect: Expect;
  variables: (f: Fixture) => Record<string, unknown>;
}

function gqlCases(route: RestRoute): GqlCase[] {
  const op = parse(route.operation).definitions[0] as OperationDefinitionNode;
  const defs = (op.variableDefinitions ?? []).map((d) => ({ def: d, field: fieldOf(d.variable.name.value, typeFromAST(schema, d.type as any) as GraphQLInputType) }));
  const kind = idKind(route);
  // Valid variables: REST's valid body / the fixture's id, mapped through the route's own variables().
  const validVars = (f: Fixture) => {
    const body = VALID_BODIES[routeName(route)]?.(f) ?? {};
    const vars = route.variables({ params: { id: kind ? f[kind] : '' }, query: {}, body });
    return JSON.parse(JSON.stringify(vars)) as Record<string, unknown>;
  };
  const cases: GqlCase[] = [];
  for (const { field } of defs) {
    const fields = field.kind === 'Object' ? field.fields!.map((sub) => ({ sub, path: [field.name] })) : [{ sub: field, path: [] as string[] }];
    if (field.kind === 'Object') {
      for (const v of WRONG_TYPES.Object) cases.push({ name: `$${field.name}: wrong type ${JSON.stringify(v)}`, expect: 'refuse', variables: (f) => ({ ...validVars(f), [field.name]: v }) });
      cases.push({ name: `$${field.name}: unknown field`, expect: 'refuse', variables: (f) => ({ ...validVars(f), [field.name]: { ...(validVars(f)[field.name] as object), nope: 1 } }) });
    }
    for (const { sub, path } of fields) {
      const setIn = (vars: Record<string, unknown>, v: unknown) => {
        let at: any = vars;
        for (const p of path) at = at[p] = at[p] && typeof at[p] === 'object' ? at[p] : {};
        if (v === undefined) delete at[sub.name];
        else at[sub.name] = v;
        return vars;
      };
      const label = `$${[...path, sub.name].join('.')}`;
      const add = (what: string, expect: Expect, v: (f: Fixture) => unknown) => cases.push({ name: `${label}: ${what}`, expect, variables: (f) => setIn(validVars(f), v(f)) });
      add('missing', sub.required ? 'refuse' : 'any', () => undefined);
      add('null', sub.required ? 'refuse' : 'any', () => null);
      const wrong = sub.kind === 'ID' ? [true, {}, [], 1.5] : WRONG_TYPES[sub.kind];
      for (const v of wrong) add(`wrong type ${short(JSON.stringify(v), 40)}`, 'refuse', () => v);
      for (const v of MUST_REFUSE[[...path, sub.name].join('.')] ?? MUST_REFUSE[sub.name] ?? []) add(`refused value ${short(JSON.stringify(v), 40)}`, 'refuse', () => v);
      if (sub.kind === 'String' || sub.kind === 'StringList') {
        const wrap = (v: string) => (sub.kind === 'StringList' ? [v] : v);
        for (const v of [HUGE, 'a\u0000b', ...UNICODE.slice(0, 4)]) add(`string ${short(JSON.stringify(v), 30)}`, 'any', () => wrap(v));
      }
      if (sub.kind === 'JSONObject') {
        add('nested 1000 levels', 'refuse', () => nested(1000));
        add('lone surrogate value', 'refuse', () => ({ k: '\ud800' }));
        add('NUL in a value', 'refuse', () => ({ k: 'a\u0000' }));
      }
      if (sub.kind === 'Object') for (const leaf of sub.fields!) {
        for (const v of [123, {}, 'x'.repeat(1000), '\u0000', '\ud800']) {
          cases.push({ name: `${label}.${leaf.name}: ${short(JSON.stringify(v), 30)}`, expect: 'any', variables: (f) => setIn(validVars(f), { [leaf.name]: v }) });
        }
      }
      if (sub.kind === 'ID') {
        const idk = sub.name === 'sessionId' ? 'session' : sub.name === 'inboxId' ? 'inbox' : (kind ?? 'session');
        BAD_IDS({ session: 'S', inbox: 'I', wait: 'W', message: 'M' }, idk).forEach(([what], i) =>
          add(what, 'refuse', (f) => BAD_IDS(f, idk)[i][1]),
        );
        add('an integer', 'any', () => 12345);
      }
    }
  }
  cases.push({ name: 'variables: an unknown one', expect: 'any', variables: (f) => ({ ...validVars(f), nope: 1 }) });
  return cases;
}

function gqlVerdict(c: { expect: Expect }, reply: RawReply): string | null {
  if (reply.status === 0) return reply.text;
  const leak = leaks(reply.text);
  if (leak) return leak;
  if (reply.status >= 500) return `HTTP ${reply.status}`;
  const body = reply.body as { data?: unknown; errors?: { message: unknown; extensions?: { code?: unknown } }[] };
  if (!body || typeof body !== 'object') return `not a JSON object: ${typeof reply.body}`;
  const errors = body.errors ?? [];
  if (!Array.isArray(errors)) return 'errors is not a list';
  for (const e of errors) {
    if (typeof e.message !== 'string') return 'an error without a message';
    if (!OK_CODES.has(String(e.extensions?.code))) return `error code ${e.extensions?.code}`;
  }
  if (c.expect === 'refuse' && errors.length === 0) return 'accepted what it must refuse';
  if (errors.length && reply.status !== 200 && reply.status !== 400 && reply.status !== 413 && reply.status !== 415) return `HTTP ${reply.status} with errors`;
  return null;
}

const operations = [...new Map(restRoutes.map((r) => [r.operation, r])).values()];

describe.each(operations.map((r) => [(parse(r.operation).definitions[0] as OperationDefinitionNode).name!.value, r] as const))('GraphQL %s', (_name, route) => {
  let f: Fixture;
  beforeAll(async () => {
    f = await createFixture();
  });

  it.each(gqlCases(route).map((c) => [c.name, c] as const))('%s', async (_n, c) => {
    const reply = await send(s.url, 'POST', '/graphql', {
      key: s.apiKey,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: route.operation, variables: c.variables(f) }),
    });
    expect(gqlVerdict(c, reply), short(reply.text, 400)).toBeNull();
  });
});

describe('GraphQL transport', () => {
  const q = '{ sessions { pagination { total } } }';
  const json = { 'content-type': 'application/json' };
  /** '4xx': refused at the HTTP level. 'refuse': GraphQL errors (any status < 500), none internal. 'any': nothing internal. */
  it.each([
    ['malformed JSON', '4xx', '{"query": ', json],
    ['no Content-Type', '4xx', JSON.stringify({ query: q }), {}],
    ['text/plain (CSRF-able)', '4xx', JSON.stringify({ query: q }), { 'content-type': 'text/plain' }],
    ['form', '4xx', `query=${encodeURIComponent(q)}`, { 'content-type': 'application/x-www-form-urlencoded' }],
    ['latin-1 JSON', '4xx', JSON.stringify({ query: q }), { 'content-type': 'application/json; charset=latin1' }],
    ['body is an array (batch)', '4xx', JSON.stringify([{ query: q }, { query: q }]), json],
    ['body is null', '4xx', 'null', json],
    ['body is a string', '4xx', '"query"', json],
    ['no query', '4xx', JSON.stringify({ variables: {} }), json],
    ['query is a number', '4xx', JSON.stringify({ query: 123 }), json],
    ['query is empty', '4xx', JSON.stringify({ query: '' }), json],
    ['query has a NUL', '4xx', JSON.stringify({ query: `${q}\u0000` }), json],
    ['query is 900 KB', '4xx', JSON.stringify({ query: `{ ${'sessions { pagination { total } } '.repeat(25_000)} }` }), json],
    ['query over 1 MB', '4xx', JSON.stringify({ query: `# ${'x'.repeat(1024 * 1024)}\n${q}` }), json],
    ['query nested 100 levels', '4xx', JSON.stringify({ query: `{ ${'session(id: "x") { inboxes { session { '.repeat(50)} id ${'} } }'.repeat(50)} }` }), json],
    ['variables is a string', '4xx', JSON.stringify({ query: q, variables: 'x' }), json],
    ['variables is an array', '4xx', JSON.stringify({ query: q, variables: [1] }), json],
    ['unused variables nested 100 000 levels', 'any', `{"query":${JSON.stringify(q)},"variables":${nestedJsonText(100_000)}}`, json],
    ['used variable nested 100 000 levels', 'refuse', `{"query":"mutation($m: JSONObject) { createSession(input: {name: \\"x\\", metadata: $m}) { id } }","variables":{"m":${nestedJsonText(100_000)}}}`, json],
    ['operationName is a number', '4xx', JSON.stringify({ query: q, operationName: 1 }), json],
    ['operationName unknown', '4xx', JSON.stringify({ query: q, operationName: 'Nope' }), json],
    ['two operations, none named', '4xx', JSON.stringify({ query: `query A ${q} query B ${q}` }), json],
    ['unknown persisted query (APQ protocol: 200 PERSISTED_QUERY_NOT_FOUND)', 'any', JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: 'x'.repeat(64) } } }), json],
    ['extensions is a string', '4xx', JSON.stringify({ query: q, extensions: 'x' }), json],
    ['unknown field', '4xx', JSON.stringify({ query: '{ nope }' }), json],
    ['lone surrogate in a string literal', 'any', JSON.stringify({ query: '{ session(id: "\ud800") { id } }' }), json],
    ['huge literal id (over the token limit?)', 'any', JSON.stringify({ query: `{ session(id: "${'A'.repeat(200_000)}") { id } }` }), json],
    ['NUL id literal', 'any', JSON.stringify({ query: '{ session(id: "\\u0000") { id } }' }), json],
    ['deep JSONObject literal', 'refuse', JSON.stringify({ query: `mutation { createSession(input: { name: "x", metadata: ${nestedJsonText(500).replaceAll('"a"', 'a')} }) { id } }` }), json],
  ] as const)('%s', async (_what, expectation, body, headers) => {
    const reply = await send(s.url, 'POST', '/graphql', { key: s.apiKey, headers: headers as Record<string, string>, body });
    if (expectation === '4xx') {
      expect(reply.status, short(reply.text, 300)).toBeGreaterThanOrEqual(400);
      expect(reply.status, short(reply.text, 300)).toBeLessThan(500);
      expect(leaks(reply.text), short(reply.text, 300)).toBeNull();
      expect(reply.text).not.toMatch(/INTERNAL_SERVER_ERROR/);
    } else {
      expect(gqlVerdict({ expect: expectation }, reply), short(reply.text, 300)).toBeNull();
    }
  });

  it.each([
    ['GET without a preflight header', `/graphql?query=${encodeURIComponent(q)}`, {}],
    ['GET with a mutation', `/graphql?query=${encodeURIComponent('mutation { createSession(input: {name: "x"}) { id } }')}`, { 'apollo-require-preflight': 'true' }],
    ['GET, variables not JSON', `/graphql?query=${encodeURIComponent(q)}&variables=%7B`, { 'apollo-require-preflight': 'true' }],
    ['GET, repeated query', `/graphql?query=${encodeURIComponent(q)}&query=${encodeURIComponent(q)}`, { 'apollo-require-preflight': 'true' }],
    ['GET, no query', '/graphql', { 'apollo-require-preflight': 'true' }],
    ['GET, path traversal', '/graphql/..%2F..%2Fetc%2Fpasswd', {}],
  ] as const)('%s → 4xx, nothing internal', async (_what, path, headers) => {
    const reply = await send(s.url, 'GET', path, { key: s.apiKey, headers: headers as Record<string, string> });
    expect(reply.status, short(reply.text, 300)).toBeGreaterThanOrEqual(400);
    expect(reply.status, short(reply.text, 300)).toBeLessThan(500);
    expect(leaks(reply.text), short(reply.text, 300)).toBeNull();
    expect(reply.text).not.toMatch(/INTERNAL_SERVER_ERROR/);
  });
});

describe('request head', () => {
  // Node's HTTP parser answers a request head over 16 KB (maxHeaderSize) before Express sees it: a
  // 431 without the contract's body. Not a 5xx and not a hang; noted in the hardening report.
  it('a URL over 16 KB → 431 from Node, promptly', async () => {
    const reply = await send(s.url, 'GET', `/api/v1/sessions/sess_${'A'.repeat(20_000)}`, { key: s.apiKey });
    expect(reply.status).toBe(431);
  });
});
