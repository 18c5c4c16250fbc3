import type { Clock } from '../common/clock';
import { jsonObject, requireText } from '../common/validate';
import type { Database, Tx } from '../db/client';
import { isId, newId } from '../db/ids';
import { ConflictError, NotFoundError } from '../graphql/errors';
import { olderThan } from '../graphql/cursor';
import { type PageRequest, pageArgs, pageOf } from '../graphql/pagination';
import type { HistoryService } from '../history/history.service';
import type { Replay } from '../history/replay.type';
import type { TimelineEvent } from '../history/event.type';
import { toInbox } from '../inboxes/inbox.service';
import { toWait } from '../waits/wait.service';
import type { WaitRow } from '../waits/wait.rules';
import type { Inbox as InboxRow } from '../generated/sqlite/client';
import { bumpSessionCount, countSessions } from './session-counts';
import { Session, SessionPage, SessionStatus } from './session.type';
import { recordCreated } from '../protection/idempotency';

/** How much of a session's inboxes or waits to read along with it. */
export type ChildRead = 'rows' | 'ids' | false;

export const SESSION_NAME_MAX = 200;
export const SESSION_METADATA_MAX_BYTES = 16 * 1024;
export const FAILURE_REASON_MAX = 1000;

type SessionRow = Awaited<ReturnType<Database['prisma']['session']['findFirstOrThrow']>>;

export function toSession(row: SessionRow): Session {
  // An instance, not a literal: TypeGraphQL copies a plain object into a new Session (twice) for every
  // field resolver it runs on it (inboxIds, waits, timeline…); an instance is used as it is.
  return Object.assign(new Session(), {
    id: row.id,
    name: row.name,
    status: row.status as SessionStatus,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    completedAt: row.completedAt,
    failureReason: row.failureReason,
    metadata: row.metadata as Record<string, unknown>,
  });
}

/** Sessions: creation, listing and the active → completed | failed lifecycle, with their history. */
export class SessionService {
  constructor(
    private readonly db: Database,
    private readonly history: HistoryService,
    private readonly clock: Clock,
  ) {}

  async create(ownerId: string, input: { name?: unknown; metadata?: unknown }): Promise<Session> {
    const name = requireText('name', input.name, SESSION_NAME_MAX);
    const metadata = jsonObject('metadata', input.metadata, SESSION_METADATA_MAX_BYTES);
    const now = this.clock();
    const id = newId('session', now);
    const row = await this.db.tx(async (tx) => {
      const created = await tx.session.create({
        data: { id, ownerId, name, metadata: metadata as object, status: SessionStatus.active, createdAt: now, updatedAt: now },
      });
      await recordCreated(tx, id);
      await bumpSessionCount(tx, ownerId, SessionStatus.active, 1);
      await this.history.appendEvent(tx, { ownerId, sessionId: id, type: 'session.created', payload: { sessionId: id }, at: now });
      return created;
    });
    return toSession(row);
  }

