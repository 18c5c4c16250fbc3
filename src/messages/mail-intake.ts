import { Readable } from 'node:stream';
import { type Block, CHUNK_BYTES } from './message-files';
import { type IncomingMail, parseMime, toIncomingMail } from './parse';
import { asParserLimit } from './parse-limits';

/** The first block of a message (see MailIntake.roomFor). */
const FIRST_BLOCK_BYTES = 16 * 1024;

/**
 * One message received in pieces as they arrive (SMTP DATA, or an HTTP body in one piece). Each byte is
 * copied once, into the CHUNK_BYTES blocks it will be stored as; parse() streams those blocks through the
 * MIME parser. No copy of the whole message is made (no Buffer.concat, no string of it): while it is
 * received a message costs its size, and the parser's copies (bodies, attachments) exist only while it is
 * parsed and stored, which the SMTP server does for a few messages at a time (see smtp.server.ts).
 * Parsing after the last byte, not while receiving, is deliberate: mailparser holds each text part's
 * chunks until the part ends, so parsing along the way would double what every message in flight holds.
 */
export class MailIntake {
  private readonly blocks: Block[] = [];
  private block: Block | null = null;
  private filled = 0;
  private bytes = 0;

  /** Bytes received so far. */
  get size(): number {
    return this.bytes;
  }

  /** Keeps `chunk` (copied: the caller's buffer may be a view into a larger one). */
  write(chunk: Uint8Array): void {
    this.bytes += chunk.length;
    for (let at = 0; at < chunk.length; ) {
      const block = this.roomFor(chunk.length - at);
      const n = Math.min(chunk.length - at, block.length - this.filled);
      block.set(chunk.subarray(at, at + n), this.filled);
      this.filled += n;
      at += n;
      if (this.filled === CHUNK_BYTES) this.closeBlock();
    }
  }

  /**
   * The block to write into, with room for at least one byte. Most mail is a few KB: the first block
   * starts small and doubles up to CHUNK_BYTES as the message grows (a zeroed 256 KB array per message
   * was a tenth of a small message's intake cost, in allocation and collection); once a message has
   * filled one, the next are allocated whole.
   */
  private roomFor(wanted: number): Block {
    if (this.block && this.filled < this.block.length) return this.block;
    const size = this.block
      ? Math.min(CHUNK_BYTES, Math.max(this.block.length * 2, this.filled + wanted))
      : this.blocks.length
        ? CHUNK_BYTES
        : Math.min(CHUNK_BYTES, Math.max(FIRST_BLOCK_BYTES, wanted));
    const block = new Uint8Array(size);
    if (this.block) block.set(this.block.subarray(0, this.filled));
    return (this.block = block);
  }

  /** The whole message, parsed (its source kept as the stored blocks); a MessageLimitError when the parser refuses it. */
  async parse(): Promise<IncomingMail> {
    this.closeBlock();
    try {
      // Most mail fits in one block: handed to the parser as it is (a view, no copy), without a stream around it.
      const only = this.blocks.length === 1 ? this.blocks[0]! : null;
      const mail = await parseMime(only ? Buffer.from(only.buffer, only.byteOffset, only.length) : Readable.from(this.blocks, { objectMode: false }));
      return await toIncomingMail(mail, this.blocks, this.bytes);
    } catch (err) {
      throw asParserLimit(err);
    }
  }

  /** Drops what is held (too big, over the in-flight cap, or the client went away). */
  discard(): void {
    this.blocks.length = 0;
    this.block = null;
    this.filled = 0;
  }

  private closeBlock(): void {
    if (!this.block || !this.filled) return;
    // The last block is cut to size: a copy of at most CHUNK_BYTES, so that what is stored is exact.
    this.blocks.push(this.filled === this.block.length ? this.block : this.block.slice(0, this.filled));
    this.block = null;
    this.filled = 0;
  }
}

/** A whole message (HTTP delivery) through the same road as SMTP's; the parser's limits as MessageLimitError. */
export async function parseWithinLimits(raw: Buffer | string): Promise<IncomingMail> {
  const intake = new MailIntake();
  intake.write(typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw);
  return intake.parse();
}
