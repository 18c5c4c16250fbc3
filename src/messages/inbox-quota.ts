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

/** What an inbox holds: its messages and their bytes. */
export interface InboxHolding {
  count: number;
  bytes: number;
}

/** Throws InboxFullError when a message of `sizeBytes` does not fit in the inbox (`sizeBytes` 0: is there room for any). */
export async function requireRoom(client: Pick<Tx, 'message'>, inboxId: string, sizeBytes: number, quota: InboxQuota): Promise<void> {
  const held = await client.message.aggregate({ where: { inboxId }, _count: { _all: true }, _sum: { sizeBytes: true } });
  checkRoom({ count: held._count._all, bytes: held._sum.sizeBytes ?? 0 }, sizeBytes, quota);
}

/** The rule itself, on a holding already read (a batch of deliveries counts its own messages in). */
export function checkRoom({ count, bytes }: InboxHolding, sizeBytes: number, quota: InboxQuota): void {
  if (count >= quota.maxMessages) throw new InboxFullError(`Inbox is full: it holds ${count} messages, the most allowed (INBOX_MAX_MESSAGES=${quota.maxMessages})`);
  if (bytes + sizeBytes > quota.maxBytes) {
    throw new InboxFullError(`Inbox is full: ${bytes} bytes stored, and this message (${sizeBytes} bytes) would pass the quota of ${quota.maxBytes} bytes (INBOX_MAX_BYTES)`);
  }
}

/** What each of `inboxIds` holds, in one query (inboxes without messages hold nothing). */
export async function holdings(client: Pick<Tx, 'message'>, inboxIds: string[]): Promise<Map<string, InboxHolding>> {
  const rows = await client.message.groupBy({ by: ['inboxId'], where: { inboxId: { in: inboxIds } }, _count: { _all: true }, _sum: { sizeBytes: true } });
  const held = new Map<string, InboxHolding>(inboxIds.map((id) => [id, { count: 0, bytes: 0 }]));
  for (const r of rows) held.set(r.inboxId, { count: r._count._all, bytes: r._sum.sizeBytes ?? 0 });
  return held;
}
