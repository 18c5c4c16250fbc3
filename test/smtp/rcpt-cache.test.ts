import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInbox, deliver } from '../inboxes/helpers';
import { manualClock } from '../sessions/helpers';
import { RawSmtp } from '../support/raw-smtp';
import { startServer, type TestServer } from '../support/server';

/**
 * RCPT TO answers from memory (InboxService.findAccepting, MessageService.requireRoom): the inbox as read
 * a moment ago, and what it held after this instance's last delivery to it. These tests hold that the
 * memory never answers wrongly on one instance: a deleted or expired inbox is refused at once, and the
 * quota counts every message stored here, by SMTP (its group commit's own count) or by HTTP.
 */

const QUOTA = 2;
const time = manualClock(Date.now());
let s: TestServer;
beforeAll(async () => {
  s = await startServer({ smtp: true, deps: { clock: time.clock }, env: { INBOX_MAX_MESSAGES: String(QUOTA), SETTLE_INTERVAL_MS: '60000' } });
});
afterAll(() => s?.close());

const message = (to: string, subject: string) => [`From: <sender@example.test>`, `To: ${to}`, `Subject: ${subject}`, '', 'Your code is 482913.', ''].join('\r\n');

/** A connection that has said EHLO and MAIL FROM; `rcpt` asks for one recipient (RSET after, so it can ask again). */
async function conversation() {
  const { smtp } = await RawSmtp.open(s.smtpPort!);
  expect((await smtp.command('EHLO client.test')).code).toBe(250);
  return {
    smtp,
    async rcpt(to: string) {
      expect((await smtp.command('MAIL FROM:<sender@example.test>')).code).toBe(250);
      const reply = await smtp.command(`RCPT TO:<${to}>`);
      expect((await smtp.command('RSET')).code).toBe(250);
      return reply;
    },
    async send(to: string, subject: string) {
      expect((await smtp.command('MAIL FROM:<sender@example.test>')).code).toBe(250);
      const rcpt = await smtp.command(`RCPT TO:<${to}>`);
      if (rcpt.code !== 250) return rcpt;
      return smtp.data(message(to, subject));
    },
  };
}

async function stored(inboxId: string): Promise<number> {
  const reply = await s.request('GET', `/api/v1/inboxes/${inboxId}/messages?limit=1`);
  expect(reply.status, reply.text).toBe(200);
  return reply.body.pagination.total;
}

describe('RCPT TO from memory', () => {
  it('an inbox deleted after RCPT TO accepted it is refused at the next RCPT TO', async () => {
    const inbox = await createInbox(s);
    const c = await conversation();
    expect((await c.rcpt(inbox.emailAddress)).code).toBe(250);
    expect((await s.request('DELETE', `/api/v1/inboxes/${inbox.id}`)).status).toBe(204);
    expect((await c.rcpt(inbox.emailAddress)).code).toBe(550);
    await c.smtp.quit();
  });

  it('an inbox deleted between RCPT TO and the end of DATA gets nothing: 550, nothing stored', async () => {
    const inbox = await createInbox(s);
    const c = await conversation();
    expect((await c.smtp.command('MAIL FROM:<sender@example.test>')).code).toBe(250);
    expect((await c.smtp.command(`RCPT TO:<${inbox.emailAddress}>`)).code).toBe(250);
    expect((await s.request('DELETE', `/api/v1/inboxes/${inbox.id}`)).status).toBe(204);
    expect((await c.smtp.data(message(inbox.emailAddress, 'too late'))).code).toBe(550);
    expect(await s.app.db.prisma.message.count({ where: { inboxId: inbox.id } })).toBe(0);
    await c.smtp.quit();
  });

  it('an inbox past its deadline is refused, though RCPT TO had it in memory', async () => {
    const inbox = await createInbox(s, { ttlSeconds: 60 });
    const c = await conversation();
    expect((await c.rcpt(inbox.emailAddress)).code).toBe(250);
    time.advance(61_000);
    expect((await c.rcpt(inbox.emailAddress)).code).toBe(550);
    await c.smtp.quit();
  });

  it('the quota counts what the group commits stored: the next RCPT TO after a full inbox is 552', async () => {
    const inbox = await createInbox(s);
    const c = await conversation();
    expect((await c.rcpt(inbox.emailAddress)).code).toBe(250);
    for (let i = 0; i < QUOTA; i++) expect((await c.send(inbox.emailAddress, `fill ${i}`)).code).toBe(250);
    const full = await c.rcpt(inbox.emailAddress);
    expect(full.code).toBe(552);
    expect(full.text).toContain('5.2.2');
    expect(await stored(inbox.id)).toBe(QUOTA);
    await c.smtp.quit();
  });

  it('the quota counts what HTTP delivered after RCPT TO had read the inbox', async () => {
    const inbox = await createInbox(s);
    const c = await conversation();
    expect((await c.rcpt(inbox.emailAddress)).code).toBe(250);
    for (let i = 0; i < QUOTA; i++) await deliver(s, inbox.id, { from: 'a@example.test', subject: `http ${i}`, text: 'x' });
    expect((await c.rcpt(inbox.emailAddress)).code).toBe(552);
    expect(await stored(inbox.id)).toBe(QUOTA);
    await c.smtp.quit();
  });
});
