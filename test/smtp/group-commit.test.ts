import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InboxFullError } from '../../src/messages/inbox-quota';
import { createSession } from '../sessions/helpers';
import { testEngine } from '../support/database';
import { rawMessage, sendOne } from '../support/raw-smtp';
import { startServer, type TestServer } from '../support/server';

/**
 * SMTP deliveries are group-committed (src/db/group-commit.ts, src/messages/batch-delivery.ts): those
 * that arrive while a batch is written go into the next one, one transaction for all. These tests hold
 * the rules a single delivery keeps: stored once with its event and waits, the quota counted within a
 * batch, one bad message failing alone, and no 250 for a message whose commit failed.
 */

const QUOTA = 3;

async function createInbox(s: TestServer, sessionId: string): Promise<{ id: string; emailAddress: string }> {
  const reply = await s.request('POST', '/api/v1/inboxes', { body: { sessionId } });
  expect(reply.status, reply.text).toBe(201);
  return reply.body;
}

async function subjectsIn(s: TestServer, inboxId: string): Promise<string[]> {
  const reply = await s.request('GET', `/api/v1/inboxes/${inboxId}/messages?limit=100`);
  expect(reply.status, reply.text).toBe(200);
  return reply.body.data.map((m: { subject: string }) => m.subject).sort();
}

/** Runs DDL on the writer (SQLite allows writes only in a transaction there). */
async function ddl(s: TestServer, statements: string[]): Promise<void> {
  await s.app.db.tx(async (tx) => {
    for (const sql of statements) await tx.$executeRawUnsafe(sql);
  });
}

let s: TestServer;
beforeAll(async () => {
  s = await startServer({ smtp: true, env: { INBOX_MAX_MESSAGES: String(QUOTA), SETTLE_INTERVAL_MS: '100' } });
});
afterAll(() => s?.close());

