import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually';
import { RawSmtp } from '../support/raw-smtp';
import { startServer, type TestServer } from '../support/server';

/**
 * SMTP DATA is received in pieces and accounted as it arrives (SMTP_MAX_INFLIGHT_BYTES), kept once
 * (the blocks it is stored in) and parsed after its last byte. At a small scale: a 3 MB in-flight cap and
 * a 4 MB message limit, with multi-MB messages from parallel senders.
 */
const MB = 1024 * 1024;
const CAP = 3 * MB;
let s: TestServer;
beforeAll(async () => {
  s = await startServer({
    smtp: true,
    env: { RATE_LIMIT_PER_MINUTE: '0', MAX_MESSAGE_BYTES: String(4 * MB), SMTP_MAX_INFLIGHT_BYTES: String(CAP), INBOX_MAX_BYTES: String(64 * MB) },
  });
}, 60_000);
afterAll(() => s?.close());

const newInbox = async () => (await s.request('POST', '/api/v1/inboxes', { body: {} })).body as { id: string; emailAddress: string };
const stored = async (inboxId: string) => ((await s.request('GET', `/api/v1/inboxes/${inboxId}/messages`)).body as { data: { id: string; subject: string }[] }).data;
const rawOf = async (messageId: string) => (await s.request('GET', `/api/v1/messages/${messageId}/raw`)).text;

/** A message of about `bytes`, CRLF throughout; lines that start with a dot test the unstuffing. */
function message(subject: string, bytes: number, code = '000000'): string {
  const line = `.dot-led line, then filler ${'x'.repeat(60)}\r\n`;
  return `From: a@example.test\r\nSubject: ${subject}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nYour verification code is ${code}.\r\n${line.repeat(Math.ceil(bytes / line.length))}`;
}

async function opened(to: string): Promise<RawSmtp> {
  const { smtp } = await RawSmtp.open(s.smtpPort!);
  expect((await smtp.command('EHLO client.test')).code).toBe(250);
  expect((await smtp.command('MAIL FROM:<a@example.test>')).code).toBe(250);
  expect((await smtp.command(`RCPT TO:<${to}>`)).code).toBe(250);
  return smtp;
}

/**
 * Waits until a MAIL FROM declaring the cap less `bytes` gets `code`: 451 once the server holds more than
 * `bytes` in flight, 250 once it holds at most that (0: nothing).
 */
async function untilHeld(bytes: number, code: 250 | 451): Promise<void> {
  const { smtp } = await RawSmtp.open(s.smtpPort!);
  await smtp.command('EHLO probe.test');
  await eventually(
    `MAIL FROM SIZE=${CAP - bytes} answered ${code}`,
    async () => {
      const reply = await smtp.command(`MAIL FROM:<probe@example.test> SIZE=${CAP - bytes}`);
      await smtp.command('RSET');
      return reply.code === code ? true : undefined;
    },
    60_000,
  );
  await smtp.quit();
}
const heldMoreThan = (bytes: number) => untilHeld(bytes, 451);
const heldAtMost = (bytes: number) => untilHeld(bytes, 250);

