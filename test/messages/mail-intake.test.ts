import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MailIntake } from '../../src/messages/mail-intake';
import { CHUNK_BYTES } from '../../src/messages/message-files';

/**
 * MailIntake keeps a message in the blocks it is stored as; a small message's first block starts small
 * and grows (mail-intake.ts, roomFor). Whatever the sizes and the pieces it arrives in, the blocks are
 * the message byte for byte, every block but the last is CHUNK_BYTES, and each is a standalone array.
 */
function message(bytes: number): Buffer {
  const head = Buffer.from('From: <a@example.test>\r\nTo: <b@example.test>\r\nSubject: blocks\r\nContent-Type: application/octet-stream\r\n\r\n');
  // Printable body lines (the parser reads it as text, which does not matter here).
  const body = Buffer.from(randomBytes(Math.max(0, bytes - head.length)).toString('base64').slice(0, Math.max(0, bytes - head.length)));
  return Buffer.concat([head, body]).subarray(0, Math.max(bytes, head.length));
}

/** `raw` written in pieces of the given sizes (cycled). */
async function blocksOf(raw: Buffer, pieces: number[]): Promise<Uint8Array[]> {
  const intake = new MailIntake();
  for (let at = 0, i = 0; at < raw.length; i++) {
    const n = pieces[i % pieces.length]!;
    // A view into a larger buffer, as the SMTP stream hands its chunks.
    intake.write(raw.subarray(at, at + n));
    at += n;
  }
  expect(intake.size).toBe(raw.length);
  return (await intake.parse()).details!.raw!;
}

describe('MailIntake blocks', () => {
  const sizes = [200, 16 * 1024 - 1, 16 * 1024, 16 * 1024 + 1, 100_000, CHUNK_BYTES, CHUNK_BYTES + 1, 2 * CHUNK_BYTES + 12_345];
  const chunkings = [[65_536], [1, 7, 4096], [300_000]];
  for (const size of sizes) {
    for (const pieces of chunkings) {
      it(`${size} bytes in pieces of ${pieces.join('/')}: the message exactly, in CHUNK_BYTES blocks`, async () => {
        const raw = message(size);
        const blocks = await blocksOf(raw, pieces);
        expect(Buffer.concat(blocks).equals(raw)).toBe(true);
        expect(blocks.slice(0, -1).every((b) => b.length === CHUNK_BYTES)).toBe(true);
        expect(blocks.at(-1)!.length).toBe(raw.length - (blocks.length - 1) * CHUNK_BYTES);
        for (const b of blocks) expect(b.byteOffset === 0 && b.buffer.byteLength === b.length).toBe(true);
      });
    }
  }
});
