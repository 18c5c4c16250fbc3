/** One item's outcome in a batch: its value, or the error that item alone gets. */
export type Settled<R> = { value: R } | { error: unknown };

export interface GroupCommitLimits<I> {
  /** Items per batch at most. */
  maxItems: number;
  /** An item's weight (e.g. its bytes) and the most a batch carries (a first item always goes). */
  weight?: (item: I) => number;
  maxWeight?: number;
  /**
   * Commit delay under load (ms; 0 or absent: none): a batch that would start within `lingerMs` of the
   * last one's end first waits `lingerMs` for more items (less once the batch is full). As PostgreSQL's
   * commit_delay, it trades a little latency for fewer commits when commits come back to back; after a
   * quiet spell a batch starts at once, so a lone item never waits for it.
   */
  lingerMs?: number;
}

/**
 * Group commit: items submitted while a batch is being written wait for the next batch, which takes all
 * of them (up to the limits) into one transaction, so one commit — one disk flush — serves many. An
 * idle queue starts a batch at the next turn of the event loop: a lone item waits for nothing, and the
 * items submitted in the same turn go together; under load a batch lingers first (see `lingerMs`).
 * Batches run one at a time. Each submit() settles only after its batch ran (`run` resolves after its
 * commit), with that item's own outcome.
 */
export class GroupCommit<I, R> {
  private queue: { item: I; weight: number; resolve: (r: R) => void; reject: (err: unknown) => void }[] = [];
  /** The queue's total weight. */
  private queued = 0;
  private running = false;
  /** When the last batch ended (performance.now()). */
  private lastEnded = -Infinity;
  /** Ends a linger early (the batch is full). */
  private wake: (() => void) | null = null;

  constructor(
    private readonly run: (items: I[]) => Promise<Settled<R>[]>,
    private readonly limits: GroupCommitLimits<I>,
  ) {}

  submit(item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const weight = this.limits.weight ? this.limits.weight(item) : 0;
      this.queue.push({ item, weight, resolve, reject });
      this.queued += weight;
      if (this.wake && this.full()) this.wake();
      if (this.running) return;
      this.running = true;
      setImmediate(() => void this.drain());
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length) {
      const { lingerMs = 0 } = this.limits;
      if (lingerMs > 0 && performance.now() - this.lastEnded < lingerMs && !this.full()) await this.linger(lingerMs);
      const batch = this.take();
      let results: Settled<R>[];
      try {
        results = await this.run(batch.map((b) => b.item));
      } catch (error) {
        results = batch.map(() => ({ error }));
      }
      this.lastEnded = performance.now();
      batch.forEach((b, i) => {
        const r = results[i] ?? { error: new Error('group commit: no result for an item') };
        if ('error' in r) b.reject(r.error);
        else b.resolve(r.value);
      });
    }
    this.running = false;
  }

  /** Waits `ms`, or until the queue holds a full batch. */
  private linger(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.wake?.(), ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
    });
  }

  /** Whether the queue holds at least one batch's worth. */
  private full(): boolean {
    const { maxItems, maxWeight = Infinity } = this.limits;
    return this.queue.length >= maxItems || this.queued >= maxWeight;
  }

  private take() {
    const { maxItems, maxWeight = Infinity } = this.limits;
    let n = 0;
    let carried = 0;
    while (n < this.queue.length && n < maxItems) {
      const w = this.queue[n]!.weight;
      if (n > 0 && carried + w > maxWeight) break;
      carried += w;
      n++;
    }
    this.queued -= carried;
    return this.queue.splice(0, n);
  }
}
