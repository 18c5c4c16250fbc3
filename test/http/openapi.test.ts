import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config';
import type { RestRoute } from '../../src/http/rest-adapter';
import { restRoutes } from '../../src/http/routes';
import { startServer, type TestServer } from '../support/server';

/**
 * docs/openapi.yaml must not drift from the code: the same (method, path) pairs as the route table,
 * the same success statuses, the same query parameters and body fields the routes read, the
 * contract's error bodies, and schemas that describe what the live server actually answers.
 */

const root = join(__dirname, '..', '..');
const doc = parse(readFileSync(join(root, 'docs', 'openapi.yaml'), 'utf8'));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const UNAUTHORIZED = { error: 'Unauthorized', message: 'Invalid or missing API key' };
const SESSION_NOT_FOUND = { error: 'Not found', message: 'Session not found' };
const UNDECODABLE_PATH = { error: 'Invalid request', message: 'The request could not be read' };
const IDEMPOTENCY_CONFLICTS = [
  { error: 'Conflict', message: 'This Idempotency-Key was already used with a different request' },
  { error: 'Conflict', message: 'A request with this Idempotency-Key is still in progress' },
];
const BAD_IDEMPOTENCY_KEY = { error: 'Invalid request', message: 'Idempotency-Key must be 1 to 255 visible ASCII characters' };
const RATE_LIMITED_MESSAGE = /^Rate limit of \d+ requests per minute exceeded; retry in \d+ s$/;
const RATE_LIMIT_HEADERS = ['X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'];
/**
 * Answers given before the key is admitted (authentication, the router's 405, the body parser's
 * 413/415): they carry no rate-limit headers. Every other documented answer of an authenticated
 * operation lists them.
 */
const BEFORE_ADMISSION = new Set(['401', '405', '413', '415']);

const docPath = (route: RestRoute) => `/api/v1${route.path.replace(/:(\w+)/g, '{$1}')}`;
const key = (method: string, path: string) => `${method.toUpperCase()} ${path}`;
const successStatus = (route: RestRoute) => route.status ?? (route.method === 'DELETE' ? 204 : 200);
const operationOf = (route: RestRoute) => doc.paths[docPath(route)]?.[route.method.toLowerCase()];

/** Follows a local `#/...` JSON pointer; undefined when the target does not exist. */
function resolvePointer(ref: string): any {
  if (!ref.startsWith('#/')) return undefined;
  let node: any = doc;
  for (const raw of ref.slice(2).split('/')) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (node === null || typeof node !== 'object' || !(part in node)) return undefined;
    node = node[part];
  }
  return node;
}

function deref<T = any>(node: any): T {
  let current = node;
  for (let hops = 0; current && typeof current === 'object' && typeof current.$ref === 'string'; hops++) {
    if (hops > 20) throw new Error(`$ref cycle at ${node.$ref}`);
    current = resolvePointer(current.$ref);
  }
  return current;
}

function collectRefs(node: any, at = '#', out: { at: string; ref: string }[] = []): { at: string; ref: string }[] {
  if (Array.isArray(node)) node.forEach((child, i) => collectRefs(child, `${at}/${i}`, out));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') out.push({ at, ref: v });
      else collectRefs(v, `${at}/${k}`, out);
    }
  }
  return out;
}

/** Every operation in the document, with its path-level parameters merged in. */
function operations(): { path: string; method: string; op: any; parameters: any[] }[] {
  const out = [];
  for (const [path, item] of Object.entries<any>(doc.paths)) {
    for (const method of HTTP_METHODS) {
      if (!item[method]) continue;
      const op = item[method];
      const parameters = [...(item.parameters ?? []), ...(op.parameters ?? [])].map(deref);
      out.push({ path, method, op, parameters });
    }
  }
  return out;
}

/** The example bodies of a response (its `example` and every `examples` value). */
function examplesOf(response: any): unknown[] {
  const media = deref(response)?.content?.['application/json'];
  if (!media) return [];
  return [...(media.example !== undefined ? [media.example] : []), ...Object.values<any>(media.examples ?? {}).map((e) => deref(e).value)];
}