describe('SMTP group commit', () => {
  it('many parallel senders: every message stored once, with its timeline event, and the waits completed', async () => {
    const sessions = await Promise.all([0, 1, 2].map((i) => createSession(s, { name: `parallel ${i}` })));
    const inboxes = await Promise.all(sessions.map((session) => createInbox(s, session.id)));
    const waits = await Promise.all(
      inboxes.map(async (inbox) => {
        const reply = await s.request('POST', '/api/v1/waits', { body: { inboxId: inbox.id, type: 'otp', timeoutSeconds: 120 } });
        expect(reply.status, reply.text).toBe(201);
        return reply.body;
      }),
    );
    // QUOTA messages to each inbox, all at once from separate connections.
    const sends = inboxes.flatMap((inbox, i) => Array.from({ length: QUOTA }, (_, k) => ({ inbox, subject: `parallel ${i}.${k}` })));
    const replies = await Promise.all(sends.map((m) => sendOne(s.smtpPort!, m.inbox.emailAddress, m.subject)));
    expect(replies.map((r) => r.code)).toEqual(sends.map(() => 250));

    for (const [i, inbox] of inboxes.entries()) {
      expect(await subjectsIn(s, inbox.id)).toEqual(Array.from({ length: QUOTA }, (_, k) => `parallel ${i}.${k}`));
      const { events } = (await s.request('GET', `/api/v1/sessions/${sessions[i].id}/timeline`)).body;
      const received = events.filter((e: { type: string }) => e.type === 'message.received');
      expect(received).toHaveLength(QUOTA);
      expect(new Set(received.map((e: { payload: { messageId: string } }) => e.payload.messageId)).size).toBe(QUOTA);
      // The wait was completed once, by one of the inbox's messages, and its event follows that message's.
      const completed = events.filter((e: { type: string }) => e.type === 'wait.completed');
      expect(completed).toHaveLength(1);
      const by = completed[0].payload.messageId;
      expect(received.map((e: { payload: { messageId: string } }) => e.payload.messageId)).toContain(by);
      const types = events.map((e: { type: string; payload: { messageId?: string } }) => `${e.type}:${e.payload.messageId ?? ''}`);
      expect(types.indexOf(`wait.completed:${by}`)).toBe(types.indexOf(`message.received:${by}`) + 1);
      const wait = (await s.request('GET', `/api/v1/waits/${waits[i].id}`)).body;
      expect(wait).toMatchObject({ status: 'completed', result: { type: 'otp', value: '482913', messageId: by } });
      const steps = (await s.request('POST', `/api/v1/sessions/${sessions[i].id}/replay`)).body.steps.filter((st: { action: string }) => st.action === 'deliver_message');
      expect(steps).toHaveLength(QUOTA);
    }
  });

  it('the quota holds within a batch: an inbox gets QUOTA of many parallel messages, the rest are refused with 552', async () => {
    const session = await createSession(s, { name: 'quota' });
    const inbox = await createInbox(s, session.id);
    const replies = await Promise.all(Array.from({ length: 10 }, (_, k) => sendOne(s.smtpPort!, inbox.emailAddress, `quota ${k}`)));
    const accepted = replies.filter((r) => r.code === 250);
    expect(accepted).toHaveLength(QUOTA);
    for (const r of replies.filter((r) => r.code !== 250)) expect(r.code).toBe(552);
    expect(await subjectsIn(s, inbox.id)).toHaveLength(QUOTA);
  });

  it('one batch: a message over its inbox quota is refused alone, the others of the batch are stored', async () => {
    const session = await createSession(s, { name: 'one batch' });
    const [full, other] = [await createInbox(s, session.id), await createInbox(s, session.id)];
    const { parseWithinLimits } = await import('../../src/messages/mail-intake');
    const mail = async (to: string, subject: string) => parseWithinLimits(rawMessage(to, subject));
    // Submitted in the same turn of the event loop: one batch, one transaction.
    const items = [
      ...(await Promise.all(Array.from({ length: QUOTA + 1 }, (_, k) => mail(full.emailAddress, `full ${k}`)))).map((m) => [full.emailAddress, m] as const),
      [other.emailAddress, await mail(other.emailAddress, 'other 0')] as const,
    ];
    const statementsBefore = s.app.db.statements.count;
    const results = await Promise.allSettled(items.map(([to, m]) => s.app.services.messages.deliverToAddress(to, m)));
    // They were stored together: a delivery alone takes about 8 statements, the batch about 8 for all
    // (the margin is for the deadline settler's statements meanwhile; one by one would be 5 × 8 or more).
    expect(s.app.db.statements.count - statementsBefore).toBeLessThan(items.length * 4);
    expect(results.map((r) => r.status)).toEqual([...Array(QUOTA).fill('fulfilled'), 'rejected', 'fulfilled']);
    expect((results[QUOTA] as PromiseRejectedResult).reason).toBeInstanceOf(InboxFullError);
    expect(await subjectsIn(s, full.id)).toEqual(Array.from({ length: QUOTA }, (_, k) => `full ${k}`));
    expect(await subjectsIn(s, other.id)).toEqual(['other 0']);
  });

  it('one batch: a message the database refuses fails alone (the batch is retried one by one), the others are stored', async () => {
    const session = await createSession(s, { name: 'poison' });
    const inbox = await createInbox(s, session.id);
    // A real failure of one statement, for one message only: a trigger refuses the subject "poison".
    if (testEngine() === 'sqlite') {
      await ddl(s, [`CREATE TRIGGER poison BEFORE INSERT ON "Message" WHEN NEW.subject = 'poison' BEGIN SELECT RAISE(ABORT, 'poison refused'); END`]);
    } else {
      await ddl(s, [
        `CREATE FUNCTION poison() RETURNS trigger AS $$ BEGIN IF NEW.subject = 'poison' THEN RAISE EXCEPTION 'poison refused'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`,
        `CREATE TRIGGER poison BEFORE INSERT ON "Message" FOR EACH ROW EXECUTE FUNCTION poison()`,
      ]);
    }
    try {
      const { parseWithinLimits } = await import('../../src/messages/mail-intake');
      const subjects = ['good 1', 'poison', 'good 2'];
      const mails = await Promise.all(subjects.map((subject) => parseWithinLimits(rawMessage(inbox.emailAddress, subject))));
      const results = await Promise.allSettled(mails.map((m) => s.app.services.messages.deliverToAddress(inbox.emailAddress, m)));
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect(await subjectsIn(s, inbox.id)).toEqual(['good 1', 'good 2']);
      const { events } = (await s.request('GET', `/api/v1/sessions/${session.id}/timeline`)).body;
      expect(events.filter((e: { type: string }) => e.type === 'message.received')).toHaveLength(2);

      // Over SMTP the refused message gets a temporary failure, never a 250.
      expect((await sendOne(s.smtpPort!, inbox.emailAddress, 'poison')).code).toBe(451);
    } finally {
      await ddl(s, testEngine() === 'sqlite' ? ['DROP TRIGGER poison'] : ['DROP TRIGGER poison ON "Message"', 'DROP FUNCTION poison()']);
    }
  });

  it('a commit that fails: every message of the batch gets 451, none is stored; sent again, each is stored once', async () => {
    const session = await createSession(s, { name: 'commit fails' });
    const inboxes = [await createInbox(s, session.id), await createInbox(s, session.id)];
    // A deferred foreign key is checked at COMMIT: every delivery's transaction fails there, not before.
    await ddl(s, [
      'CREATE TABLE "FailRef" (id INTEGER PRIMARY KEY)',
      'CREATE TABLE "FailAtCommit" (ref INTEGER REFERENCES "FailRef"(id) DEFERRABLE INITIALLY DEFERRED)',
      ...(testEngine() === 'sqlite'
        ? [`CREATE TRIGGER fail_at_commit AFTER INSERT ON "Message" BEGIN INSERT INTO "FailAtCommit"(ref) VALUES (1); END`]
        : [
            `CREATE FUNCTION fail_at_commit() RETURNS trigger AS $$ BEGIN INSERT INTO "FailAtCommit"(ref) VALUES (1); RETURN NULL; END $$ LANGUAGE plpgsql`,
            `CREATE TRIGGER fail_at_commit AFTER INSERT ON "Message" FOR EACH STATEMENT EXECUTE FUNCTION fail_at_commit()`,
          ]),
    ]);
    const sends = inboxes.flatMap((inbox, i) => [0, 1].map((k) => ({ inbox, subject: `commit ${i}.${k}` })));
    try {
      const replies = await Promise.all(sends.map((m) => sendOne(s.smtpPort!, m.inbox.emailAddress, m.subject)));
      expect(replies.map((r) => r.code)).toEqual(sends.map(() => 451));
      for (const inbox of inboxes) expect(await subjectsIn(s, inbox.id)).toEqual([]);
    } finally {
      await ddl(s, [
        ...(testEngine() === 'sqlite' ? ['DROP TRIGGER fail_at_commit'] : ['DROP TRIGGER fail_at_commit ON "Message"', 'DROP FUNCTION fail_at_commit()']),
        'DROP TABLE "FailAtCommit"',
        'DROP TABLE "FailRef"',
      ]);
    }
    const again = await Promise.all(sends.map((m) => sendOne(s.smtpPort!, m.inbox.emailAddress, m.subject)));
    expect(again.map((r) => r.code)).toEqual(sends.map(() => 250));
    for (const [i, inbox] of inboxes.entries()) expect(await subjectsIn(s, inbox.id)).toEqual([`commit ${i}.0`, `commit ${i}.1`]);
    const { events } = (await s.request('GET', `/api/v1/sessions/${session.id}/timeline`)).body;
    expect(events.filter((e: { type: string }) => e.type === 'message.received')).toHaveLength(sends.length);
  });
});
