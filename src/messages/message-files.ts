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

export type ChunkRow = { blobId: string; seq: number; messageId: string; data: Block };
export type AttachmentRow = { id: string; messageId: string; position: number; filename: string | null; contentType: string; sizeBytes: number; contentId: string | null };

/** `bytes` cut into CHUNK_BYTES blocks, each copied (a standalone array, not a view into a shared pool). */
function* blocksOf(bytes: Uint8Array): Generator<Block> {
  // Not Buffer#slice: that is a view, and `bytes` is often a Buffer.
  for (let at = 0; at < bytes.length; at += CHUNK_BYTES) yield new Uint8Array(bytes.subarray(at, at + CHUNK_BYTES));
}

function chunkRows(messageId: string, blobId: string, blocks: Iterable<Block>): ChunkRow[] {
  const rows: ChunkRow[] = [];
  let seq = 0;
  for (const data of blocks) rows.push({ blobId, seq: seq++, messageId, data });
  return rows;
}

/** The rows of a message's raw source (blob id = message id; already in blocks, see MailIntake) and of each attachment, with their chunks. */
export function messageFileRows(messageId: string, raw: readonly Block[] | null, attachments: IncomingAttachment[]): { attachments: AttachmentRow[]; chunks: ChunkRow[] } {
  const chunks = raw ? chunkRows(messageId, messageId, raw) : [];
  const rows = attachments.map((a, position) => {
    const id = newId('attachment');
    chunks.push(...chunkRows(messageId, id, blocksOf(a.content)));
    return { id, messageId, position, filename: a.filename, contentType: a.contentType, sizeBytes: a.content.length, contentId: a.contentId };
  });
  return { attachments: rows, chunks };
}

/** How the files' rows are written: through Prisma, or fixed statements on an adapter transaction (message.statements.ts). */
export interface FileRowWriter {
  attachments(rows: AttachmentRow[]): Promise<void>;
  chunks(rows: ChunkRow[]): Promise<void>;
}

export function prismaFileRows(tx: Tx): FileRowWriter {
  return {
    attachments: async (rows) => void (await tx.messageAttachment.createMany({ data: rows })),
    chunks: async (rows) => void (rows.length === 1 ? await tx.messageChunk.create({ data: rows[0]! }) : await tx.messageChunk.createMany({ data: rows })),
  };
}

/**
 * Inside the delivery transaction: the files of one or more messages. Small chunks go several to a
 * statement; a statement carries at most one full chunk's bytes (CHUNK_BYTES), so each bound parameter
 * and each statement stay small on both engines.
 */
export async function storeFileRows(write: FileRowWriter, files: { attachments: AttachmentRow[]; chunks: ChunkRow[] }): Promise<void> {
  if (files.attachments.length) await write.attachments(files.attachments);
  let group: ChunkRow[] = [];
  let bytes = 0;
  const flush = async () => {
    if (group.length) await write.chunks(group);
    group = [];
    bytes = 0;
  };
  for (const chunk of files.chunks) {
    if (group.length && bytes + chunk.data.length > CHUNK_BYTES) await flush();
    group.push(chunk);
    bytes += chunk.data.length;
  }
  await flush();
}

/** Inside the delivery transaction: the raw source and each attachment of one message. */
export async function storeMessageFiles(tx: Tx, messageId: string, raw: readonly Block[] | null, attachments: IncomingAttachment[]): Promise<void> {
  await storeFileRows(prismaFileRows(tx), messageFileRows(messageId, raw, attachments));
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
