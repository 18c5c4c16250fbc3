import type { ExecutionResult } from 'graphql';
import type { StreamTransport } from '../history/live-events';
import type { Reply } from '../http/rest-adapter';
import type { Caller, RouteOperations } from './operations';

/** The largest timeline page (MAX_EVENTS_PAGE): how many events one read skips when finding "now". */
const PAGE = 500;

interface Subscription {
  results?: AsyncIterableIterator<ExecutionResult>;
  released: boolean;
}

/**
 * The `resources/subscribe` side of `session://{id}/timeline` for one MCP session: per subscribed
 * session, one live event stream (the `sessionEvents` subscription of the SSE route, run through
 * RouteOperations, so the per-key stream limit, revocation and tenancy are the SSE route's), and a
 * `notifications/resources/updated` per event. While nothing happens a subscription costs memory
 * only: the shared event feed wakes it.
 *
 * A subscription ends on unsubscribe, when the MCP session closes, when the session's stream completes
 * (after session.completed or session.failed), or when the feed drops it (a key revoked, a client that
 * does not read its notifications).
 */
export class TimelineSubscriptions {
  private readonly byUri = new Map<string, Subscription>();

  constructor(
    private readonly operations: RouteOperations,
    private readonly notify: (uri: string) => Promise<void>,
  ) {}

  /** Starts notifying about `sessionId`'s new events under `uri`; the error REST would give otherwise. */
  async subscribe(uri: string, sessionId: string, caller: Caller): Promise<Reply | null> {
    if (this.byUri.has(uri)) return null; // subscribing again changes nothing
    const sub: Subscription = { released: false };
    this.byUri.set(uri, sub);
    const failed = (reply: Reply) => {
      if (this.byUri.get(uri) === sub) this.byUri.delete(uri);
      return reply;
    };
    // Only events after the subscribe count: start the stream after the timeline's last event.
    const now = await this.lastCursor(sessionId, caller);
    if (typeof now !== 'string' && now !== null) return failed(now);
    const transport: StreamTransport = { close: () => this.release(uri, sub) };
    const results = await this.operations.subscribe('GET /sessions/:id/events', { params: { id: sessionId }, query: { after: now ?? undefined } }, caller, transport);
    if ('status' in results) return failed(results);
    sub.results = results;
    if (sub.released) void results.return?.(); // unsubscribed (or closed) meanwhile
    else void this.pump(uri, sub, results);
    return null;
  }

  unsubscribe(uri: string): void {
    const sub = this.byUri.get(uri);
    if (sub) this.release(uri, sub);
  }

  /** Ends every subscription (the MCP session closed, or the server is shutting down). */
  releaseAll(): void {
    for (const [uri, sub] of this.byUri) this.release(uri, sub);
  }

  /** Subscriptions held (tests). */
  get size(): number {
    return this.byUri.size;
  }

  private release(uri: string, sub: Subscription): void {
    if (this.byUri.get(uri) === sub) this.byUri.delete(uri);
    if (sub.released) return;
    sub.released = true;
    void sub.results?.return?.();
  }

  private async pump(uri: string, sub: Subscription, results: AsyncIterableIterator<ExecutionResult>): Promise<void> {
    try {
      for await (const result of results) {
        if (sub.released || result.errors?.length || !result.data) break;
        // Awaited: a client that does not take its notifications fills the stream's bounded buffer,
        // and the feed drops the stream (StreamTransport.close) rather than this growing memory.
        await this.notify(uri).catch(() => {});
      }
    } catch {
      // The stream failed (logged by the feed); the subscription ends with it.
    } finally {
      this.release(uri, sub);
    }
  }

  /** The cursor of the session's last event (null: no events yet), read a page at a time via the timeline route. */
  private async lastCursor(sessionId: string, caller: Caller): Promise<string | null | Reply> {
    let after: string | undefined;
    let last: string | null = null;
    for (;;) {
      const reply = await this.operations.run('GET /sessions/:id/timeline', { params: { id: sessionId }, query: { limit: PAGE, after } }, caller);
      if (reply.status >= 400) return reply;
      const page = reply.body as { events: Array<{ cursor: string }>; next: string | null };
      if (page.events.length) last = page.events[page.events.length - 1].cursor;
      if (!page.next) return last;
      after = page.next;
    }
  }
}
