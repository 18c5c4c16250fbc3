import { getIntrospectionQuery, Lexer, Source, TokenKind } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRAPHQL_LIMITS } from '../../src/graphql/apollo';
import { type Reply, startServer, type TestServer } from '../support/server';

/**
 * The checks of graphql-cop (github.com/dolevf/graphql-cop, lib/tests/*.py), one test each, against the
 * real server over real HTTP. graphql-cop reports a finding when the server *executes* its probe; here
 * every probe must be refused: a 4xx with a GraphQL `errors` body and no `data` — never a 500, never
 * executed (for mutations: nothing was created). Payloads are graphql-cop's own where it has one.
 *
 * `on`: the default configuration (introspection on, so the IDE gets its schema).
 * `off`: GRAPHQL_INTROSPECTION=false, where field suggestions must go too.
 * Rate limiting is off so a 429 can never stand in for the refusal under test.
 */
let on: TestServer;
let off: TestServer;

beforeAll(async () => {
  [on, off] = await Promise.all([
    startServer({ env: { RATE_LIMIT_PER_MINUTE: '0' } }),
    startServer({ env: { RATE_LIMIT_PER_MINUTE: '0', GRAPHQL_INTROSPECTION: 'false' } }),
  ]);
});
afterAll(async () => {
  await Promise.all([on?.close(), off?.close()]);
});

const PREFLIGHT = { 'apollo-require-preflight': 'true' };
const CREATE_SESSION = 'mutation { createSession(input: { name: "graphql-cop" }) { id } }';

/** graphql-cop sends `{query, operationName: "cop"}` as JSON. */
const cop = (s: TestServer, query: string) => s.request('POST', '/graphql', { body: { query, operationName: 'cop' } });
const post = (s: TestServer, query: string) => s.request('POST', '/graphql', { body: { query } });
const get = (s: TestServer, query: string, headers: Record<string, string> = {}) =>
  s.request('GET', `/graphql?query=${encodeURIComponent(query)}`, { headers });

/** Traces of a server in debug / trace mode (graphql-cop's info_trace_mode, info_unhandled_error). */
function expectNoDebugInfo(reply: Reply): void {
  expect(reply.text).not.toMatch(/stacktrace|"exception"|"tracing"/i);
  for (const error of reply.body?.errors ?? []) {
    expect(error.extensions ?? {}).not.toHaveProperty('stacktrace');
    expect(error.extensions ?? {}).not.toHaveProperty('exception');
  }
}

/** Refused before execution: 4xx, GraphQL errors, no data; the errors mention `reason` when given. */
function expectRefused(reply: Reply, reason?: RegExp): void {
  expect(reply.status, reply.text).toBeGreaterThanOrEqual(400);
  expect(reply.status, reply.text).toBeLessThan(500);
  expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
  expect(Array.isArray(reply.body?.errors) && reply.body.errors.length > 0, reply.text).toBe(true);
  expect(reply.body).not.toHaveProperty('data');
  if (reason) expect(reply.body.errors.map((e: { message: string }) => e.message).join('\n')).toMatch(reason);
  expectNoDebugInfo(reply);
}

function expectExecuted(reply: Reply): void {
  expect(reply.status, reply.text).toBe(200);
  expect(reply.body.errors, reply.text).toBeUndefined();
  expect(reply.body.data).toBeTruthy();
}

async function sessionTotal(s: TestServer): Promise<number> {
  const reply = await post(s, '{ sessions { pagination { total } } }');
  expectExecuted(reply);
  return reply.body.data.sessions.pagination.total;
}

/** Tokens of a document as graphql-js's parser counts them for its maxTokens option (no comments, no EOF). */
function countTokens(document: string): number {
  const lexer = new Lexer(new Source(document));
  let n = 0;
  while (lexer.advance().kind !== TokenKind.EOF) n++;
  return n;
}

/** `levels` nested inline fragments around `leaf`: each one is a depth (and cost) level for armor. */
function nestFragments(type: string, levels: number, leaf: string): string {
  let selection = leaf;
  for (let i = 0; i < levels; i++) selection = `... on ${type} { ${selection} }`;
  return selection;
}