/** The names of the headers a response documents. */
const headersOf = (response: any): string[] => Object.keys(deref(response)?.headers ?? {});

/** Whether an operation needs an API key (its own `security`, else the document's). */
const isAuthenticated = (op: any) => (op.security ?? doc.security).length > 0;

/** Which query and body fields a route reads: its `variables` run against recording proxies. */
function fieldsRead(route: RestRoute): { query: string[]; body: string[] } {
  const spy = (seen: Set<string>) =>
    new Proxy({}, { get: (_t, k) => (typeof k === 'string' && seen.add(k), undefined), has: () => false });
  const query = new Set<string>();
  const body = new Set<string>();
  route.variables({ params: { id: 'x' }, query: spy(query) as any, body: spy(body) as any });
  return { query: [...query].sort(), body: [...body].sort() };
}

const sorted = (xs: Iterable<string>) => [...xs].sort();

describe('docs/openapi.yaml: the document itself', () => {
  it('is OpenAPI 3.1 for this package, served on localhost:4000, bearer-protected by default', () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.info).toMatchObject({ title: 'sessions-gateway', version: pkg.version });
    expect(doc.servers.map((s: any) => s.url)).toContain('http://localhost:4000');
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.security).toEqual([{ bearerAuth: [] }]);
  });

  it('resolves every $ref', () => {
    const refs = collectRefs(doc);
    expect(refs.length).toBeGreaterThan(0);
    const broken = refs.filter(({ ref }) => resolvePointer(ref) === undefined);
    expect(broken).toEqual([]);
  });

  it('gives every operation a unique operationId, described responses and its declared path parameters', () => {
    const ids = new Set<string>();
    for (const { path, method, op, parameters } of operations()) {
      const where = key(method, path);
      expect(op.operationId, where).toBeTypeOf('string');
      expect(ids.has(op.operationId), `${where}: duplicate operationId`).toBe(false);
      ids.add(op.operationId);
      expect(Object.keys(op.responses ?? {}).length, where).toBeGreaterThan(0);
      for (const [code, response] of Object.entries<any>(op.responses)) {
        expect(code, where).toMatch(/^[1-5]\d\d$/);
        expect(deref(response).description, `${where} ${code}`).toBeTypeOf('string');
      }
      const templated = sorted([...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]));
      const declared = sorted(parameters.filter((p) => p.in === 'path').map((p) => p.name));
      expect(declared, where).toEqual(templated);
      for (const p of parameters.filter((p) => p.in === 'path')) expect(p.required, `${where} ${p.name}`).toBe(true);
    }
  });

  it('defines the hardening components: Idempotency-Key, the rate-limit headers, 405 and 429', () => {
    expect(deref(doc.components.parameters.IdempotencyKey)).toMatchObject({ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', minLength: 1, maxLength: 255 } });
    for (const name of [...RATE_LIMIT_HEADERS, 'Retry-After']) expect(doc.components.headers[name]?.schema, name).toMatchObject({ type: 'integer' });
    expect(doc.components.headers['Idempotent-Replayed'].schema).toMatchObject({ enum: ['true'] });
    const tooMany = doc.components.responses.TooManyRequests;
    expect(sorted(headersOf(tooMany))).toEqual(sorted([...RATE_LIMIT_HEADERS, 'Retry-After']));
    expect(deref(tooMany.content['application/json'].schema)).toBe(doc.components.schemas.Error);
    const [example] = examplesOf(tooMany) as { error: string; message: string }[];
    expect(example.error).toBe('Too many requests');
    expect(example.message).toMatch(RATE_LIMITED_MESSAGE);
    expect(headersOf(doc.components.responses.MethodNotAllowed)).toEqual(['Allow']);
  });

  it("states the configured rate limit default, not that limiting is off", () => {
    const limit = loadConfig({}).rateLimitPerMinute;
    expect(limit).toBeGreaterThan(0);
    expect(doc.info.description).toContain(`default **${limit}**`);
    expect(doc.info.description).not.toMatch(/no limiter is configured|rate limit\w* is off by default|reserved for rate limiting/i);
  });

  it('documents 429 and the rate-limit headers on every authenticated operation, 405 on every one', () => {
    const authenticated = operations().filter(({ op }) => isAuthenticated(op));
    expect(authenticated.length).toBe(restRoutes.length);
    for (const { path, method, op } of authenticated) {
      const where = key(method, path);
      expect(op.responses['429'], where).toEqual({ $ref: '#/components/responses/TooManyRequests' });
      expect(op.responses['405'], where).toEqual({ $ref: '#/components/responses/MethodNotAllowed' });
      for (const [code, response] of Object.entries<any>(op.responses)) {
        if (BEFORE_ADMISSION.has(code)) continue;
        const headers = deref(response).headers ?? {};
        for (const name of RATE_LIMIT_HEADERS) expect(headers[name], `${where} ${code} ${name}`).toEqual({ $ref: `#/components/headers/${name}` });
      }
    }
    for (const path of ['/healthz', '/readyz']) expect(doc.paths[path].get.responses['429'], path).toBeUndefined();
  });

  it('documents /healthz and /readyz without security', () => {
    for (const path of ['/healthz', '/readyz']) {
      expect(doc.paths[path]?.get?.security, path).toEqual([]);
      expect(doc.paths[path].get.responses['200'], path).toBeDefined();
    }
    expect(doc.paths['/readyz'].get.responses['503']).toBeDefined();
  });
});

