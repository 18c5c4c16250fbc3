import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawSmtp } from '../support/raw-smtp';
import { startServer, type TestServer } from '../support/server';

/**
 * Malformed and hostile MIME never gets a 5xx over HTTP or a temporary (4xx) SMTP reply: nested,
 * truncated and oversized structures, and the parser's own limits (1000 parts, 1 MB of headers per part),
 * are stored as well as they can be or refused as the client's fault (400 / 554 5.6.0) naming the limit.
 * Each message is answered within a generous bound of time and memory.
 */
let s: TestServer;
let inbox: { id: string; emailAddress: string };
beforeAll(async () => {
  s = await startServer({ smtp: true, env: { RATE_LIMIT_PER_MINUTE: '0', INBOX_MAX_MESSAGES: '100000', INBOX_MAX_BYTES: String(2 ** 40) } });
  inbox = (await s.request('POST', '/api/v1/inboxes', { body: { ttlSeconds: 3600 } })).body as typeof inbox;
});
afterAll(() => s?.close());

type Node = { kind: 'leaf'; type: string; encoding: string; body: string } | { kind: 'multipart'; subtype: string; children: Node[] };

const leaf: fc.Arbitrary<Node> = fc.record({
  kind: fc.constant('leaf' as const),
  type: fc.constantFrom('text/plain; charset=utf-8', 'text/html', 'application/octet-stream', 'message/rfc822', 'text/plain; charset=x-unknown'),
  encoding: fc.constantFrom('7bit', 'base64', 'quoted-printable', 'x-bogus'),
  body: fc.string({ maxLength: 300, unit: 'binary' }),
});
const tree = fc.letrec<{ node: Node }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.record({ kind: fc.constant('multipart' as const), subtype: fc.constantFrom('mixed', 'alternative', 'related'), children: fc.array(tie('node'), { maxLength: 5 }) }),
  ),
})).node;

let boundaries = 0;
function render(node: Node): { headers: string; body: string } {
  if (node.kind === 'leaf') return { headers: `Content-Type: ${node.type}\r\nContent-Transfer-Encoding: ${node.encoding}`, body: node.body };
  const b = `b${boundaries++}`;
  const parts = node.children.map((c) => {
    const r = render(c);
    return `--${b}\r\n${r.headers}\r\n\r\n${r.body}\r\n`;
  });
  return { headers: `Content-Type: multipart/${node.subtype}; boundary="${b}"`, body: `${parts.join('')}--${b}--\r\n` };
}
const message = (root: { headers: string; body: string }, extraHeaders = '') =>
  `From: fuzz@example.test\r\nTo: ${inbox.emailAddress}\r\nSubject: fuzz\r\nMIME-Version: 1.0\r\n${extraHeaders}${root.headers}\r\n\r\n${root.body}`;

/** Many parts side by side, past the parser's 1000 (or just under). */
const flat = (n: number) => render({ kind: 'multipart', subtype: 'mixed', children: Array.from({ length: n }, () => ({ kind: 'leaf', type: 'text/plain', encoding: '7bit', body: 'x' })) });
/** Multiparts nested `depth` deep. */
function deep(depth: number): { headers: string; body: string } {
  let node: Node = { kind: 'leaf', type: 'text/plain', encoding: '7bit', body: 'bottom' };
  for (let i = 0; i < depth; i++) node = { kind: 'multipart', subtype: 'mixed', children: [node] };
  return render(node);
}

const shapes = fc.oneof(
  { weight: 6, arbitrary: tree.map((t) => message(render(t))) },
  { weight: 1, arbitrary: fc.integer({ min: 900, max: 1600 }).map((n) => message(flat(n))) },
  { weight: 1, arbitrary: fc.integer({ min: 50, max: 1300 }).map((d) => message(deep(d))) },
  // One header (folded over many lines) of about 1 MB: past the parser's per-part header limit, or just under.
  { weight: 1, arbitrary: fc.integer({ min: 900, max: 1100 }).map((kb) => message(render({ kind: 'leaf', type: 'text/plain', encoding: '7bit', body: 'x' }), `X-Big: ${`${'h'.repeat(1000)}\r\n `.repeat(kb)}x\r\n`)) },
);
/** The message as generated, or cut short anywhere. */
const mime = fc.tuple(shapes, fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined })).map(([m, cut]) => (cut === undefined ? m : m.slice(0, Math.floor(m.length * cut))));

