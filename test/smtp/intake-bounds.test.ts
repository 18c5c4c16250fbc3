import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawSmtp } from '../support/raw-smtp';
import { startServer, type TestServer } from '../support/server';

/**
 * Mail intake is bounded: bytes of mail held across all SMTP connections (SMTP_MAX_INFLIGHT_BYTES), and
 * what one inbox may store (INBOX_MAX_MESSAGES, INBOX_MAX_BYTES). At a small scale: a 1 MB in-flight cap
 * and inboxes of 3 messages / 2 MB.
 */
const KB = 1024;
let s: TestServer;
beforeAll(async () => {
  s = await startServer({
    smtp: true,
    env: { RATE_LIMIT_PER_MINUTE: '0', MAX_MESSAGE_BYTES: String(2048 * KB), SMTP_MAX_INFLIGHT_BYTES: String(1024 * KB), INBOX_MAX_MESSAGES: '3', INBOX_MAX_BYTES: String(2048 * KB) },
  });
});
afterAll(() => s?.close());

const newInbox = async () => (await s.request('POST', '/api/v1/inboxes', { body: {} })).body as { id: string; emailAddress: string };
const messageCount = async (id: string) => ((await s.request('GET', `/api/v1/inboxes/${id}/messages`)).body as { pagination: { total: number } }).pagination.total;
const message = (subject: string, bytes: number) => `From: a@example.test\r\nSubject: ${subject}\r\n\r\n${`${'x'.repeat(76)}\r\n`.repeat(Math.ceil(bytes / 78))}`;
const limitsHit = async (limit: string) => Number(new RegExp(`sessions_gateway_limits_hit_total\\{limit="${limit}"\\} (\\d+)`).exec((await s.request('GET', '/metrics', { key: null })).text)?.[1] ?? 0);

async function opened(to: string, mailFrom = 'MAIL FROM:<a@example.test>'): Promise<RawSmtp> {
  const { smtp } = await RawSmtp.open(s.smtpPort!);
  expect((await smtp.command('EHLO client.test')).code).toBe(250);
  expect((await smtp.command(mailFrom)).code).toBe(250);
  expect((await smtp.command(`RCPT TO:<${to}>`)).code).toBe(250);
  return smtp;
}

describe('SMTP in-flight bytes cap', () => {
  it('past SMTP_MAX_INFLIGHT_BYTES new mail is told to try later (451 4.3.2), at MAIL FROM with SIZE or at the end of DATA; then it goes through', async () => {
    const inbox = await newInbox();
    const before = await limitsHit('smtp_inflight_bytes');
    // A holds 900 KB in flight: its DATA is sent but not ended.
    const a = await opened(inbox.emailAddress);
    expect((await a.command('DATA')).code).toBe(354);
    a.write(message('held', 900 * KB));

    // B declares 300 KB: refused at MAIL FROM once A's bytes have arrived.
    const b = (await RawSmtp.open(s.smtpPort!)).smtp;
    expect((await b.command('EHLO client.test')).code).toBe(250);
    let reply = await b.command(`MAIL FROM:<b@example.test> SIZE=${300 * KB}`);
    for (let i = 0; reply.code === 250 && i < 100; i++) {
      await b.command('RSET');
      await new Promise((r) => setTimeout(r, 100));
      reply = await b.command(`MAIL FROM:<b@example.test> SIZE=${300 * KB}`);
    }
    expect(reply).toEqual({ code: 451, text: '4.3.2 Too much mail in flight, try again later' });

    // Without SIZE it gets to DATA, and is refused when the bytes pass the cap.
    expect((await b.command('MAIL FROM:<b@example.test>')).code).toBe(250);
    expect((await b.command(`RCPT TO:<${inbox.emailAddress}>`)).code).toBe(250);
    expect(await b.data(message('refused', 300 * KB))).toEqual({ code: 451, text: '4.3.2 Too much mail in flight, try again later' });

    // A ends: stored. The bytes are released, and B's retry goes through.
    a.write('.\r\n');
    expect((await a.reply()).code).toBe(250);
    expect((await b.command(`MAIL FROM:<b@example.test> SIZE=${300 * KB}`)).code).toBe(250);
    expect((await b.command(`RCPT TO:<${inbox.emailAddress}>`)).code).toBe(250);
    expect((await b.data(message('retried', 300 * KB))).code).toBe(250);
    await a.quit();
    await b.quit();

    const subjects = ((await s.request('GET', `/api/v1/inboxes/${inbox.id}/messages`)).body as { data: { subject: string }[] }).data.map((m) => m.subject);
    expect(subjects.sort()).toEqual(['held', 'retried']);
    expect(await limitsHit('smtp_inflight_bytes')).toBe(before + 2);
  });
  it('a message larger than the cap is still received when it is alone in flight', async () => {
    const inbox = await newInbox();
    const smtp = await opened(inbox.emailAddress);
    expect((await smtp.data(message('alone', 1500 * KB))).code).toBe(250);
    await smtp.quit();
    expect(await messageCount(inbox.id)).toBe(1);
  });
});

