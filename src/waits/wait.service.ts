import type { Clock } from '../common/clock';
import { groupBy } from '../common/group-by';
import type { Notifier } from '../common/notifier';
import { intInRange, rejectUnstorable } from '../common/validate';
import type { SqlQueryable } from '@prisma/driver-adapter-utils';
import type { Database, Tx } from '../db/client';
import { pendingWaitsOf } from './wait.statements';
import { isId, newId } from '../db/ids';
import { BadUserInputError, ConflictError, NotFoundError } from '../graphql/errors';
import type { HistoryService } from '../history/history.service';
import type { InboxService } from '../inboxes/inbox.service';
import type { SessionService } from '../sessions/session.service';
import { SessionStatus } from '../sessions/session.type';
import type { HeldLimit } from '../protection/held-limit';
import { type HeldWaits, waitTopic } from './held-waits';
import { cancelPendingWaits, extractFor, type MatchableMessage, passesFilters, type StoredFilters, type WaitRow } from './wait.rules';
import { compileUserRegex } from '../common/user-regex';
import { type CreateWaitInput, type Wait, type WaitResult, WaitStatus, WaitType } from './wait.type';
import { recordCreated } from '../protection/idempotency';

export const WAIT_TIMEOUT_DEFAULT = 120;
export const WAIT_TIMEOUT_MAX = 600;
export const LONG_POLL_MAX_SECONDS = 60;
const FILTER_MAX = 320;
/** The events that say a wait ended: what the sweep reads (see sweepHeld). */
const WAIT_END_EVENTS = ['wait.completed', 'wait.canceled', 'wait.timed_out'];
/** `since` reaches back at most this far. */
export const SINCE_MAX_MS = 24 * 3600 * 1000;
const SINCE_PAGE = 100;

export { waitTopic };

/** Where ended waits are counted (metrics); called after the change committed. */
export interface WaitTelemetry {
  waitEnded(outcome: 'completed' | 'timed_out' | 'canceled', count?: number): void;
}

/** After commit: wake the long-polls of waits that just ended, and count them. */
export function announceEnded(notifier: Notifier, telemetry: WaitTelemetry, ids: string[], outcome: 'completed' | 'timed_out' | 'canceled'): void {
  for (const id of ids) notifier.notify(waitTopic(id));
  telemetry.waitEnded(outcome, ids.length);
}

/** The API's view of a row at `now`: a pending wait past its deadline reads as timed out, settled or not. */
export function toWait(row: WaitRow, now: Date): Wait {
  const overdue = row.status === WaitStatus.pending && row.deadline <= now;
  return {
    id: row.id,
    inboxId: row.inboxId,
    sessionId: row.sessionId,
    type: row.type as WaitType,
    status: overdue ? WaitStatus.timed_out : (row.status as WaitStatus),
    timeoutSeconds: row.timeoutSeconds,
    filters: row.filters as StoredFilters,
    since: row.since,
    result: (row.result as WaitResult | null) ?? null,
    createdAt: row.createdAt,
    deadline: row.deadline,
    endedAt: overdue ? row.deadline : row.endedAt,
  };
}

/** Waits: "the first matching message in inbox X, and what it says", with deadlines that are data. */
export class WaitService {
  constructor(
    private readonly db: Database,
    private readonly history: HistoryService,
    private readonly sessions: SessionService,
    private readonly inboxes: InboxService,
    private readonly notifier: Notifier,
    private readonly clock: Clock,
    private readonly telemetry: WaitTelemetry,
    private readonly held: HeldWaits,
    private readonly heldLimit: HeldLimit,
  ) {}

  toWait(row: WaitRow): Wait {
    return toWait(row, this.clock());
  }

