import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSession } from '../sessions/helpers';
import { sendOne } from '../support/raw-smtp';
import { startServer, type TestServer } from '../support/server';

/**
 * An inbox's row keeps what it holds (Inbox.heldMessages, heldBytes: the quota check reads it instead
 * of counting the inbox's messages). Every way a message is stored must keep it equal to the messages
 * themselves: SMTP's group commit, HTTP delivery, and the quota refusing the rest.
 */

const QUOTA = 8;
let s: TestServer;
beforeAll(async () => {
  s = await startServer({ smtp: true, env: { INBOX_MAX_MESSAGES: String(QUOTA), RATE_LIMIT_PER_MINUTE: '0' } });
});
afterAll(() => s?.close());

async function createInbox(sessionId: string): Promise<{ id: string; emailAddress: string }> {
  const reply = await s.request('POST', '/api/v1/inboxes', { body: { sessionId } });
  expect(reply.status, reply.text).toBe(201);
  return reply.body;
}

/** The row's holding beside a count of the inbox's messages. */
async function holdingAndCount(inboxId: string) {
  const { prisma } = s.app.db;
  const row = await prisma.inbox.findUniqueOrThrow({ where: { id: inboxId }, select: { heldMessages: true, heldBytes: true } });
  const counted = await prisma.message.aggregate({ where: { inboxId }, _count: { _all: true }, _sum: { sizeBytes: true } });
  return {
    held: { messages: row.heldMessages, bytes: Number(row.heldBytes) },
    counted: { messages: counted._count._all, bytes: counted._sum.sizeBytes ?? 0 },
  };
}

const deliverOverHttp = (inboxId: string, subject: string) =>
  s.request('POST', `/api/v1/inboxes/${inboxId}/messages`, { body: { from: 'app@example.test', subject, text: `Your code is ${subject.length}00000` } });

describe('inbox holdings', () => {
  it('equal the messages stored, after parallel SMTP batches and HTTP deliveries to several inboxes', async () => {
    const session = await createSession(s, { name: 'holdings' });
    const inboxes = await Promise.all([0, 1, 2].map(() => createInbox(session.id)));
    const smtp = inboxes.flatMap((inbox, i) => Array.from({ length: 4 }, (_, k) => sendOne(s.smtpPort!, inbox.emailAddress, `smtp ${i}.${k}`)));
    const http = inboxes.flatMap((inbox, i) => Array.from({ length: 2 }, (_, k) => deliverOverHttp(inbox.id, `http ${i}.${k}`)));
    const [smtpReplies, httpReplies] = await Promise.all([Promise.all(smtp), Promise.all(http)]);
    expect(smtpReplies.map((r) => r.code)).toEqual(smtp.map(() => 250));
    expect(httpReplies.map((r) => r.status)).toEqual(http.map(() => 201));
    for (const inbox of inboxes) {
      const { held, counted } = await holdingAndCount(inbox.id);
      expect(counted.messages).toBe(6);
      expect(held).toEqual(counted);
    }
    // An inbox nothing was sent to holds nothing.
    expect(await holdingAndCount((await createInbox(session.id)).id)).toEqual({ held: { messages: 0, bytes: 0 }, counted: { messages: 0, bytes: 0 } });
  });

  it('fill up to the quota from both paths at once, and no further', async () => {
    const session = await createSession(s, { name: 'holdings quota' });
    const inbox = await createInbox(session.id);
    // 3 × QUOTA attempts, racing over both paths: exactly QUOTA are stored.
    const smtp = Array.from({ length: 2 * QUOTA }, (_, k) => sendOne(s.smtpPort!, inbox.emailAddress, `smtp ${k}`));
    const http = Array.from({ length: QUOTA }, (_, k) => deliverOverHttp(inbox.id, `http ${k}`));
    const [smtpReplies, httpReplies] = await Promise.all([Promise.all(smtp), Promise.all(http)]);
    const stored = smtpReplies.filter((r) => r.code === 250).length + httpReplies.filter((r) => r.status === 201).length;
    expect(stored).toBe(QUOTA);
    for (const r of smtpReplies) expect([250, 552]).toContain(r.code);
    for (const r of httpReplies) expect([201, 409]).toContain(r.status);
    const { held, counted } = await holdingAndCount(inbox.id);
    expect(counted.messages).toBe(QUOTA);
    expect(held).toEqual(counted);
    // Full, as its row says: the next message is refused at RCPT TO or after DATA, and over HTTP.
    expect((await sendOne(s.smtpPort!, inbox.emailAddress, 'one more')).code).toBe(552);
    expect((await deliverOverHttp(inbox.id, 'one more')).status).toBe(409);
  });
});
