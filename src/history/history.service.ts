import type { Clock } from '../common/clock';
import type { Database, Tx } from '../db/client';
import { newId } from '../db/ids';
import type { TimelineEvent } from './event.type';
import type { ReplayStep } from './replay.type';

export type JsonObject = Record<string, unknown>;

/**
 * The timeline (append-only events) and the replay log (recorded actions). Writers call these with the
 * transaction of the change they describe, so a change and its history commit or roll back together.
 */
export class HistoryService {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
  ) {}

  async appendEvent(
    tx: Tx,
    e: { ownerId: string; sessionId: string | null; type: string; payload: JsonObject; at?: Date },
  ): Promise<void> {
    await tx.event.create({
      data: {
        id: newId('event'),
        ownerId: e.ownerId,
        sessionId: e.sessionId,
        type: e.type,
        payload: e.payload as object,
        createdAt: e.at ?? this.clock(),
      },
    });
  }

  /**
   * Runs `action` and, when it belongs to a session, records it as a replay step with its input, its
   * output and the measured duration — in the same transaction as the action's own writes. `output`
   * returns null when the action turned out to change nothing (it lost a race): no step is recorded.
   */
  async recordStep<T>(
    tx: Tx,
    step: { sessionId: string | null; action: string; input: JsonObject; output: (result: T) => JsonObject | null },
    action: () => Promise<T>,
  ): Promise<T> {
    const startedAt = this.clock();
    const started = performance.now();
    const result = await action();
    const output = step.sessionId ? step.output(result) : null;
    if (step.sessionId && output) {
      await tx.replayStep.create({
        data: {
          sessionId: step.sessionId,
          action: step.action,
          input: step.input as object,
          output: output as object,
          durationMs: Math.max(0, Math.round(performance.now() - started)),
          createdAt: startedAt,
        },
      });
    }
    return result;
  }

  async timeline(sessionId: string): Promise<TimelineEvent[]> {
    const rows = await this.db.prisma.event.findMany({ where: { sessionId }, orderBy: { seq: 'asc' } });
    return rows.map((r) => ({ id: r.id, timestamp: r.createdAt, type: r.type, payload: r.payload as JsonObject }));
  }

  /** Timelines of many sessions in one query (DataLoader batch). */
  async timelines(sessionIds: readonly string[]): Promise<TimelineEvent[][]> {
    const rows = await this.db.prisma.event.findMany({
      where: { sessionId: { in: [...sessionIds] } },
      orderBy: { seq: 'asc' },
    });
    const bySession = new Map<string, TimelineEvent[]>(sessionIds.map((id) => [id, []]));
    for (const r of rows) {
      bySession.get(r.sessionId!)?.push({ id: r.id, timestamp: r.createdAt, type: r.type, payload: r.payload as JsonObject });
    }
    return sessionIds.map((id) => bySession.get(id)!);
  }

  async replaySteps(sessionId: string): Promise<ReplayStep[]> {
    const rows = await this.db.prisma.replayStep.findMany({ where: { sessionId }, orderBy: { seq: 'asc' } });
    return rows.map((r, index) => ({
      index,
      timestamp: r.createdAt,
      action: r.action,
      input: r.input as JsonObject,
      output: r.output as JsonObject,
      durationMs: r.durationMs,
    }));
  }
}