describe('streamed SMTP intake', () => {
  it('over the in-flight budget from parallel senders: the one past it gets 451 4.3.2, the others are stored byte for byte', async () => {
    const inbox = await newInbox();
    const a = message('a', 1.2 * MB);
    const b = message('b', 1.2 * MB);
    // A and B send their 1.2 MB each and hold the end back: 2.4 MB in flight.
    const sa = await opened(inbox.emailAddress);
    const sb = await opened(inbox.emailAddress);
    expect((await sa.command('DATA')).code).toBe(354);
    expect((await sb.command('DATA')).code).toBe(354);
    sa.write(a.replace(/^\./gm, '..'));
    sb.write(b.replace(/^\./gm, '..'));
    await heldMoreThan(a.length + b.length - 100); // smtp-server keeps the last few bytes back, looking for the end

    // C's 1.2 MB would pass the 3 MB cap: try later, for C only.
    const sc = await opened(inbox.emailAddress);
    expect(await sc.data(message('c', 1.2 * MB))).toEqual({ code: 451, text: '4.3.2 Too much mail in flight, try again later' });

    sa.write('.\r\n');
    sb.write('.\r\n');
    expect((await sa.reply(60_000)).code).toBe(250);
    expect((await sb.reply(60_000)).code).toBe(250);
    // With A and B stored, C's retry goes through.
    expect((await sc.command('MAIL FROM:<a@example.test>')).code).toBe(250);
    expect((await sc.command(`RCPT TO:<${inbox.emailAddress}>`)).code).toBe(250);
    const c = message('c', 1.2 * MB);
    expect((await sc.data(c)).code).toBe(250);
    for (const smtp of [sa, sb, sc]) await smtp.quit();

    const bySubject = new Map((await stored(inbox.id)).map((m) => [m.subject, m.id]));
    expect([...bySubject.keys()].sort()).toEqual(['a', 'b', 'c']);
    expect(await rawOf(bySubject.get('a')!)).toBe(a);
    expect(await rawOf(bySubject.get('b')!)).toBe(b);
    expect(await rawOf(bySubject.get('c')!)).toBe(c);
  }, 180_000);

  it('six 1.2 MB messages sent at once through nodemailer: each is stored intact or told to try later (4xx), never lost or cut', async () => {
    const inbox = await newInbox();
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: s.smtpPort!, secure: false, ignoreTLS: true, socketTimeout: 120_000 });
    const bodies = Array.from({ length: 6 }, (_, i) => message(`p${i}`, 1.2 * MB, String(100000 + i)));
    const results = await Promise.allSettled(bodies.map((raw) => transport.sendMail({ envelope: { from: 'a@example.test', to: inbox.emailAddress }, raw })));
    const accepted = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
    for (const r of results) if (r.status === 'rejected') expect((r.reason as { responseCode?: number }).responseCode).toBe(451);
    expect(accepted.length).toBeGreaterThan(0);
    const list = await stored(inbox.id);
    expect(list.map((m) => m.subject).sort()).toEqual(accepted.map((i) => `p${i}`).sort());
    for (const m of list) expect(await rawOf(m.id)).toBe(bodies[Number(m.subject.slice(1))]);
  }, 180_000);

  it('over MAX_MESSAGE_BYTES: 552 5.3.4, nothing stored, and the server (the same connection too) keeps serving', async () => {
    const inbox = await newInbox();
    const smtp = await opened(inbox.emailAddress);
    expect(await smtp.data(message('too big', 4.5 * MB))).toEqual({ code: 552, text: '5.3.4 Message too big' });
    // Nothing of it is still held: a 2.9 MB message fits the 3 MB cap beside nothing else.
    await heldAtMost(0);
    expect((await smtp.command('MAIL FROM:<a@example.test>')).code).toBe(250);
    expect((await smtp.command(`RCPT TO:<${inbox.emailAddress}>`)).code).toBe(250);
    expect((await smtp.data(message('after', 2.9 * MB))).code).toBe(250);
    await smtp.quit();
    expect((await stored(inbox.id)).map((m) => m.subject)).toEqual(['after']);
  }, 120_000);

  it('a 3.5 MB message is stored byte-identical (dot-stuffed lines included), downloads without a listener leak, and its code is found', async () => {
    const inbox = await newInbox();
    const raw = message('big with code', 3.5 * MB, '482913');
    const smtp = await opened(inbox.emailAddress);
    expect((await smtp.data(raw)).code).toBe(250);
    await smtp.quit();
    const [summary] = await stored(inbox.id);
    // The download waits for the socket to drain many times; each wait must take its listeners with it.
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      expect(await rawOf(summary.id)).toBe(raw);
      await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).not.toContain('MaxListenersExceededWarning');
    const full = (await s.request('GET', `/api/v1/messages/${summary.id}`)).body as { sizeBytes: number; codes: { value: string }[] };
    expect(full.sizeBytes).toBe(Buffer.byteLength(raw));
    expect(full.codes.map((c) => c.value)).toContain('482913');
  }, 120_000);

  it('a client that goes away mid-DATA releases its bytes: a message that would not fit beside them is then accepted', async () => {
    const inbox = await newInbox();
    const quitter = await opened(inbox.emailAddress);
    expect((await quitter.command('DATA')).code).toBe(354);
    const partial = message('cut', 2.5 * MB);
    quitter.write(partial);
    await heldMoreThan(partial.length - 100);
    quitter.destroy();
    await heldAtMost(0);
    // 1 MB beside 2.5 MB would pass the cap; alone it fits.
    const smtp = await opened(inbox.emailAddress);
    expect((await smtp.data(message('after quitter', 1 * MB))).code).toBe(250);
    await smtp.quit();
    expect((await stored(inbox.id)).map((m) => m.subject)).toEqual(['after quitter']);
  }, 120_000);
});
