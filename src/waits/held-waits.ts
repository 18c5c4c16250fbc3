import type { Notifier } from '../common/notifier';

/** The topic a wait's end is announced on (see announceEnded). */
export const waitTopic = (id: string) => `wait:${id}`;

/**
 * One held long-poll on one wait. It is woken (next() resolves) by the wait's notification, by its own
 * timer, by its request's signal (client gone, shutdown) or by the sweep. A wake that comes while the
 * holder is busy reading the database is kept, so none is lost between a read and the next wait.
 */
export interface Hold {
  /** Resolves on the next wake, or after `ms` (a timer in memory; no database read meanwhile). */
  next(ms: number): Promise<void>;
  /** Unregisters everything this hold added (map entries, listeners, timer). Idempotent. */
  release(): void;
}

interface Held {
  holds: Set<HoldEntry>;
  unsubscribe: () => void;
}

/**
 * The long-polls held on this instance, by wait id. While nothing happens a held wait costs memory
 * only: a map entry, one notifier listener per wait, one timer and one abort listener per request.
 * `ids()` is what the periodic sweep checks in the database, once for all of them.
 */
export class HeldWaits {
  private readonly byWait = new Map<string, Held>();

  constructor(private readonly notifier: Notifier) {}

  hold(waitId: string, signal?: AbortSignal): Hold {
    let held = this.byWait.get(waitId);
    if (!held) {
      held = { holds: new Set(), unsubscribe: this.notifier.subscribe(waitTopic(waitId), () => this.wake(waitId)) };
      this.byWait.set(waitId, held);
    }
    const entry = new HoldEntry(signal, () => this.drop(waitId, entry));
    held.holds.add(entry);
    return entry;
  }

  /** Wakes every long-poll held on `waitId` here (they then read the wait once). */
  wake(waitId: string): void {
    const held = this.byWait.get(waitId);
    if (held) for (const entry of held.holds) entry.wake();
  }

  /** The waits held here, each once. */
  ids(): string[] {
    return [...this.byWait.keys()];
  }

  /** Held long-polls (several may hold one wait). */
  get size(): number {
    let n = 0;
    for (const held of this.byWait.values()) n += held.holds.size;
    return n;
  }

  private drop(waitId: string, entry: HoldEntry): void {
    const held = this.byWait.get(waitId);
    if (!held?.holds.delete(entry) || held.holds.size > 0) return;
    held.unsubscribe();
    this.byWait.delete(waitId);
  }
}

class HoldEntry implements Hold {
  private woken = false;
  private resolve: (() => void) | null = null;
  private timer: NodeJS.Timeout | undefined;
  private released = false;
  private readonly onAbort = () => this.wake();

  constructor(
    private readonly signal: AbortSignal | undefined,
    private readonly onRelease: () => void,
  ) {
    signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  next(ms: number): Promise<void> {
    if (this.woken || this.released || this.signal?.aborted) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.resolve = resolve;
      this.timer = setTimeout(() => this.wake(), Math.max(0, ms));
    });
  }

  wake(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const resolve = this.resolve;
    this.resolve = null;
    if (resolve) resolve();
    else this.woken = true;
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.signal?.removeEventListener('abort', this.onAbort);
    this.wake();
    this.onRelease();
  }
}
