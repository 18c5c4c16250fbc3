import type { Clock } from '../common/clock';
import type { Database, Tx } from '../db/client';
import { storable } from '../common/validate';
import { join as sqlJoin } from '@prisma/client/runtime/client';
import { groupBy } from '../common/group-by';
import { isId } from '../db/ids';
import { BadUserInputError, ConflictError, NotFoundError } from '../graphql/errors';
import { olderThan } from '../graphql/cursor';
import { type PageRequest, pageArgs, pageOf } from '../graphql/pagination';
import type { HistoryService } from '../history/history.service';
import type { InboxRow, InboxService } from '../inboxes/inbox.service';
import type { WaitService } from '../waits/wait.service';
import type { DeliverMessageInput } from './message.input';
import { NO_DETAILS } from './details';
import { type FileBody, hasChunks, readChunks, storeMessageFiles } from './message-files';
import type { Message, MessageAttachment, MessagePage } from './message.type';
import type { IncomingMail } from './parse';
import { parseWithinLimits } from './mail-intake';
import { type AddressedMail, BatchDelivery } from './batch-delivery';
import { GroupCommit, type Settled } from '../db/group-commit';
import { deliveryStepInput, messageRow, toMessage } from './message-row';
import type { Prisma } from '../generated/sqlite/client';
import { recordCreated } from '../protection/idempotency';
import { addToHolding, checkRoom, DEFAULT_INBOX_QUOTA, holdingAt, holdingOf, type InboxHolding, type InboxQuota } from './inbox-quota';
import { TtlCache } from '../common/ttl-cache';

const FIELD_MAX = 998; // RFC 5322 line limit: a longer from/subject is not a real header
/** A group commit carries at most this many deliveries, and this many bytes of mail (a first one always goes). */
const BATCH_MAX_ITEMS = 64;
const BATCH_MAX_BYTES = 8 * 1024 * 1024;
/**
 * Under load, a batch waits this long for more deliveries before it starts (GroupCommit's lingerMs). Each
 * commit costs the same CPU whatever it carries (a COMMIT with synchronous=FULL, BEGIN, the batch's
 * reads): without the wait, 10 busy SMTP clients made batches of 1.7 messages on average, and the
 * COMMITs alone were a sixth of the ingest's CPU (bench/README.md, SMTP ingest, round 5).
 */
const BATCH_LINGER_MS = 2;
/** How long RCPT TO trusts what an inbox was known to hold (see requireRoom), and for how many inboxes. */
export const HOLDING_CACHE_MS = 5_000;
const HOLDING_CACHE_ENTRIES = 10_000;

/**
 * Messages arrive over SMTP or HTTP and take one road: stored with their `message.received` event and
 * replay step, matched against the inbox's pending waits, all in one transaction; then waiters wake.
 */
export class MessageService {
  constructor(
    private readonly db: Database,
    private readonly history: HistoryService,
    private readonly inboxes: InboxService,
    private readonly waits: WaitService,
    private readonly clock: Clock,
    private readonly maxMessageBytes: number,
    private readonly quota: InboxQuota = DEFAULT_INBOX_QUOTA,
  ) {
    this.batches = new BatchDelivery(db, history, waits, clock, quota, (held) => {
      for (const [inboxId, holding] of held) this.held.set(inboxId, holding);
    });
    this.intake = new GroupCommit((items) => this.storeBatch(items), {
      maxItems: BATCH_MAX_ITEMS,
      weight: (i) => i.mail.sizeBytes,
      maxWeight: BATCH_MAX_BYTES,
      lingerMs: BATCH_LINGER_MS,
    });
  }

  private readonly batches: BatchDelivery;
  /** SMTP deliveries, group-committed (see GroupCommit and BatchDelivery). */
  private readonly intake: GroupCommit<AddressedMail, Message | null>;

  /** What inboxes held after this instance's last delivery to them (or when last read): RCPT TO's quota check. */
  private readonly held = new TtlCache<string, InboxHolding>(HOLDING_CACHE_MS, HOLDING_CACHE_ENTRIES);

  /**
   * Whether the inbox has room for another message: SMTP's early word at RCPT TO, before the data is
   * sent. It counts what the inbox held after this instance's last group commit to it (which knows its
   * own count), or as read at most HOLDING_CACHE_MS ago. Messages are never removed from an inbox that
   * accepts mail, so that count can only be short (mail stored meanwhile by another instance): then
   * RCPT TO says yes, and the delivery's transaction, which counts again, refuses the message (552
   * after DATA). It never refuses an inbox that has room.
   */
  async requireRoom(inboxId: string): Promise<void> {
    let holding = this.held.get(inboxId);
    if (!holding) {
      holding = await holdingAt(this.db.prisma, inboxId);
      this.held.set(inboxId, holding);
    }
    checkRoom(holding, 0, this.quota);
  }

  /** HTTP / GraphQL delivery to one of the owner's inboxes: a raw RFC 822 message or its parts. */
  async deliver(ownerId: string, inboxId: string, input: DeliverMessageInput): Promise<Message> {
    const mail = await this.fromInput(input);
    return this.store((tx) => this.inboxes.requireAccepting(tx, ownerId, inboxId, { lock: true }), mail);
  }

