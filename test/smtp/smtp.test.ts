import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSession, errorText } from '../sessions/helpers';
import { eventually } from '../support/eventually';
import { RawSmtp } from '../support/raw-smtp';
import { startServer, type TestServer } from '../support/server';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function rawMessage(to: string, subject: string, body: string): string {
  return [`From: Sender <sender@example.test>`, `To: ${to}`, `Subject: ${subject}`, 'Content-Type: text/plain; charset=utf-8', '', body, ''].join('\r\n');
}

/** A plain-text body of about `bytes` bytes, in 76-character lines. */
function filler(bytes: number): string {
  const line = `${'x'.repeat(76)}\r\n`;
  return line.repeat(Math.ceil(bytes / line.length));
}

async function createInbox(s: TestServer, body: Record<string, unknown> = {}): Promise<any> {
  const reply = await s.request('POST', '/api/v1/inboxes', { body });
  expect(reply.status, reply.text).toBe(201);
  return reply.body;
}

async function createWait(s: TestServer, body: Record<string, unknown>): Promise<any> {
  const reply = await s.request('POST', '/api/v1/waits', { body });
  expect(reply.status, reply.text).toBe(201);
  return reply.body;
}

async function messageCount(s: TestServer, inboxId: string): Promise<number> {
  const reply = await s.request('GET', `/api/v1/inboxes/${inboxId}/messages`);
  expect(reply.status, reply.text).toBe(200);
  return reply.body.pagination.total;
}

function transport(port: number) {
  return nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
}

let s: TestServer;
let smtpPort: number;
beforeAll(async () => {
  s = await startServer({ smtp: true, env: { SETTLE_INTERVAL_MS: '100' } });
  smtpPort = s.smtpPort!;
});
afterAll(() => s?.close());

