import { extractMagicLink } from '../extract/link';
import { extractOtp } from '../extract/otp';
import type { Tx } from '../db/client';
import type { HistoryService } from '../history/history.service';
import { WaitStatus, WaitType } from './wait.type';

export type WaitRow = Awaited<ReturnType<Tx['wait']['findFirstOrThrow']>>;

export interface StoredFilters {
  from?: string;
  subjectContains?: string;
}

export interface MatchableMessage {
  id: string;
  fromAddr: string;
  subject: string;
  text: string | null;
  html: string | null;
}

/** Whether a message passes a wait's filters (case-insensitive substring matches). */
export function passesFilters(filters: StoredFilters, message: MatchableMessage): boolean {
  if (filters.from && !message.fromAddr.toLowerCase().includes(filters.from.toLowerCase())) return false;
  if (filters.subjectContains && !message.subject.toLowerCase().includes(filters.subjectContains.toLowerCase())) return false;
  return true;
}

/** What a wait of `type` takes from a message, or null when the message does not have it. */
export function extractFor(type: WaitType, message: MatchableMessage): string | null {
  switch (type) {
    case WaitType.otp:
      return extractOtp(message);
    case WaitType.magic_link:
      return extractMagicLink(message);
    case WaitType.message:
      return message.id;
  }
}

/**
 * Cancels the pending waits matching `where` (one wait, or all of an inbox), each with its event.
 * Conditional updates: a wait that completed or timed out meanwhile is left as it is.
 * Returns the ids canceled (their long-polls need a wake-up after commit).
 */
export async function cancelPendingWaits(
  tx: Tx,
  history: HistoryService,
  where: { id?: string; inboxId?: string },
  now: Date,
): Promise<string[]> {
  // An overdue wait is not canceled: it timed out, and settling records that.
  const pending = await tx.wait.findMany({ where: { ...where, status: WaitStatus.pending, deadline: { gt: now } } });
  const canceled: string[] = [];
  for (const wait of pending) {
    const { count } = await tx.wait.updateMany({ where: { id: wait.id, status: WaitStatus.pending, deadline: { gt: now } }, data: { status: WaitStatus.canceled, endedAt: now } });
    if (count === 0) continue;
    canceled.push(wait.id);
    await history.appendEvent(tx, { ownerId: wait.ownerId, sessionId: wait.sessionId, type: 'wait.canceled', payload: { waitId: wait.id, inboxId: wait.inboxId }, at: now });
  }
  return canceled;
}
