import type { Clock } from '../common/clock';
import type { Notifier } from '../common/notifier';
import { afterCommit, beforeCommit } from '../db/commit-hooks';
import type { SqlQueryable } from '@prisma/driver-adapter-utils';
import type { Database, Provider, Tx } from '../db/client';
import { EVENT_INSERT, STEP_INSERT } from './history.statements';
import { newId } from '../db/ids';
import { intInRange } from '../common/validate';
import { decodeCursor, encodeCursor } from './cursor';
import type { TimelineEvent, TimelineEventConnection } from './event.type';
import type { ReplayStep } from './replay.type';

export type JsonObject = Record<string, unknown>;

/** The Notifier topic that says "events were committed; read after your cursor". */
export const EVENTS_TOPIC = 'events';
export const MAX_EVENTS_PAGE = 500;
/** Rows per read of a whole timeline (see timelines()). */
const TIMELINE_CHUNK = 1000;

/**
 * Serializes event-writing transactions on PostgreSQL, from their event inserts to their commit (an
 * arbitrary constant of ours; transaction-scoped, so a rollback or commit releases it).
 */
const EVENT_ORDER_LOCK = 0x53475f45; // "SG_E"

type EventRow = { seq: number; id: string; ownerId: string; sessionId: string | null; type: string; payload: unknown; createdAt: Date };
type NewEvent = Omit<EventRow, 'seq'> & { payload: object };
type NewEventInput = { ownerId: string; sessionId: string | null; type: string; payload: JsonObject; at?: Date };

/**
 * One multi-row INSERT: `seq` is taken row by row in the order given (both engines number VALUES rows in
 * order). Through Prisma, or as a fixed statement on `on`, the adapter transaction under `tx` (the same rows).
 */
async function insertEvents(tx: Tx, rows: NewEvent[], provider: Provider, on?: SqlQueryable): Promise<void> {
  if (on) await EVENT_INSERT.run(on, provider, rows);
  else if (rows.length === 1) await tx.event.create({ data: rows[0]! });
  else await tx.event.createMany({ data: rows });
}

export function toTimelineEvent(r: EventRow): TimelineEvent {
  return { id: r.id, cursor: encodeCursor(r.seq), sessionId: r.sessionId!, timestamp: r.createdAt, type: r.type, payload: r.payload as JsonObject, seq: r.seq, ownerId: r.ownerId };
}

/** Which events a reader wants: one session's, or (sessions') events of an owner, optionally by type. */
export type EventFilter = { sessionId: string } | { ownerId: string; types?: readonly string[] | null };

/**
 * The timeline (append-only events) and the replay log (recorded actions). Writers call these with the
 * transaction of the change they describe, so a change and its history commit or roll back together.
 */
