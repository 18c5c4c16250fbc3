import type { Database, Tx } from '../db/client';
import { newId } from '../db/ids';
import type { IncomingAttachment } from './details';

/**
 * Raw sources and attachments live in the database, cut into MessageChunk rows of CHUNK_BYTES: one
 * store for every instance (no shared disk needed with PostgreSQL), removed with their message, and
 * read back one chunk per query, so a download of a 20 MB message holds 256 KB at a time, not 20 MB.
 */
export const CHUNK_BYTES = 256 * 1024;

/** Bytes ready to be sent: what they are, and the chunks in order (fetched lazily, one at a time). */
export interface FileBody {
  contentType: string;
  filename: string;
  sizeBytes: number;
  chunks: () => AsyncIterable<Uint8Array>;
}

async function storeChunks(tx: Tx, messageId: string, blobId: string, bytes: Buffer): Promise<void> {
  const rows = [];
  for (let seq = 0, at = 0; at < bytes.length; seq++, at += CHUNK_BYTES) {
    rows.push({ blobId, seq, messageId, data: new Uint8Array(bytes.subarray(at, at + CHUNK_BYTES)) });
  }
  // One row per statement keeps each bound parameter small (SQLite and pg both take them whole).
  for (const row of rows) await tx.messageChunk.create({ data: row });
}

/** Inside the delivery transaction: the raw source (blob id = message id) and each attachment. */
export async function storeMessageFiles(tx: Tx, messageId: string, raw: Buffer | null, attachments: IncomingAttachment[]): Promise<void> {
  if (raw) await storeChunks(tx, messageId, messageId, raw);
  for (const [position, a] of attachments.entries()) {
    const id = newId('attachment');
    await tx.messageAttachment.create({
      data: { id, messageId, position, filename: a.filename, contentType: a.contentType, sizeBytes: a.content.length, contentId: a.contentId },
    });
    await storeChunks(tx, messageId, id, a.content);
  }
}

/** The chunks of one blob in order, each read when the consumer asks for it. */
export function readChunks(db: Database, blobId: string): () => AsyncIterable<Uint8Array> {
  return async function* chunks() {
    for (let seq = 0; ; seq++) {
      const row = await db.prisma.messageChunk.findUnique({ where: { blobId_seq: { blobId, seq } }, select: { data: true } });
      if (!row) return;
      yield row.data;
    }
  };
}

/** Whether a blob has bytes stored (a message delivered as parts has no source; a deleted inbox's are gone). */
export async function hasChunks(db: Database, blobId: string): Promise<boolean> {
  return (await db.prisma.messageChunk.count({ where: { blobId, seq: 0 } })) > 0;
}

/** Deleting an inbox deletes its messages' bytes (raw sources and attachments). */
export async function deleteInboxFiles(tx: Tx, inboxId: string): Promise<void> {
  await tx.messageChunk.deleteMany({ where: { message: { inboxId } } });
  await tx.messageAttachment.deleteMany({ where: { message: { inboxId } } });
}
