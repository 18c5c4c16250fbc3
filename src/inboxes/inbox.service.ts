import type { Clock } from '../common/clock';
import type { Notifier } from '../common/notifier';
import { groupBy } from '../common/group-by';
import { TtlCache } from '../common/ttl-cache';
import { intInRange, jsonObject } from '../common/validate';
import type { Database, Tx } from '../db/client';
import { isId, newId, randomBase62 } from '../db/ids';
import { ConflictError, NotFoundError } from '../graphql/errors';
import { olderThan } from '../graphql/cursor';
import { type PageRequest, pageArgs, pageOf } from '../graphql/pagination';
import type { HistoryService } from '../history/history.service';
import type { SessionService } from '../sessions/session.service';
import { deleteInboxFiles } from '../messages/message-files';
import { cancelPendingWaits } from '../waits/wait.rules';
import { announceEnded, type WaitTelemetry } from '../waits/wait.service';
import { Inbox, type InboxPage, InboxStatus, type InboxStatusFilter } from './inbox.type';
import { recordCreated } from '../protection/idempotency';

export type InboxRow = Awaited<ReturnType<Database['prisma']['inbox']['findFirstOrThrow']>>;

export const INBOX_TTL_DEFAULT = 3600;
export const INBOX_TTL_MAX = 604_800;
export const INBOX_METADATA_MAX_BYTES = 16 * 1024;
/**
 * An inbox as findAccepting keeps it, without its holdings: those change with every delivery, so a
 * cached row's are stale (deliveries read them from the row they lock; RCPT TO from inbox-quota.ts).
 */
export type AcceptingInbox = Omit<InboxRow, 'heldMessages' | 'heldBytes'>;

/** How long SMTP's RCPT TO trusts an inbox it read (see findAccepting), and how many it keeps. */
export const ACCEPTING_CACHE_MS = 5_000;
const ACCEPTING_CACHE_ENTRIES = 10_000;

/** Expiry is a deadline stored as data: an inbox past it reads as expired even before it is settled. */
export function effectiveInboxStatus(row: { status: string; expiresAt: Date }, now: Date): InboxStatus {
  return row.status === 'active' && row.expiresAt <= now ? InboxStatus.expired : (row.status as InboxStatus);
}

/** The API's view of a row at `now` (expiry is read from the deadline, settled or not). */
export function toInbox(row: InboxRow, now: Date): Inbox {
  // An instance, as toSession: TypeGraphQL would copy a plain object for each of its field resolvers.
  return Object.assign(new Inbox(), {
    id: row.id,
    emailAddress: row.emailAddress,
    status: effectiveInboxStatus(row, now),
    sessionId: row.sessionId,
    metadata: row.metadata as Record<string, unknown>,
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
  });
}

/** Inboxes: temporary addresses, optionally inside a session, that accept mail until they expire. */
export class InboxService {
  constructor(
    private readonly db: Database,
    private readonly history: HistoryService,
    private readonly sessions: SessionService,
    private readonly notifier: Notifier,
    private readonly telemetry: WaitTelemetry,
    private readonly clock: Clock,
    private readonly domain: string,
  ) {}

  /** Inboxes that accepted mail when read, by address: RCPT TO's answer without a query (findAccepting). */
  private readonly accepting = new TtlCache<string, AcceptingInbox>(ACCEPTING_CACHE_MS, ACCEPTING_CACHE_ENTRIES);

  toInbox(row: InboxRow): Inbox {
    return toInbox(row, this.clock());
  }