describe('SMTP server', () => {
  it('greets as sessions-gateway, advertises SIZE, offers neither AUTH nor STARTTLS', async () => {
    const { smtp, greeting } = await RawSmtp.open(smtpPort);
    expect(greeting.code).toBe(220);
    expect(greeting.text).toContain('sessions-gateway');
    const ehlo = await smtp.command('EHLO client.test');
    expect(ehlo.code).toBe(250);
    expect(ehlo.text).toMatch(/^SIZE 10485760$/m);
    expect(ehlo.text).not.toMatch(/AUTH|STARTTLS/);
    await smtp.quit();
  });

  it('end to end: session → inbox → otp wait → mail over SMTP → long-poll completes → timeline and replay', async () => {
    const session = await createSession(s, { name: 'signup over smtp' });
    const inbox = await createInbox(s, { sessionId: session.id });
    expect(inbox.sessionId).toBe(session.id);
    const wait = await createWait(s, { inboxId: inbox.id, type: 'otp', timeoutSeconds: 60 });
    expect(wait).toMatchObject({ status: 'pending', sessionId: session.id, inboxId: inbox.id });

    // The long-poll is already waiting when the mail arrives: delivery has to wake it.
    const started = Date.now();
    const poll = s.request('GET', `/api/v1/waits/${wait.id}?waitSeconds=10`);
    await sleep(100);
    const info = await transport(smtpPort).sendMail({
      from: 'Acme <no-reply@acme.test>',
      to: inbox.emailAddress,
      subject: 'Your Acme sign-in code',
      text: 'Hello!\n\nYour verification code is 482913. It expires in 10 minutes.\n\nAcme, 2200 Mission St',
      html: '<p>Hello!</p><p>Your verification code is <b>482913</b>. It expires in 10 minutes.</p>',
    });
    expect(info.accepted).toEqual([inbox.emailAddress]);
    expect(info.rejected).toEqual([]);

    const done = await poll;
    expect(done.status, done.text).toBe(200);
    expect(Date.now() - started).toBeLessThan(9000); // answered when the wait completed, not at the 10 s limit
    expect(done.body.status).toBe('completed');
    expect(done.body.result).toEqual({ type: 'otp', value: '482913', messageId: expect.stringMatching(/^msg_/) });
    const messageId = done.body.result.messageId;

    const message = await s.request('GET', `/api/v1/messages/${messageId}`);
    expect(message.status, message.text).toBe(200);
    expect(message.body).toMatchObject({
      id: messageId,
      inboxId: inbox.id,
      to: [inbox.emailAddress],
      subject: 'Your Acme sign-in code',
    });
    expect(message.body.from).toContain('no-reply@acme.test');
    expect(message.body.from).toContain('Acme');
    expect(message.body.text).toContain('Your verification code is 482913.');
    expect(message.body.html).toContain('<b>482913</b>');
    expect(message.body.sizeBytes).toBeGreaterThan(0);

    const complete = await s.request('POST', `/api/v1/sessions/${session.id}/complete`);
    expect(complete.status, complete.text).toBe(200);
    expect(complete.body.status).toBe('completed');

    const { events } = (await s.request('GET', `/api/v1/sessions/${session.id}/timeline`)).body;
    expect(events.map((e: any) => e.type)).toEqual(['session.created', 'inbox.created', 'wait.created', 'message.received', 'wait.completed', 'session.completed']);
    expect(events[3].payload).toEqual({ messageId, inboxId: inbox.id });
    expect(events[4].payload).toEqual({ waitId: wait.id, messageId });

    const replay = await s.request('POST', `/api/v1/sessions/${session.id}/replay`);
    expect(replay.status, replay.text).toBe(200);
    const steps = replay.body.steps;
    expect(steps.map((st: any) => st.action)).toEqual(['create_inbox', 'create_wait', 'deliver_message', 'complete_session']);
    steps.forEach((st: any, i: number) => {
      expect(st.index).toBe(i);
      expect(Object.keys(st)).toEqual(['index', 'timestamp', 'action', 'input', 'output', 'durationMs']);
      expect(st.input).toEqual(expect.any(Object));
      expect(st.output).toEqual(expect.any(Object));
      expect(st.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      expect(Number.isInteger(st.durationMs) && st.durationMs >= 0).toBe(true);
    });
    expect(steps[2].input).toMatchObject({ inboxId: inbox.id, subject: 'Your Acme sign-in code' });
    expect(steps[2].output).toEqual({ id: messageId, completedWaits: [wait.id] });
  });

  it('a magic_link wait is completed by an HTML-only mail whose link is &amp;-encoded', async () => {
    const inbox = await createInbox(s);
    const wait = await createWait(s, { inboxId: inbox.id, type: 'magic_link', timeoutSeconds: 60 });
    const html =
      '<html><body><p>Click below to sign in to Acme.</p>' +
      '<p><a href="https://app.acme.test/auth/magic?token=Zq9XkW2pLm7&amp;redirect=%2Fdashboard">Sign in</a></p>' +
      '<p><a href="https://acme.test/unsubscribe?u=1&amp;l=2">Unsubscribe</a></p></body></html>';
    await transport(smtpPort).sendMail({ from: 'login@acme.test', to: inbox.emailAddress, subject: 'Your sign-in link', html });

    const done = await s.request('GET', `/api/v1/waits/${wait.id}?waitSeconds=10`);
    expect(done.body.status, done.text).toBe('completed');
    expect(done.body.result.value).toBe('https://app.acme.test/auth/magic?token=Zq9XkW2pLm7&redirect=%2Fdashboard');
    const message = (await s.request('GET', `/api/v1/messages/${done.body.result.messageId}`)).body;
    expect(message.text).toBeNull();
    expect(message.html).toContain('&amp;redirect');
  });

  it('an unknown recipient is refused with 550 at RCPT TO, and nothing is stored', async () => {
    const before = await s.app.db.prisma.message.count();
    const { smtp } = await RawSmtp.open(smtpPort);
    expect((await smtp.command('EHLO client.test')).code).toBe(250);
    expect((await smtp.command('MAIL FROM:<sender@example.test>')).code).toBe(250);
    const rcpt = await smtp.command('RCPT TO:<nobody-here@sessions.localhost>');
    expect(rcpt).toEqual({ code: 550, text: '5.1.1 No such mailbox' });
    // No recipient was accepted, so there is no transaction to send data for.
    expect((await smtp.command('DATA')).code).toBe(503);
    await smtp.quit();

    // And the same through nodemailer: the whole send is refused.
    await expect(
      transport(smtpPort).sendMail({ from: 'a@example.test', to: 'nobody-either@sessions.localhost', subject: 'x', text: 'y' }),
    ).rejects.toMatchObject({ responseCode: 550 });
    expect(await s.app.db.prisma.message.count()).toBe(before);
  });

  it('addresses match case-insensitively', async () => {
    const inbox = await createInbox(s);
    const { smtp } = await RawSmtp.open(smtpPort);
    await smtp.command('HELO client.test');
    await smtp.command('MAIL FROM:<sender@example.test>');
    expect((await smtp.command(`RCPT TO:<${inbox.emailAddress.toUpperCase()}>`)).code).toBe(250);
    expect((await smtp.data(rawMessage(inbox.emailAddress, 'caps', 'hello'))).code).toBe(250);
    await smtp.quit();
    expect(await messageCount(s, inbox.id)).toBe(1);
  });

  it('an expired inbox refuses mail over SMTP (550) and HTTP (409), and gets exactly one inbox.expired event', async () => {
    const session = await createSession(s, { name: 'expiring' });
    const inbox = await createInbox(s, { sessionId: session.id, ttlSeconds: 1 });
    await eventually('the inbox to expire', async () => {
      const reply = await s.request('GET', `/api/v1/inboxes/${inbox.id}`);
      return reply.body.status === 'expired' ? true : undefined;
    });
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(inbox.expiresAt));

    const { smtp } = await RawSmtp.open(smtpPort);
    await smtp.command('EHLO client.test');
    await smtp.command('MAIL FROM:<sender@example.test>');
    expect(await smtp.command(`RCPT TO:<${inbox.emailAddress}>`)).toEqual({ code: 550, text: '5.1.1 No such mailbox' });
    await smtp.quit();

    const http = await s.request('POST', `/api/v1/inboxes/${inbox.id}/messages`, { body: { from: 'a@example.test', subject: 'late', text: 'too late' } });
    expect({ status: http.status, text: http.text }).toEqual({ status: 409, text: errorText('Conflict', 'Inbox is expired') });
    expect(await messageCount(s, inbox.id)).toBe(0);

    const expiredEvents = async () => {
      const { events } = (await s.request('GET', `/api/v1/sessions/${session.id}/timeline`)).body;
      return events.filter((e: any) => e.type === 'inbox.expired');
    };
    const expired = await eventually('inbox.expired', async () => ((await expiredEvents()).length ? await expiredEvents() : undefined));
    expect(expired).toEqual([{ timestamp: inbox.expiresAt.replace(/\.\d{3}Z$/, 'Z'), type: 'inbox.expired', payload: { inboxId: inbox.id } }]);
    await sleep(350); // a few more settler runs (every 100 ms here) add nothing
    expect(await expiredEvents()).toHaveLength(1);
  });

  it('delivers one message to every recipient inbox', async () => {
    const a = await createInbox(s);
    const b = await createInbox(s);
    const info = await transport(smtpPort).sendMail({ from: 'team@example.test', to: [a.emailAddress, b.emailAddress], subject: 'For both', text: 'Hi both' });
    expect(info.accepted.sort()).toEqual([a.emailAddress, b.emailAddress].sort());
    const [inA, inB] = await Promise.all([a, b].map(async (i) => (await s.request('GET', `/api/v1/inboxes/${i.id}/messages`)).body.data));
    expect(inA).toHaveLength(1);
    expect(inB).toHaveLength(1);
    expect(inA[0].id).not.toBe(inB[0].id);
    for (const m of [inA[0], inB[0]]) expect(m).toMatchObject({ subject: 'For both', to: expect.arrayContaining([a.emailAddress, b.emailAddress]) });
  });

  it('a recipient whose inbox stopped accepting between RCPT and DATA is skipped; with none left, 550', async () => {
    const kept = await createInbox(s);
    const gone = await createInbox(s);
    const { smtp } = await RawSmtp.open(smtpPort);
    await smtp.command('EHLO client.test');
    await smtp.command('MAIL FROM:<sender@example.test>');
    expect((await smtp.command(`RCPT TO:<${kept.emailAddress}>`)).code).toBe(250);
    expect((await smtp.command(`RCPT TO:<${gone.emailAddress}>`)).code).toBe(250);
    expect((await s.request('DELETE', `/api/v1/inboxes/${gone.id}`)).status).toBe(204);
    expect((await smtp.data(rawMessage(kept.emailAddress, 'race', 'hello'))).code).toBe(250);
    expect(await messageCount(s, kept.id)).toBe(1);
    expect(await s.app.db.prisma.message.count({ where: { inboxId: gone.id } })).toBe(0);

    // Same again with only the deleted inbox's address: nobody can take it.
    const lonely = await createInbox(s);
    await smtp.command('MAIL FROM:<sender@example.test>');
    expect((await smtp.command(`RCPT TO:<${lonely.emailAddress}>`)).code).toBe(250);
    expect((await s.request('DELETE', `/api/v1/inboxes/${lonely.id}`)).status).toBe(204);
    expect(await smtp.data(rawMessage(lonely.emailAddress, 'race', 'hello'))).toEqual({ code: 550, text: '5.1.1 No such mailbox' });
    await smtp.quit();
    expect(await s.app.db.prisma.message.count({ where: { inboxId: lonely.id } })).toBe(0);
  });
});

