import { execute, type ExecutionResult, parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../src/auth/api-keys.service';
import { createContext } from '../../src/graphql/context';
import { maskError } from '../../src/graphql/errors';
import { createExecutor, MAX_COMPILED_DOCUMENTS } from '../../src/graphql/executor';
import { getSchema } from '../../src/graphql/schema';
import { WaitType } from '../../src/waits/wait.type';
import { startServer, type TestServer } from '../support/server';

// The executor compiles a document (graphql-jit) once it comes back; until then graphql-js interprets it.
// Every answer of the compiled code must be the one graphql-js gives: data, errors (message, path,
// locations, extensions) and their order. Each operation below runs through graphql-js itself and twice
// through the executor (interpreted, then compiled), on a real database, and all three must agree.
let s: TestServer;
let principal: Principal;
let sessionId: string;
let inboxId: string;
let completedId: string;

beforeAll(async () => {
  s = await startServer();
  principal = (await s.app.services.apiKeys.authenticate(s.apiKey))!;
  const { sessions, inboxes, waits } = s.app.services;
  sessionId = (await sessions.create(principal.ownerId, { name: 'compiled', metadata: { team: 'qa', n: 1 } })).id;
  inboxId = (await inboxes.create(principal.ownerId, { sessionId })).id;
  await waits.create(principal.ownerId, { inboxId, type: WaitType.otp, timeoutSeconds: 60 });
  const failed = await sessions.create(principal.ownerId, { name: 'failed' });
  await sessions.fail(principal.ownerId, failed.id, 'gave up');
  completedId = (await sessions.create(principal.ownerId, { name: 'completed' })).id;
  await sessions.complete(principal.ownerId, completedId);
});
afterAll(() => s?.close());

const SESSION_TREE = `id name status metadata createdAt updatedAt completedAt failureReason inboxIds waitIds
  inboxes { id emailAddress status sessionId metadata expiresAt waits { id type status } messages { id } }
  waits { id type status timeoutSeconds deadline endedAt result { messageId } filters { from subjectContains } }
  timeline { type timestamp payload }`;

const CASES: { name: string; query: string; variables?: () => Record<string, unknown>; operationName?: string }[] = [
  { name: 'a session with all its children', query: `query($id: ID!) { session(id: $id) { ${SESSION_TREE} } }`, variables: () => ({ id: sessionId }) },
  {
    name: 'a page, filtered, with aliases and a fragment',
    query: `query Page($status: SessionStatus) { failed: sessions(status: $status, limit: 5) { data { ...S } pagination { limit offset total } }
      all: sessions(limit: 2, offset: 1) { data { id } pagination { total } } }
      fragment S on Session { id name status failureReason inboxes { id } }`,
    variables: () => ({ status: 'failed' }),
  },
  {
    name: '@include and @skip',
    query: `query($id: ID!, $yes: Boolean!) { session(id: $id) { id name @include(if: $yes) status @skip(if: $yes) ... on Session @include(if: $yes) { waitIds } } }`,
    variables: () => ({ id: sessionId, yes: true }),
  },
  { name: 'an unknown id (NOT_FOUND, data null)', query: `query($id: ID!) { session(id: $id) { id } }`, variables: () => ({ id: 'sess_0000000000000000000000' }) },
  { name: 'an argument out of range (BAD_USER_INPUT)', query: `{ sessions(limit: 500) { data { id } } }` },
  { name: 'a variable of the wrong type', query: `query($limit: Int!) { sessions(limit: $limit) { data { id } } }`, variables: () => ({ limit: 'ten' }) },
  { name: 'null for an argument that is non-null with a default', query: `query($limit: Int) { sessions(limit: $limit) { data { id } } }`, variables: () => ({ limit: null }) },
  { name: 'a missing required variable', query: `query($id: ID!) { session(id: $id) { id } }`, variables: () => ({}) },
  { name: 'an input object with an unknown field', query: `mutation($input: CreateSessionInput!) { createSession(input: $input) { id } }`, variables: () => ({ input: { name: 'x', color: 'red' } }) },
  { name: 'a rule broken in the service (BAD_USER_INPUT)', query: `mutation { createSession(input: { name: "" }) { id } }` },
  { name: 'a state conflict (CONFLICT)', query: `mutation($id: ID!) { failSession(id: $id, reason: "again") { id } }`, variables: () => ({ id: completedId }) },
  { name: 'one operation of several, by name', query: `query A { sessions(limit: 1) { pagination { total } } } query B { __typename }`, operationName: 'B' },
  { name: 'an operation name that is not there', query: `query A { __typename }`, operationName: 'C' },
  { name: 'introspection', query: `{ __schema { queryType { name } } __type(name: "Session") { name fields { name type { kind name ofType { name } } } } }` },
];

/**
 * What a client sees of a result: the JSON of data and errors, and each error as the one choke point
 * masks it (an error a resolver threw keeps its code, graphql-js's own request errors are the client's
 * input, anything else is an internal error).
 */
const seen = (result: ExecutionResult) => ({
  ...JSON.parse(JSON.stringify(result)),
  ...(result.errors && { masked: result.errors.map((e) => maskError(e.toJSON(), e, () => {})) }),
});

describe('compiled operations answer exactly as graphql-js does', () => {
  const schema = getSchema();
  const context = () => createContext('req-test', principal, s.app.services);

  it.each(CASES)('$name', async ({ query, variables, operationName }) => {
    const document = parse(query);
    const run = createExecutor(schema);
    const args = () => ({ document, operationName, variableValues: variables?.(), contextValue: context() });
    const reference = seen(await execute({ schema, ...args() }));
    const interpreted = seen(await run(args()));
    expect(run.isCompiled(document, operationName)).toBe(false);
    const compiled = seen(await run(args()));
    expect(interpreted).toEqual(reference);
    expect(compiled).toEqual(reference);
    // Operations graphql-jit cannot compile stay with graphql-js; every other one is compiled now.
    expect(run.isCompiled(document, operationName)).toBe(operationName !== 'C');
  });
});

describe('compiled code kept', () => {
  it(`for the ${MAX_COMPILED_DOCUMENTS} most recently used documents: many distinct queries do not grow memory without bound`, async () => {
    const run = createExecutor(getSchema());
    const contextValue = createContext('req-test', principal, s.app.services);
    const documents = Array.from({ length: MAX_COMPILED_DOCUMENTS + 1 }, (_, i) => parse(`{ q${i}: __typename }`));
    const hot = documents[0];
    for (const [i, document] of documents.entries()) {
      await run({ document, contextValue }); // interpreted
      expect(seen(await run({ document, contextValue }))).toEqual({ data: { [`q${i}`]: 'Query' } }); // compiled
      // The first document stays in use all along: it is never the least recently used one.
      if (document !== hot) await run({ document: hot, contextValue });
    }
    expect(run.isCompiled(hot)).toBe(true);
    expect(run.isCompiled(documents[1])).toBe(false);
    expect(run.isCompiled(documents.at(-1)!)).toBe(true);
  });
});
