import { paginate } from '../paginate.js';
import type { RequestOptions, Transport } from '../transport.js';
import type { CreateInboxParams, DeliverMessageParams, Inbox, InboxList, ListInboxesParams, ListMessagesParams, MessageList, MessageSummary, WaitFilters } from '../types.js';
import type { Messages } from './messages.js';
import type { Waits } from './waits.js';

/** The server's default wait timeout. */
const DEFAULT_WAIT_SECONDS = 120;

export interface WaitForMailOptions extends WaitFilters {
  /** Seconds to wait for a matching message (1 to 600; default 120). */
  timeoutSeconds?: number;
  /** The session the wait belongs to (default: the inbox's). */
  sessionId?: string;
  /**
   * Also match messages already received at or after this time (at most 24 h back), oldest first: the
   * mail that arrived before the wait was created is not missed.
   */
  since?: Date | string;
}

const path = (id: string) => `/api/v1/inboxes/${encodeURIComponent(id)}`;

/** `/api/v1/inboxes`: temporary email addresses. */
export class Inboxes {
  constructor(
    private readonly transport: Transport,
    private readonly messageApi: Messages,
    private readonly waits: Waits,
  ) {}

  /** POST /inboxes (retried safely: an Idempotency-Key is sent). */
  create(params: CreateInboxParams = {}, options?: RequestOptions): Promise<Inbox> {
    return this.transport.request({ method: 'POST', path: '/api/v1/inboxes', body: params, retry: 'create', options });
  }

  /** GET /inboxes: one page, newest first. */
  list(params: ListInboxesParams = {}, options?: RequestOptions): Promise<InboxList> {
    return this.transport.request({ method: 'GET', path: '/api/v1/inboxes', query: { ...params }, retry: 'read', options });
  }

  /** Every inbox matching `params`, page after page. */
  iterate(params: ListInboxesParams = {}, options?: RequestOptions): AsyncGenerator<Inbox, void, undefined> {
    return paginate(params, options, (p, o) => this.list(p, o));
  }

  /** GET /inboxes/{id}. */
  get(id: string, options?: RequestOptions): Promise<Inbox> {
    return this.transport.request({ method: 'GET', path: path(id), retry: 'read', options });
  }

  /** DELETE /inboxes/{id}: the inbox stops accepting mail and disappears from reads. */
  async delete(id: string, options?: RequestOptions): Promise<void> {
    await this.transport.request<undefined>({ method: 'DELETE', path: path(id), retry: 'none', options });
  }

  /** GET /inboxes/{id}/messages: one page of the inbox's messages (see also `client.messages.iterate`). */
  messages(id: string, params: ListMessagesParams = {}, options?: RequestOptions): Promise<MessageList> {
    return this.messageApi.list(id, params, options);
  }

  /** POST /inboxes/{id}/messages: delivers a message (parts, or a whole RFC 822 source as a string). */
  deliver(id: string, message: DeliverMessageParams | string, options?: RequestOptions): Promise<MessageSummary> {
    return this.messageApi.deliver(id, message, options);
  }

  /** Creates an OTP wait on the inbox and returns the code of the first matching message. */
  waitForOtp(id: string, opts: WaitForMailOptions = {}, options?: RequestOptions): Promise<string> {
    return this.waitForValue(id, 'otp', opts, options);
  }

  /** Creates a magic-link wait on the inbox and returns the link of the first matching message. */
  waitForLink(id: string, opts: WaitForMailOptions = {}, options?: RequestOptions): Promise<string> {
    return this.waitForValue(id, 'magic_link', opts, options);
  }

  private async waitForValue(id: string, type: 'otp' | 'magic_link', opts: WaitForMailOptions, options?: RequestOptions): Promise<string> {
    const { timeoutSeconds = DEFAULT_WAIT_SECONDS, sessionId, since, ...given } = opts;
    const filters: WaitFilters = Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined));
    const wait = await this.waits.create({ inboxId: id, sessionId, type, timeoutSeconds, filters, since: since instanceof Date ? since.toISOString() : since }, options);
    return this.waits.valueOf(wait, timeoutSeconds, options);
  }
}