describe('graphql-cop checks', () => {
  it('alias overloading: 101 aliases of __typename are refused (limit 15), not executed', async () => {
    // graphql-cop: `query { alias0:__typename … alias100:__typename }`, finding if data.alias100 comes back.
    const aliases = (n: number, field = '__typename') => Array.from({ length: n }, (_, i) => `alias${i}: ${field}`).join('\n');
    expectRefused(await post(on, `query { ${aliases(101)} }`), /Aliases limit of 15 exceeded, found 101/);
    // `__typename` is not free (armor's default allow-list exempts it), and neither is a real field.
    expectRefused(await post(on, `{ ${aliases(GRAPHQL_LIMITS.maxAliases + 1)} }`), /Aliases limit/);
    expectRefused(await post(on, `{ ${aliases(GRAPHQL_LIMITS.maxAliases + 1, 'sessions { data { id } }')} }`), /Aliases limit/);
    // The limit itself is allowed.
    const atLimit = await post(on, `{ ${aliases(GRAPHQL_LIMITS.maxAliases)} }`);
    expectExecuted(atLimit);
    expect(Object.keys(atLimit.body.data)).toHaveLength(GRAPHQL_LIMITS.maxAliases);
  });

  it('array-based batching: a JSON array of operations is refused as a whole, none executed', async () => {
    // graphql-cop: ten `{query: "query { __typename }"}` in one array, finding if ≥ 10 results come back.
    const before = await sessionTotal(on);
    const tenQueries = Array.from({ length: 10 }, () => ({ query: 'query cop { __typename }', operationName: 'cop' }));
    expectRefused(await on.request('POST', '/graphql', { body: tenQueries }), /batching/i);
    const tenMutations = Array.from({ length: 10 }, () => ({ query: CREATE_SESSION }));
    expectRefused(await on.request('POST', '/graphql', { body: tenMutations }), /batching/i);
    expectRefused(await on.request('POST', '/graphql', { body: [{ query: CREATE_SESSION }] }), /batching/i);
    expect(await sessionTotal(on)).toBe(before);
  });

  it('directive overloading: 50 duplicated directives are refused (limit 20)', async () => {
    // graphql-cop: `query cop { __typename @aa@aa… }`; the limit is checked whatever the directives are.
    expectRefused(await cop(on, `query cop { __typename ${'@aa'.repeat(50)} }`), /Directives limit of 20 exceeded, found 50/);
    // Known directives, each one valid where it stands: refused by the limit alone.
    const included = (n: number) => Array.from({ length: n }, () => '... @include(if: true) { __typename }').join(' ');
    const over = await post(on, `{ ${included(GRAPHQL_LIMITS.maxDirectives + 1)} }`);
    expectRefused(over, /Directives limit of 20 exceeded, found 21/);
    expect(over.body.errors).toHaveLength(1);
    expectExecuted(await post(on, `{ ${included(GRAPHQL_LIMITS.maxDirectives)} }`));
  });

  it('query depth: nesting beyond 10 levels is refused, through fragments or through __type', async () => {
    // The schema's deepest path is 6 levels (sessions → data → inboxes → waits → result → messageId), and
    // no type points back at an ancestor, so depth > 10 needs fragments: armor counts every fragment
    // level as one (flattenFragments: false). `__type` is also counted: only `__schema` is exempt.
    const schemaPath = (inner: string) => `{ sessions { data { inboxes { waits { result { ${inner} } } } } } }`;
    expectRefused(await post(on, schemaPath(nestFragments('WaitResult', 5, 'messageId'))), /depth limit of 10 exceeded, found 11/);
    expectExecuted(await post(on, schemaPath(nestFragments('WaitResult', 4, 'messageId')))); // exactly 10

    expectRefused(await post(on, `{ ${nestFragments('Query', 11, '__typename')} }`), /depth limit of 10 exceeded, found 12/);
    expectExecuted(await post(on, `{ ${nestFragments('Query', 9, '__typename')} }`)); // exactly 10

    const ofType = (n: number): string => (n === 0 ? 'name' : `ofType { ${ofType(n - 1)} }`);
    expectRefused(await post(on, `{ __type(name: "Query") { fields { type { ${ofType(8)} } } } }`), /depth limit of 10 exceeded, found 12/);
  });

  it('field duplication: duplicated fields are bounded (merge budget, tokens, cost)', async () => {
    // graphql-cop repeats `__typename` 500 times (finding if data comes back). graphql-js merges same-named
    // fields, so those resolve once, and 502 tokens at cost 500 are within the limits. Duplication at scale
    // is refused: graphql-js's field-merge check has a work budget, then the token and cost limits.
    expectRefused(await post(on, `query { ${'__typename\n'.repeat(1000)} }`), /Validation aborted/);
    expectRefused(await post(on, `query { ${'__typename\n'.repeat(2100)} }`), /more tha\w* 2000 tokens/);
    // Duplication of a real, nested field: 700 × messageId at depth 6 costs ≈ 5,300.
    const duplicated = `{ sessions { data { inboxes { waits { result { ${'messageId '.repeat(700)} } } } } } }`;
    expectRefused(await post(on, duplicated), /Cost limit of 5000 exceeded/);
  });

  it('token limit: a document of more than 2000 tokens is refused while parsing (400, not 500)', async () => {
    // A long list in a JSON literal: `n` tokens for the numbers plus the rest of the mutation's tokens.
    const doc = (n: number) => `mutation { createSession(input: { name: "tokens", metadata: { list: [${'0 '.repeat(n)}] } }) { id } }`;
    const overhead = countTokens(doc(0));
    const atLimit = doc(GRAPHQL_LIMITS.maxTokens - overhead);
    expect(countTokens(atLimit)).toBe(GRAPHQL_LIMITS.maxTokens);
    const before = await sessionTotal(on);
    const over = await post(on, doc(GRAPHQL_LIMITS.maxTokens - overhead + 1));
    expectRefused(over, /Syntax Error: Document contains more tha\w* 2000 tokens/);
    expect(over.status).toBe(400);
    expect(over.body.errors[0].extensions.code).toBe('GRAPHQL_PARSE_FAILED');
    expect(await sessionTotal(on)).toBe(before);
    // The limit itself is allowed; comments are not tokens.
    expectExecuted(await post(on, `# a comment\n${atLimit} # another`));
    expect(await sessionTotal(on)).toBe(before + 1);
    // Whatever the tokens are: fields too (refused while parsing, before any other check).
    expectRefused(await post(on, `{ ${'__typename '.repeat(GRAPHQL_LIMITS.maxTokens)}}`), /2000 tokens/);
  });

  it('cost limit: an expensive query within the depth, alias and token limits is refused', async () => {
    // ~70 tokens, depth 8, no alias — but each spread of W costs the whole fragment again.
    const fragment = `fragment W on Wait { id status type deadline createdAt inboxId sessionId timeoutSeconds endedAt
      result { messageId type value } filters { from subjectContains } }`;
    const query = (spreads: number) => `{ sessions { data { inboxes { waits { ${'...W '.repeat(spreads)}} } } } }\n${fragment}`;
    expectRefused(await post(on, query(40)), /Query Cost limit of 5000 exceeded/);
    expectExecuted(await post(on, query(1)));
    // A real client's heavy read (the nested list of test/graphql/batching.test.ts) stays well within it.
    expectExecuted(await post(on, '{ sessions(limit: 100) { data { id inboxes { id messages { id } waits { id } } waits { id } timeline { type } } } }'));
  });

  it('introspection-based circular query is refused; the IDE\'s own introspection query still runs', async () => {
    // graphql-cop: types → fields → type → fields … (finding if more than 25 types come back).
    const circular = 'query cop { __schema { types { fields { type { fields { type { fields { type { fields { type { name } } } } } } } } } } }';
    expectRefused(await cop(on, circular), /introspection depth/i);
    expectRefused(await cop(off, circular));
    // __schema is exempt from depth and cost so that GraphiQL can load the schema: it must keep working.
    const full = getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true });
    const reply = await post(on, full);
    expectExecuted(reply);
    expect(reply.body.data.__schema.queryType.name).toBe('Query');
  });

  it('circular fragments are refused', async () => {
    const query = 'query cop { __schema { ...A } } fragment A on __Schema { __typename ...B } fragment B on __Schema { ...A }';
    expectRefused(await cop(on, query), /Cannot spread fragment/);
    expectRefused(await post(on, '{ ...Q } fragment Q on Query { sessions { data { id } } ...Q }'), /Cannot spread fragment "Q" within itself/);
  });

  it('GET-based query (CSRF): refused without a preflight-forcing header, allowed with one', async () => {
    const query = 'query cop { __typename }';
    const simple = await get(on, query);
    expectRefused(simple, /Cross-Site Request Forgery/);
    expect(simple.status).toBe(400);
    // A browser cannot send these headers cross-origin without a CORS preflight.
    expect((await get(on, query, PREFLIGHT)).body).toEqual({ data: { __typename: 'Query' } });
    expect((await get(on, query, { 'x-apollo-operation-name': 'cop' })).body).toEqual({ data: { __typename: 'Query' } });
  });

  it('GET-based mutation: never executed, even with the preflight header', async () => {
    const before = await sessionTotal(on);
    // graphql-cop's probe, then one that would create something.
    for (const mutation of ['mutation cop { __typename }', CREATE_SESSION]) {
      const preflighted = await get(on, mutation, PREFLIGHT);
      expectRefused(preflighted, /GET requests only support query operations/);
      expect(preflighted.status).toBe(405);
      expect(preflighted.headers.get('allow')).toMatch(/POST/);
      expectRefused(await get(on, mutation), /Cross-Site Request Forgery/);
    }
    expect(await sessionTotal(on)).toBe(before);
  });

  it('POST url-encoded / form (CSRF): refused, not executed', async () => {
    const before = await sessionTotal(on);
    // graphql-cop: POST with the query in the URL and no body (so no content type).
    expectRefused(await on.request('POST', `/graphql?query=${encodeURIComponent('query {__typename}')}`), /Cross-Site Request Forgery/);
    expectRefused(await on.request('POST', `/graphql?query=${encodeURIComponent(CREATE_SESSION)}`), /Cross-Site Request Forgery/);
    // What an HTML <form> can send: url-encoded and multipart bodies.
    const form = await on.request('POST', '/graphql', {
      rawBody: new URLSearchParams({ query: CREATE_SESSION }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expectRefused(form, /Cross-Site Request Forgery/);
    expect(form.status).toBe(400);
    const multipart = await on.request('POST', '/graphql', {
      rawBody: `--b\r\nContent-Disposition: form-data; name="query"\r\n\r\n${CREATE_SESSION}\r\n--b--\r\n`,
      headers: { 'content-type': 'multipart/form-data; boundary=b' },
    });
    expectRefused(multipart, /Cross-Site Request Forgery/);
    expect(await sessionTotal(on)).toBe(before);
  });

  it('POST text/plain (CSRF): a JSON body sent as text/plain is refused, not executed', async () => {
    const before = await sessionTotal(on);
    const reply = await on.request('POST', '/graphql', { rawBody: JSON.stringify({ query: CREATE_SESSION }), headers: { 'content-type': 'text/plain' } });
    expectRefused(reply, /Cross-Site Request Forgery/);
    expect(reply.status).toBe(400);
    const charset = await on.request('POST', '/graphql', { rawBody: JSON.stringify({ query: CREATE_SESSION }), headers: { 'content-type': 'text/plain;charset=UTF-8' } });
    expectRefused(charset, /Cross-Site Request Forgery/);
    expect(await sessionTotal(on)).toBe(before);
  });

  it('field suggestions: none when introspection is off (and introspection is refused); present when it is on', async () => {
    const typos = ['query cop { __schema { directive } }', '{ sesions }', '{ sessions { dat { id } } }', 'mutation { createSesion(input: { name: "x" }) { id } }'];
    for (const typo of typos) {
      const reply = await cop(off, typo);
      expectRefused(reply);
      expect(reply.text).not.toMatch(/Did you mean/i);
      expect(reply.text).not.toMatch(/"sessions"|"data"|"createSession"|"directives"/); // no field name leaks either
    }
    expectRefused(await post(off, '{ __schema { types { name } } }'), /introspection is not allowed/);
    expectRefused(await post(off, '{ __type(name: "Session") { fields { name } } }'), /introspection is not allowed/);
    expectRefused(await post(off, getIntrospectionQuery()), /introspection is not allowed/);
    // With introspection on, the schema is public anyway: suggestions may stay.
    const suggested = await post(on, '{ sesions }');
    expectRefused(suggested, /Did you mean "sessions"/);
  });

  it('trace mode / unhandled errors: no stacktrace, exception or tracing in any response', async () => {
    const probes = [
      'query cop { __typename }', // graphql-cop info_trace_mode
      'qwerty cop { abc }', // graphql-cop info_unhandled_error
      '{',
      '{ nope }',
      '{ session(id: "does-not-exist") { id } }',
      '{ wait(id: "x", waitSeconds: 1000) { id } }',
      'query ($n: Int!) { sessions(limit: $n) { data { id } } }',
      'mutation { failSession(id: "does-not-exist", reason: "x") { id } }',
    ];
    for (const s of [on, off]) {
      for (const query of probes) {
        const reply = await cop(s, query);
        expect(reply.status, reply.text).toBeLessThan(500);
        expectNoDebugInfo(reply);
        expect(reply.body.extensions?.tracing).toBeUndefined();
      }
      expectNoDebugInfo(await s.request('POST', '/graphql', { rawBody: '{"query": ', headers: { 'content-type': 'application/json' } }));
      expectNoDebugInfo(await s.request('POST', '/graphql', { body: { query: 123 } }));
      expectNoDebugInfo(await s.request('POST', '/graphql', { body: { query: '{ __typename }', variables: 'nope' } }));
    }
    // The unhandled-error probe in particular is a plain parse error.
    expectRefused(await cop(on, 'qwerty cop { abc }'), /Syntax Error/);
  });
});