describe('docs/openapi.yaml matches the route table (src/http/routes.ts)', () => {
  it('documents exactly the (method, path) pairs of restRoutes under /api/v1', () => {
    // The key-free GET /api/v1/openapi.json (src/http/api-docs.ts) is not a route of the table.
    const documented = operations().filter((o) => o.path.startsWith('/api/v1/') && isAuthenticated(o.op)).map((o) => key(o.method, o.path));
    expect(sorted(documented)).toEqual(sorted(restRoutes.map((r) => key(r.method, docPath(r)))));
  });

  it.each(restRoutes.map((r) => [key(r.method, docPath(r)), r] as const))('%s: statuses, errors and inputs', (_name, route) => {
    const op = operationOf(route);
    const codes = Object.keys(op.responses);

    // The one success status is what the adapter sends.
    expect(codes.filter((c) => c.startsWith('2'))).toEqual([String(successStatus(route))]);

    // Every operation: 401 with the contract's body, 500 "Failed to <action>"; {id} routes: 404.
    expect(codes).toContain('401');
    expect(examplesOf(op.responses['401'])).toEqual([UNAUTHORIZED]);
    expect(codes).toContain('500');
    const internal = examplesOf(op.responses['500']);
    expect(internal.length).toBeGreaterThan(0);
    for (const body of internal) expect(body).toEqual({ error: 'Internal server error', message: `Failed to ${route.action}` });
    if (route.path.includes(':id')) expect(codes).toContain('404');

    // Every error response is the Error schema, and its examples have the Error shape.
    for (const code of codes.filter((c) => Number(c) >= 400)) {
      const media = deref(op.responses[code]).content['application/json'];
      expect(deref(media.schema), `${code}`).toBe(doc.components.schemas.Error);
      for (const body of examplesOf(op.responses[code])) {
        expect(Object.keys(body as object).sort(), `${code}`).toEqual(['error', 'message']);
      }
    }

    // The query parameters are the ones the route reads; the body fields too.
    const read = fieldsRead(route);
    const params = [...(doc.paths[docPath(route)].parameters ?? []), ...(op.parameters ?? [])].map(deref);
    expect(sorted(params.filter((p) => p.in === 'query').map((p) => p.name))).toEqual(read.query);
    if (route.readsBody) {
      const content = op.requestBody?.content ?? {};
      expect(sorted(Object.keys(content))).toEqual(sorted(['application/json', ...(route.rawBodyTypes ?? [])]));
      expect(sorted(Object.keys(deref(content['application/json'].schema).properties))).toEqual(read.body);
      // Unknown fields are refused (test/http/unknown-fields.test.ts): the schema says so.
      expect(deref(content['application/json'].schema).additionalProperties).toBe(false);
      expect(codes).toEqual(expect.arrayContaining(['400', '413']));
    } else {
      expect(op.requestBody).toBeUndefined();
      expect(read.body).toEqual([]);
    }
    if (read.query.length) expect(codes).toContain('400');
    // Every POST says how an unknown body field is answered.
    if (route.method === 'POST') {
      expect(examplesOf(op.responses['400'])).toContainEqual({ error: 'Invalid request', message: expect.stringMatching(/^unknown field "[\w.]+"$/) });
    }

    // {id} routes: a path that is not percent-encoded UTF-8 is the router's 400.
    if (route.path.includes(':id')) expect(examplesOf(op.responses['400'])).toContainEqual(UNDECODABLE_PATH);

    // Idempotent routes: the Idempotency-Key header, the replay header on success, 400 and both 409s.
    const idempotencyKey = (op.parameters ?? []).filter((p: any) => deref(p).in === 'header' && deref(p).name === 'Idempotency-Key');
    const success = op.responses[String(successStatus(route))];
    if (route.idempotent) {
      expect(idempotencyKey).toEqual([{ $ref: '#/components/parameters/IdempotencyKey' }]);
      expect(headersOf(success)).toContain('Idempotent-Replayed');
      expect(examplesOf(op.responses['400'])).toContainEqual(BAD_IDEMPOTENCY_KEY);
      expect(examplesOf(op.responses['409'])).toEqual(expect.arrayContaining(IDEMPOTENCY_CONFLICTS));
    } else {
      expect(idempotencyKey).toEqual([]);
      expect(headersOf(success)).not.toContain('Idempotent-Replayed');
    }
  });

  it("carries the contract's error bodies and examples", () => {
    const sessions = doc.paths['/api/v1/sessions'];
    expect(examplesOf(sessions.post.responses['400'])).toContainEqual({ error: 'Invalid request', message: 'name is required' });
    expect(examplesOf(sessions.post.responses['500'])).toEqual([{ error: 'Internal server error', message: 'Failed to create session' }]);
    for (const path of ['/api/v1/sessions/{id}', '/api/v1/sessions/{id}/timeline']) {
      expect(examplesOf(doc.paths[path].get.responses['404']), path).toEqual([SESSION_NOT_FOUND]);
    }
    for (const path of ['/api/v1/sessions/{id}/complete', '/api/v1/sessions/{id}/replay']) {
      expect(examplesOf(doc.paths[path].post.responses['404']), path).toEqual([SESSION_NOT_FOUND]);
    }
    expect(examplesOf(sessions.post.responses['201'])).toEqual([
      {
        id: 'sess_789', name: 'user-signup-flow', status: 'active', createdAt: '2024-06-12T10:00:00Z', updatedAt: '2024-06-12T10:00:00Z',
        completedAt: null, metadata: { environment: 'staging' }, inboxes: [], waits: [],
      },
    ]);
    expect(examplesOf(sessions.get.responses['200'])).toEqual([
      { data: [{ id: 'sess_789', name: 'user-signup-flow', status: 'active', createdAt: '2024-06-12T10:00:00Z' }], pagination: { limit: 20, offset: 0, total: 5, next: null } },
    ]);
    expect(examplesOf(doc.paths['/api/v1/sessions/{id}/complete'].post.responses['200'])).toEqual([
      { id: 'sess_789', status: 'completed', completedAt: '2024-06-12T10:05:00Z' },
    ]);
    const limit = deref(sessions.get.parameters.find((p: any) => deref(p).name === 'limit'));
    expect(limit.schema).toMatchObject({ type: 'integer', minimum: 1, maximum: 100, default: 20 });
  });
});