  async create(ownerId: string, input: CreateWaitInput): Promise<Wait> {
    const timeoutSeconds = intInRange('timeoutSeconds', input.timeoutSeconds ?? WAIT_TIMEOUT_DEFAULT, 1, WAIT_TIMEOUT_MAX);
    const filters = cleanFilters(input.filters, input.type);
    const since = checkSince(input.since ?? null, this.clock());
    let completedNow = false;
    const row = await this.db.tx(async (tx) => {
      // Locks the inbox (PostgreSQL) against deliveries until commit: a message is either committed
      // before this transaction reads the inbox (and `since` finds it), or its delivery sees this wait.
      const inbox = await this.inboxes.requireAccepting(tx, ownerId, input.inboxId, { lock: true });
      const sessionId = input.sessionId ?? inbox.sessionId;
      if (sessionId !== null) await this.sessions.requireActive(tx, ownerId, sessionId);
      const stepInput = {
        inboxId: inbox.id,
        type: input.type,
        timeoutSeconds,
        ...(Object.keys(filters).length ? { filters } : {}),
        ...(since ? { since: since.toISOString() } : {}),
      };
      return this.history.recordStep(tx, { sessionId, action: 'create_wait', input: stepInput, output: (w) => ({ id: w.id }) }, async () => {
        const now = this.clock();
        const found = since ? await this.firstReceived(tx, inbox.id, since, now, input.type, filters) : null;
        const id = newId('wait', now);
        const created = await tx.wait.create({
          data: {
            id,
            ownerId,
            inboxId: inbox.id,
            sessionId,
            type: input.type,
            timeoutSeconds,
            since,
            filters: filters as object,
            createdAt: now,
            deadline: new Date(now.getTime() + timeoutSeconds * 1000),
            ...(found ? { status: WaitStatus.completed, result: found as object, endedAt: now } : {}),
          },
        });
        await recordCreated(tx, created.id);
        await this.history.appendEvent(tx, { ownerId, sessionId, type: 'wait.created', payload: { waitId: created.id, inboxId: inbox.id, type: input.type }, at: now });
        if (found) {
          completedNow = true;
          await this.history.appendEvent(tx, { ownerId, sessionId, type: 'wait.completed', payload: { waitId: created.id, messageId: found.messageId }, at: now });
        }
        return created;
      });
    });
    if (completedNow) this.announceCompleted([row.id]);
    return this.toWait(row);
  }

