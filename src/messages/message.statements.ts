import type { SqlQueryable } from '@prisma/driver-adapter-utils';
import type { Database } from '../db/client';
import { type FixedQuery, forEachEngine, INBOX, placeholders, select } from '../db/fixed-statements';
import { ARG_TYPES } from '../db/arg-types';
import type { Provider } from '../db/url';
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

/** One statement text per number of inboxes (a batch has up to BATCH_MAX_ITEMS). */
const holdingsAdded = new Map<number, Record<Provider, string>>();

/**
 * Adds what a batch stored to its inboxes' holdings (inbox-quota.ts's addToHolding, for several
 * inboxes in one statement): `added` maps an inbox id to the messages and bytes stored in it.
 */
export async function addToHoldings(db: Database, on: SqlQueryable, added: Map<string, InboxHolding>): Promise<void> {
  if (!added.size) return;
  let sql = holdingsAdded.get(added.size);
  if (!sql) {
    // VALUES columns are named column1, column2, … on both engines; the casts type PostgreSQL's parameters.
    const rows = Array.from({ length: added.size }, () => '(?, CAST(? AS INTEGER), CAST(? AS BIGINT))').join(', ');
    sql = forEachEngine(`UPDATE "Inbox" SET "heldMessages" = "heldMessages" + d.column2, "heldBytes" = "heldBytes" + d.column3 FROM (VALUES ${rows}) AS d WHERE "Inbox"."id" = d.column1`);
    holdingsAdded.set(added.size, sql);
  }
  const args = [...added].flatMap(([inboxId, { count, bytes }]) => [inboxId, count, bytes]);
  const argTypes = [...added.keys()].flatMap(() => [ARG_TYPES.text, ARG_TYPES.int, ARG_TYPES.bigint]);
  await on.executeRaw({ sql: sql[db.provider], args, argTypes });
}

/** The files' rows (message-files.ts) as fixed INSERTs on the adapter transaction. */
export function fixedFileRows(db: Database, on: SqlQueryable): FileRowWriter {
  return {
    attachments: (rows) => ATTACHMENT_INSERT.run(on, db.provider, rows),
    chunks: (rows) => CHUNK_INSERT.run(on, db.provider, rows),
  };
}