  /**
   * SMTP delivery: the inbox is found by address; null when it does not accept mail (any more).
   * Resolves once the message is committed — with other deliveries that arrived meanwhile, in one
   * transaction and one commit.
   */
  deliverToAddress(address: string, mail: IncomingMail): Promise<Message | null> {
    return this.intake.submit({ address: address.toLowerCase(), mail: stripNul(mail) });
  }

  /**
   * A batch in one transaction; when that fails as a whole (a statement or the commit), nothing of it
   * was stored, and each message is delivered again on its own: one bad message fails alone, and a
   * failure that is not the messages' (the database) fails each of them.
   */
  private async storeBatch(items: AddressedMail[]): Promise<Settled<Message | null>[]> {
    try {
      return await this.batches.store(items);
    } catch {
      const results: Settled<Message | null>[] = [];
      for (const item of items) {
        results.push(await this.deliverOne(item).then((value) => ({ value }), (error: unknown) => ({ error })));
      }
      return results;
    }
  }

  private async deliverOne({ address, mail }: AddressedMail): Promise<Message | null> {
    const inbox = await this.inboxes.findAccepting(address);
    if (!inbox) return null;
    try {
      return await this.store((tx) => this.inboxes.requireAccepting(tx, inbox.ownerId, inbox.id, { lock: true }), mail);
    } catch (err) {
      // Expired or deleted between the lookup and the transaction: it does not accept mail any more.
      if (err instanceof ConflictError || err instanceof NotFoundError) return null;
      throw err;
    }
  }

  async get(ownerId: string, id: string): Promise<Message> {
    const row = isId('message', id) ? await this.db.prisma.message.findUnique({ where: { id } }) : null;
    if (!row || row.ownerId !== ownerId) throw new NotFoundError('Message');
    return toMessage(row);
  }

  /** The message's source as received, for download; NOT_FOUND when it has none (delivered as parts, or its inbox deleted). */
  async openSource(ownerId: string, id: string): Promise<FileBody> {
    const message = await this.get(ownerId, id);
    if (!(await hasChunks(this.db, id))) throw new NotFoundError('Message source');
    return { contentType: 'message/rfc822', filename: `${id}.eml`, sizeBytes: message.sizeBytes, chunks: readChunks(this.db, id) };
  }

  /** One attachment of one of the owner's messages, for download. */
  async openAttachment(ownerId: string, messageId: string, attachmentId: string): Promise<FileBody> {
    await this.get(ownerId, messageId);
    const row = isId('attachment', attachmentId) ? await this.db.prisma.messageAttachment.findUnique({ where: { id: attachmentId } }) : null;
    if (!row || row.messageId !== messageId) throw new NotFoundError('Attachment');
    return { contentType: row.contentType, filename: row.filename ?? attachmentId, sizeBytes: row.sizeBytes, chunks: readChunks(this.db, row.id) };
  }

  /** The attachments of many messages in one query, in message order (DataLoader batch). */
  async attachmentsOf(messageIds: readonly string[]): Promise<MessageAttachment[][]> {
    const rows = await this.db.prisma.messageAttachment.findMany({ where: { messageId: { in: [...messageIds] } }, orderBy: [{ messageId: 'asc' }, { position: 'asc' }] });
    const view = rows.map(({ id, messageId, filename, contentType, sizeBytes, contentId }) => ({ id, messageId, filename, contentType, sizeBytes, contentId }));
    return groupBy(messageIds, view, (a) => a.messageId);
  }

  /** Newest first. */
  async listForInbox(ownerId: string, inboxId: string, args: PageRequest): Promise<MessagePage> {
    const page = pageArgs(args);
    await this.inboxes.findOwned(this.db.prisma, ownerId, inboxId);
    const where = { inboxId };
    const [rows, total] = await Promise.all([
      this.db.prisma.message.findMany({
        where: page.after ? { ...where, ...olderThan('receivedAt', page.after) } : where,
        orderBy: [{ receivedAt: 'desc' }, { id: 'desc' }],
        take: page.limit + 1,
        skip: page.offset,
      }),
      this.db.prisma.message.count({ where }),
    ]);
    return pageOf(rows, page, total, (r) => r.receivedAt, toMessage);
  }

