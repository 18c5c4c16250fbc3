import { afterEach, describe, expect, it } from 'vitest';
import { createInbox } from '../inboxes/helpers';
import { waitUntil } from '../operations/helpers';
import { RawSmtp, type SmtpReply } from '../support/raw-smtp';
import { startServer, type TestServer } from '../support/server';

// One peer must not block mail intake: a cap per address, a total cap, and a deadline for MAIL FROM.
// "Another address" is another loopback address (127.0.0.2), which Linux routes like 127.0.0.1.
let s: TestServer | undefined;
const open: RawSmtp[] = [];
afterEach(async () => {
  for (const c of open.splice(0)) c.destroy();
  await s?.close();
  s = undefined;
});

async function connect(port: number, from: string): Promise<{ smtp: RawSmtp; greeting: SmtpReply }> {
  const c = await RawSmtp.open(port, from);
  open.push(c.smtp);
  return c;
}

/** EHLO … DATA with one message to `to`; the reply to the message. */
async function send(smtp: RawSmtp, to: string, subject: string): Promise<SmtpReply> {
  expect((await smtp.command('EHLO sender.test')).code).toBe(250);
  expect((await smtp.command('MAIL FROM:<sender@example.test>')).code).toBe(250);
  expect((await smtp.command(`RCPT TO:<${to}>`)).code).toBe(250);
  return smtp.data([`From: sender@example.test`, `To: ${to}`, `Subject: ${subject}`, '', 'Your code is 918273', ''].join('\r\n'));
}

async function messages(server: TestServer, inboxId: string): Promise<string[]> {
  const reply = await server.request('GET', `/api/v1/inboxes/${inboxId}/messages`);
  return reply.body.data.map((m: any) => m.subject);
}

describe('SMTP connection limits', () => {
  it('150 idle connections from one address: 20 are served, the rest get 421, and another sender still gets 220 and delivers', async () => {
    s = await startServer({ smtp: true });
    const port = s.smtpPort!;
    const greetings = await Promise.all(Array.from({ length: 150 }, () => connect(port, '127.0.0.1').then((c) => c.greeting)));
    expect(greetings.filter((g) => g.code === 220)).toHaveLength(20); // SMTP_MAX_CONNECTIONS_PER_IP default
    const refused = greetings.filter((g) => g.code === 421);
    expect(refused).toHaveLength(130);
    expect(refused[0].text).toBe('Too many connections from your address (at most 20); try again later');

    // The idle ones are still open, and their address still gets no more.
    expect((await connect(port, '127.0.0.1')).greeting.code).toBe(421);
    // Another sender is served and its mail arrives.
    const inbox = await createInbox(s);
    const other = await connect(port, '127.0.0.2');
    expect(other.greeting.code).toBe(220);
    expect((await send(other.smtp, inbox.emailAddress, 'through the crowd')).code).toBe(250);
    expect(await messages(s, inbox.id)).toEqual(['through the crowd']);

    // When the idle ones go, their address is served again.
    for (const c of open.splice(0)) c.destroy();
    await waitUntil('127.0.0.1 to be served again', async () => {
      const c = await connect(port, '127.0.0.1');
      return c.greeting.code === 220;
    }, 10_000, 100);
  });

  it('SMTP_MAX_CONNECTIONS caps all peers together', async () => {
    s = await startServer({ smtp: true, env: { SMTP_MAX_CONNECTIONS: '5', SMTP_MAX_CONNECTIONS_PER_IP: '3' } });
    const port = s.smtpPort!;
    for (const from of ['127.0.0.1', '127.0.0.1', '127.0.0.1', '127.0.0.2', '127.0.0.2']) expect((await connect(port, from)).greeting.code).toBe(220);
    const sixth = await connect(port, '127.0.0.3');
    expect(sixth.greeting.code).toBe(421);
    expect(sixth.greeting.text).toMatch(/Too many connected clients/);
  });

  it('a connection without MAIL FROM within SMTP_MAIL_FROM_TIMEOUT_MS is closed with 421; one at work is not', async () => {
    s = await startServer({ smtp: true, env: { SMTP_MAIL_FROM_TIMEOUT_MS: '1000', SMTP_MAX_CONNECTIONS_PER_IP: '2' } });
    const port = s.smtpPort!;
    const inbox = await createInbox(s);
    const idle = await connect(port, '127.0.0.1');
    expect((await idle.smtp.command('EHLO idle.test')).code).toBe(250); // talking is not enough
    const busy = await connect(port, '127.0.0.1');
    expect((await busy.smtp.command('EHLO busy.test')).code).toBe(250);
    expect((await busy.smtp.command('MAIL FROM:<sender@example.test>')).code).toBe(250);

    const timeout = await idle.smtp.reply(10_000);
    expect(timeout).toEqual({ code: 421, text: 'Timeout: no MAIL FROM within 1 s, closing connection' });
    await idle.smtp.closed();
    // Its slot is free again (2 per address here), and the busy one carries on past the deadline.
    expect((await connect(port, '127.0.0.1')).greeting.code).toBe(220);
    expect((await busy.smtp.command(`RCPT TO:<${inbox.emailAddress}>`)).code).toBe(250);
    const reply = await busy.smtp.data([`From: sender@example.test`, `To: ${inbox.emailAddress}`, 'Subject: slow but busy', '', 'hello', ''].join('\r\n'));
    expect(reply.code).toBe(250);
    expect(await messages(s, inbox.id)).toEqual(['slow but busy']);
  });
});
