import { INBOX_METADATA_MAX_BYTES } from '../inboxes/inbox.service';
import { SESSION_METADATA_MAX_BYTES } from '../sessions/session.service';

/** The limits that decide how much a large field may hold. */
export interface SizeLimits {
  maxMessageBytes: number;
}

/**
 * Fields whose values may be large, by `Type.field`: the most bytes one value may hold. The query cost
 * (query-cost.ts) counts them at that size, so a query that could return many of them is refused before
 * it runs. A new large field is one line here (message headers, raw source, attachment content, …).
 */
export const LARGE_FIELDS: Record<string, (limits: SizeLimits) => number> = {
  'Message.text': (l) => l.maxMessageBytes,
  'Message.html': (l) => l.maxMessageBytes,
  'Session.metadata': () => SESSION_METADATA_MAX_BYTES,
  'Inbox.metadata': () => INBOX_METADATA_MAX_BYTES,
};

/** What any other value is counted as: an id, a date, a short string with its key and punctuation. */
export const SMALL_VALUE_BYTES = 64;

/**
 * List fields without a `limit`/`first` argument (a session's inboxes, an inbox's waits, …) are counted at
 * this many items: the default page size.
 */
export const UNPAGED_LIST_ITEMS = 20;
