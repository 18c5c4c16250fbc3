import type { Database, Tx } from '../db/client';
import type { SessionStatus } from './session.type';

/**
 * Adds `delta` to an owner's count of sessions in `status` — one atomic statement on both engines.
 * Callers run it in the transaction that creates or moves the session, so counts never drift.
 */
export async function bumpSessionCount(tx: Tx, ownerId: string, status: SessionStatus, delta: number): Promise<void> {
  await tx.$executeRaw`
    INSERT INTO "SessionCount" ("ownerId", "status", "count") VALUES (${ownerId}, ${status}, ${delta})
    ON CONFLICT ("ownerId", "status") DO UPDATE SET "count" = "SessionCount"."count" + excluded."count"`;
}

/** How many of the owner's sessions have `status` (all of them when null). */
export async function countSessions(db: Database, ownerId: string, status: SessionStatus | null): Promise<number> {
  const rows = await db.prisma.sessionCount.findMany({ where: { ownerId, ...(status ? { status } : {}) }, select: { count: true } });
  return rows.reduce((sum, r) => sum + r.count, 0);
}
