/**
 * The seven scenarios. Each HTTP scenario is described once (method, path, body, expected status, a
 * cheap body check) and used twice: by autocannon for the load, and by fetch for single requests
 * (validation, and the in-process SQL statement count). The flow scenario is a hand-rolled loop.
 */
import autocannon from 'autocannon';
import { call, expectStatus } from './http';

export const SCENARIO_NAMES = ['rest-get', 'graphql-get', 'reference', 'graphql-http', 'floor', 'list', 'nested', 'create', 'flow'] as const;

/** The by-id rows, compared with each other: run interleaved, round by round. */
export const BY_ID: readonly ScenarioName[] = ['rest-get', 'graphql-get', 'reference', 'graphql-http', 'floor'];

/** Which process answers a scenario: the gateway, or one of the bench's peers. */
export type ServerName = 'gateway' | 'reference' | 'graphql-http' | 'floor';
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

export interface Fixture {
  key: string;
  /** Sessions with 1 inbox + 1 wait each; the by-id scenarios rotate over them. */
  richIds: string[];
}

export interface HttpScenario {
  kind: 'http';
  name: ScenarioName;
  title: string;
  /** Which server answers: the gateway, or a peer. */
  server: ServerName;
  method: 'GET' | 'POST';
  path: (n: number) => string;
  body?: (n: number) => string;
  status: number;
  /** A cheap check of the body on top of the status (e.g. GraphQL answers 200 with `errors`). */
  check: (body: string) => boolean;
}

export interface FlowScenario {
  kind: 'flow';
  name: ScenarioName;
  title: string;
  server: 'gateway';
}

export type Scenario = HttpScenario | FlowScenario;

/** The fields REST's GET /api/v1/sessions/{id} returns, as its own operation asks for them (src/http/routes.ts). */
const SESSION_FIELDS = 'id name status createdAt updatedAt completedAt metadata inboxIds waitIds';
export const GET_SESSION_QUERY = `query GetSession($id: ID!) { session(id: $id) { ${SESSION_FIELDS} } }`;
export const nestedQuery = (limit: number) =>
  `query Nested { sessions(limit: ${limit}) { data { id name status inboxes { id emailAddress status } waits { id status type } timeline { type timestamp } } pagination { total } } }`;

export function scenarios(f: Fixture): Record<ScenarioName, Scenario> {
  const byId = (n: number) => `/api/v1/sessions/${f.richIds[n % f.richIds.length]}`;
  const restSession = (b: string) => b.startsWith('{"id":"sess_');
  const noErrors = (b: string) => b.startsWith('{"data":{') && !b.includes('"errors":');
  const graphqlGet: HttpScenario = {
    kind: 'http',
    name: 'graphql-get',
    title: 'GraphQL session(id)',
    server: 'gateway',
    method: 'POST',
    path: () => '/graphql',
    body: (n) => JSON.stringify({ query: GET_SESSION_QUERY, variables: { id: f.richIds[n % f.richIds.length] } }),
    status: 200,
    check: noErrors,
  };
  return {
    'rest-get': { kind: 'http', name: 'rest-get', title: 'REST GET /api/v1/sessions/{id}', server: 'gateway', method: 'GET', path: byId, status: 200, check: restSession },
    'graphql-get': graphqlGet,
    reference: { kind: 'http', name: 'reference', title: 'hand-written Express+Prisma by id', server: 'reference', method: 'GET', path: byId, status: 200, check: restSession },
    'graphql-http': { ...graphqlGet, name: 'graphql-http', title: 'graphql-http peer (same schema, bare node:http) session(id)', server: 'graphql-http' },
    floor: { kind: 'http', name: 'floor', title: 'floor: node:http + better-sqlite3 by id', server: 'floor', method: 'GET', path: byId, status: 200, check: restSession },
    list: {
      kind: 'http',
      name: 'list',
      title: 'REST GET /api/v1/sessions?status=active&limit=20',
      server: 'gateway',
      method: 'GET',
      path: () => '/api/v1/sessions?status=active&limit=20',
      status: 200,
      check: (b) => b.startsWith('{"data":[{') && b.includes('"pagination"'),
    },
    nested: {
      kind: 'http',
      name: 'nested',
      title: 'GraphQL 50 sessions + inboxes, waits, timeline',
      server: 'gateway',
      method: 'POST',
      path: () => '/graphql',
      body: () => JSON.stringify({ query: nestedQuery(50) }),
      status: 200,
      check: noErrors,
    },
    create: {
      kind: 'http',
      name: 'create',
      title: 'REST POST /api/v1/sessions',
      server: 'gateway',
      method: 'POST',
      path: () => '/api/v1/sessions',
      body: () => '{"name":"bench-write","metadata":{"bench":"write","env":"staging"}}',
      status: 201,
      check: restSession,
    },
    flow: { kind: 'flow', name: 'flow', title: 'flow: session→inbox→wait→deliver→long-poll→complete', server: 'gateway' },
  };
}

