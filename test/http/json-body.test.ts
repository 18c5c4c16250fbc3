import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorText } from '../sessions/helpers';
import { startServer, type TestServer } from '../support/server';
import { RawConnection, type RawRequest, type RawResponse, encodeRequest, rawRequest } from './raw-http';

/**
 * src/http/json-body.ts: plain UTF-8 JSON with a Content-Length takes a fast path, everything else goes
 * through body-parser (express.json). Both must answer alike. Every case is sent over a bare socket, so
 * the headers and the framing are exactly as written, to both body-reading entry points: REST's
 * POST /api/v1/sessions (contract-shaped errors) and POST /graphql (GraphQL-shaped errors).
 */

let s: TestServer;
beforeAll(async () => {
  s = await startServer({ env: { RATE_LIMIT_PER_MINUTE: '0' } });
});
afterAll(() => s?.close());

const MiB = 1024 * 1024;

interface Endpoint {
  path: string;
  /** A valid request body. */
  valid: string;
  /** The error body this endpoint answers for a body the JSON reader refuses. */
  error: (title: string, message: string) => string;
  /** What a successful answer is compared on (REST's has a fresh id each time). */
  success: { status: number; view: (r: RawResponse) => unknown; expected: unknown };
}

const graphQLError = (message: string) => JSON.stringify({ errors: [{ message, extensions: { code: 'BAD_REQUEST' } }] });

const ENDPOINTS: Record<'REST' | 'GraphQL', Endpoint> = {
  REST: {
    path: '/api/v1/sessions',
    valid: '{"name":"json-body"}',
    error: errorText,
    success: { status: 201, view: (r) => r.body?.name, expected: 'json-body' },
  },
  GraphQL: {
    path: '/graphql',
    valid: '{"query":"{ __typename }"}',
    error: (_title, message) => graphQLError(message),
    success: { status: 200, view: (r) => r.body, expected: { data: { __typename: 'Query' } } },
  },
};

const NOT_JSON = ['Invalid request', 'Request body is not valid JSON'] as const;
const TOO_LARGE = ['Payload too large', 'Request body is too large'] as const;
const NOT_UTF8 = ['Unsupported media type', 'Request body must be UTF-8 JSON'] as const;

type Variant = { name: string; headers: [string, string][]; framing: 'length' | 'chunked'; gzip?: boolean };

/** Plain UTF-8 JSON with a Content-Length: the fast path. */
const FAST: Variant[] = [
  { name: 'fast: application/json', headers: [['Content-Type', 'application/json']], framing: 'length' },
  { name: 'fast: application/json; charset=utf-8', headers: [['Content-Type', 'application/json; charset=utf-8']], framing: 'length' },
  { name: 'fast: application/json;charset=UTF-8', headers: [['Content-Type', 'application/json;charset=UTF-8']], framing: 'length' },
  { name: 'fast: Application/JSON; Charset=UTF-8', headers: [['Content-Type', 'Application/JSON; Charset=UTF-8']], framing: 'length' },
];
/** Everything else: body-parser. */
const FALLBACK: Variant[] = [
  { name: 'fallback: chunked, application/json', headers: [['Content-Type', 'application/json']], framing: 'chunked' },
  { name: 'fallback: chunked, application/json; charset=utf-8', headers: [['Content-Type', 'application/json; charset=utf-8']], framing: 'chunked' },
  { name: 'fallback: quoted charset="utf-8"', headers: [['Content-Type', 'application/json; charset="utf-8"']], framing: 'length' },
  { name: 'fallback: "application/json ; charset=utf-8"', headers: [['Content-Type', 'application/json ; charset=utf-8']], framing: 'length' },
  // Node's parser drops trailing whitespace from header values, so this may well be the fast path
  // after all: either way it must answer as the others.
  { name: 'either: "application/json; charset=utf-8 " (trailing space)', headers: [['Content-Type', 'application/json; charset=utf-8 ']], framing: 'length' },
  { name: 'fallback: Content-Encoding: identity', headers: [['Content-Type', 'application/json'], ['Content-Encoding', 'identity']], framing: 'length' },
  { name: 'fallback: gzip, Content-Length', headers: [['Content-Type', 'application/json'], ['Content-Encoding', 'gzip']], framing: 'length', gzip: true },
  { name: 'fallback: gzip, chunked', headers: [['Content-Type', 'application/json; charset=utf-8'], ['Content-Encoding', 'gzip']], framing: 'chunked', gzip: true },
];
const VARIANTS = [...FAST, ...FALLBACK];

