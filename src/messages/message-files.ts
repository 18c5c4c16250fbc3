import type { Database, Tx } from '../db/client';
import { newId } from '../db/ids';
import type { IncomingAttachment } from './details';

/**
 * Raw sources and attachments live in the database, cut into MessageChunk rows of CHUNK_BYTES: one
 * store for every instance (no shared disk needed with PostgreSQL), removed with their message, and
 * read back one chunk per query, so a download of a 20 MB message holds 256 KB at a time, not 20 MB.
 */
export const CHUNK_BYTES = 256 * 1024;

/** One stored chunk's bytes: a standalone array (not a view into a shared pool). */
export type Block = Uint8Array<ArrayBuffer>;

/** Bytes ready to be sent: what they are, and the chunks in order (fetched lazily, one at a time). */
export interface FileBody {
  contentType: string;
  filename: string;
  sizeBytes: number;
  chunks: () => AsyncIterable<Uint8Array>;
}

/** Writes the blocks of one blob in order; one row per statement keeps each bound parameter small (SQLite and pg both take them whole). */
async function storeBlocks(tx: Tx, messageId: string, blobId: string, blocks: Iterable<Block>): Promise<void> {
  let seq = 0;
  for (const data of blocks) await tx.messageChunk.create({ data: { blobId, seq: seq++, messageId, data } });
}

/** `bytes` cut into CHUNK_BYTES blocks, each copied only when it is written (a standalone array, not a view into a shared pool). */
function* blocksOf(bytes: Uint8Array): Generator<Block> {
  // Not Buffer#slice: that is a view, and `bytes` is often a Buffer.
  for (let at = 0; at < bytes.length; at += CHUNK_BYTES) yield new Uint8Array(bytes.subarray(at, at + CHUNK_BYTES));
}

/** Inside the delivery transaction: the raw source (blob id = message id; already in blocks, see MailIntake) and each attachment. */
export async function storeMessageFiles(tx: Tx, messageId: string, raw: readonly Block[] | null, attachments: IncomingAttachment[]): Promise<void> {
  if (raw) await storeBlocks(tx, messageId, messageId, raw);
  for (const [position, a] of attachments.entries()) {
    const id = newId('attachment');
    await tx.messageAttachment.create({
      data: { id, messageId, position, filename: a.filename, contentType: a.contentType, sizeBytes: a.content.length, contentId: a.contentId },
    });
    await storeBlocks(tx, messageId, id, blocksOf(a.content));
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
