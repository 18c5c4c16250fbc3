import { randomBytes } from 'node:crypto';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { BANNER_LINE, type CallOptions, freePort, type Gateway, httpCall, openSql, type Outcome, type Sql, startGateway, waitUntil } from './helpers';

// What operators see of a real gateway process: its stdout (LOG_LEVEL=info) and /metrics.
// Logs: JSON lines; each line written while serving a request carries that request's X-Request-Id; no
// API key, no Authorization header, no message content — not even when a delivery fails. Metrics:
// Prometheus text with route patterns (never raw ids), latency histograms, wait outcomes, SMTP
// results and the SQL statement count.
const KEY = `sgk_logs_${randomBytes(16).toString('hex')}`;
const MARK = randomBytes(6).toString('hex');
const MARKERS = {
  smtpBody: `smtp-body-${MARK}`,
  smtpSubject: `smtp-subject-${MARK}`,
  httpBody: `http-body-${MARK}`,
  failedBody: `failed-body-${MARK}`,
  failedSmtpBody: `failed-smtp-${MARK}`,
};

let database: TestDatabase;
let gw: Gateway;
let smtpPort: number;
let sql: Sql;
/** Every X-Request-Id the gateway answered with. */
const answeredIds = new Set<string>();
let metricsBefore: Samples;

beforeAll(async () => {
  database = await createTestDatabase();
  smtpPort = await freePort();
  gw = await startGateway({ DATABASE_URL: database.url, BOOTSTRAP_API_KEY: KEY, LOG_LEVEL: 'info', SMTP_PORT: String(smtpPort), SMTP_HOST: '127.0.0.1' });
  sql = await openSql(database.url);
  metricsBefore = parseMetrics((await call('GET', '/metrics')).text!);
}, 90_000);

afterAll(async () => {
  await sql?.close();
  await gw?.kill();
  await database?.drop();
});

type Line = Record<string, any>;

/** A request; returns once its access-log line is out too (it can trail the response a little). */
async function call(method: string, path: string, opts: CallOptions = {}): Promise<Outcome> {
  const mark = gw.stdout().length;
  const o = await httpCall(gw.url, method, path, { key: KEY, ...opts });
  expect(o.error, `${method} ${path}`).toBeUndefined();
  const id = o.headers?.['x-request-id'];
  expect(typeof id, `${method} ${path}: X-Request-Id`).toBe('string');
  answeredIds.add(id as string);
  await waitUntil(`the access-log line of ${method} ${path}`, () => linesFrom(mark).some((l) => accessLineOf(id as string)(JSON.parse(l))), 5_000);
  return o;
}

/** Complete stdout lines from character offset `from`. */
function linesFrom(from: number): string[] {
  const text = gw.stdout().slice(from);
  return text.slice(0, text.lastIndexOf('\n') + 1).split('\n').filter(Boolean);
}

const accessLineOf = (id: string) => (l: Line) => l.msg === 'request' && l.requestId === id;

/**
 * One request on its own (nothing else runs meanwhile): every line written from its start to its
 * access-log line must carry its X-Request-Id.
 */
async function traced(method: string, path: string, opts: CallOptions = {}): Promise<{ reply: Outcome; lines: Line[] }> {
  const mark = gw.stdout().length;
  const reply = await call(method, path, opts);
  const id = reply.headers!['x-request-id'] as string;
  let lines: Line[] = linesFrom(mark).map((l) => JSON.parse(l));
  lines = lines.slice(0, lines.findIndex(accessLineOf(id)) + 1);
  expect(lines.filter((l) => l.requestId !== id), `lines written during ${method} ${path} (${id})`).toEqual([]);
  const access = lines.at(-1)!;
  expect(access).toMatchObject({ method, path: path.replace(/\?.*$/, ''), status: reply.status });
  return { reply, lines };
}

/** Runs `fn` with `table` renamed away (a real database failure), then puts it back. */
async function withoutTable<T>(table: string, fn: () => Promise<T>): Promise<T> {
  await sql.exec(`ALTER TABLE "${table}" RENAME TO "${table}_broken"`);
  try {
    return await fn();
  } finally {
    await sql.exec(`ALTER TABLE "${table}_broken" RENAME TO "${table}"`);
  }
}

const transport = () => nodemailer.createTransport({ host: '127.0.0.1', port: smtpPort, secure: false, ignoreTLS: true });

