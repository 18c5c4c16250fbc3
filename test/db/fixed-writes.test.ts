import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/db/ids';
import { EVENT_INSERT, STEP_INSERT } from '../../src/history/history.statements';
import { ATTACHMENT_INSERT, CHUNK_INSERT, MESSAGE_INSERT } from '../../src/messages/message.statements';
import { pendingWaitsOf } from '../../src/waits/wait.statements';
import { WaitType } from '../../src/waits/wait.type';
import { startServer, type TestServer } from '../support/server';

/**
 * The SMTP group commit writes its rows as fixed INSERTs on the adapter transaction (src/db/fixed-writes.ts,
 * message.statements.ts, history.statements.ts) instead of Prisma's createMany. These tests write the same
 * rows both ways (both engines: the sqlite and postgresql projects) and prove they are stored identically:
 * read back through Prisma's models and as raw rows, with odd values, nulls and bytes of every value.
 */
const ODD = {
  'ключ 🔑': 'värde — "quoted" \\ back\nslash',
  nested: { deep: [1, -2.5, 1e21, 0.1, true, false, null, { '': '' }] },
  empty: {},
  list: [],
  big: 9007199254740991,
  nul: 'a\u0001b',
};
const ALL_BYTES = Uint8Array.from({ length: 512 }, (_, i) => i % 256);

let s: TestServer;
let ownerId: string;
let sessionId: string;
let inboxId: string;
beforeAll(async () => {
  s = await startServer({ env: { SETTLE_INTERVAL_MS: '60000' } });
  ownerId = (await s.app.services.apiKeys.authenticate(s.apiKey))!.ownerId;
  sessionId = (await s.app.services.sessions.create(ownerId, { name: 'fixed writes' })).id;
  inboxId = (await s.app.services.inboxes.create(ownerId, { sessionId })).id;
});
afterAll(() => s?.close());

/** Runs `viaPrisma` and `viaFixed` (on the adapter transaction) in one transaction each. */
async function both(viaPrisma: (tx: any) => Promise<unknown>, viaFixed: (on: any) => Promise<void>): Promise<void> {
  await s.app.db.tx(async (tx) => void (await viaPrisma(tx)));
  await s.app.db.tx(async (tx) => viaFixed(await s.app.db.adapterTx(tx)));
}

/** Raw rows (as the driver returns them through Prisma's raw query), without the named columns. */
async function raw(table: string, where: string, ids: string[], omit: string[]): Promise<Record<string, unknown>[]> {
  const q = s.app.db.provider === 'postgresql' ? ids.map((_, i) => `$${i + 1}`) : ids.map(() => '?');
  const rows: Record<string, unknown>[] = await s.app.db.prisma.$queryRawUnsafe(`SELECT * FROM "${table}" WHERE "${where}" IN (${q.join(', ')})`, ...ids);
  const order = new Map(ids.map((id, i) => [id, i]));
  rows.sort((a, b) => order.get(a[where] as string)! - order.get(b[where] as string)!);
  return rows.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !omit.includes(k))));
}

const without = <T extends object>(rows: T[], keys: string[]) => rows.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !keys.includes(k))));