  /** The result from the oldest message received in [since, now] that the wait would take, if any. */
  private async firstReceived(tx: Tx, inboxId: string, since: Date, now: Date, type: WaitType, filters: StoredFilters): Promise<WaitResult | null> {
    const select = { id: true, fromAddr: true, toAddrs: true, subject: true, text: true, html: true } as const;
    let cursor: string | undefined;
    for (;;) {
      // A page at a time: only the matchable columns, never raw sources or attachments.
      const page = await tx.message.findMany({
        where: { inboxId, receivedAt: { gte: since, lte: now } },
        orderBy: [{ receivedAt: 'asc' }, { id: 'asc' }],
        select,
        take: SINCE_PAGE,
        ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {}),
      });
      for (const message of page) {
        if (!passesFilters(filters, message)) continue;
        const value = extractFor(type, message, filters);
        if (value !== null) return { type, value, messageId: message.id };
      }
      if (page.length < SINCE_PAGE) return null;
      cursor = page[page.length - 1]!.id;
    }
  }

  /**
   * The wait; with `waitSeconds` > 0 a long-poll that returns as soon as the wait ends. While held it
   * reads nothing: it is woken by the wait's notification (this instance or, over PostgreSQL, another),
   * by its deadline (a timer), by its request's signal (client gone, shutdown), or by the periodic
   * sweep (sweepHeld) when a notification was lost. Each wake costs one read of the wait; a window that
   * runs out with no wake costs none.
   * `keyId` is whose MAX_HELD_PER_KEY slot the long-poll takes (the owner's when not given).
   */
  async get(ownerId: string, id: string, waitSeconds = 0, signal?: AbortSignal, keyId: string = ownerId): Promise<Wait> {
    intInRange('waitSeconds', waitSeconds, 0, LONG_POLL_MAX_SECONDS);
    if (waitSeconds === 0) return this.toWait(await this.current(ownerId, id));
    const until = Date.now() + waitSeconds * 1000;
    let releaseSlot: () => void;
    try {
      releaseSlot = this.heldLimit.acquire(keyId);
    } catch (err) {
      // At the cap, a long-poll that would answer at once is still answered: only holding is refused.
      const row = await this.current(ownerId, id);
      if (row.status !== WaitStatus.pending) return this.toWait(row);
      throw err;
    }
    // Held before the first read: a notification that comes during the read is kept, not lost.
    const hold = this.held.hold(id, signal);
    try {
      // And the sweep has a position before that read: an end it misses is one the read sees.
      await this.held.ready(() => this.history.lastSeq());
      let row = await this.current(ownerId, id);
      for (;;) {
        const left = until - Date.now();
        if (row.status !== WaitStatus.pending || left <= 0 || signal?.aborted) return this.toWait(row);
        const untilDeadline = row.deadline.getTime() - this.clock().getTime() + 5;
        const woken = await hold.next(Math.min(left, Math.max(untilDeadline, 0)));
        // The long-poll's own time ran out and nothing woke it (no notification, no sweep, no deadline
        // of the wait's): the wait is as last read, and is answered so without another read. Each
        // renewal of a long-poll then costs one read, not two (10,000 renewing on PostgreSQL queued
        // those end-of-hold reads past the pool's 5 s wait: bench/README.md, held waits).
        if (!woken && left < untilDeadline) return this.toWait(row);
        row = await this.current(ownerId, id);
      }
    } finally {
      hold.release();
      releaseSlot();
    }
  }

  /**
   * The owner's wait as it stands, settled first when it is past its deadline. By id, a hot path: read
   * with a fixed statement beneath Prisma's query path (db/fixed-statements.ts).
   */
  private async current(ownerId: string, id: string): Promise<WaitRow> {
    const row = await this.findOwnedFixed(ownerId, id);
    if (row.status !== WaitStatus.pending || row.deadline > this.clock()) return row;
    await this.settleOne(row);
    return this.findOwnedFixed(ownerId, id);
  }

  private async findOwnedFixed(ownerId: string, id: string): Promise<WaitRow> {
    const row = isId('wait', id) ? await this.db.fixed.waitById(id) : null;
    if (!row || row.ownerId !== ownerId) throw new NotFoundError('Wait');
    return row;
  }

  /**
   * The safety net for lost notifications, run periodically by the deadline settler. Every end of a
   * wait commits a `wait.*` event, and event numbers are taken in commit order, so "the waits that ended
   * since the last sweep" is a range of the event table: one read of the newest number, and when it
   * moved, one read of the range. What it costs follows what happened, not how many long-polls are
   * held; nothing is read when nothing is held. Deadlines need no sweep: each held long-poll has its
   * own timer. Returns how many held waits it woke.
   */
  async sweepHeld(): Promise<number> {
    const at = this.held.sweepFrom();
    if (!at) return 0;
    const to = await this.history.lastSeq();
    if (to <= at.from) return 0;
    const rows = await this.db.prisma.event.findMany({
      where: { seq: { gt: at.from, lte: to }, type: { in: WAIT_END_EVENTS } },
      select: { payload: true },
    });
    at.advance(to);
    let woken = 0;
    for (const { payload } of rows) {
      const waitId = (payload as { waitId?: unknown } | null)?.waitId;
      if (typeof waitId !== 'string' || !this.held.has(waitId)) continue;
      this.held.wake(waitId);
      woken++;
    }
    return woken;
  }

  /** Idempotent for a canceled wait; CONFLICT for one that already completed or timed out. */
  async cancel(ownerId: string, id: string): Promise<Wait> {
    let canceledNow = false;
    const row = await this.db.tx(async (tx) => {
      const wait = await this.findOwned(tx, ownerId, id);
      const status = this.toWait(wait).status;
      if (status === WaitStatus.canceled) return wait;
      if (status !== WaitStatus.pending) throw new ConflictError(`Wait is already ${status}`);
      await this.history.recordStep(
        tx,
        { sessionId: wait.sessionId, action: 'cancel_wait', input: { waitId: id }, output: (ids) => (ids.length ? { id, status: WaitStatus.canceled } : null) },
        async () => {
          const ids = await cancelPendingWaits(tx, this.history, { id }, this.clock());
          canceledNow = ids.length > 0;
          return ids;
        },
      );
      return tx.wait.findUniqueOrThrow({ where: { id } });
    });
    announceEnded(this.notifier, this.telemetry, canceledNow ? [id] : [], 'canceled');
    const view = this.toWait(row);
    if (view.status !== WaitStatus.canceled) throw new ConflictError(`Wait is already ${view.status}`);
    return view;
  }

  /** After the delivery committed: wake and count the waits it completed. */
  announceCompleted(ids: string[]): void {
    announceEnded(this.notifier, this.telemetry, ids, 'completed');
  }

  /**
   * Completes every pending wait of the inbox that this new message satisfies. Runs inside the
   * delivery transaction; returns the completed ids for announceCompleted after commit.
   */
  async completeMatching(tx: Tx, inboxId: string, message: MatchableMessage & { id: string }, receivedAt: Date): Promise<string[]> {
    const [done] = await this.completeMatchingMany(tx, [{ inboxId, message, receivedAt }]);
    await this.history.appendEvents(tx, done!.events);
    return done!.ids;
  }

  /**
   * completeMatching for several new messages of one transaction, in their order, with one read of the
   * pending waits of all their inboxes: a wait is taken by the first message that satisfies it. Returns,
   * per message, the completed ids and their `wait.completed` events; the caller appends the events
   * (after the message's own, so a session's timeline reads as one delivery after another).
   */
  async completeMatchingMany(
    tx: Tx,
    deliveries: { inboxId: string; message: MatchableMessage & { id: string }; receivedAt: Date }[],
    /** The adapter transaction under `tx` (db.adapterTx), when the caller holds it: the read goes as a fixed select. */
    on?: SqlQueryable,
  ): Promise<{ ids: string[]; events: Parameters<HistoryService['appendEvents']>[1] }[]> {
    if (!deliveries.length) return [];
    const times = deliveries.map((d) => d.receivedAt.getTime());
    const inboxIds = [...new Set(deliveries.map((d) => d.inboxId))];
    // The same waits either way: those outside a message's time window are passed over below.
    const pending = on
      ? await pendingWaitsOf(this.db, on, inboxIds)
      : await tx.wait.findMany({
          where: {
            inboxId: { in: inboxIds },
            status: WaitStatus.pending,
            createdAt: { lte: new Date(Math.max(...times)) },
            deadline: { gt: new Date(Math.min(...times)) },
          },
          orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
        });
    const taken = new Set<string>();
    const out = [];
    for (const { inboxId, message, receivedAt } of deliveries) {
      const ids: string[] = [];
      const events = [];
      for (const wait of pending) {
        if (wait.inboxId !== inboxId || taken.has(wait.id) || wait.createdAt > receivedAt || wait.deadline <= receivedAt) continue;
        const filters = wait.filters as StoredFilters;
        if (!passesFilters(filters, message)) continue;
        const value = extractFor(wait.type as WaitType, message, filters);
        if (value === null) continue;
        const result: WaitResult = { type: wait.type as WaitType, value, messageId: message.id };
        const { count } = await tx.wait.updateMany({
          where: { id: wait.id, status: WaitStatus.pending },
          data: { status: WaitStatus.completed, result: result as object, endedAt: receivedAt },
        });
        taken.add(wait.id);
        if (count === 0) continue;
        ids.push(wait.id);
        events.push({ ownerId: wait.ownerId, sessionId: wait.sessionId, type: 'wait.completed', payload: { waitId: wait.id, messageId: message.id }, at: receivedAt });
      }
      out.push({ ids, events });
    }
    return out;
  }

  /** Times out every overdue wait (a bounded batch per call); see settleOne. */
  async settleDue(now: Date): Promise<number> {
    const due = await this.db.prisma.wait.findMany({ where: { status: WaitStatus.pending, deadline: { lte: now } }, orderBy: { deadline: 'asc' }, take: 200 });
    let settled = 0;
    for (const wait of due) if (await this.settleOne(wait)) settled++;
    return settled;
  }

  /**
   * A wait past its deadline times out, and that is a critical error for its session, which fails.
   * The conditional update makes exactly one process (of however many run) write the events.
   */
  private async settleOne(wait: WaitRow): Promise<boolean> {
    const won = await this.db.tx(async (tx) => {
      const { count } = await tx.wait.updateMany({
        where: { id: wait.id, status: WaitStatus.pending, deadline: { lte: this.clock() } },
        data: { status: WaitStatus.timed_out, endedAt: wait.deadline },
      });
      if (count === 0) return false;
      await this.history.appendEvent(tx, {
        ownerId: wait.ownerId,
        sessionId: wait.sessionId,
        type: 'wait.timed_out',
        payload: { waitId: wait.id, inboxId: wait.inboxId, timeoutSeconds: wait.timeoutSeconds },
        at: wait.deadline,
      });
      const session = wait.sessionId ? await tx.session.findUnique({ where: { id: wait.sessionId } }) : null;
      if (session?.status === SessionStatus.active) {
        await this.sessions.finishInTx(tx, session, SessionStatus.failed, `Wait ${wait.id} timed out after ${wait.timeoutSeconds}s`);
      }
      return true;
    });
    if (won) announceEnded(this.notifier, this.telemetry, [wait.id], 'timed_out');
    return won;
  }

  /** The waits of many sessions / inboxes in one query, oldest first (DataLoader batches). */
  async bySessions(sessionIds: readonly string[]): Promise<Wait[][]> {
    const rows = await this.db.prisma.wait.findMany({ where: { sessionId: { in: [...sessionIds] } }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
    return groupBy(sessionIds, rows.map((r) => this.toWait(r)), (w) => w.sessionId!);
  }

  /** Only the ids, in the same order as bySessions: what REST's session body lists. */
  async idsBySessions(sessionIds: readonly string[]): Promise<string[][]> {
    const rows = await this.db.prisma.wait.findMany({
      where: { sessionId: { in: [...sessionIds] } },
      select: { id: true, sessionId: true },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    });
    return groupBy(sessionIds, rows, (r) => r.sessionId!).map((group) => group.map((r) => r.id));
  }

  async byInboxes(inboxIds: readonly string[]): Promise<Wait[][]> {
    const rows = await this.db.prisma.wait.findMany({ where: { inboxId: { in: [...inboxIds] } }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
    return groupBy(inboxIds, rows.map((r) => this.toWait(r)), (w) => w.inboxId);
  }

  private async findOwned(client: Tx | Database['prisma'], ownerId: string, id: string): Promise<WaitRow> {
    const row = isId('wait', id) ? await client.wait.findUnique({ where: { id } }) : null;
    if (!row || row.ownerId !== ownerId) throw new NotFoundError('Wait');
    return row;
  }
}

function cleanFilters(filters: CreateWaitInput['filters'], type: WaitType): StoredFilters {
  const out: StoredFilters = {};
  for (const key of ['from', 'subjectContains', 'to'] as const) {
    const value = filters?.[key];
    if (value === undefined || value === null) continue;
    if (value.length === 0 || value.length > FILTER_MAX) throw new BadUserInputError(`filters.${key} must be 1 to ${FILTER_MAX} characters`, `filters.${key}`);
    rejectUnstorable(`filters.${key}`, value);
    out[key] = value;
  }
  for (const key of ['subjectMatches', 'bodyMatches', 'pattern'] as const) {
    const value = filters?.[key];
    if (value === undefined || value === null) continue;
    rejectUnstorable(`filters.${key}`, value);
    if (key === 'pattern' && type !== WaitType.otp) throw new BadUserInputError('filters.pattern is only for type otp', 'filters.pattern');
    compileUserRegex(`filters.${key}`, value, key === 'pattern' ? { captureGroups: 1 } : {});
    out[key] = value;
  }
  return out;
}

/** `since` must be in the last 24 hours: not in the future, not older. */
function checkSince(since: Date | null, now: Date): Date | null {
  if (since === null) return null;
  if (since.getTime() > now.getTime()) throw new BadUserInputError('since must not be in the future', 'since');
  if (since.getTime() < now.getTime() - SINCE_MAX_MS) throw new BadUserInputError('since must be at most 24 hours ago', 'since');
  return since;
}
