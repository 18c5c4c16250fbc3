import type { EventFeed, FeedListener } from './event-feed';
import { TERMINAL_EVENT_TYPES, type TimelineEvent } from './event.type';
import type { EventFilter, HistoryService } from './history.service';

const CATCH_UP_PAGE = 200;

export interface EventStreamOptions {
  history: HistoryService;
  feed: EventFeed;
  filter: EventFilter;
  /** The cursor's event number: the stream starts strictly after it. */
  after: number;
  /** A session stream whose session had already ended when it opened: it ends once caught up. */
  endsWhenCaughtUp?: boolean;
  /** Live events held for a consumer that does not keep up; one more and the stream overflows. */
  bufferLimit: number;
  /** Called once when the buffer overflowed (the stream has ended; the transport tells the client). */
  onOverflow: () => void;
  /** Called once when the stream ends, however it ends. */
  onClose: () => void;
}

/**
 * One subscriber's view of the feed, as an async iterator: first the stored events after its cursor
 * (read page by page as the consumer pulls), then the live ones the feed hands it. `position` is the
 * last event given out; anything at or below it is dropped, so the switch from stored to live events
 * can neither skip nor repeat one. A session stream ends after the session's terminal event.
 */
export class EventStream implements AsyncIterableIterator<TimelineEvent>, FeedListener {
  readonly filter: EventFilter;
  private position: number;
  private lastQueued: number;
  private readonly types?: ReadonlySet<string>;
  private catchingUp = true;
  private lastReadShort = false;
  private liveDropped = false;
  private page: TimelineEvent[] = [];
  private live: TimelineEvent[] = [];
  private done = false;
  private terminalSeen = false;
  private wakeUp?: () => void;

  constructor(private readonly opts: EventStreamOptions) {
    this.filter = opts.filter;
    this.position = this.lastQueued = opts.after;
    if ('ownerId' in opts.filter && opts.filter.types) this.types = new Set(opts.filter.types);
  }

  /** Joins the feed; events committed from now on reach this stream, earlier ones come from catch-up. */
  async open(): Promise<this> {
    await this.opts.feed.add(this);
    return this;
  }

  deliver(events: TimelineEvent[]): void {
    if (this.done) return;
    for (const e of events) {
      if (e.seq <= this.lastQueued || (this.types && !this.types.has(e.type))) continue;
      this.live.push(e);
      this.lastQueued = e.seq;
    }
    if (this.live.length > this.opts.bufferLimit) {
      if (this.catchingUp) {
        // Still reading stored events: these are in the table too, so catch-up reads on instead.
        this.live = [];
        this.liveDropped = true;
      } else {
        this.finish();
        this.opts.onOverflow();
        return;
      }
    }
    this.wakeUp?.();
  }

  async next(): Promise<IteratorResult<TimelineEvent>> {
    while (!this.done) {
      if (this.terminalSeen) break;
      if (this.catchingUp) {
        const e = this.page.shift();
        if (e) return this.emit(e);
        if (this.lastReadShort && !this.liveDropped) {
          this.catchingUp = false;
          continue;
        }
        this.liveDropped = false;
        this.page = await this.opts.history.eventsAfter(this.filter, this.position, CATCH_UP_PAGE);
        this.lastReadShort = this.page.length < CATCH_UP_PAGE;
        continue;
      }
      const e = this.live.shift();
      if (e) {
        if (e.seq > this.position) return this.emit(e);
        continue;
      }
      if (this.opts.endsWhenCaughtUp) break;
      await new Promise<void>((resolve) => (this.wakeUp = resolve));
      this.wakeUp = undefined;
    }
    this.finish();
    return { done: true, value: undefined };
  }

  async return(): Promise<IteratorResult<TimelineEvent>> {
    this.finish();
    return { done: true, value: undefined };
  }

  async throw(err?: unknown): Promise<IteratorResult<TimelineEvent>> {
    this.finish();
    throw err;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Ends the stream: the consumer's pending or next `next()` reports done. Idempotent. */
  finish(): void {
    if (this.done) return;
    this.done = true;
    this.live = [];
    this.page = [];
    this.opts.feed.remove(this);
    this.wakeUp?.();
    this.opts.onClose();
  }

  private emit(e: TimelineEvent): IteratorResult<TimelineEvent> {
    this.position = e.seq;
    if ('sessionId' in this.filter && TERMINAL_EVENT_TYPES.has(e.type)) this.terminalSeen = true;
    return { done: false, value: e };
  }
}