describe('SMTP: a client that disconnects mid-message', () => {
  it('stores nothing (never a partial message)', async () => {
    const inbox = await createInbox(s);
    const { smtp } = await RawSmtp.open(smtpPort);
    await smtp.command('EHLO client.test');
    await smtp.command('MAIL FROM:<sender@example.test>');
    expect((await smtp.command(`RCPT TO:<${inbox.emailAddress}>`)).code).toBe(250);
    expect((await smtp.command('DATA')).code).toBe(354);
    smtp.write(rawMessage(inbox.emailAddress, 'cut short', 'Your code is 123456\r\nand then the line went dead'));
    await sleep(100);
    smtp.destroy();
    await sleep(300);
    expect(await messageCount(s, inbox.id)).toBe(0);
  });
});

describe('SMTP size limit (MAX_MESSAGE_BYTES=2048)', () => {
  let small: TestServer;
  beforeAll(async () => {
    small = await startServer({ smtp: true, env: { MAX_MESSAGE_BYTES: '2048' } });
  });
  afterAll(() => small?.close());

  it('advertises the limit', async () => {
    const { smtp } = await RawSmtp.open(small.smtpPort!);
    expect((await smtp.command('EHLO client.test')).text).toMatch(/^SIZE 2048$/m);
    await smtp.quit();
  });

  it('refuses a 5 KB message declared with SIZE= at MAIL FROM (552), stores nothing', async () => {
    const inbox = await createInbox(small);
    const { smtp } = await RawSmtp.open(small.smtpPort!);
    await smtp.command('EHLO client.test');
    const mail = await smtp.command('MAIL FROM:<sender@example.test> SIZE=5120');
    expect(mail.code).toBe(552);
    await smtp.quit();
    expect(await messageCount(small, inbox.id)).toBe(0);
  });

  it('refuses a 5 KB message sent without SIZE= after DATA (552), stores nothing, never a truncated copy', async () => {
    const inbox = await createInbox(small);
    const { smtp } = await RawSmtp.open(small.smtpPort!);
    await smtp.command('EHLO client.test');
    expect((await smtp.command('MAIL FROM:<sender@example.test>')).code).toBe(250);
    expect((await smtp.command(`RCPT TO:<${inbox.emailAddress}>`)).code).toBe(250);
    const big = rawMessage(inbox.emailAddress, 'big', filler(5 * 1024));
    expect(Buffer.byteLength(big)).toBeGreaterThan(5 * 1024);
    expect(await smtp.data(big)).toEqual({ code: 552, text: '5.3.4 Message too big' });

    // The connection is still usable: a small message in the same session goes through.
    expect((await smtp.command('MAIL FROM:<sender@example.test>')).code).toBe(250);
    expect((await smtp.command(`RCPT TO:<${inbox.emailAddress}>`)).code).toBe(250);
    expect((await smtp.data(rawMessage(inbox.emailAddress, 'small after big', 'ok'))).code).toBe(250);
    await smtp.quit();
    const { data } = (await small.request('GET', `/api/v1/inboxes/${inbox.id}/messages`)).body;
    expect(data.map((m: any) => m.subject)).toEqual(['small after big']);
  });

  it('nodemailer gets 552 for a 5 KB message; nothing is stored', async () => {
    const inbox = await createInbox(small);
    await expect(
      transport(small.smtpPort!).sendMail({ from: 'a@example.test', to: inbox.emailAddress, subject: 'big', text: filler(5 * 1024) }),
    ).rejects.toMatchObject({ responseCode: 552 });
    const reply = await small.request('GET', `/api/v1/inboxes/${inbox.id}/messages`);
    expect(reply.body.pagination.total).toBe(0);
  });

  it('accepts a 1 KB message', async () => {
    const inbox = await createInbox(small);
    const text = filler(1024);
    const info = await transport(small.smtpPort!).sendMail({ from: 'a@example.test', to: inbox.emailAddress, subject: 'one kilobyte', text });
    expect(info.accepted).toEqual([inbox.emailAddress]);
    const { data } = (await small.request('GET', `/api/v1/inboxes/${inbox.id}/messages`)).body;
    expect(data).toHaveLength(1);
    expect(data[0].sizeBytes).toBeGreaterThan(1024);
    expect(data[0].sizeBytes).toBeLessThanOrEqual(2048);
    const full = (await small.request('GET', `/api/v1/messages/${data[0].id}`)).body;
    expect(full.text.replace(/\r\n/g, '\n')).toBe(text.replace(/\r\n/g, '\n').trimEnd() + '\n');
  });
});