export interface LoadResult {
  requestsPerSec: number;
  /** req/s of each measured slice, in order: slice i of the interleaved scenarios ran in round i. */
  sliceRates: number[];
  requests: number;
  p50: number;
  p99: number;
  errors: number;
  /** What the errors were (status codes, failed checks, messages), for the report. */
  errorDetail: Record<string, number>;
  durationSec: number;
}

/** One measured slice of load: raw latencies (ms) so slices of interleaved rounds can be merged. */
export interface Slice {
  latencies: number[];
  /** Requests (flows) sent, including those still in flight when the slice ended. */
  sent: number;
  seconds: number;
  errors: number;
  errorDetail: Record<string, number>;
}

export function summarize(slices: Slice[]): LoadResult {
  const latencies = slices.flatMap((s) => s.latencies).sort((a, b) => a - b);
  const seconds = slices.reduce((sum, s) => sum + s.seconds, 0);
  const errorDetail: Record<string, number> = {};
  for (const s of slices) for (const [k, v] of Object.entries(s.errorDetail)) errorDetail[k] = (errorDetail[k] ?? 0) + v;
  // Nearest rank: the smallest latency with at least p % of the requests at or below it.
  const pct = (p: number) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.max(0, Math.ceil((p / 100) * latencies.length) - 1))] : NaN);
  return {
    requestsPerSec: latencies.length / seconds,
    sliceRates: slices.map((s) => s.latencies.length / s.seconds),
    requests: latencies.length,
    p50: pct(50),
    p99: pct(99),
    errors: slices.reduce((sum, s) => sum + s.errors, 0),
    errorDetail,
    durationSec: seconds,
  };
}

/** One request of an HTTP scenario through fetch; throws when the status or the check fails. */
export async function once(s: HttpScenario, base: string, key: string, n = 0): Promise<string> {
  const res = await fetch(base + s.path(n), {
    method: s.method,
    headers: { authorization: `Bearer ${key}`, ...(s.body ? { 'content-type': 'application/json' } : {}) },
    body: s.body?.(n),
  });
  const text = await res.text();
  if (res.status !== s.status || !s.check(text)) throw new Error(`${s.name}: ${s.method} ${s.path(n)} → ${res.status} ${text.slice(0, 300)}`);
  return text;
}

/**
 * autocannon for `seconds` at `connections`, ids rotating per request. Latencies of successful
 * requests (expected status, body check passed) are kept; everything else is an error.
 *
 * The run starts `lead` seconds earlier on the same connections, and what is sent then is not
 * measured (errors still count). autocannon opens new connections per run, and a busy Node server
 * accepts one new connection per turn of its event loop: under a heavy scenario the last of 32
 * connections gets its first answer seconds late. That is connection setup, not the latency of a
 * keep-alive client, so the measured window starts once every connection is in use.
 */