/** What a JSON value is, in JSON Schema `type` terms. */
function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (Number.isInteger(value)) return 'integer';
  return typeof value;
}

/**
 * A tiny checker for what the doc promises: an object has exactly the properties its schema lists as
 * required (and no undeclared ones when additionalProperties is false); values have the declared type;
 * objects and array items are checked the same way. Returns the problems found.
 */
function shapeProblems(value: unknown, schemaNode: any, at = '$'): string[] {
  const schema = deref(schemaNode);
  if (!schema) return [`${at}: no schema`];
  if (schema.oneOf || schema.anyOf) {
    const options: any[] = schema.oneOf ?? schema.anyOf;
    return options.some((o) => shapeProblems(value, o, at).length === 0) ? [] : [`${at}: matches none of ${options.length} options`];
  }
  const types: string[] | undefined = schema.type === undefined ? undefined : [schema.type].flat();
  const actual = jsonType(value);
  if (types && !types.includes(actual) && !(actual === 'integer' && types.includes('number'))) return [`${at}: ${actual}, expected ${types.join('|')}`];
  if (schema.enum && !schema.enum.includes(value)) return [`${at}: ${JSON.stringify(value)} not in enum`];
  const problems: string[] = [];
  if (actual === 'object') {
    const obj = value as Record<string, unknown>;
    const properties = schema.properties ?? {};
    if (schema.required) {
      const keys = sorted(Object.keys(obj));
      if (JSON.stringify(keys) !== JSON.stringify(sorted(schema.required))) problems.push(`${at}: keys ${keys} ≠ required ${sorted(schema.required)}`);
    }
    for (const k of Object.keys(obj)) {
      if (properties[k]) problems.push(...shapeProblems(obj[k], properties[k], `${at}.${k}`));
      else if (schema.additionalProperties === false) problems.push(`${at}: undeclared property ${k}`);
    }
  }
  if (actual === 'array' && schema.items) (value as unknown[]).forEach((item, i) => problems.push(...shapeProblems(item, schema.items, `${at}[${i}]`)));
  return problems;
}