  async create(ownerId: string, input: { sessionId?: string | null; ttlSeconds?: number | null; metadata?: unknown }): Promise<Inbox> {
    const ttlSeconds = intInRange('ttlSeconds', input.ttlSeconds ?? INBOX_TTL_DEFAULT, 1, INBOX_TTL_MAX);
    const metadata = jsonObject('metadata', input.metadata, INBOX_METADATA_MAX_BYTES);
    const sessionId = input.sessionId ?? null;
    const row = await this.db.tx(async (tx) => {
      if (sessionId !== null) await this.sessions.requireActive(tx, ownerId, sessionId);
      return this.history.recordStep(
        tx,
        { sessionId, action: 'create_inbox', input: { ttlSeconds, ...(input.metadata ? { metadata } : {}) }, output: (r) => ({ id: r.id, emailAddress: r.emailAddress }) },
        async () => {
          const now = this.clock();
          const created = await tx.inbox.create({
            data: {
              id: newId('inbox', now),
              ownerId,
              sessionId,
              // Random local part: addresses are as unguessable as ids, so nobody can mail a stranger's inbox.
              emailAddress: `${randomBase62(16).toLowerCase()}@${this.domain}`,
              metadata: metadata as object,
              createdAt: now,
              expiresAt: new Date(now.getTime() + ttlSeconds * 1000),
            },
          });
          await recordCreated(tx, created.id);
          await this.history.appendEvent(tx, { ownerId, sessionId, type: 'inbox.created', payload: { inboxId: created.id, emailAddress: created.emailAddress }, at: now });
          return created;
        },
      );
    });
    return this.toInbox(row);
  }

  async list(ownerId: string, args: { status?: InboxStatusFilter | null } & PageRequest): Promise<InboxPage> {
    const page = pageArgs(args);
    const now = this.clock();
    const status = args.status ?? null;
    // Filters on the effective status, so an inbox past its deadline is listed as expired at once.
    const where = {
      ownerId,
      deletedAt: null,
      ...(status === 'active' ? { status: 'active', expiresAt: { gt: now } } : {}),
      ...(status === 'expired' ? { OR: [{ status: 'expired' }, { status: 'active', expiresAt: { lte: now } }] } : {}),
    };
    // The cursor goes beside the filter (AND), never into `where` itself, which counts the total.
    const [rows, total] = await Promise.all([
      this.db.prisma.inbox.findMany({
        where: page.after ? { AND: [where, olderThan('createdAt', page.after)] } : where,
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: page.limit + 1,
        skip: page.offset,
      }),
      this.db.prisma.inbox.count({ where }),
    ]);
    return pageOf(rows, page, total, (r) => r.createdAt, (r) => this.toInbox(r));
  }

  async get(ownerId: string, id: string): Promise<Inbox> {
    return this.toInbox(await this.findOwned(this.db.prisma, ownerId, id));
  }

  /** Soft delete: the inbox stops receiving mail and leaves lists; its pending waits are canceled. */
  async delete(ownerId: string, id: string): Promise<Inbox> {
    let canceled: string[] = [];
    const row = await this.db.tx(async (tx) => {
      const inbox = await this.findOwned(tx, ownerId, id);
      return this.history.recordStep(
        tx,
        { sessionId: inbox.sessionId, action: 'delete_inbox', input: { inboxId: id }, output: (r) => ({ id: r.id, status: r.status }) },
        async () => {
          const now = this.clock();
          canceled = await cancelPendingWaits(tx, this.history, { inboxId: id }, now);
          await deleteInboxFiles(tx, id);
          const deleted = await tx.inbox.update({ where: { id }, data: { status: 'deleted', deletedAt: now } });
          await this.history.appendEvent(tx, { ownerId, sessionId: inbox.sessionId, type: 'inbox.deleted', payload: { inboxId: id }, at: now });
          return deleted;
        },
      );
    });
    this.accepting.delete(row.emailAddress);
    announceEnded(this.notifier, this.telemetry, canceled, 'canceled');
    return this.toInbox(row);
  }

