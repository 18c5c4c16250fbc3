import type { Notifier } from '../common/notifier';

/** The topic a wait's end is announced on (see announceEnded). */
export const waitTopic = (id: string) => `wait:${id}`;

/**
 * One held long-poll on one wait. It is woken (next() resolves) by the wait's notification, by its own
 * timer, by its request's signal (client gone, shutdown) or by the sweep. A wake that comes while the
 * holder is busy reading the database is kept, so none is lost between a read and the next wait.
 */
export interface Hold {
  /**
   * Resolves on the next wake (true), or after `ms` without one (false): a timer in memory, no
   * database read meanwhile.
   */
  next(ms: number): Promise<boolean>;
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
 * The periodic sweep (WaitService.sweepHeld) does not look them up one by one: it reads the waits that
 * ended since its last run, from the event table (`position`), and wakes those held here.
 */
export class HeldWaits {
  private readonly byWait = new Map<string, Held>();
  /** The sweep's position: the last event it has read; undefined while nothing is held. */
  private swept: number | undefined;
  private baseline?: Promise<void>;
  /** Bumped when the position is dropped, so a sweep in flight then does not set a stale one. */
  private generation = 0;

  constructor(private readonly notifier: Notifier) {}

  /**
   * Resolves once the sweep has a position. A long-poll awaits it after hold() and before its first
   * read of the wait: an end committed after that read then numbers above the position (event numbers
   * are taken in commit order), so the sweep sees it even if its notification is lost.
   */
  ready(lastSeq: () => Promise<number>): Promise<void> {
    if (this.swept !== undefined) return Promise.resolve();
    this.baseline ??= lastSeq()
      .then((seq) => {
        // An older position (from a baseline of an earlier generation) is only ever safe: it reads more.
        this.swept ??= seq;
      })
      .finally(() => (this.baseline = undefined));
    return this.baseline;
  }

  /**
   * Where the sweep reads from, with a setter for where it got to; null when nothing is held (the
   * position is then dropped: an idle instance follows nothing, and reads nothing).
   */
  sweepFrom(): { from: number; advance: (to: number) => void } | null {
    if (this.byWait.size === 0) {
      this.swept = undefined;
      this.generation++;
      return null;
    }
    if (this.swept === undefined) return null; // the first hold's baseline is still being read
    const generation = this.generation;
    return {
      from: this.swept,
      advance: (to) => {
        if (generation === this.generation && this.swept !== undefined && to > this.swept) this.swept = to;
      },
    };
  }

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

  has(waitId: string): boolean {
    return this.byWait.has(waitId);
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
  private resolve: ((woken: boolean) => void) | null = null;
  private timer: NodeJS.Timeout | undefined;
  private released = false;
  private readonly onAbort = () => this.wake();

  constructor(
    private readonly signal: AbortSignal | undefined,
    private readonly onRelease: () => void,
  ) {
    signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  next(ms: number): Promise<boolean> {
    if (this.woken || this.released || this.signal?.aborted) {
      this.woken = false;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      this.resolve = resolve;
      this.timer = setTimeout(() => this.settle(false), Math.max(0, ms));
    });
  }

  wake(): void {
    this.settle(true);
  }

  /** Ends the pending next() (woken, or its time ran out); a wake with none pending is kept for the next. */
  private settle(woken: boolean): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const resolve = this.resolve;
    this.resolve = null;
    if (resolve) resolve(woken);
    else if (woken) this.woken = true;
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.signal?.removeEventListener('abort', this.onAbort);
    this.wake();
    this.onRelease();
  }
}