describe('docs/openapi.yaml describes the live server', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer({ env: { RATE_LIMIT_PER_MINUTE: '1000' } });
  });
  afterAll(() => s?.close());

  /** The rate-limit headers of an admitted answer: all three, integers, within the limit. */
  function expectRateLimitHeaders(headers: Headers, where: string) {
    const [limit, remaining, reset] = RATE_LIMIT_HEADERS.map((name) => headers.get(name));
    expect([limit, remaining, reset].every((v) => v !== null && /^\d+$/.test(v)), `${where}: ${limit} ${remaining} ${reset}`).toBe(true);
    expect(Number(limit), where).toBe(1000);
    expect(Number(remaining), where).toBeLessThan(1000);
    expect(Number(reset), where).toBeGreaterThanOrEqual(1);
    expect(Number(reset), where).toBeLessThanOrEqual(60);
  }

  /** Calls the route, and checks the status and body against the doc's success response for it. */
  const exercised = new Set<string>();
  async function call(method: string, docPathname: string, path: string, opts: Parameters<TestServer['request']>[2] = {}) {
    const reply = await s.request(method, path, opts);
    const op = doc.paths[docPathname][method.toLowerCase()];
    const success = Object.keys(op.responses).find((c) => c.startsWith('2'))!;
    expect(reply.status, `${method} ${path}: ${reply.text}`).toBe(Number(success));
    const content = deref(op.responses[success]).content ?? {};
    const media = content['application/json'];
    const type = reply.headers.get('content-type') ?? '';
    if (media) expect(shapeProblems(reply.body, media.schema), `${method} ${docPathname}`).toEqual([]);
    else if (Object.keys(content).length) expect(Object.keys(content).some((t) => t === '*/*' || type.startsWith(t)), `${method} ${docPathname}: ${type}`).toBe(true);
    else expect(reply.text, `${method} ${docPathname}`).toBe('');
    expectRateLimitHeaders(reply.headers, `${method} ${docPathname}`);
    exercised.add(key(method, docPathname));
    return reply.body;
  }

  it('answers every route with the documented status and exactly the documented (required) properties', async () => {
    const session = await call('POST', '/api/v1/sessions', '/api/v1/sessions', { body: { name: 'openapi-flow', metadata: { environment: 'test' } } });
    await call('GET', '/api/v1/sessions', '/api/v1/sessions?limit=5');
    const inbox = await call('POST', '/api/v1/inboxes', '/api/v1/inboxes', { body: { sessionId: session.id } });
    await call('GET', '/api/v1/inboxes', '/api/v1/inboxes');
    await call('GET', '/api/v1/inboxes/{id}', `/api/v1/inboxes/${inbox.id}`);
    const wait = await call('POST', '/api/v1/waits', '/api/v1/waits', { body: { inboxId: inbox.id, type: 'otp', filters: { subjectContains: 'code' } } });
    const other = await call('POST', '/api/v1/waits', '/api/v1/waits', { body: { inboxId: inbox.id, type: 'magic_link', timeoutSeconds: 600 } });
    await call('GET', '/api/v1/waits/{id}', `/api/v1/waits/${wait.id}`); // pending: result and endedAt are null
    const message = await call('POST', '/api/v1/inboxes/{id}/messages', `/api/v1/inboxes/${inbox.id}/messages`, {
      body: { from: 'noreply@example.com', to: [inbox.emailAddress], subject: 'Your code', text: 'Your code is 123456' },
    });
    const raw = await call('POST', '/api/v1/inboxes/{id}/messages', `/api/v1/inboxes/${inbox.id}/messages`, {
      rawBody: [
        'From: noreply@example.com', 'Subject: hello', 'Content-Type: multipart/mixed; boundary=b', '',
        '--b', 'Content-Type: text/plain', '', 'no link here', '--b', 'Content-Type: text/csv', 'Content-Disposition: attachment; filename=a.csv', '', 'a,b', '--b--', '',
      ].join('\r\n'),
      headers: { 'content-type': 'message/rfc822' },
    });
    await call('GET', '/api/v1/messages/{id}/raw', `/api/v1/messages/${raw.id}/raw`);
    const { attachments } = await call('GET', '/api/v1/messages/{id}', `/api/v1/messages/${raw.id}`);
    await call('GET', '/api/v1/messages/{id}/attachments/{attachmentId}', `/api/v1/messages/${raw.id}/attachments/${attachments[0].id}`);
    await call('GET', '/api/v1/inboxes/{id}/messages', `/api/v1/inboxes/${inbox.id}/messages`);
    await call('GET', '/api/v1/messages/{id}', `/api/v1/messages/${message.id}`);
    const done = await call('GET', '/api/v1/waits/{id}', `/api/v1/waits/${wait.id}?waitSeconds=5`);
    expect(done).toMatchObject({ status: 'completed', result: { type: 'otp', value: '123456', messageId: message.id } });
    await call('POST', '/api/v1/waits/{id}/cancel', `/api/v1/waits/${other.id}/cancel`);
    await call('GET', '/api/v1/sessions/{id}', `/api/v1/sessions/${session.id}`);
    await call('GET', '/api/v1/sessions/{id}/timeline', `/api/v1/sessions/${session.id}/timeline`);
    await call('POST', '/api/v1/sessions/{id}/replay', `/api/v1/sessions/${session.id}/replay`);
    await call('DELETE', '/api/v1/inboxes/{id}', `/api/v1/inboxes/${inbox.id}`);
    await call('POST', '/api/v1/sessions/{id}/complete', `/api/v1/sessions/${session.id}/complete`);
    const page = await call('GET', '/api/v1/sessions/{id}/timeline', `/api/v1/sessions/${session.id}/timeline?limit=2`);
    await call('GET', '/api/v1/sessions/{id}/timeline', `/api/v1/sessions/${session.id}/timeline?after=${page.next}`);
    // The session has ended: its event stream sends everything and ends after session.completed.
    await call('GET', '/api/v1/sessions/{id}/events', `/api/v1/sessions/${session.id}/events`);
    const second = await call('POST', '/api/v1/sessions', '/api/v1/sessions', { body: { name: 'to-fail' } });
    await call('POST', '/api/v1/sessions/{id}/fail', `/api/v1/sessions/${second.id}/fail`, { body: { reason: 'because' } });

    // Every route of the table was checked live.
    expect(sorted(exercised)).toEqual(sorted(restRoutes.map((r) => key(r.method, docPath(r)))));
  });

  it("answers 401 and 404 with the documented bodies", async () => {
    const unauthorized = await s.request('GET', '/api/v1/sessions', { key: null });
    expect(unauthorized.status).toBe(401);
    expect(examplesOf(doc.paths['/api/v1/sessions'].get.responses['401'])).toEqual([unauthorized.body]);
    const missing = await s.request('GET', '/api/v1/sessions/sess_0000000000000000000000');
    expect(missing.status).toBe(404);
    expect(examplesOf(doc.paths['/api/v1/sessions/{id}'].get.responses['404'])).toEqual([missing.body]);
  });

  it('replays a POST /api/v1/sessions with the same Idempotency-Key, marked Idempotent-Replayed, and refuses another body', async () => {
    const headers = { 'idempotency-key': `openapi-${Date.now()}` };
    const first = await s.request('POST', '/api/v1/sessions', { body: { name: 'idempotent' }, headers });
    expect(first.status, first.text).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expectRateLimitHeaders(first.headers, 'first');
    const again = await s.request('POST', '/api/v1/sessions', { body: { name: 'idempotent' }, headers });
    expect(again.status, again.text).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expectRateLimitHeaders(again.headers, 'replay');
    const op = doc.paths['/api/v1/sessions'].post;
    expect(headersOf(op.responses['201'])).toContain('Idempotent-Replayed');
    const other = await s.request('POST', '/api/v1/sessions', { body: { name: 'another' }, headers });
    expect(other.status, other.text).toBe(409);
    expect(examplesOf(op.responses['409'])).toContainEqual(other.body);
    const bad = await s.request('POST', '/api/v1/sessions', { body: { name: 'x' }, headers: { 'idempotency-key': 'a b' } });
    expect(bad.status, bad.text).toBe(400);
    expect(examplesOf(op.responses['400'])).toContainEqual(bad.body);
  });

  it('answers an undecodable {id} with the documented 400, another method with the documented 405 and Allow', async () => {
    const undecodable = await s.request('GET', '/api/v1/sessions/%FF');
    expect(undecodable.status).toBe(400);
    expect(examplesOf(doc.paths['/api/v1/sessions/{id}'].get.responses['400'])).toContainEqual(undecodable.body);
    const wrong = await s.request('PUT', '/api/v1/sessions');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST, GET');
    expect(shapeProblems(wrong.body, doc.components.schemas.Error)).toEqual([]);
    expect(wrong.body.error).toBe('Method not allowed');
  });

  it('answers 429 past the limit as documented: Error body, Retry-After and the rate-limit headers', async () => {
    const limited = await startServer({ env: { RATE_LIMIT_PER_MINUTE: '1' } });
    try {
      // The first request spends the limit; a new minute can refill it once, so a few tries suffice.
      let reply = await limited.request('GET', '/api/v1/sessions');
      for (let i = 0; i < 3 && reply.status !== 429; i++) reply = await limited.request('GET', '/api/v1/sessions');
      expect(reply.status, reply.text).toBe(429);
      expect(shapeProblems(reply.body, doc.components.responses.TooManyRequests.content['application/json'].schema)).toEqual([]);
      expect(reply.body.error).toBe('Too many requests');
      expect(reply.body.message).toMatch(RATE_LIMITED_MESSAGE);
      for (const name of [...headersOf(doc.components.responses.TooManyRequests)]) expect(reply.headers.get(name), name).toMatch(/^\d+$/);
      expect(reply.headers.get('retry-after')).toBe(reply.headers.get('x-ratelimit-reset'));
    } finally {
      await limited.close();
    }
  });

  it('answers /healthz and /readyz without a key, as documented', async () => {
    for (const path of ['/healthz', '/readyz']) {
      const reply = await s.request('GET', path, { key: null });
      expect(reply.status, path).toBe(200);
      expect(shapeProblems(reply.body, doc.paths[path].get.responses['200'].content['application/json'].schema), path).toEqual([]);
    }
  });
});