  /**
   * The inbox for an SMTP recipient, if it accepts mail now. An early answer (RCPT TO), so an inbox read
   * here is kept for ACCEPTING_CACHE_MS: an inbox's row changes only when it is deleted (forgotten here at
   * once, on this instance) or expires (read from its deadline at each call). A deletion on another
   * instance is seen within ACCEPTING_CACHE_MS; meanwhile the delivery's transaction, which reads the
   * inbox again, is what refuses the mail (550 after DATA). Unknown addresses are not kept: an inbox
   * created on any instance is found at once.
   */
  async findAccepting(emailAddress: string): Promise<AcceptingInbox | null> {
    const address = emailAddress.toLowerCase();
    const now = this.clock();
    let row = this.accepting.get(address);
    if (!row) {
      row = (await this.db.prisma.inbox.findUnique({ where: { emailAddress: address } })) ?? undefined;
      if (row && effectiveInboxStatus(row, now) === 'active') this.accepting.set(address, row);
    }
    return row && effectiveInboxStatus(row, now) === 'active' ? row : null;
  }

  /**
   * For writers inside a transaction: the owner's inbox, refusing one that no longer accepts mail.
   * `lock` holds the inbox row until commit (PostgreSQL; SQLite has one writer at a time anyway), so
   * deliveries and waits with `since` on one inbox are serialized and neither misses the other.
   */
  async requireAccepting(tx: Tx, ownerId: string, id: string, opts: { lock?: boolean } = {}): Promise<InboxRow> {
    if (opts.lock && this.db.provider === 'postgresql' && isId('inbox', id)) {
      await tx.$queryRawUnsafe('SELECT 1 FROM "Inbox" WHERE id = $1 FOR UPDATE', id);
    }
    const inbox = await this.findOwned(tx, ownerId, id);
    const status = effectiveInboxStatus(inbox, this.clock());
    if (status !== 'active') throw new ConflictError(`Inbox is ${status}`);
    return inbox;
  }

  async findOwned(client: Tx | Database['prisma'], ownerId: string, id: string): Promise<InboxRow> {
    const row = isId('inbox', id) ? await client.inbox.findUnique({ where: { id } }) : null;
    if (!row || row.ownerId !== ownerId || row.deletedAt) throw new NotFoundError('Inbox');
    return row;
  }

  /**
   * Marks inboxes past their deadline expired. The conditional update lets exactly one process win
   * each row, so `inbox.expired` is written once however many instances run this.
   */
  async settleDue(now: Date): Promise<number> {
    const due = await this.db.prisma.inbox.findMany({ where: { status: 'active', expiresAt: { lte: now } }, take: 200, orderBy: { expiresAt: 'asc' } });
    let settled = 0;
    for (const inbox of due) {
      const won = await this.db.tx(async (tx) => {
        const { count } = await tx.inbox.updateMany({ where: { id: inbox.id, status: 'active' }, data: { status: 'expired' } });
        if (count === 1) {
          await this.history.appendEvent(tx, { ownerId: inbox.ownerId, sessionId: inbox.sessionId, type: 'inbox.expired', payload: { inboxId: inbox.id }, at: inbox.expiresAt });
        }
        return count === 1;
      });
      if (won) settled++;
    }
    return settled;
  }

  /** The inboxes of many sessions in one query, oldest first (DataLoader batch). */
  async bySessions(sessionIds: readonly string[]): Promise<Inbox[][]> {
    const rows = await this.db.prisma.inbox.findMany({
      where: { sessionId: { in: [...sessionIds] }, deletedAt: null },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    });
    return groupBy(sessionIds, rows.map((r) => this.toInbox(r)), (i) => i.sessionId!);
  }

  /** Only the ids, in the same order as bySessions: what REST's session body lists. */
  async idsBySessions(sessionIds: readonly string[]): Promise<string[][]> {
    const rows = await this.db.prisma.inbox.findMany({
      where: { sessionId: { in: [...sessionIds] }, deletedAt: null },
      select: { id: true, sessionId: true },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    });
    return groupBy(sessionIds, rows, (r) => r.sessionId!).map((group) => group.map((r) => r.id));
  }
}
