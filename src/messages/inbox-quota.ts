import type { Tx } from '../db/client';
import { AppError } from '../graphql/errors';

/** How much one inbox may hold (INBOX_MAX_MESSAGES, INBOX_MAX_BYTES): one tenant cannot fill the disk. */
export interface InboxQuota {
  maxMessages: number;
  maxBytes: number;
}

export const DEFAULT_INBOX_QUOTA: InboxQuota = { maxMessages: 1000, maxBytes: 100 * 1024 * 1024 };

/**
 * The inbox holds its quota: no more mail. A CONFLICT (REST 409) over HTTP, `552 5.2.2` over SMTP. Not a
 * ConflictError: that one means the inbox no longer accepts mail at all (expired or deleted).
 */
export class InboxFullError extends AppError {
  constructor(message: string) {
    super(message, 'CONFLICT', { reason: 'inbox_full' });
  }
}

/** Throws InboxFullError when a message of `sizeBytes` does not fit in the inbox (`sizeBytes` 0: is there room for any). */
export async function requireRoom(client: Pick<Tx, 'message'>, inboxId: string, sizeBytes: number, quota: InboxQuota): Promise<void> {
  const held = await client.message.aggregate({ where: { inboxId }, _count: { _all: true }, _sum: { sizeBytes: true } });
  const count = held._count._all;
  const bytes = held._sum.sizeBytes ?? 0;
  if (count >= quota.maxMessages) throw new InboxFullError(`Inbox is full: it holds ${count} messages, the most allowed (INBOX_MAX_MESSAGES=${quota.maxMessages})`);
  if (bytes + sizeBytes > quota.maxBytes) {
    throw new InboxFullError(`Inbox is full: ${bytes} bytes stored, and this message (${sizeBytes} bytes) would pass the quota of ${quota.maxBytes} bytes (INBOX_MAX_BYTES)`);
  }
}