export class HistoryService {
  /** PostgreSQL: the events of each open transaction, inserted just before it commits (see appendEvent). */
  private readonly pending = new WeakMap<Tx, NewEvent[]>();

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly notifier?: Notifier,
  ) {}

  /**
   * Records an event in the transaction of the change it describes, and wakes the event feed once that
   * transaction has committed.
   *
   * The feed's promise: a reader that has seen event N will never later find an event numbered below N.
   * That needs `seq` to be assigned in commit order. SQLite gives it for free: every transaction runs
   * on the one writer connection (sqlite-connections.ts), one after the other. PostgreSQL does not:
   * a sequence hands out numbers at insert time, and a transaction that took 41 may commit after one
   * that took 42 — a tailing reader that saw 42 would skip 41 forever. So on PostgreSQL the event rows
   * wait in memory until the transaction's very end, where an advisory transaction lock is taken and
   * they are inserted: from that point to commit, event-writing transactions run one at a time, so
   * numbers are taken in commit order. The lock is the transaction's last one (no row lock is taken
   * after it: no deadlock), and it is held only for the inserts and the COMMIT round trip. Reading up to
   * a "safe" sequence instead would need every transaction's id recorded and every reader to wait for
   * the oldest one still open; a counter row would be held from the first event to commit.
   */
  async appendEvent(tx: Tx, e: NewEventInput): Promise<void> {
    await this.appendEvents(tx, [e]);
  }

  /**
   * appendEvent for several events of one transaction, in order, in one statement. `on`: the adapter
   * transaction under `tx` (db.adapterTx), for a writer that holds it: the rows go as a fixed statement.
   */
  async appendEvents(tx: Tx, events: NewEventInput[], on?: SqlQueryable): Promise<void> {
    if (!events.length) return;
    const now = this.clock();
    const data: NewEvent[] = events.map((e) => ({
      id: newId('event', e.at ?? now),
      ownerId: e.ownerId,
      sessionId: e.sessionId,
      type: e.type,
      payload: e.payload as object,
      createdAt: e.at ?? now,
    }));
    if (this.notifier) afterCommit(tx, EVENTS_TOPIC, () => this.notifier!.notify(EVENTS_TOPIC));
    const provider = this.db.provider;
    if (provider === 'sqlite') {
      await insertEvents(tx, data, provider, on);
      return;
    }
    const queued = this.pending.get(tx);
    if (queued) return void queued.push(...data);
    const rows = [...data];
    this.pending.set(tx, rows);
    beforeCommit(tx, 'history.events', async () => {
      await tx.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(${EVENT_ORDER_LOCK})`);
      await insertEvents(tx, rows, provider, on);
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

  /**
   * recordStep for actions already done together (a batch of deliveries): one replay step per action
   * that belongs to a session, in order, in one statement; `durationMs` is what the batch took.
   */
  async recordSteps(
    tx: Tx,
    steps: { sessionId: string | null; action: string; input: JsonObject; output: JsonObject; startedAt: Date; durationMs: number }[],
    /** As for appendEvents: the adapter transaction under `tx`, to write the rows as a fixed statement. */
    on?: SqlQueryable,
  ): Promise<void> {
    const data = steps
      .filter((s) => s.sessionId)
      .map((s) => ({ sessionId: s.sessionId!, action: s.action, input: s.input as object, output: s.output as object, durationMs: Math.max(0, Math.round(s.durationMs)), createdAt: s.startedAt }));
    if (!data.length) return;
    if (on) await STEP_INSERT.run(on, this.db.provider, data);
    else await tx.replayStep.createMany({ data });
  }

  async timeline(sessionId: string): Promise<TimelineEvent[]> {
    return (await this.timelines([sessionId]))[0]!;
  }

  /** One page of a session's timeline after `after` (a cursor): one indexed range read, however long the timeline. */
  async page(sessionId: string, args: { first: number; after?: string | null }): Promise<TimelineEventConnection> {
    const first = intInRange('first', args.first, 1, MAX_EVENTS_PAGE);
    const afterSeq = decodeCursor(args.after);
    const rows = await this.db.prisma.event.findMany({ where: { sessionId, seq: { gt: afterSeq } }, orderBy: { seq: 'asc' }, take: first + 1 });
    const events = rows.slice(0, first).map(toTimelineEvent);
    return {
      edges: events.map((node) => ({ cursor: node.cursor, node })),
      pageInfo: { endCursor: events.at(-1)?.cursor ?? null, hasNextPage: rows.length > first },
    };
  }

  /** Up to `limit` events after `afterSeq` that `filter` wants, in feed order (a stream catching up). */
  async eventsAfter(filter: EventFilter, afterSeq: number, limit: number): Promise<TimelineEvent[]> {
    const where =
      'sessionId' in filter
        ? { sessionId: filter.sessionId, seq: { gt: afterSeq } }
        : { ownerId: filter.ownerId, sessionId: { not: null }, seq: { gt: afterSeq }, ...(filter.types ? { type: { in: [...filter.types] } } : {}) };
    const rows = await this.db.prisma.event.findMany({ where, orderBy: { seq: 'asc' }, take: limit });
    return rows.map(toTimelineEvent);
  }

  /** Every session event after `afterSeq`, up to `limit`: the instance's one feed read. */
  async feedAfter(afterSeq: number, limit: number): Promise<TimelineEvent[]> {
    const rows = await this.db.prisma.event.findMany({ where: { seq: { gt: afterSeq }, sessionId: { not: null } }, orderBy: { seq: 'asc' }, take: limit });
    return rows.map(toTimelineEvent);
  }

  /** The cursor of the newest event (null when there is none): "from now". */
  async lastCursor(): Promise<string | null> {
    const seq = await this.lastSeq();
    return seq === 0 ? null : encodeCursor(seq);
  }

  /** The newest event's number (0 when there is none): where a feed starting now begins. */
  async lastSeq(): Promise<number> {
    const row = await this.db.prisma.event.findFirst({ orderBy: { seq: 'desc' }, select: { seq: true } });
    return row?.seq ?? 0;
  }

  /**
   * Timelines of many sessions (DataLoader batch), read in chunks of TIMELINE_CHUNK rows by `seq` with
   * a turn of the event loop between them: one session with 10,000s of events would otherwise hold the
   * loop for the whole read (~100 ms of Prisma mapping at 10,000). A usual batch is one chunk.
   */
  async timelines(sessionIds: readonly string[]): Promise<TimelineEvent[][]> {
    const bySession = new Map<string, TimelineEvent[]>(sessionIds.map((id) => [id, []]));
    let afterSeq = 0;
    for (;;) {
      const rows = await this.db.prisma.event.findMany({
        where: { sessionId: { in: [...sessionIds] }, seq: { gt: afterSeq } },
        orderBy: { seq: 'asc' },
        take: TIMELINE_CHUNK,
      });
      for (const r of rows) bySession.get(r.sessionId!)?.push(toTimelineEvent(r));
      if (rows.length < TIMELINE_CHUNK) break;
      afterSeq = rows.at(-1)!.seq;
      await new Promise((resolve) => setImmediate(resolve));
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
