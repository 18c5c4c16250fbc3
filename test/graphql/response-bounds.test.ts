import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../support/server';

/**
 * One tenant cannot make a GraphQL response (or the heap behind it) as large as it likes. At a bounded
 * scale: messages of ~0.7 MB html + ~0.7 MB text, MAX_MESSAGE_BYTES 2 MB, a query budget of 9 MB and a
 * response cap of 2 MB. The attack of the issue (five aliases of an inbox's messages with their html)
 * is refused before it runs; a query within budget whose result is still too large is cut with an error;
 * both are counted in /metrics, and eight of each in parallel grow RSS by less than 150 MB.
 */
const MB = 1024 * 1024;
let s: TestServer;
let inboxId: string;
const MESSAGES = 4;

function bigMessage(n: number): string {
  const line = `${'lorem ipsum dolor sit amet '.repeat(3)}${n}\n`;
  const body = line.repeat(Math.ceil((0.7 * MB) / line.length));
  return [
    'From: sender@example.com',
    'To: someone@example.com',
    `Subject: big ${n}`,
    'MIME-Version: 1.0',
    'Content-Type: multipart/alternative; boundary="b"',
    '',
    '--b',
    'Content-Type: text/plain; charset=utf-8',
    '',
    body,
    '--b',
    'Content-Type: text/html; charset=utf-8',
    '',
    `<html><body><pre>${body}</pre></body></html>`,
    '--b--',
    '',
  ].join('\r\n');
}

beforeAll(async () => {
  s = await startServer({
    env: { RATE_LIMIT_PER_MINUTE: '0', MAX_MESSAGE_BYTES: String(2 * MB), GRAPHQL_MAX_QUERY_BYTES: String(9 * MB), GRAPHQL_MAX_RESPONSE_BYTES: String(2 * MB) },
  });
  const inbox = await s.request('POST', '/api/v1/inboxes', { body: {} });
  inboxId = (inbox.body as { id: string }).id;
  for (let n = 0; n < MESSAGES; n++) {
    const r = await s.request('POST', `/api/v1/inboxes/${inboxId}/messages`, { rawBody: bigMessage(n), headers: { 'content-type': 'message/rfc822' } });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
  }
}, 120_000);
afterAll(() => s?.close());

const aliases = (n: number, selection: string) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: inbox(id: "${inboxId}") { ${selection} }`).join(' ')} }`;
const limitsHit = async (limit: string) => {
  const text = (await s.request('GET', '/metrics', { key: null })).text;
  const m = new RegExp(`sessions_gateway_limits_hit_total\\{limit="${limit}"\\} (\\d+)`).exec(text);
  return m ? Number(m[1]) : 0;
};

describe('GraphQL query cost counts lists by their page size and large fields by what they may hold', () => {
  it('the issue\'s attack (aliases of an inbox\'s messages with html) is refused before it runs: 400, BAD_USER_INPUT naming the budget', async () => {
    const before = await limitsHit('graphql_query_cost');
    const r = await s.gql(aliases(5, 'messages { html }'));
    expect(r.status).toBe(400);
    expect(r.body.data).toBeUndefined();
    expect(r.body.errors).toHaveLength(1);
    expect(r.body.errors![0].extensions.code).toBe('BAD_USER_INPUT');
    expect(r.body.errors![0].message).toMatch(/^Query cost too high: its result may be up to 200\.\d MB .* over the budget of 9\.0 MB \(GRAPHQL_MAX_QUERY_BYTES\)/);
    expect(await limitsHit('graphql_query_cost')).toBe(before + 1);
  });

  it('a page size given in a variable counts; so does the default of 20 of a nested list', async () => {
    const q = 'query($n: Int!) { inbox(id: "ID") { messages(limit: $n) { html } } }'.replace('ID', inboxId);
    expect((await s.gql(q, { n: 50 })).status).toBe(400);
    const one = await s.gql(q, { n: 1 });
    expect(one.status).toBe(200);
    expect(one.body.data.inbox.messages).toHaveLength(1);
    // The same text again with a larger page: costed anew, not taken from the accepted request.
    expect((await s.gql(q, { n: 50 })).status).toBe(400);
    // A text whose cost has no variable is costed once and refused every time.
    expect((await s.gql(`{ inboxMessages(inboxId: "${inboxId}") { data { text } } }`)).status).toBe(400);
    expect((await s.gql(`{ inboxMessages(inboxId: "${inboxId}") { data { text } } }`)).status).toBe(400);
    // Without large fields, long lists are cheap.
    expect((await s.gql(`{ inboxes(limit: 100) { data { id messages(limit: 100) { id subject } } } }`)).status).toBe(200);
  });

  it('a query within budget whose result is over GRAPHQL_MAX_RESPONSE_BYTES ends with an error instead of the data', async () => {
    const before = await limitsHit('graphql_response_bytes');
    const r = await s.gql(aliases(1, 'messages(limit: 2) { id html text }'));
    expect(r.body.data).toBeNull();
    expect(r.body.errors).toEqual([
      { message: 'Response too large: over 2.0 MB (GRAPHQL_MAX_RESPONSE_BYTES). Ask for fewer items (limit) or leave out large fields.', extensions: { code: 'BAD_USER_INPUT', limit: 2 * MB } },
    ]);
    expect(r.text.length).toBeLessThan(1000);
    expect(await limitsHit('graphql_response_bytes')).toBe(before + 1);
    // Under the cap, the same data comes back whole.
    const half = await s.gql(aliases(1, 'messages(limit: 2) { id html }'));
    expect(half.status).toBe(200);
    expect(half.body.data.a0.messages.map((m: { html: string }) => m.html.length)).toEqual([expect.any(Number), expect.any(Number)]);
    expect(half.body.data.a0.messages[0].html.length).toBeGreaterThan(0.6 * MB);
  });

  it('eight refused and eight capped requests in parallel grow RSS by less than 150 MB', async () => {
    global.gc?.();
    const before = process.memoryUsage().rss;
    const replies = await Promise.all([
      ...Array.from({ length: 8 }, () => s.gql(aliases(15, 'messages { html text }'))),
      ...Array.from({ length: 8 }, () => s.gql(aliases(1, 'messages(limit: 2) { id html text }'))),
    ]);
    const growth = process.memoryUsage().rss - before;
    for (const r of replies) expect(r.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(growth).toBeLessThan(150 * MB);
    const health = await s.request('GET', '/healthz', { key: null });
    expect(health.status).toBe(200);
  });
});

describe('Inbox.messages is paged like inboxMessages', () => {
  it('limit and offset, oldest first; limit over 100 is refused', async () => {
    const all = await s.gql(`{ inbox(id: "${inboxId}") { messages { subject } } }`);
    expect(all.body.data.inbox.messages.map((m: { subject: string }) => m.subject)).toEqual(['big 0', 'big 1', 'big 2', 'big 3']);
    const page = await s.gql(`{ inbox(id: "${inboxId}") { messages(limit: 2, offset: 1) { subject } } }`);
    expect(page.body.data.inbox.messages.map((m: { subject: string }) => m.subject)).toEqual(['big 1', 'big 2']);
    const bad = await s.gql(`{ inbox(id: "${inboxId}") { messages(limit: 101) { id } } }`);
    expect(bad.body.errors![0].extensions.code).toBe('BAD_USER_INPUT');
    expect(bad.body.errors![0].message).toMatch(/limit/);
  });
});