function post(endpoint: Endpoint, body: string | Buffer, variant: Variant, key = s.apiKey): Promise<RawResponse> {
  const bytes = variant.gzip ? gzipSync(body) : body;
  return rawRequest(s.url, { path: endpoint.path, headers: [['Authorization', `Bearer ${key}`], ...variant.headers], body: bytes, framing: variant.framing });
}

/** `status text` per variant, for one readable comparison of all of them. */
async function answers(endpoint: Endpoint, body: string, variants = VARIANTS): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const v of variants) {
    const r = await post(endpoint, body, v);
    out[v.name] = `${r.status} ${r.text}`;
  }
  return out;
}
const all = (value: string, variants = VARIANTS) => Object.fromEntries(variants.map((v) => [v.name, value]));

async function sessionTotal(): Promise<number> {
  const reply = await s.request('GET', '/api/v1/sessions?limit=1');
  expect(reply.status).toBe(200);
  return reply.body.pagination.total;
}

describe.each(Object.entries(ENDPOINTS))('%s: fast path and body-parser agree', (_name, endpoint) => {
  it('a valid body is accepted by every variant (charset parameters, chunked, gzip)', async () => {
    for (const v of VARIANTS) {
      const r = await post(endpoint, endpoint.valid, v);
      expect({ variant: v.name, status: r.status, view: endpoint.success.view(r) }, r.text).toEqual({
        variant: v.name,
        status: endpoint.success.status,
        view: endpoint.success.expected,
      });
    }
  });

  it('a UTF-8 byte-order mark before the JSON is dropped, on every variant', async () => {
    for (const v of VARIANTS) {
      const r = await post(endpoint, `\ufeff${endpoint.valid}`, v);
      expect({ variant: v.name, status: r.status, view: endpoint.success.view(r) }, r.text).toEqual({
        variant: v.name,
        status: endpoint.success.status,
        view: endpoint.success.expected,
      });
    }
  });

  it('whitespace around the JSON is fine', async () => {
    for (const v of VARIANTS) {
      const r = await post(endpoint, ` \r\n\t${endpoint.valid}\n `, v);
      expect({ variant: v.name, status: r.status }, r.text).toEqual({ variant: v.name, status: endpoint.success.status });
    }
  });

  // body-parser's "strict" mode: only an object or an array is a JSON body.
  it.each([
    ['a top-level string', '"x"'],
    ['a top-level number', '1'],
    ['a negative number', '-1'],
    ['null', 'null'],
    ['true', 'true'],
    ['a string after a BOM', '\ufeff"x"'],
    ['a string after whitespace', '  "x"'],
  ])('%s (%j) → 400 not valid JSON, on every variant', async (_what, body) => {
    expect(await answers(endpoint, body)).toEqual(all(`400 ${endpoint.error(...NOT_JSON)}`));
  });

  it.each([
    ['truncated', '{"name": '],
    ['single quotes', "{'name':'x'}"],
    ['trailing garbage', '{"name":"x"}garbage'],
    ['two BOMs (only one is dropped)', '\ufeff\ufeff{"name":"x"}'],
    ['a lone open bracket', '['],
  ])('invalid JSON (%s) → 400 not valid JSON, on every variant', async (_what, body) => {
    expect(await answers(endpoint, body)).toEqual(all(`400 ${endpoint.error(...NOT_JSON)}`));
  });

  it.each([
    ['spaces', '   '],
    ['mixed whitespace', ' \t\r\n '],
  ])('a body of only %s → 400 not valid JSON, on every variant', async (_what, body) => {
    expect(await answers(endpoint, body)).toEqual(all(`400 ${endpoint.error(...NOT_JSON)}`));
  });

  it('charset=latin1 → 415, with a Content-Length and chunked', async () => {
    const latin1: Variant[] = [
      { name: 'latin1, Content-Length', headers: [['Content-Type', 'application/json; charset=latin1']], framing: 'length' },
      { name: 'latin1, chunked', headers: [['Content-Type', 'application/json; charset=latin1']], framing: 'chunked' },
      { name: 'ISO-8859-1, Content-Length', headers: [['Content-Type', 'application/json; charset=ISO-8859-1']], framing: 'length' },
    ];
    expect(await answers(endpoint, endpoint.valid, latin1)).toEqual(all(`415 ${endpoint.error(...NOT_UTF8)}`, latin1));
  });

  it('an unknown Content-Encoding → 415', async () => {
    const r = await post(endpoint, endpoint.valid, { name: 'x-unknown', headers: [['Content-Type', 'application/json'], ['Content-Encoding', 'x-unknown']], framing: 'length' });
    expect(`${r.status} ${r.text}`).toBe(`415 ${endpoint.error(...NOT_UTF8)}`);
  });

  it('gzip-compressed invalid JSON → 400 not valid JSON', async () => {
    const gz = FALLBACK.filter((v) => v.gzip);
    expect(await answers(endpoint, '{"name": ', gz)).toEqual(all(`400 ${endpoint.error(...NOT_JSON)}`, gz));
  });

  it('Content-Encoding: gzip on bytes that are not gzip → 400 "could not be read" in the endpoint shape', async () => {
    const r = await rawRequest(s.url, {
      path: endpoint.path,
      headers: [['Authorization', `Bearer ${s.apiKey}`], ['Content-Type', 'application/json'], ['Content-Encoding', 'gzip']],
      body: endpoint.valid,
    });
    expect(`${r.status} ${r.text}`).toBe(`400 ${endpoint.error('Invalid request', 'The request could not be read')}`);
  });

  describe('the 1 MiB limit', () => {
    /** A valid body of exactly `bytes` bytes. */
    const sized = (bytes: number) => {
      const make = (pad: string) => (endpoint === ENDPOINTS.REST ? `{"name":"x","metadata":{"blob":"${pad}"}}` : `{"query":"# ${pad}\\n{ __typename }"}`);
      const body = make('x'.repeat(bytes - make('').length));
      expect(Buffer.byteLength(body)).toBe(bytes);
      return body;
    };
    const plain = FAST[0];
    const chunked = FALLBACK[0];

    it('exactly 1 MiB is read (with a Content-Length and chunked); one byte more → 413', async () => {
      // REST then refuses the metadata (over 16 KB): read, not a 413. GraphQL runs the query.
      const atLimit = endpoint === ENDPOINTS.REST ? `400 ${errorText('Invalid request', 'metadata must be at most 16 KB')}` : `200 ${JSON.stringify(ENDPOINTS.GraphQL.success.expected)}`;
      const before = await sessionTotal();
      for (const v of [plain, chunked]) {
        const exact = await post(endpoint, sized(MiB), v);
        expect(`${v.name}: ${exact.status} ${exact.text.trimEnd()}`).toBe(`${v.name}: ${atLimit}`);
        const over = await post(endpoint, sized(MiB + 1), v);
        expect(`${v.name}: ${over.status} ${over.text}`).toBe(`${v.name}: 413 ${endpoint.error(...TOO_LARGE)}`);
      }
      expect(await sessionTotal()).toBe(before);
    });

    it('refused bodies are read off: the same keep-alive connection serves the next request (fast path and body-parser)', async () => {
      const conn = await RawConnection.open(s.url);
      const ask = async (body: string, variant: Variant) => {
        await conn.write(encodeRequest({ path: endpoint.path, headers: [['Authorization', `Bearer ${s.apiKey}`], ['Connection', 'keep-alive'], ...variant.headers], body, framing: variant.framing }));
        const r = await conn.response();
        return r.status === endpoint.success.status ? 'ok' : `${r.status} ${r.text}`;
      };
      try {
        expect(await ask('"x"', plain)).toBe(`400 ${endpoint.error(...NOT_JSON)}`);
        expect(await ask(endpoint.valid, plain)).toBe('ok');
        expect(await ask('"x"', chunked)).toBe(`400 ${endpoint.error(...NOT_JSON)}`);
        expect(await ask(endpoint.valid, chunked)).toBe('ok');
        // Over the limit by its Content-Length: body-parser still reads the 2 MiB off before answering.
        expect(await ask(sized(2 * MiB), plain)).toBe(`413 ${endpoint.error(...TOO_LARGE)}`);
        expect(await ask(endpoint.valid, plain)).toBe('ok');
        expect(await ask(sized(2 * MiB), chunked)).toBe(`413 ${endpoint.error(...TOO_LARGE)}`);
        expect(await ask(endpoint.valid, plain)).toBe('ok');
      } finally {
        conn.destroy();
      }
    });

    it('a small gzip body that inflates past 1 MiB → 413', async () => {
      const gz = FALLBACK.filter((v) => v.gzip);
      const body = sized(2 * MiB);
      expect(gzipSync(body).length).toBeLessThan(16 * 1024);
      expect(await answers(endpoint, body, gz)).toEqual(all(`413 ${endpoint.error(...TOO_LARGE)}`, gz));
    });
  });

  describe('Content-Length and the bytes sent', () => {
    const headers = (length: number): [string, string][] => [
      ['Authorization', `Bearer ${s.apiKey}`],
      ['Content-Type', 'application/json; charset=utf-8'],
      ['Content-Length', String(length)],
      ['Connection', 'keep-alive'],
    ];

    it('a body read in several pieces (a multi-byte character split between them) is put together before decoding', async () => {
      const body = Buffer.from(endpoint === ENDPOINTS.REST ? '{"name":"héllo 🙂 wörld"}' : '{"query":"{ __typename }","variables":{"v":"héllo 🙂"}}', 'utf8');
      const split = body.indexOf(Buffer.from('🙂')) + 2; // inside the emoji's four bytes
      const conn = await RawConnection.open(s.url);
      try {
        await conn.write(encodeRequest({ path: endpoint.path, headers: headers(body.length), framing: 'none' }));
        await conn.write(body.subarray(0, split));
        // The server waits for the declared length: nothing is answered for the first part alone.
        expect(await conn.silentFor(150)).toBe(true);
        await conn.write(body.subarray(split));
        const r = await conn.response();
        expect(r.status, r.text).toBe(endpoint.success.status);
        if (endpoint === ENDPOINTS.REST) expect(r.body.name).toBe('héllo 🙂 wörld');
        else expect(r.body).toEqual(ENDPOINTS.GraphQL.success.expected);
      } finally {
        conn.destroy();
      }
    });

    it('a Content-Length shorter than the body: the body is cut there (400 not valid JSON); the rest is not a request (Node: 400, closed)', async () => {
      const body = Buffer.from(endpoint.valid);
      const declared = body.length - 1; // all but the closing brace
      const before = await sessionTotal();
      const conn = await RawConnection.open(s.url);
      try {
        await conn.write(Buffer.concat([encodeRequest({ path: endpoint.path, headers: headers(declared), framing: 'none' }), body.subarray(0, declared)]));
        const first = await conn.response();
        expect(`${first.status} ${first.text}`).toBe(`400 ${endpoint.error(...NOT_JSON)}`);
        // The leftover byte starts the next "request" on the connection: Node's parser refuses it.
        await conn.write(body.subarray(declared));
        const second = await conn.response();
        expect(second.status).toBe(400);
        expect(second.text).toBe('');
        expect(second.headers.connection).toBe('close');
      } finally {
        conn.destroy();
      }
      expect(await sessionTotal()).toBe(before);
    });

    it('a Content-Length longer than the body, then the client stops sending: 400, nothing done, the server still serves', async () => {
      const body = Buffer.from(endpoint.valid);
      const before = await sessionTotal();
      const conn = await RawConnection.open(s.url);
      try {
        await conn.write(Buffer.concat([encodeRequest({ path: endpoint.path, headers: headers(body.length + 10), framing: 'none' }), body]));
        expect(await conn.silentFor(150)).toBe(true);
        conn.end(); // the request ends before its declared length
        const r = await conn.response();
        // Node answers the truncated request itself (a bare 400, no body) and closes.
        expect(r.status).toBe(400);
        expect(r.headers.connection).toBe('close');
        expect(r.text).toBe('');
      } finally {
        conn.destroy();
      }
      expect(await sessionTotal()).toBe(before);
      const after = await post(endpoint, endpoint.valid, FAST[0]);
      expect(after.status).toBe(endpoint.success.status);
    });

    it('the client goes away mid-body: no answer to give, the server still serves', async () => {
      const body = Buffer.from(endpoint.valid);
      const conn = await RawConnection.open(s.url);
      await conn.write(Buffer.concat([encodeRequest({ path: endpoint.path, headers: headers(body.length + 10), framing: 'none' }), body]));
      expect(await conn.silentFor(100)).toBe(true);
      conn.destroy();
      await new Promise((resolve) => setTimeout(resolve, 100));
      const after = await post(endpoint, endpoint.valid, FAST[0]);
      expect(after.status).toBe(endpoint.success.status);
    });
  });
});

