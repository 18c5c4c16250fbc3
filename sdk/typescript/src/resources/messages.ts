import { paginate } from '../paginate.js';
import type { RequestOptions, Transport } from '../transport.js';
import type { AttachmentFile, DeliverMessageParams, ListMessagesParams, Message, MessageList, MessageSummary } from '../types.js';

const inboxMessagesPath = (inboxId: string) => `/api/v1/inboxes/${encodeURIComponent(inboxId)}/messages`;

/** Messages received by inboxes. */
export class Messages {
  constructor(private readonly transport: Transport) {}

  /** GET /messages/{id}: one message with its text and HTML bodies. */
  get(id: string, options?: RequestOptions): Promise<Message> {
    return this.transport.request({ method: 'GET', path: `/api/v1/messages/${encodeURIComponent(id)}`, retry: 'read', options });
  }

  /** GET /messages/{id}/raw: the message's RFC 5322 source, byte for byte as received. */
  async raw(id: string, options?: RequestOptions): Promise<Uint8Array> {
    return (await this.transport.download({ method: 'GET', path: `/api/v1/messages/${encodeURIComponent(id)}/raw`, retry: 'read', options })).data;
  }

  /** GET /messages/{id}/attachments/{attachmentId}: the file (ids from `message.attachments`). */
  async attachment(id: string, attachmentId: string, options?: RequestOptions): Promise<AttachmentFile> {
    const path = `/api/v1/messages/${encodeURIComponent(id)}/attachments/${encodeURIComponent(attachmentId)}`;
    const { data, headers } = await this.transport.download({ method: 'GET', path, retry: 'read', options });
    return { data, contentType: headers.get('content-type') ?? 'application/octet-stream', filename: filenameOf(headers.get('content-disposition')) };
  }

  /** GET /inboxes/{inboxId}/messages: one page, newest first. */
  list(inboxId: string, params: ListMessagesParams = {}, options?: RequestOptions): Promise<MessageList> {
    return this.transport.request({ method: 'GET', path: inboxMessagesPath(inboxId), query: { ...params }, retry: 'read', options });
  }

  /** Every message of an inbox, page after page. */
  iterate(inboxId: string, params: ListMessagesParams = {}, options?: RequestOptions): AsyncGenerator<MessageSummary, void, undefined> {
    return paginate(params, options, (p, o) => this.list(inboxId, p, o));
  }

  /**
   * POST /inboxes/{inboxId}/messages: delivers a message as if it came by SMTP. Pass the parts, or a
   * whole RFC 822 source as a string (sent as message/rfc822). Retried safely with an Idempotency-Key.
   */
  deliver(inboxId: string, message: DeliverMessageParams | string, options?: RequestOptions): Promise<MessageSummary> {
    const body = typeof message === 'string' ? { rawBody: { text: message, contentType: 'message/rfc822' } } : { body: message };
    return this.transport.request({ method: 'POST', path: inboxMessagesPath(inboxId), ...body, retry: 'create', options });
  }
}

/** The file name of a Content-Disposition header: RFC 5987 `filename*=UTF-8''…` first, else `filename="…"`. */
function filenameOf(disposition: string | null): string | null {
  if (!disposition) return null;
  const extended = /filename\*=UTF-8''([^;]+)/i.exec(disposition);
  if (extended) {
    try {
      return decodeURIComponent(extended[1]!.trim());
    } catch {
      /* malformed: fall back to the plain name */
    }
  }
  const plain = /filename="((?:[^"\\]|\\.)*)"/i.exec(disposition) ?? /filename=([^;]+)/i.exec(disposition);
  return plain ? plain[1]!.trim() : null;
}