  async list(ownerId: string, args: { status?: SessionStatus | null } & PageRequest): Promise<SessionPage> {
    const page = pageArgs(args);
    const where = { ownerId, ...(args.status ? { status: args.status } : {}), ...(page.after ? olderThan('createdAt', page.after) : {}) };
    // Newest first; the id breaks ties between sessions created in the same millisecond (the order of
    // the (ownerId[, status], createdAt, id) indexes, which a cursor seeks into). The total comes from
    // the per-owner counters, not from counting (possibly 100,000s of) rows.
    const [rows, total] = await Promise.all([
      this.db.prisma.session.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: page.limit + 1, skip: page.offset }),
      countSessions(this.db, ownerId, args.status ?? null),
    ]);
    return pageOf(rows, page, total, (r) => r.createdAt, toSession);
  }

  /**
   * A session with the inboxes and/or waits a request is about to read, in `session.preloaded`: by id,
   * this is the hot path, so it runs fixed statements beneath Prisma's query path (db/fixed-statements.ts;
   * the same rows as Prisma's `findUnique` with `include`, one statement per table as Prisma sends).
   * `'ids'` reads only the children's ids (what REST's session body lists); `'rows'` reads them whole.
   */
  async getWithChildren(ownerId: string, id: string, want: { inboxes: ChildRead; waits: ChildRead }): Promise<Session> {
    if (!isId('session', id)) throw new NotFoundError('Session');
    const { fixed } = this.db;
    if (want.inboxes === 'ids' && want.waits === 'ids') {
      // What REST's session body reads: on PostgreSQL one statement.
      const read = await fixed.sessionWithChildIds(id);
      if (!read || read.session.ownerId !== ownerId) throw new NotFoundError('Session');
      const session = toSession(read.session);
      session.preloaded = { inboxIds: read.inboxIds, waitIds: read.waitIds };
      return session;
    }
    // Together: on PostgreSQL the three round trips overlap; a session not found costs two idle reads.
    const [row, inboxes, waits] = await Promise.all([
      fixed.sessionById(id),
      want.inboxes === 'rows' ? fixed.inboxesOfSession(id) : want.inboxes ? fixed.inboxIdsOfSession(id) : undefined,
      want.waits === 'rows' ? fixed.waitsOfSession(id) : want.waits ? fixed.waitIdsOfSession(id) : undefined,
    ]);
    if (!row || row.ownerId !== ownerId) throw new NotFoundError('Session');
    const now = this.clock();
    const session = toSession(row);
    const inboxRows = want.inboxes === 'rows' ? (inboxes as InboxRow[]) : undefined;
    const waitRows = want.waits === 'rows' ? (waits as WaitRow[]) : undefined;
    session.preloaded = {
      inboxes: inboxRows?.map((r) => toInbox(r, now)),
      inboxIds: inboxRows ? inboxRows.map((r) => r.id) : (inboxes as string[] | undefined),
      waits: waitRows?.map((r) => toWait(r, now)),
      waitIds: waitRows ? waitRows.map((r) => r.id) : (waits as string[] | undefined),
    };
    return session;
  }

  /** Batch lookup for DataLoaders: rows in the order of `ids`, null where missing or not the owner's. */
  async getMany(ownerId: string, ids: readonly string[]): Promise<(Session | null)[]> {
    const rows = await this.db.prisma.session.findMany({ where: { ownerId, id: { in: [...ids] } } });
    const byId = new Map(rows.map((r) => [r.id, toSession(r)]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  /** Idempotent: completing a completed session returns it unchanged, with no new event. */
  complete(ownerId: string, id: string): Promise<Session> {
    return this.finish(ownerId, id, SessionStatus.completed, null);
  }

  fail(ownerId: string, id: string, reason: unknown): Promise<Session> {
    return this.finish(ownerId, id, SessionStatus.failed, requireText('reason', reason, FAILURE_REASON_MAX));
  }

  /**
   * Moves an active session to a final state. The conditional update (`where status = active`) lets
   * exactly one of many concurrent callers win; only the winner writes the event and the replay step.
   */
  private async finish(ownerId: string, id: string, to: SessionStatus, reason: string | null): Promise<Session> {
    const row = await this.db.tx(async (tx) => {
      const current = await this.findOwned(tx, ownerId, id);
      if (current.status !== SessionStatus.active) return current;
      return this.finishInTx(tx, current, to, reason);
    });
    if (row.status === to) return toSession(row);
    throw new ConflictError(`Session is already ${row.status}`);
  }

  /**
   * The state change itself, for callers that already hold a transaction (a wait timing out fails its
   * session). Returns the row as it stands afterwards; a session that is no longer active is returned
   * unchanged.
   */
  async finishInTx(tx: Tx, current: SessionRow, to: SessionStatus, reason: string | null): Promise<SessionRow> {
    const action = to === SessionStatus.completed ? 'complete_session' : 'fail_session';
    return this.history.recordStep(
      tx,
      {
        sessionId: current.id,
        action,
        input: reason === null ? { sessionId: current.id } : { sessionId: current.id, reason },
        output: ({ row, won }) => (won ? { id: row.id, status: row.status } : null),
      },
      async () => {
        const now = this.clock();
        const won = await tx.session.updateMany({
          where: { id: current.id, status: SessionStatus.active },
          data: to === SessionStatus.completed ? { status: to, completedAt: now, updatedAt: now } : { status: to, failureReason: reason, updatedAt: now },
        });
        const after = await tx.session.findUniqueOrThrow({ where: { id: current.id } });
        if (won.count === 1) {
          await bumpSessionCount(tx, current.ownerId, SessionStatus.active, -1);
          await bumpSessionCount(tx, current.ownerId, to, 1);
          await this.history.appendEvent(tx, {
            ownerId: current.ownerId,
            sessionId: current.id,
            type: `session.${to}`,
            payload: reason === null ? { sessionId: current.id } : { sessionId: current.id, reason },
            at: now,
          });
        }
        return { row: after, won: won.count === 1 };
      },
    ).then((r) => r.row);
  }

  async timeline(ownerId: string, id: string): Promise<TimelineEvent[]> {
    await this.findOwned(this.db.prisma, ownerId, id);
    return this.history.timeline(id);
  }

  async replay(ownerId: string, id: string): Promise<Replay> {
    await this.findOwned(this.db.prisma, ownerId, id);
    return { steps: await this.history.replaySteps(id) };
  }

  /** For writers adding to a session (inboxes, waits): it must be the owner's and still active. */
  async requireActive(tx: Tx, ownerId: string, id: string): Promise<SessionRow> {
    const row = await this.findOwned(tx, ownerId, id);
    if (row.status !== SessionStatus.active) throw new ConflictError(`Session is already ${row.status}`);
    return row;
  }

  /** Another owner's session is indistinguishable from a missing one. */
  private async findOwned(client: Tx | Database['prisma'], ownerId: string, id: string): Promise<SessionRow> {
    const row = isId('session', id) ? await client.session.findUnique({ where: { id } }) : null;
    if (!row || row.ownerId !== ownerId) throw new NotFoundError('Session');
    return row;
  }
}