// KNOWN DIVERGENCE (a product bug, reported; this test fails today). A body that is only a UTF-8 BOM:
// the fast path drops the BOM, finds no JSON and answers 400 "not valid JSON"; body-parser drops it
// too, finds an empty body and reads it as {} — REST then answers 400 "name is required", GraphQL
// 400 "POST body missing, invalid Content-Type, or JSON object has no keys.". Same bytes, two answers.
it('a body of only a BOM is an empty body, read as {} on every variant (as body-parser reads it)', async () => {
  expect(await answers(ENDPOINTS.REST, '\ufeff')).toEqual(all(`400 ${errorText('Invalid request', 'name is required')}`));
  const graphql = await answers(ENDPOINTS.GraphQL, '\ufeff');
  const first = Object.values(graphql)[0];
  expect(first).toMatch(/^400 .*POST body missing/);
  expect(graphql).toEqual(all(first));
});

describe('bodies only REST looks into', () => {
  const rest = ENDPOINTS.REST;

  it('a JSON array passes the reader on every variant and is refused by the route: 400 "must be a JSON object"', async () => {
    expect(await answers(rest, '[]')).toEqual(all(`400 ${errorText('Invalid request', 'Request body must be a JSON object')}`));
    expect(await answers(rest, '[{"name":"x"}]')).toEqual(all(`400 ${errorText('Invalid request', 'Request body must be a JSON object')}`));
  });

  it('an empty body with Content-Length: 0 is an empty object (body-parser): the route says what is missing', async () => {
    const r = await rawRequest(s.url, { path: rest.path, headers: [['Authorization', `Bearer ${s.apiKey}`], ['Content-Type', 'application/json'], ['Content-Length', '0']], framing: 'none' });
    expect(`${r.status} ${r.text}`).toBe(`400 ${errorText('Invalid request', 'name is required')}`);
  });

  it('UTF-8 text is decoded the same on both paths', async () => {
    const body = JSON.stringify({ name: 'ünïcödé ✓ 🙂', metadata: { k: '日本語' } });
    for (const v of VARIANTS) {
      const r = await post(rest, body, v);
      expect({ variant: v.name, status: r.status, name: r.body?.name, metadata: r.body?.metadata }).toEqual({
        variant: v.name,
        status: 201,
        name: 'ünïcödé ✓ 🙂',
        metadata: { k: '日本語' },
      });
    }
  });

  it('invalid UTF-8 bytes are replaced alike on both paths', async () => {
    for (const bytes of ['ff', 'c0af', 'eda080', 'e282', 'f09f99']) {
      const body = Buffer.concat([Buffer.from('{"name":"a'), Buffer.from(bytes, 'hex'), Buffer.from('b"}')]);
      const names = new Set<string>();
      for (const v of VARIANTS) {
        const r = await post(rest, body, v);
        expect(r.status, `${bytes} ${v.name}: ${r.text}`).toBe(201);
        names.add(r.body.name);
      }
      expect([...names], bytes).toEqual([Buffer.concat([Buffer.from('a'), Buffer.from(bytes, 'hex'), Buffer.from('b')]).toString('utf8')]);
    }
  });

  it('a bad body on a route that reads none (GET) is still refused, in the contract shape', async () => {
    const r = await rawRequest(s.url, { method: 'GET', path: '/api/v1/sessions', headers: [['Authorization', `Bearer ${s.apiKey}`], ['Content-Type', 'application/json']], body: '"x"' });
    expect(`${r.status} ${r.text}`).toBe(`400 ${errorText(...NOT_JSON)}`);
  });
});