describe('SMTP lifecycle', () => {
  it('close() stops accepting connections within a bounded time', async () => {
    const t = await startServer({ smtp: true });
    const port = t.smtpPort!;
    const { smtp, greeting } = await RawSmtp.open(port);
    expect(greeting.code).toBe(220);
    await smtp.quit();
    const started = Date.now();
    await t.close();
    expect(Date.now() - started).toBeLessThan(6000);
    await expect(RawSmtp.open(port)).rejects.toThrow();
  });

  it('close() ends connections that stay open: 421, within the close timeout (5 s)', async () => {
    const t = await startServer({ smtp: true });
    const { smtp } = await RawSmtp.open(t.smtpPort!);
    expect((await smtp.command('EHLO idle.test')).code).toBe(250);
    const started = Date.now();
    const closing = t.close();
    // A command sent while the server closes is answered 421 at once, and the connection ends.
    await sleep(50);
    const busy = await RawSmtp.open(t.smtpPort!).catch(() => null);
    expect(busy).toBeNull(); // no new connections
    await closing;
    expect(Date.now() - started).toBeLessThan(7000);
    expect((await smtp.reply()).code).toBe(421); // the idle one was told, then dropped
    await smtp.closed();
  }, 15_000);
});

describe('SMTP: commands during close', () => {
  it('a client that talks while the server closes gets 421 right away', async () => {
    const t = await startServer({ smtp: true });
    const { smtp } = await RawSmtp.open(t.smtpPort!);
    expect((await smtp.command('EHLO talker.test')).code).toBe(250);
    const started = Date.now();
    const closing = t.close();
    await sleep(50);
    expect((await smtp.command('MAIL FROM:<a@example.test>')).code).toBe(421);
    await smtp.closed();
    await closing;
    expect(Date.now() - started).toBeLessThan(3000);
  });
});
