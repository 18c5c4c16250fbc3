import type { Tx } from '../db/client';
import type { Inbox } from '../generated/sqlite/client';
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

/**
 * What an inbox row says it holds. Each delivery's transaction adds its messages to the row
 * (`addToHolding`, or message.statements.ts's `addToHoldings` for a batch), and reads it locked (on
 * PostgreSQL `FOR UPDATE`; SQLite has one writer), so it is exact there. Messages are never removed from
 * an inbox that accepts mail; an inbox and its messages go together.
 */
export const holdingOf = (inbox: Pick<Inbox, 'heldMessages' | 'heldBytes'>): InboxHolding => ({ count: inbox.heldMessages, bytes: Number(inbox.heldBytes) });

/** Counts a stored message of `sizeBytes` in its inbox's holding, in the transaction that stored it. */
export async function addToHolding(tx: Pick<Tx, 'inbox'>, inboxId: string, sizeBytes: number): Promise<void> {
  await tx.inbox.update({ where: { id: inboxId }, data: { heldMessages: { increment: 1 }, heldBytes: { increment: sizeBytes } }, select: { id: true } });
}

/** The rule itself, on a holding already read (a batch of deliveries counts its own messages in). */
export function checkRoom({ count, bytes }: InboxHolding, sizeBytes: number, quota: InboxQuota): void {
  if (count >= quota.maxMessages) throw new InboxFullError(`Inbox is full: it holds ${count} messages, the most allowed (INBOX_MAX_MESSAGES=${quota.maxMessages})`);
  if (bytes + sizeBytes > quota.maxBytes) {
    throw new InboxFullError(`Inbox is full: ${bytes} bytes stored, and this message (${sizeBytes} bytes) would pass the quota of ${quota.maxBytes} bytes (INBOX_MAX_BYTES)`);
  }
}

/** What `inboxId` holds, as its row says (nothing for an inbox that is gone). */
export async function holdingAt(client: Pick<Tx, 'inbox'>, inboxId: string): Promise<InboxHolding> {
  const row = await client.inbox.findUnique({ where: { id: inboxId }, select: { heldMessages: true, heldBytes: true } });
  return row ? holdingOf(row) : { count: 0, bytes: 0 };
}