const PER_MESSAGE_MS = 15_000;
const HEAP_GROWTH_BYTES = 256 * 1024 * 1024;

describe('MIME fuzz', () => {
  it('over HTTP: 201, or 400 naming the problem (a limit, when one was hit); never a 5xx; each answered in bounded time and memory', async () => {
    const seen = new Set<number>();
    await fc.assert(
      fc.asyncProperty(mime, async (raw) => {
        const started = Date.now();
        const heap = process.memoryUsage().heapUsed;
        const r = await s.request('POST', `/api/v1/inboxes/${inbox.id}/messages`, { rawBody: raw, headers: { 'content-type': 'message/rfc822' } });
        seen.add(r.status);
        expect([201, 400], `${r.status} ${JSON.stringify(r.body)}`).toContain(r.status);
        if (r.status === 400) {
          expect(r.body).toEqual({ error: 'Invalid request', message: expect.any(String) });
          if (/MIME parser limit/.test((r.body as { message: string }).message)) expect((r.body as { message: string }).message).toMatch(/\(at most (1000 MIME parts|1 MB of headers per MIME part)\)/);
        }
        expect(Date.now() - started).toBeLessThan(PER_MESSAGE_MS);
        expect(process.memoryUsage().heapUsed - heap).toBeLessThan(HEAP_GROWTH_BYTES);
      }),
      { numRuns: 60 },
    );
    expect(seen.has(201)).toBe(true);
  }, 600_000);

  it('the parser\'s limits are named: 1,001+ parts and an oversized header → 400 over HTTP, BAD_USER_INPUT over GraphQL, 554 5.6.0 over SMTP', async () => {
    for (const raw of [message(flat(5000)), message(deep(1200)), message(render({ kind: 'leaf', type: 'text/plain', encoding: '7bit', body: 'x' }), `X-Big: ${'h'.repeat(1100 * 1024)}\r\n`)]) {
      const r = await s.request('POST', `/api/v1/inboxes/${inbox.id}/messages`, { rawBody: raw, headers: { 'content-type': 'message/rfc822' } });
      expect(r.status).toBe(400);
      expect((r.body as { message: string }).message).toMatch(/^raw exceeds a MIME parser limit \(at most (1000 MIME parts|1 MB of headers per MIME part)\): Max/);
      // GraphQL bodies are JSON of at most 1 MiB: the oversized header cannot travel that way.
      if (raw.length < 1024 * 1024) {
        const g = await s.gql('mutation($id: ID!, $raw: String!) { deliverMessage(inboxId: $id, input: { raw: $raw }) { id } }', { id: inbox.id, raw });
        expect(g.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
        expect(g.body.errors?.[0]?.message).toMatch(/MIME parser limit/);
      }
      const { smtp } = await RawSmtp.open(s.smtpPort!);
      await smtp.command('EHLO fuzz.test');
      await smtp.command('MAIL FROM:<fuzz@example.test>');
      await smtp.command(`RCPT TO:<${inbox.emailAddress}>`);
      expect(await smtp.data(raw)).toEqual({ code: 554, text: expect.stringMatching(/^5\.6\.0 Message refused: at most (1000 MIME parts|1 MB of headers per MIME part)$/) });
      await smtp.quit();
    }
  }, 120_000);

  it('over SMTP: 250 or a permanent 5xx, never a 451 or another 4xx', async () => {
    const { smtp } = await RawSmtp.open(s.smtpPort!);
    await smtp.command('EHLO fuzz.test');
    await fc.assert(
      fc.asyncProperty(mime, async (raw) => {
        expect((await smtp.command('MAIL FROM:<fuzz@example.test>')).code).toBe(250);
        expect((await smtp.command(`RCPT TO:<${inbox.emailAddress}>`)).code).toBe(250);
        const reply = await smtp.data(raw);
        expect([250, 554], JSON.stringify(reply)).toContain(reply.code);
      }),
      { numRuns: 25 },
    );
    await smtp.quit();
  }, 600_000);
});
