import type { Clock } from '../common/clock';
import { groupBy } from '../common/group-by';
import type { Database, Tx } from '../db/client';
import { storable } from '../common/validate';
import { isId, newId } from '../db/ids';
import { BadUserInputError, ConflictError, NotFoundError } from '../graphql/errors';
import { olderThan } from '../graphql/cursor';
import { type PageRequest, pageArgs, pageOf } from '../graphql/pagination';
import type { HistoryService } from '../history/history.service';
import type { InboxRow, InboxService } from '../inboxes/inbox.service';
import type { WaitService } from '../waits/wait.service';
import type { DeliverMessageInput } from './message.input';
import type { Message, MessagePage } from './message.type';
import { type IncomingMail, parseRawMessage } from './parse';

type MessageRow = Awaited<ReturnType<Database['prisma']['message']['findFirstOrThrow']>>;

const FIELD_MAX = 998; // RFC 5322 line limit: a longer from/subject is not a real header

export function toMessage(row: MessageRow): Message {
  return {
    id: row.id,
    inboxId: row.inboxId,
    from: row.fromAddr,
    to: row.toAddrs ? row.toAddrs.split(',') : [],
    subject: row.subject,
    text: row.text,
    html: row.html,
    sizeBytes: row.sizeBytes,
    receivedAt: row.receivedAt,
  };
}

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
  ) {}

  /** HTTP / GraphQL delivery to one of the owner's inboxes: a raw RFC 822 message or its parts. */
  async deliver(ownerId: string, inboxId: string, input: DeliverMessageInput): Promise<Message> {
    const mail = await this.fromInput(input);
    return this.store((tx) => this.inboxes.requireAccepting(tx, ownerId, inboxId), mail);
  }

  /** SMTP delivery: the inbox is found by address; null when it does not accept mail (any more). */
  async deliverToAddress(address: string, mail: IncomingMail): Promise<Message | null> {
    const inbox = await this.inboxes.findAccepting(address);
    if (!inbox) return null;
    try {
      return await this.store((tx) => this.inboxes.requireAccepting(tx, inbox.ownerId, inbox.id), stripNul(mail));
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

  /** The messages of many inboxes in one query, oldest first (DataLoader batch). */
  async byInboxes(inboxIds: readonly string[]): Promise<Message[][]> {
    const rows = await this.db.prisma.message.findMany({ where: { inboxId: { in: [...inboxIds] } }, orderBy: [{ receivedAt: 'asc' }, { id: 'asc' }] });
    return groupBy(inboxIds, rows.map(toMessage), (m) => m.inboxId);
  }

  private async store(findInbox: (tx: Tx) => Promise<InboxRow>, mail: IncomingMail): Promise<Message> {
    let completedWaits: string[] = [];
    const row = await this.db.tx(async (tx) => {
      const inbox = await findInbox(tx);
      const stepInput = { inboxId: inbox.id, from: mail.from, subject: mail.subject, sizeBytes: mail.sizeBytes };
      return this.history.recordStep(tx, { sessionId: inbox.sessionId, action: 'deliver_message', input: stepInput, output: (m) => ({ id: m.id, completedWaits }) }, async () => {
        const receivedAt = this.clock();
        const message = await tx.message.create({
          data: {
            id: newId('message'),
            ownerId: inbox.ownerId,
            inboxId: inbox.id,
            fromAddr: mail.from,
            toAddrs: mail.to.join(','),
            subject: mail.subject,
            text: mail.text,
            html: mail.html,
            sizeBytes: mail.sizeBytes,
            receivedAt,
          },
        });
        await this.history.appendEvent(tx, { ownerId: inbox.ownerId, sessionId: inbox.sessionId, type: 'message.received', payload: { messageId: message.id, inboxId: inbox.id }, at: receivedAt });
        completedWaits = await this.waits.completeMatching(tx, inbox.id, message, receivedAt);
        return message;
      });
    });
    this.waits.announceCompleted(completedWaits);
    return toMessage(row);
  }

  private async fromInput(input: DeliverMessageInput): Promise<IncomingMail> {
    if (input.raw !== undefined && input.raw !== null) {
      const size = Buffer.byteLength(input.raw);
      if (size === 0) throw new BadUserInputError('raw must not be empty', 'raw');
      if (size > this.maxMessageBytes) throw new BadUserInputError(`raw must be at most ${this.maxMessageBytes} bytes`, 'raw');
      return stripNul(await parseRawMessage(input.raw));
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
