import { boundedExec, storedRegex } from '../common/user-regex';
import { htmlToText } from '../extract/html-text';
import { extractMagicLink } from '../extract/link';
import { extractOtp } from '../extract/otp';
import type { Tx } from '../db/client';
import type { HistoryService } from '../history/history.service';
import { WaitStatus, WaitType } from './wait.type';

export type WaitRow = Awaited<ReturnType<Tx['wait']['findFirstOrThrow']>>;

export interface StoredFilters {
  from?: string;
  subjectContains?: string;
  to?: string;
  subjectMatches?: string;
  bodyMatches?: string;
  /** type otp: a regex with one capture group that replaces the built-in extractor. */
  pattern?: string;
}

export interface MatchableMessage {
  id: string;
  fromAddr: string;
  /** Comma-separated recipients, as stored. */
  toAddrs: string;
  subject: string;
  text: string | null;
  html: string | null;
}

const containsFolded = (haystack: string, needle: string) => haystack.toLowerCase().includes(needle.toLowerCase());

/** The bodies a reader sees: the text part, and the HTML part as text. */
function bodies(message: MatchableMessage): string[] {
  return [message.text, message.html ? htmlToText(message.html) : null].filter((s): s is string => !!s);
}

/**
 * Whether a message passes all of a wait's filters (AND): substrings are case-insensitive; regexes run
 * with a time bound (user-regex.ts), and one that runs out of time does not match.
 */
export function passesFilters(filters: StoredFilters, message: MatchableMessage): boolean {
  if (filters.from && !containsFolded(message.fromAddr, filters.from)) return false;
  if (filters.subjectContains && !containsFolded(message.subject, filters.subjectContains)) return false;
  if (filters.to && !message.toAddrs.split(',').some((addr) => containsFolded(addr, filters.to!))) return false;
  if (filters.subjectMatches && !boundedExec(storedRegex(filters.subjectMatches), message.subject)) return false;
  if (filters.bodyMatches) {
    const regex = storedRegex(filters.bodyMatches);
    if (!bodies(message).some((body) => boundedExec(regex, body))) return false;
  }
  return true;
}

/** A user's OTP pattern: its capture group in the first of text, HTML-as-text and subject where it matches. */
function extractByPattern(pattern: string, message: MatchableMessage): string | null {
  const regex = storedRegex(pattern);
  for (const source of [...bodies(message), message.subject]) {
    const value = boundedExec(regex, source)?.[1];
    if (value) return value;
  }
  return null;
}

/** What a wait of `type` takes from a message, or null when the message does not have it. */
export function extractFor(type: WaitType, message: MatchableMessage, filters: StoredFilters = {}): string | null {
  switch (type) {
    case WaitType.otp:
      return filters.pattern ? extractByPattern(filters.pattern, message) : extractOtp(message);
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