  /**
   * Pages of the messages of many inboxes, oldest first (DataLoader batch; keys from inboxPageKey). A page
   * per inbox is a query per inbox: one query for all would read every message of every inbox.
   */
  async byInboxPages(keys: readonly string[]): Promise<Message[][]> {
    const pages = keys.map(parseInboxPageKey);
    const byPage = new Map<string, Message[]>();
    // Usually every key asks for the same page (one query shape): each distinct page is one window query.
    for (const [window, group] of groupByWindow(pages)) {
      const inboxIds = group.map((p) => p.inboxId);
      // The ids of each inbox's page, numbered per inbox by a window function; then the rows by id.
      const ids = await this.db.prisma.$queryRaw<{ id: string }[]>`
        SELECT id FROM (
          SELECT id, ROW_NUMBER() OVER (PARTITION BY "inboxId" ORDER BY "receivedAt", id) AS n
          FROM "Message" WHERE "inboxId" IN (${sqlJoin(inboxIds)})
        ) paged WHERE n > ${window.offset} AND n <= ${window.offset + window.limit}`;
      const rows = ids.length
        ? await this.db.prisma.message.findMany({ where: { id: { in: ids.map((r) => r.id) } }, orderBy: [{ receivedAt: 'asc' }, { id: 'asc' }] })
        : [];
      const grouped = groupBy(inboxIds, rows.map(toMessage), (m) => m.inboxId);
      group.forEach((p, i) => byPage.set(inboxPageKey(p.inboxId, window), grouped[i]));
    }
    return keys.map((k) => byPage.get(k) ?? []);
  }

  private async store(findInbox: (tx: Tx) => Promise<InboxRow>, mail: IncomingMail): Promise<Message> {
    let completedWaits: string[] = [];
    const details = mail.details ?? NO_DETAILS;
    const row = await this.db.tx(async (tx) => {
      const inbox = await findInbox(tx);
      // The inbox was read locked (requireAccepting with its lock): its holding is exact.
      checkRoom(holdingOf(inbox), mail.sizeBytes, this.quota);
      const stepInput = deliveryStepInput(inbox.id, mail);
      return this.history.recordStep(tx, { sessionId: inbox.sessionId, action: 'deliver_message', input: stepInput, output: (m) => ({ id: m.id, completedWaits }) }, async () => {
        const message = await tx.message.create({ data: messageRow(inbox, mail, this.clock()) as Prisma.MessageUncheckedCreateInput });
        await addToHolding(tx, inbox.id, message.sizeBytes);
        const receivedAt = message.receivedAt;
        await storeMessageFiles(tx, message.id, details.raw, details.attachments);
        await recordCreated(tx, message.id);
        await this.history.appendEvent(tx, { ownerId: inbox.ownerId, sessionId: inbox.sessionId, type: 'message.received', payload: { messageId: message.id, inboxId: inbox.id }, at: receivedAt });
        completedWaits = await this.waits.completeMatching(tx, inbox.id, message, receivedAt);
        return message;
      });
    });
    // RCPT TO counts this message in at its next read.
    this.held.delete(row.inboxId);
    this.waits.announceCompleted(completedWaits);
    return toMessage(row);
  }

  private async fromInput(input: DeliverMessageInput): Promise<IncomingMail> {
    if (input.raw !== undefined && input.raw !== null) {
      const size = Buffer.byteLength(input.raw);
      if (size === 0) throw new BadUserInputError('raw must not be empty', 'raw');
      if (size > this.maxMessageBytes) throw new BadUserInputError(`raw must be at most ${this.maxMessageBytes} bytes`, 'raw');
      return stripNul(await parseWithinLimits(input.raw));
    }
    const from = input.from?.trim();
    if (!from) throw new BadUserInputError('from is required (or send raw)', 'from');
    if (from.length > FIELD_MAX) throw new BadUserInputError(`from must be at most ${FIELD_MAX} characters`, 'from');
    const subject = input.subject ?? '';
    if (subject.length > FIELD_MAX) throw new BadUserInputError(`subject must be at most ${FIELD_MAX} characters`, 'subject');
    if (input.text == null && input.html == null && !subject) throw new BadUserInputError('a message needs a subject, text or html', 'text');
    const sizeBytes = Buffer.byteLength(JSON.stringify(input));
    if (sizeBytes > this.maxMessageBytes) throw new BadUserInputError(`message must be at most ${this.maxMessageBytes} bytes`, 'text');
    return stripNul({ from, to: input.to ?? [], subject, text: input.text ?? null, html: input.html ?? null, sizeBytes });
  }
}

/** Mail is accepted as it came, made storable: no NULs, no unpaired surrogates (see `storable`). */
function stripNul(mail: IncomingMail): IncomingMail {
  return { ...mail, from: storable(mail.from), to: mail.to.map(storable), subject: storable(mail.subject), text: mail.text && storable(mail.text), html: mail.html && storable(mail.html) };
}

/** A DataLoader key for one page of an inbox's messages. */
export const inboxPageKey = (inboxId: string, page: { limit: number; offset: number }) => `${inboxId} ${page.limit} ${page.offset}`;
function groupByWindow(pages: { inboxId: string; limit: number; offset: number }[]) {
  const windows = new Map<string, [{ limit: number; offset: number }, { inboxId: string }[]]>();
  for (const p of pages) {
    const key = `${p.limit} ${p.offset}`;
    const entry = windows.get(key) ?? windows.set(key, [{ limit: p.limit, offset: p.offset }, []]).get(key)!;
    entry[1].push({ inboxId: p.inboxId });
  }
  return windows.values();
}
function parseInboxPageKey(key: string): { inboxId: string; limit: number; offset: number } {
  const [inboxId, limit, offset] = key.split(' ');
  return { inboxId, limit: Number(limit), offset: Number(offset) };
}
