import type { SqlQueryable } from '@prisma/driver-adapter-utils';
import type { Database } from '../db/client';
import { type FixedQuery, placeholders, select, WAIT } from '../db/fixed-statements';
import type { Wait } from '../generated/sqlite/client';

/** One query text per number of inboxes (a group commit has up to 64). */
const pendingByInboxes = new Map<number, FixedQuery<Wait>>();

/**
 * The pending waits of these inboxes, oldest first (id breaking ties), as a fixed select on an adapter
 * transaction: the SMTP group commit's read (completeMatchingMany). An index range per inbox
 * (Wait(inboxId, status)), never a scan; the deadline and creation time are checked per message by the caller.
 */
export function pendingWaitsOf(db: Database, on: SqlQueryable, inboxIds: string[]): Promise<Wait[]> {
  let query = pendingByInboxes.get(inboxIds.length);
  if (!query) {
    query = select('Wait', WAIT, `"inboxId" IN (${placeholders(inboxIds.length)}) AND "status" = 'pending'`, '"createdAt" ASC, "id" ASC');
    pendingByInboxes.set(inboxIds.length, query);
  }
  return db.fixed.all(query, inboxIds, on);
}
