import type { Database } from '../db/client';
import { groupBy } from '../common/group-by';
import type { Inbox } from './inbox.type';

type InboxRow = Awaited<ReturnType<Database['prisma']['inbox']['findFirstOrThrow']>>;

export function toInbox(row: InboxRow): Inbox {
  return {
    id: row.id,
    emailAddress: row.emailAddress,
    status: row.status,
    sessionId: row.sessionId,
    metadata: row.metadata as Record<string, unknown>,
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
  };
}

export class InboxService {
  constructor(private readonly db: Database) {}

  /** The inboxes of many sessions in one query, oldest first (DataLoader batch). */
  async bySessions(sessionIds: readonly string[]): Promise<Inbox[][]> {
    const rows = await this.db.prisma.inbox.findMany({
      where: { sessionId: { in: [...sessionIds] }, deletedAt: null },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    });
    return groupBy(sessionIds, rows.map(toInbox), (i) => i.sessionId!);
  }
}