export function cannon(s: HttpScenario, base: string, key: string, connections: number, seconds: number, lead = 0): Promise<Slice> {
  let n = 0;
  let failedChecks = 0;
  const latencies: number[] = [];
  const headers: Record<string, string> = { authorization: `Bearer ${key}` };
  if (s.body) headers['content-type'] = 'application/json';
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: base,
        connections,
        duration: lead + seconds,
        timeout: 10,
        requests: [
          {
            method: s.method,
            headers,
            setupRequest: (req) => {
              const i = n++;
              req.path = s.path(i);
              if (s.body) req.body = s.body(i);
              return req;
            },
            onResponse: (status, body) => {
              if (status === s.status && !s.check(body)) failedChecks++;
            },
          },
        ],
      },
      (err, result) => {
        if (err) return reject(err);
        const errorDetail: Record<string, number> = {};
        let wrongStatus = 0;
        for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) {
          if (Number(code) !== s.status && stat?.count) {
            errorDetail[`HTTP ${code}`] = stat.count;
            wrongStatus += stat.count;
          }
        }
        if (failedChecks) errorDetail['body check failed'] = failedChecks;
        if (result.errors) errorDetail['connection errors/timeouts'] = result.errors;
        // A failed body check still recorded a latency: drop as many (they are the rare case).
        latencies.splice(0, failedChecks);
        // `sent` covers the whole run (the server's statement count does too); the rate, the measured window.
        resolve({ latencies, sent: result.requests.sent, seconds: result.duration - lead, errors: wrongStatus + failedChecks + result.errors, errorDetail });
      },
    );
    const measureFrom = performance.now() + lead * 1000;
    instance.on('response', (_client, status, _bytes, responseTime) => {
      // Requests sent from the start of the measured window on.
      if (status === s.status && performance.now() - responseTime >= measureFrom) latencies.push(responseTime);
    });
  });
}

/**
 * One full sign-up flow, as an agent runs it, in the order: create a session, an inbox in it and
 * an OTP wait on the inbox; deliver a message with the code over HTTP; long-poll the wait
 * (`waitSeconds=5`, answers at once since the delivery completed it) and check the code; complete.
 */
export async function flowOnce(base: string, key: string): Promise<void> {
  const otp = String(100_000 + Math.floor(Math.random() * 900_000));
  const session = await expectStatus(201, base, key, 'POST', '/api/v1/sessions', { name: 'bench-flow', metadata: { bench: 'flow' } });
  const inbox = await expectStatus(201, base, key, 'POST', '/api/v1/inboxes', { sessionId: session.id, ttlSeconds: 600 });
  const wait = await expectStatus(201, base, key, 'POST', '/api/v1/waits', { inboxId: inbox.id, type: 'otp', timeoutSeconds: 60 });
  await expectStatus(201, base, key, 'POST', `/api/v1/inboxes/${inbox.id}/messages`, {
    from: 'no-reply@app.example',
    to: [inbox.emailAddress],
    subject: 'Your sign-in code',
    text: `Hi! Your verification code is ${otp}. It expires in 10 minutes.`,
  });
  const result = await call(base, key, 'GET', `/api/v1/waits/${wait.id}?waitSeconds=5`);
  if (result.status !== 200) throw new Error(`long-poll: ${result.status} ${JSON.stringify(result.body).slice(0, 200)}`);
  if (result.body.status !== 'completed' || result.body.result?.value !== otp) {
    throw new Error(`long-poll: wait ${result.body.status}, value ${JSON.stringify(result.body.result?.value)} (expected the code)`);
  }
  await expectStatus(200, base, key, 'POST', `/api/v1/sessions/${session.id}/complete`);
}

/** `connections` workers running flows back to back for `seconds`; latency per flow. */
export async function flowSlice(base: string, key: string, connections: number, seconds: number): Promise<Slice> {
  const errorDetail: Record<string, number> = {};
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const until = Date.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (Date.now() < until) {
        const t0 = performance.now();
        try {
          await flowOnce(base, key);
          latencies.push(performance.now() - t0);
        } catch (err) {
          errors++;
          const msg = (err instanceof Error ? err.message : String(err)).replace(/(sess|inb|wait|msg)_[0-9A-Za-z]+/g, '$1_…').slice(0, 160);
          errorDetail[msg] = (errorDetail[msg] ?? 0) + 1;
        }
      }
    }),
  );
  return { latencies, sent: latencies.length + errors, seconds: (performance.now() - started) / 1000, errors, errorDetail };
}
