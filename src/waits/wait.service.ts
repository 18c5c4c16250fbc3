import type { Database } from '../db/client';
import { groupBy } from '../common/group-by';
import type { Wait } from './wait.type';

type WaitRow = Awaited<ReturnType<Database['prisma']['wait']['findFirstOrThrow']>>;

export function toWait(row: WaitRow): Wait {
  return {
    id: row.id,
    inboxId: row.inboxId,
    sessionId: row.sessionId,
    type: row.type,
    status: row.status,
    timeoutSeconds: row.timeoutSeconds,
    filters: row.filters as Record<string, unknown>,
    result: (row.result as Record<string, unknown> | null) ?? null,
    createdAt: row.createdAt,
    deadline: row.deadline,
    endedAt: row.endedAt,
  };
}

export class WaitService {
  constructor(private readonly db: Database) {}

  /** The waits of many sessions in one query, oldest first (DataLoader batch). */
  async bySessions(sessionIds: readonly string[]): Promise<Wait[][]> {
    const rows = await this.db.prisma.wait.findMany({
      where: { sessionId: { in: [...sessionIds] } },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    });
    return groupBy(sessionIds, rows.map(toWait), (w) => w.sessionId!);
  }
}