describe('fixed INSERTs store what createMany stores', () => {
  it('Message: text, nulls, unicode, dates with and without milliseconds, JSON headers', async () => {
    const base = (id: string, k: number) => ({
      id,
      ownerId,
      inboxId,
      fromAddr: 'Ünï <a@example.test>',
      toAddrs: 'b@example.test,"x,y"@example.test',
      subject: k ? 'Код 123456 ✓' : '',
      text: k ? 'line 1\r\nline 2 — 🚀' : null,
      html: k ? '<p>hi</p>' : null,
      sizeBytes: 2048 + k,
      receivedAt: new Date(Date.UTC(2026, 11, 5, 8, 0, 0, k ? 123 : 0)),
      ccAddrs: k ? 'c@example.test' : '',
      replyTo: '',
      headerMessageId: k ? '<1@x>' : null,
      inReplyTo: null,
      headers: k ? [['Subject', 'Код'], ['X-Odd', JSON.stringify(ODD)]] : [],
    });
    const a = [newId('message'), newId('message')];
    const b = [newId('message'), newId('message')];
    await both(
      (tx) => tx.message.createMany({ data: a.map(base) }),
      (on) => MESSAGE_INSERT.run(on, s.app.db.provider, b.map(base)),
    );
    const read = async (ids: string[]) => without(await s.app.db.prisma.message.findMany({ where: { id: { in: ids } }, orderBy: { sizeBytes: 'asc' } }), ['id']);
    expect(await read(b)).toStrictEqual(await read(a));
    expect(await raw('Message', 'id', b, ['id'])).toStrictEqual(await raw('Message', 'id', a, ['id']));
  });

  it('MessageAttachment and MessageChunk: nulls, and bytes of every value', async () => {
    const messages = [newId('message'), newId('message')];
    await s.app.db.prisma.$transaction((tx) =>
      tx.message.createMany({ data: messages.map((id) => ({ id, ownerId, inboxId, fromAddr: '', toAddrs: '', subject: '', sizeBytes: 1, receivedAt: new Date() })) }),
    );
    const attachment = (messageId: string) => (id: string, position: number) => ({ id, messageId, position, filename: position ? 'f ü.pdf' : null, contentType: 'application/pdf', sizeBytes: 512, contentId: position ? 'cid@x' : null });
    const chunk = (messageId: string) => (blobId: string, seq: number) => ({ blobId, seq, messageId, data: seq ? ALL_BYTES : new Uint8Array(0) });
    const [ma, mb] = messages as [string, string];
    const ia = [newId('attachment'), newId('attachment')];
    const ib = [newId('attachment'), newId('attachment')];
    await both(
      async (tx) => {
        await tx.messageAttachment.createMany({ data: ia.map(attachment(ma)) });
        await tx.messageChunk.createMany({ data: [0, 1].map((seq) => chunk(ma)(ia[0]!, seq)) });
      },
      async (on) => {
        await ATTACHMENT_INSERT.run(on, s.app.db.provider, ib.map(attachment(mb)));
        await CHUNK_INSERT.run(on, s.app.db.provider, [0, 1].map((seq) => chunk(mb)(ib[0]!, seq)));
      },
    );
    const attachments = async (m: string) => without(await s.app.db.prisma.messageAttachment.findMany({ where: { messageId: m }, orderBy: { position: 'asc' } }), ['id', 'messageId']);
    expect(await attachments(mb)).toStrictEqual(await attachments(ma));
    const chunks = async (blobId: string) => without(await s.app.db.prisma.messageChunk.findMany({ where: { blobId }, orderBy: { seq: 'asc' } }), ['blobId', 'messageId']);
    const fixed = await chunks(ib[0]!);
    expect(fixed).toStrictEqual(await chunks(ia[0]!));
    expect(Buffer.from(fixed[1]!.data as Uint8Array).equals(Buffer.from(ALL_BYTES))).toBe(true);
    expect(await raw('MessageChunk', 'blobId', [ib[0]!], ['blobId', 'messageId'])).toStrictEqual(await raw('MessageChunk', 'blobId', [ia[0]!], ['blobId', 'messageId']));
  });

  it('Event and ReplayStep: JSON of every shape, a null session, numbered in the order given', async () => {
    const event = (id: string, k: number) => ({ id, ownerId, sessionId: k ? sessionId : null, type: 'message.received', payload: k ? ODD : {}, createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, k, k * 7)) });
    const step = (k: number) => ({ sessionId, action: `deliver_message ${k}`, input: { k, odd: ODD }, output: k ? { id: 'x', completedWaits: ['a', 'b'] } : {}, durationMs: k * 3, createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, k)) });
    const ea = [newId('event'), newId('event'), newId('event')];
    const eb = [newId('event'), newId('event'), newId('event')];
    await both(
      async (tx) => {
        await tx.event.createMany({ data: ea.map(event) });
        await tx.replayStep.createMany({ data: [0, 1, 2].map(step) });
      },
      async (on) => {
        await EVENT_INSERT.run(on, s.app.db.provider, eb.map(event));
        await STEP_INSERT.run(on, s.app.db.provider, [0, 1, 2].map(step));
      },
    );
    const events = async (ids: string[]) => await s.app.db.prisma.event.findMany({ where: { id: { in: ids } }, orderBy: { seq: 'asc' } });
    const [pa, pb] = [await events(ea), await events(eb)];
    expect(pb.map((e) => e.id)).toStrictEqual(eb);
    expect(without(pb, ['id', 'seq'])).toStrictEqual(without(pa, ['id', 'seq']));
    expect(await raw('Event', 'id', eb, ['id', 'seq'])).toStrictEqual(await raw('Event', 'id', ea, ['id', 'seq']));
    const steps = await s.app.db.prisma.replayStep.findMany({ where: { sessionId, action: { startsWith: 'deliver_message ' } }, orderBy: { seq: 'asc' } });
    expect(steps).toHaveLength(6);
    expect(without(steps.slice(3), ['seq'])).toStrictEqual(without(steps.slice(0, 3), ['seq']));
  });

  it("the group commit's read of pending waits returns Prisma's rows", async () => {
    const { inboxes, waits } = s.app.services;
    const other = (await inboxes.create(ownerId, { sessionId })).id;
    await waits.create(ownerId, { inboxId, type: WaitType.otp, timeoutSeconds: 600, filters: { subjectContains: 'Код ✓' } });
    await waits.create(ownerId, { inboxId: other, type: WaitType.message, timeoutSeconds: 60 });
    const canceled = await waits.create(ownerId, { inboxId: other, type: WaitType.otp, timeoutSeconds: 60 });
    await waits.cancel(ownerId, canceled.id);
    await s.app.db.tx(async (tx) => {
      const fixed = await pendingWaitsOf(s.app.db, await s.app.db.adapterTx(tx), [inboxId, other]);
      const prisma = await tx.wait.findMany({ where: { inboxId: { in: [inboxId, other] }, status: 'pending' }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
      expect(fixed).toHaveLength(2);
      expect(fixed).toStrictEqual(prisma);
    });
  });
});