describe('Per-inbox quota', () => {
  it('INBOX_MAX_MESSAGES: the next message is refused with 552 5.2.2 at RCPT TO, 409 over REST, CONFLICT over GraphQL', async () => {
    const inbox = await newInbox();
    for (let i = 0; i < 3; i++) {
      const smtp = await opened(inbox.emailAddress);
      expect((await smtp.data(message(`m${i}`, 100))).code).toBe(250);
      await smtp.quit();
    }
    const { smtp } = await RawSmtp.open(s.smtpPort!);
    await smtp.command('EHLO client.test');
    await smtp.command('MAIL FROM:<a@example.test>');
    expect(await smtp.command(`RCPT TO:<${inbox.emailAddress}>`)).toEqual({ code: 552, text: '5.2.2 Mailbox full' });
    await smtp.quit();

    const rest = await s.request('POST', `/api/v1/inboxes/${inbox.id}/messages`, { body: { from: 'a@example.test', subject: 'one more' } });
    expect(rest.status).toBe(409);
    expect(rest.body).toEqual({ error: 'Conflict', message: 'Inbox is full: it holds 3 messages, the most allowed (INBOX_MAX_MESSAGES=3)' });
    const gql = await s.gql(`mutation { deliverMessage(inboxId: "${inbox.id}", input: { from: "a@example.test", subject: "x" }) { id } }`);
    expect(gql.body.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', reason: 'inbox_full' });
    expect(await messageCount(inbox.id)).toBe(3);
  });

  it('INBOX_MAX_BYTES: a message that would pass it is refused with 552 at the end of DATA, and 409 over REST', async () => {
    const inbox = await newInbox();
    for (let i = 0; i < 2; i++) {
      const r = await s.request('POST', `/api/v1/inboxes/${inbox.id}/messages`, { rawBody: message(`big${i}`, 800 * KB), headers: { 'content-type': 'message/rfc822' } });
      expect(r.status).toBe(201);
    }
    const smtp = await opened(inbox.emailAddress);
    expect(await smtp.data(message('too much', 600 * KB))).toEqual({ code: 552, text: '5.2.2 Mailbox full' });
    await smtp.quit();
    const rest = await s.request('POST', `/api/v1/inboxes/${inbox.id}/messages`, { rawBody: message('too much', 600 * KB), headers: { 'content-type': 'message/rfc822' } });
    expect(rest.status).toBe(409);
    expect((rest.body as { message: string }).message).toMatch(/^Inbox is full: \d+ bytes stored, and this message \(\d+ bytes\) would pass the quota of 2097152 bytes \(INBOX_MAX_BYTES\)$/);
    // A small one still fits.
    expect((await s.request('POST', `/api/v1/inboxes/${inbox.id}/messages`, { body: { from: 'a@example.test', subject: 'small' } })).status).toBe(201);
    expect(await messageCount(inbox.id)).toBe(3);
  });
});