describe('the error answers are JSON with the endpoint shape', () => {
  it('Content-Type of the error answers is application/json', async () => {
    for (const endpoint of Object.values(ENDPOINTS)) {
      const r = await post(endpoint, '"x"', FAST[0]);
      expect(r.headers['content-type']).toMatch(/^application\/json/);
      const f = await post(endpoint, '"x"', FALLBACK[0]);
      expect(f.headers['content-type']).toMatch(/^application\/json/);
    }
  });
});

// A request that never had the headers of one: keeps the helper honest (what the server sees is exactly this).
it('the raw helper frames a chunked body as HTTP/1.1 chunked encoding', () => {
  const req: RawRequest = { path: '/x', headers: [['Content-Type', 'application/json']], body: 'abcd', framing: 'chunked' };
  expect(encodeRequest(req).toString('latin1')).toBe(
    'POST /x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n2\r\ncd\r\n0\r\n\r\n',
  );
});

it('the GraphQL endpoint under its other spellings (/graphql/, /GRAPHQL) answers body errors GraphQL-shaped too', async () => {
  for (const path of ['/graphql/', '/GRAPHQL', '/GraphQL/']) {
    const answer = await answers({ ...ENDPOINTS.GraphQL, path }, '{"query": ', [FAST[0], FALLBACK[0]]);
    expect(answer, path).toEqual(all(`400 ${graphQLError(NOT_JSON[1])}`, [FAST[0], FALLBACK[0]]));
  }
});
