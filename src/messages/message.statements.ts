import type { SqlQueryable } from '@prisma/driver-adapter-utils';
import type { Database } from '../db/client';
import { type FixedQuery, forEachEngine, INBOX, placeholders, select, textArgs } from '../db/fixed-statements';
import { FixedInsert } from '../db/fixed-writes';
import type { Inbox, Message, MessageAttachment, MessageChunk } from '../generated/sqlite/client';
import type { InboxHolding } from './inbox-quota';
import type { FileRowWriter } from './message-files';

/**
 * The SMTP group commit's statements (batch-delivery.ts) as fixed SQL on its adapter transaction,
 * beneath Prisma's query path (db/fixed-statements.ts, db/fixed-writes.ts): the same rows, without
 * Prisma's per-row cost (test/db/fixed-writes.test.ts).
 */
export const MESSAGE_INSERT = new FixedInsert<Message>('Message', {
  id: 'text',
  ownerId: 'text',
  inboxId: 'text',
  fromAddr: 'text',
  toAddrs: 'text',
  subject: 'text',
  text: 'text',
  html: 'text',
  sizeBytes: 'int',
  receivedAt: 'datetime',
  ccAddrs: 'text',
  replyTo: 'text',
  headerMessageId: 'text',
  inReplyTo: 'text',
  headers: 'json',
});

export const ATTACHMENT_INSERT = new FixedInsert<MessageAttachment>('MessageAttachment', {
  id: 'text',
  messageId: 'text',
  position: 'int',
  filename: 'text',
  contentType: 'text',
  sizeBytes: 'int',
  contentId: 'text',
});

export const CHUNK_INSERT = new FixedInsert<MessageChunk>('MessageChunk', {
  blobId: 'text',
  seq: 'int',
  messageId: 'text',
  data: 'bytes',
});

/** One query text per number of addresses (a batch has up to BATCH_MAX_ITEMS). */
const inboxesByAddress = new Map<number, FixedQuery<Inbox>>();

/** The inboxes with these addresses; on PostgreSQL locked until commit, in id order (two batches cannot deadlock). */
export function inboxesAt(db: Database, on: SqlQueryable, addresses: string[]): Promise<Inbox[]> {
  let query = inboxesByAddress.get(addresses.length);
  if (!query) {
    const q = select('Inbox', INBOX, `"emailAddress" IN (${placeholders(addresses.length)})`, '"id"');
    query = { ...q, sql: { sqlite: q.sql.sqlite, postgresql: `${q.sql.postgresql} FOR UPDATE` } };
    inboxesByAddress.set(addresses.length, query);
  }
  return db.fixed.all(query, addresses, on);
}

/** What each of `inboxIds` holds, in one statement (as inbox-quota.ts's holdings, on the adapter transaction). */
export async function holdingsOn(db: Database, on: SqlQueryable, inboxIds: string[]): Promise<Map<string, InboxHolding>> {
  const held = new Map<string, InboxHolding>(inboxIds.map((id) => [id, { count: 0, bytes: 0 }]));
  if (!inboxIds.length) return held;
  const sql = forEachEngine(`SELECT "inboxId", COUNT(*), COALESCE(SUM("sizeBytes"), 0) FROM "Message" WHERE "inboxId" IN (${placeholders(inboxIds.length)}) GROUP BY "inboxId"`);
  const result = await on.queryRaw({ sql: sql[db.provider], args: inboxIds, argTypes: textArgs(inboxIds.length) });
  for (const [inboxId, count, bytes] of result.rows) held.set(inboxId as string, { count: Number(count), bytes: Number(bytes) });
  return held;
}

/** The files' rows (message-files.ts) as fixed INSERTs on the adapter transaction. */
export function fixedFileRows(db: Database, on: SqlQueryable): FileRowWriter {
  return {
    attachments: (rows) => ATTACHMENT_INSERT.run(on, db.provider, rows),
    chunks: (rows) => CHUNK_INSERT.run(on, db.provider, rows),
  };
}
