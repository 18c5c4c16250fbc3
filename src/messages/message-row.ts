import type { Database } from '../db/client';
import { newId } from '../db/ids';
import { decodeAddressList, encodeAddressList } from './address-list';
import { NO_DETAILS } from './details';
import type { Message } from './message.type';
import type { IncomingMail } from './parse';

export type MessageRow = Awaited<ReturnType<Database['prisma']['message']['findFirstOrThrow']>>;

const list = (csv: string) => (csv ? csv.split(',') : []);

/** The Message row of a delivery, as stored (every column: a batch builds the API's view from it without reading it back). */
export function messageRow(inbox: { id: string; ownerId: string }, mail: IncomingMail, receivedAt: Date): MessageRow {
  const details = mail.details ?? NO_DETAILS;
  return {
    id: newId('message', receivedAt),
    ownerId: inbox.ownerId,
    inboxId: inbox.id,
    fromAddr: mail.from,
    toAddrs: encodeAddressList(mail.to),
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
    sizeBytes: mail.sizeBytes,
    receivedAt,
    ccAddrs: details.cc.join(','),
    replyTo: details.replyTo.join(','),
    headerMessageId: details.messageId,
    inReplyTo: details.inReplyTo,
    headers: details.headers,
  };
}

export function toMessage(row: MessageRow): Message {
  return {
    id: row.id,
    inboxId: row.inboxId,
    from: row.fromAddr,
    to: decodeAddressList(row.toAddrs),
    subject: row.subject,
    text: row.text,
    html: row.html,
    sizeBytes: row.sizeBytes,
    receivedAt: row.receivedAt,
    cc: list(row.ccAddrs),
    replyTo: list(row.replyTo),
    messageId: row.headerMessageId,
    inReplyTo: row.inReplyTo,
    headers: ((row.headers as Array<[string, string]> | null) ?? []).map(([name, value]) => ({ name, value })),
  };
}

/** The delivery's step in the session's replay log: what came in. */
export function deliveryStepInput(inboxId: string, mail: IncomingMail) {
  return { inboxId, from: mail.from, subject: mail.subject, sizeBytes: mail.sizeBytes };
}

/** The `message.received` timeline event of a delivery. */
export function receivedEvent(inbox: { id: string; ownerId: string; sessionId: string | null }, message: MessageRow) {
  return { ownerId: inbox.ownerId, sessionId: inbox.sessionId, type: 'message.received', payload: { messageId: message.id, inboxId: inbox.id }, at: message.receivedAt };
}