describe('logs', () => {
  let sessionId: string;
  let inboxId: string;

  it('echo a sane incoming X-Request-Id on every line of its request, and replace an odd one', async () => {
    const created = await traced('POST', '/api/v1/sessions', { body: { name: 'logged' }, headers: { 'x-request-id': 'client-trace-1' } });
    expect(created.reply.status).toBe(201);
    expect(created.reply.headers!['x-request-id']).toBe('client-trace-1');
    sessionId = created.reply.body.id;

    const odd = await traced('GET', `/api/v1/sessions/${sessionId}`, { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(odd.reply.status).toBe(200);
    expect(odd.reply.headers!['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);

    expect((await traced('GET', `/api/v1/sessions/${sessionId}`)).reply.headers!['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect((await traced('POST', '/api/v1/sessions', { body: {} })).reply.status).toBe(400);
    expect((await traced('GET', '/api/v1/sessions/sess_0000000000000000000000')).reply.status).toBe(404);
    expect((await traced('GET', '/api/v1/nothing-here')).reply.status).toBe(404);
    expect((await traced('GET', '/api/v1/sessions', { key: 'sgk_not_a_real_key_0000000000000000000000' })).reply.status).toBe(401);
    expect((await traced('POST', '/graphql', { body: { query: '{ sessions { pagination { total } } }' } })).reply.status).toBe(200);
    const inbox = await traced('POST', '/api/v1/inboxes', { body: { sessionId } });
    inboxId = inbox.reply.body.id;
  });

  it('log a forced internal error with its request id; the client gets the documented 500 and nothing else', async () => {
    const { rest, gql } = await withoutTable('Session', async () => ({
      rest: await traced('GET', `/api/v1/sessions/${sessionId}`),
      gql: await traced('POST', '/graphql', { body: { query: '{ sessions { data { id } } }' } }),
    }));
    expect(rest.reply.status).toBe(500);
    expect(rest.reply.text).toBe(JSON.stringify({ error: 'Internal server error', message: 'Failed to retrieve session' }));
    for (const { reply, lines } of [rest, gql]) {
      const id = reply.headers!['x-request-id'];
      const logged = lines.find((l) => l.msg === 'internal error');
      expect(logged, JSON.stringify(lines)).toMatchObject({ level: 50, requestId: id, err: { message: expect.any(String) } });
      expect(lines.at(-1)).toMatchObject({ level: reply.status! >= 500 ? 40 : 30, msg: 'request', requestId: id, status: reply.status });
    }
    expect(gql.reply.body.errors[0].extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR', requestId: gql.reply.headers!['x-request-id'] });
  });

  it('a failed delivery is logged with its request id, and without the message', async () => {
    const failed = await withoutTable('Message', () =>
      traced('POST', `/api/v1/inboxes/${inboxId}/messages`, { body: { from: 'app@example.test', subject: 'Code', text: `Your code is 123456 ${MARKERS.failedBody}` } }),
    );
    expect(failed.reply.status).toBe(500);
    expect(failed.reply.text).toBe(JSON.stringify({ error: 'Internal server error', message: 'Failed to deliver message' }));
    expect(failed.lines.some((l) => l.msg === 'internal error' && l.requestId === failed.reply.headers!['x-request-id'])).toBe(true);
  });

  it('a failed SMTP delivery is answered 451 and logged without the message', async () => {
    const { body: inbox } = await call('GET', `/api/v1/inboxes/${inboxId}`);
    const mark = gw.stdout().length;
    const err = await withoutTable('Message', () =>
      transport()
        .sendMail({ from: 'app@example.test', to: inbox.emailAddress, subject: 'Code', text: `Your code is 654321 ${MARKERS.failedSmtpBody}` })
        .then(() => null, (e: { responseCode?: number }) => e),
    );
    expect(err?.responseCode).toBe(451);
    await waitUntil('the SMTP failure log line', () => linesFrom(mark).some((l) => l.includes('SMTP delivery failed')), 5_000);
  });

  it('lines of concurrent requests carry their own request ids', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push((await call('POST', '/api/v1/sessions', { body: { name: `concurrent-${i}` } })).body.id);
    const mark = gw.stdout().length;
    const replies = await Promise.all(ids.map((id, i) => call('GET', `/api/v1/sessions/${id}`, { headers: { 'x-request-id': `concurrent-${i}` } })));
    replies.forEach((r, i) => expect(r.headers!['x-request-id']).toBe(`concurrent-${i}`));
    let lines: Line[] = [];
    await waitUntil('12 access-log lines', () => (lines = linesFrom(mark).map((l) => JSON.parse(l))).filter((l) => l.msg === 'request').length >= 12, 5_000);
    for (const [i, id] of ids.entries()) {
      expect(lines.filter((l) => l.path === `/api/v1/sessions/${id}`)).toEqual([
        expect.objectContaining({ requestId: `concurrent-${i}`, method: 'GET', status: 200, msg: 'request' }),
      ]);
    }
  });
});

describe('metrics', () => {
  let inbox: { id: string; emailAddress: string };
  let metricsAfter: Samples;

  it('count deliveries over SMTP (accepted and refused) and every wait outcome', async () => {
    const { body: session } = await call('POST', '/api/v1/sessions', { body: { name: 'metrics' } });
    inbox = (await call('POST', '/api/v1/inboxes', { body: { sessionId: session.id } })).body;
    // completed: an OTP over SMTP
    const { body: otpWait } = await call('POST', '/api/v1/waits', { body: { inboxId: inbox.id, type: 'otp', timeoutSeconds: 60 } });
    const info = await transport().sendMail({ from: 'app@example.test', to: inbox.emailAddress, subject: `Your code ${MARKERS.smtpSubject}`, text: `Your code is 482913 ${MARKERS.smtpBody}` });
    expect(info.accepted).toEqual([inbox.emailAddress]);
    const done = await call('GET', `/api/v1/waits/${otpWait.id}?waitSeconds=10`);
    expect(done.body).toMatchObject({ status: 'completed', result: { value: '482913' } });
    // refused: nobody has this address
    const refused = await transport()
      .sendMail({ from: 'app@example.test', to: `nobody-${MARK}@sessions.localhost`, subject: 'x', text: 'x' })
      .then(() => null, (e: { responseCode?: number }) => e);
    expect(refused?.responseCode).toBe(550);
    // a message over HTTP, too
    expect((await call('POST', `/api/v1/inboxes/${inbox.id}/messages`, { body: { from: 'app@example.test', subject: 'Hi', text: `Hello ${MARKERS.httpBody}` } })).status).toBe(201);
    // canceled
    const { body: toCancel } = await call('POST', '/api/v1/waits', { body: { inboxId: inbox.id, type: 'magic_link', timeoutSeconds: 60 } });
    expect((await call('POST', `/api/v1/waits/${toCancel.id}/cancel`)).body.status).toBe('canceled');
    // timed out (on a session of its own: a timeout fails its session)
    const { body: doomed } = await call('POST', '/api/v1/sessions', { body: { name: 'doomed' } });
    const { body: doomedInbox } = await call('POST', '/api/v1/inboxes', { body: { sessionId: doomed.id } });
    const { body: toTimeOut } = await call('POST', '/api/v1/waits', { body: { inboxId: doomedInbox.id, sessionId: doomed.id, type: 'otp', timeoutSeconds: 1 } });
    expect((await call('GET', `/api/v1/waits/${toTimeOut.id}?waitSeconds=5`)).body.status).toBe('timed_out');

    const reply = await call('GET', '/metrics');
    expect(reply.status).toBe(200);
    expect(reply.headers!['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    metricsAfter = parseMetrics(reply.text!);

    const before = (name: string, labels: Record<string, string>) => sum(metricsBefore, name, labels);
    const after = (name: string, labels: Record<string, string>) => sum(metricsAfter, name, labels);
    for (const outcome of ['completed', 'timed_out', 'canceled']) {
      expect(before('sessions_gateway_waits_ended_total', { outcome }), outcome).toBe(0);
      expect(after('sessions_gateway_waits_ended_total', { outcome }), outcome).toBe(1);
    }
    // accepted: the OTP mail; refused: the unknown recipient and the 451 while Message was gone.
    expect(before('sessions_gateway_smtp_messages_total', {})).toBe(0);
    expect(after('sessions_gateway_smtp_messages_total', { result: 'accepted' })).toBe(1);
    expect(after('sessions_gateway_smtp_messages_total', { result: 'refused' })).toBe(2);
  });

  it('label requests by route pattern and status, with a latency histogram', () => {
    const after = (name: string, labels: Record<string, string>) => sum(metricsAfter, name, labels);
    const byId = { method: 'GET', route: '/api/v1/sessions/:id' };
    expect(after('sessions_gateway_http_requests_total', { ...byId, status: '200' })).toBeGreaterThanOrEqual(14);
    expect(after('sessions_gateway_http_requests_total', { ...byId, status: '404' })).toBe(1);
    expect(after('sessions_gateway_http_requests_total', { ...byId, status: '500' })).toBe(1);
    expect(after('sessions_gateway_http_requests_total', { method: 'POST', route: '/api/v1/sessions', status: '201' })).toBeGreaterThanOrEqual(14);
    expect(after('sessions_gateway_http_requests_total', { method: 'POST', route: '/api/v1/inboxes/:id/messages', status: '500' })).toBe(1);
    expect(after('sessions_gateway_http_requests_total', { method: 'GET', route: '/api/v1/waits/:id', status: '200' })).toBe(2);
    // Routes are patterns: no label anywhere holds an id.
    const routes = new Set(metricsAfter.filter((s) => s.labels.route !== undefined).map((s) => s.labels.route));
    for (const route of routes) expect(route).toMatch(/^(\/api\/v1\/[a-z]+(\/:id(\/[a-z]+)?)?|\/graphql|\/metrics|\/healthz|\/readyz|other)$/);
    expect(metricsAfter.filter((s) => Object.values(s.labels).some((v) => /(sess|inb|wait|msg)_[0-9A-Za-z]{10,}/.test(v)))).toEqual([]);
    // Latency: a histogram per route, with buckets, _sum and _count.
    const count = after('sessions_gateway_http_request_duration_seconds_count', byId);
    expect(count).toBeGreaterThanOrEqual(16);
    expect(after('sessions_gateway_http_request_duration_seconds_bucket', { ...byId, le: '+Inf' })).toBe(count);
    expect(metricsAfter.filter((s) => s.name === 'sessions_gateway_http_request_duration_seconds_bucket' && s.labels.route === byId.route).length).toBeGreaterThan(5);
    expect(after('sessions_gateway_http_request_duration_seconds_sum', byId)).toBeGreaterThan(0);
    // SQL statements: counted, and growing with the work done.
    expect(after('sessions_gateway_sql_statements_total', {})).toBeGreaterThan(sum(metricsBefore, 'sessions_gateway_sql_statements_total', {}));
    expect(sum(metricsBefore, 'sessions_gateway_sql_statements_total', {})).toBeGreaterThan(0);
  });
});

describe('the whole log', () => {
  it('is JSON lines (besides the startup banner), names only real request ids, and holds no key and no message content', async () => {
    await new Promise((r) => setTimeout(r, 200)); // let the last lines land
    const out = gw.output();
    const lines = out.split('\n').filter(Boolean);
    const banner = lines.filter((l) => BANNER_LINE.test(l));
    expect(banner.length).toBe(6); // up, Home, GraphQL, REST, Console, SMTP — once
    const parsed = lines.filter((l) => !BANNER_LINE.test(l)).map((l) => {
      try {
        return JSON.parse(l) as Line;
      } catch {
        throw new Error(`not a JSON log line: ${l}`);
      }
    });
    expect(gw.stderr()).toBe('');
    for (const l of parsed) expect(l).toMatchObject({ level: expect.any(Number), time: expect.any(Number), msg: expect.any(String) });
    expect(parsed.filter((l) => 'requestId' in l && !answeredIds.has(l.requestId))).toEqual([]);
    expect(parsed.filter((l) => l.msg === 'request').length).toBeGreaterThanOrEqual(answeredIds.size);

    expect(out).not.toContain(KEY);
    expect(out).not.toContain(KEY.slice(4)); // nor its secret part alone
    expect(out.toLowerCase()).not.toContain('bearer');
    expect(out.toLowerCase()).not.toContain('authorization');
    for (const [where, marker] of Object.entries(MARKERS)) expect(out, where).not.toContain(marker);
    // The markers did reach the database: they were there to be leaked.
    const stored = await sql.all<{ n: number | string }>(`SELECT count(*) AS n FROM "Message" WHERE "text" LIKE '%${MARK}%'`);
    expect(Number(stored[0].n)).toBe(2);
  });
});

// ---------------------------------------------------------------------------------------------

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}
type Samples = Sample[];

/** Prometheus text exposition → samples (comments dropped). */
function parseMetrics(text: string): Samples {
  const samples: Samples = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not Prometheus text: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return samples;
}

/** Sum of the samples named `name` whose labels include `labels`. */
function sum(samples: Samples, name: string, labels: Record<string, string>): number {
  return samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((a, s) => a + s.value, 0);
}
