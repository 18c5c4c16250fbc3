/** One item's outcome in a batch: its value, or the error that item alone gets. */
export type Settled<R> = { value: R } | { error: unknown };

export interface GroupCommitLimits<I> {
  /** Items per batch at most. */
  maxItems: number;
  /** An item's weight (e.g. its bytes) and the most a batch carries (a first item always goes). */
  weight?: (item: I) => number;
  maxWeight?: number;
}

/**
 * Group commit: items submitted while a batch is being written wait for the next batch, which takes all
 * of them (up to the limits) into one transaction, so one commit — one disk flush — serves many. An
 * idle queue starts a batch at the next turn of the event loop: a lone item waits for nothing, and the
 * items submitted in the same turn go together. Batches run one at a time. Each submit() settles only
 * after its batch ran (`run` resolves after its commit), with that item's own outcome.
 */
export class GroupCommit<I, R> {
  private queue: { item: I; resolve: (r: R) => void; reject: (err: unknown) => void }[] = [];
  private running = false;

  constructor(
    private readonly run: (items: I[]) => Promise<Settled<R>[]>,
    private readonly limits: GroupCommitLimits<I>,
  ) {}

  submit(item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.running) return;
      this.running = true;
      setImmediate(() => void this.drain());
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length) {
      const batch = this.take();
      let results: Settled<R>[];
      try {
        results = await this.run(batch.map((b) => b.item));
      } catch (error) {
        results = batch.map(() => ({ error }));
      }
      batch.forEach((b, i) => {
        const r = results[i] ?? { error: new Error('group commit: no result for an item') };
        if ('error' in r) b.reject(r.error);
        else b.resolve(r.value);
      });
    }
    this.running = false;
  }

  private take() {
    const { maxItems, weight, maxWeight = Infinity } = this.limits;
    let n = 0;
    let carried = 0;
    while (n < this.queue.length && n < maxItems) {
      const w = weight ? weight(this.queue[n]!.item) : 0;
      if (n > 0 && carried + w > maxWeight) break;
      carried += w;
      n++;
    }
    return this.queue.splice(0, n);
  }
}
