import type { Notifier } from '../common/notifier';
import type { TimelineEvent } from './event.type';
import { EVENTS_TOPIC, type EventFilter, type HistoryService } from './history.service';

/** Something open that wants new events (an EventStream). */
export interface FeedListener {
  readonly filter: EventFilter;
  /** Events it may want, in feed order; it filters by type and drops what it already has. */
  deliver(events: TimelineEvent[]): void;
}

const FEED_PAGE = 500;

/**
 * The instance's one reader of the event table. A notification ("events were committed", from this
 * process or, over LISTEN/NOTIFY, another instance) or the periodic catch-up makes ONE query for the
 * events after the feed's position, and their rows go to every listener that wants them (indexed by
 * session and by owner). Open streams cost memory only: with no listener the feed reads nothing, and a
 * listener adds no query of its own while nothing happens. A lost notification only delays events
 * until the next catch-up tick (one query for the whole instance).
 *
 * Gap-free because event numbers are taken in commit order (HistoryService.appendEvent): once the feed
 * has read event N, no event numbered below N can still appear.
 */
export class EventFeed {
  /** The last event read; undefined while idle (no listeners: the feed does not follow the table). */
  private position: number | undefined;
  private baseline?: Promise<void>;
  /** Bumped when the feed goes idle, so a read in flight then does not set a stale position. */
  private generation = 0;
  private readonly bySession = new Map<string, Set<FeedListener>>();
  private readonly byOwner = new Map<string, Set<FeedListener>>();
  private listeners = 0;
  private reading = false;
  private again = false;
  private stopListening?: () => void;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly history: HistoryService,
    private readonly notifier: Notifier,
    private readonly opts: { catchUpMs: number; onError: (err: unknown) => void },
  ) {}

  start(): void {
    this.stopListening ??= this.notifier.subscribe(EVENTS_TOPIC, () => this.wake());
    this.timer ??= setInterval(() => this.wake(), this.opts.catchUpMs);
    this.timer.unref();
  }

  stop(): void {
    this.stopListening?.();
    clearInterval(this.timer);
    this.stopListening = undefined;
    this.timer = undefined;
  }

  get size(): number {
    return this.listeners;
  }

  /**
   * Adds a listener. Resolves once the feed has a position, so that a catch-up read the listener makes
   * after this sees every event the feed will not deliver to it (no gap between the two).
   */
  async add(listener: FeedListener): Promise<void> {
    const index = 'sessionId' in listener.filter ? this.bySession : this.byOwner;
    const key = 'sessionId' in listener.filter ? listener.filter.sessionId : listener.filter.ownerId;
    let set = index.get(key);
    if (!set) index.set(key, (set = new Set()));
    set.add(listener);
    this.listeners++;
    if (this.position !== undefined) return;
    this.baseline ??= this.history
      .lastSeq()
      .then((seq) => {
        this.position ??= seq;
        // Events committed while the baseline was read may have been announced and skipped: look again.
        this.wake();
      })
      .finally(() => (this.baseline = undefined));
    try {
      await this.baseline;
    } catch (err) {
      this.remove(listener);
      throw err;
    }
  }

  remove(listener: FeedListener): void {
    const index = 'sessionId' in listener.filter ? this.bySession : this.byOwner;
    const key = 'sessionId' in listener.filter ? listener.filter.sessionId : listener.filter.ownerId;
    const set = index.get(key);
    if (!set?.delete(listener)) return;
    if (set.size === 0) index.delete(key);
    if (--this.listeners === 0) {
      this.position = undefined;
      this.generation++;
    }
  }

  /** "Look again": reads now, or once more right after the read in flight. */
  wake(): void {
    if (this.listeners === 0 || this.position === undefined) return;
    if (this.reading) return void (this.again = true);
    void this.read();
  }

  private async read(): Promise<void> {
    this.reading = true;
    try {
      do {
        this.again = false;
        let full = true;
        while (full) {
          const generation = this.generation;
          const from = this.position;
          if (from === undefined) return;
          const page = await this.history.feedAfter(from, FEED_PAGE);
          if (generation !== this.generation) return;
          full = page.length === FEED_PAGE;
          if (page.length) {
            this.position = page[page.length - 1].seq;
            this.fanOut(page);
          }
        }
      } while (this.again);
    } catch (err) {
      this.opts.onError(err); // the next wake-up or catch-up tick reads again from the same position
    } finally {
      this.reading = false;
    }
  }

  private fanOut(events: TimelineEvent[]): void {
    const batches = new Map<FeedListener, TimelineEvent[]>();
    const add = (set: Set<FeedListener> | undefined, e: TimelineEvent) => {
      if (set) for (const l of set) (batches.get(l) ?? batches.set(l, []).get(l)!).push(e);
    };
    for (const e of events) {
      add(this.bySession.get(e.sessionId), e);
      add(this.byOwner.get(e.ownerId), e);
    }
    for (const [listener, batch] of batches) listener.deliver(batch);
  }
}
