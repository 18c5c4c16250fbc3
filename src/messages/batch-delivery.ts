import type { Clock } from '../common/clock';
import type { SqlQueryable } from '@prisma/driver-adapter-utils';
import type { Database } from '../db/client';
import type { Settled } from '../db/group-commit';
import type { HistoryService } from '../history/history.service';
import { effectiveInboxStatus, type InboxRow } from '../inboxes/inbox.service';
import type { WaitService } from '../waits/wait.service';
import { NO_DETAILS } from './details';
import { checkRoom, holdingOf, type InboxHolding, type InboxQuota } from './inbox-quota';
import { messageFileRows, storeFileRows } from './message-files';
import { addToHoldings, fixedFileRows, inboxesAt, MESSAGE_INSERT } from './message.statements';
import { deliveryStepInput, type MessageRow, messageRow, receivedEvent, toMessage } from './message-row';
import type { Message } from './message.type';
import type { IncomingMail } from './parse';

/** One SMTP delivery: the recipient's address (lower case) and the message, made storable. */
export interface AddressedMail {
  address: string;
  mail: IncomingMail;
}

/**
 * Several SMTP deliveries in one transaction, with a fixed number of statements whatever their number:
 * the recipients' inboxes (locked on PostgreSQL, in id order so that two batches cannot deadlock), what
 * those inboxes hold, then multi-row inserts of the messages, their files, events and replay steps, and
 * one read of the inboxes' pending waits. The rules are those of a single delivery, applied in order
 * within the batch: an inbox that does not accept mail gets nothing (null), and the quota counts the
 * batch's own earlier messages, so a batch never takes an inbox past it (that message alone is refused
 * with InboxFullError). Completed waits are announced after the commit.
 *
 * Anything that throws aborts the whole transaction: the caller then delivers each message on its own.
 */
const NOTHING: InboxHolding = { count: 0, bytes: 0 };
const plus = (a: InboxHolding, b: InboxHolding): InboxHolding => ({ count: a.count + b.count, bytes: a.bytes + b.bytes });

export class BatchDelivery {
  constructor(
    private readonly db: Database,
    private readonly history: HistoryService,
    private readonly waits: WaitService,
    private readonly clock: Clock,
    private readonly quota: InboxQuota,
    /** After each commit: what the batch's inboxes hold now, its own messages counted (RCPT TO's quota check). */
    private readonly committedHoldings: (held: Map<string, InboxHolding>) => void = () => {},
  ) {}

  async store(items: AddressedMail[]): Promise<Settled<Message | null>[]> {
    const results: Settled<Message | null>[] = items.map(() => ({ value: null }));
    const stored: { index: number; row: MessageRow }[] = [];
    let completed: string[] = [];
    let heldAfter = new Map<string, InboxHolding>();
    await this.db.tx(async (tx) => {
      const started = performance.now();
      const startedAt = this.clock();
      // The statements of this transaction go beneath Prisma's query path, on its adapter transaction
      // (message.statements.ts, wait.statements.ts); a wait's completion (rare) stays Prisma's, in the same transaction.
      const on = await this.db.adapterTx(tx);
      const inboxes = await this.acceptingInboxes(on, [...new Set(items.map((i) => i.address))]);
      // What the batch adds to each inbox, by id; what the inbox held before is on its row (read locked above).
      const added = new Map<string, InboxHolding>();
      const accepted: { index: number; inbox: InboxRow; mail: IncomingMail; row: MessageRow }[] = [];
      items.forEach(({ address, mail }, index) => {
        const inbox = inboxes.get(address);
        if (!inbox) return; // expired or deleted since RCPT TO: null
        const adding = added.get(inbox.id) ?? NOTHING;
        try {
          checkRoom(plus(holdingOf(inbox), adding), mail.sizeBytes, this.quota);
        } catch (error) {
          results[index] = { error };
          return;
        }
        added.set(inbox.id, plus(adding, { count: 1, bytes: mail.sizeBytes }));
        accepted.push({ index, inbox, mail, row: messageRow(inbox, mail, this.clock()) });
      });
      heldAfter = new Map([...inboxes.values()].map((i) => [i.id, plus(holdingOf(i), added.get(i.id) ?? NOTHING)]));
      if (!accepted.length) return;

      await MESSAGE_INSERT.run(on, this.db.provider, accepted.map((a) => a.row));
      await addToHoldings(this.db, on, added);
      const files = accepted.map((a) => messageFileRows(a.row.id, (a.mail.details ?? NO_DETAILS).raw, (a.mail.details ?? NO_DETAILS).attachments));
      await storeFileRows(fixedFileRows(this.db, on), { attachments: files.flatMap((f) => f.attachments), chunks: files.flatMap((f) => f.chunks) });
      const matched = await this.waits.completeMatchingMany(tx, accepted.map((a) => ({ inboxId: a.inbox.id, message: a.row, receivedAt: a.row.receivedAt })), on);
      // Each message's event, then those of the waits it completed: a timeline reads delivery by delivery.
      await this.history.appendEvents(tx, accepted.flatMap((a, k) => [receivedEvent(a.inbox, a.row), ...matched[k]!.events]), on);
      const durationMs = performance.now() - started;
      await this.history.recordSteps(
        tx,
        accepted.map((a, k) => ({
          sessionId: a.inbox.sessionId,
          action: 'deliver_message',
          input: deliveryStepInput(a.inbox.id, a.mail),
          output: { id: a.row.id, completedWaits: matched[k]!.ids },
          startedAt,
          durationMs,
        })),
        on,
      );
      completed = matched.flatMap((m) => m.ids);
      stored.push(...accepted.map((a) => ({ index: a.index, row: a.row })));
    });
    this.committedHoldings(heldAfter);
    this.waits.announceCompleted(completed);
    for (const { index, row } of stored) results[index] = { value: toMessage(row) };
    return results;
  }

  /** The inboxes, by address, that accept mail now; on PostgreSQL locked until commit. */
  private async acceptingInboxes(on: SqlQueryable, addresses: string[]): Promise<Map<string, InboxRow>> {
    const rows = await inboxesAt(this.db, on, addresses);
    const now = this.clock();
    return new Map(rows.filter((r) => !r.deletedAt && effectiveInboxStatus(r, now) === 'active').map((r) => [r.emailAddress, r]));
  }
}
