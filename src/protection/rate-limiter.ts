import type { Database } from '../db/client';

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the current window ends. */
  resetSeconds: number;
}

const WINDOW_MS = 60_000;
/** Below this share of the limit, admissions are claimed from the shared counter in blocks. */
const EXACT_FROM = 0.8;
/** A block is this share of the limit (at least 1): one round trip admits that many requests. */
const BLOCK_SHARE = 0.05;

interface WindowState {
  windowStart: number;
  /** The shared count as of our last round trip (all instances, our claimed admissions included). */
  shared: number;
  /** Admissions this instance has claimed (counted in the database) and not yet given out. */
  claimed: number;
  /** A block claim in flight: requests that find no admission left wait for it. */
  claiming: Promise<boolean> | null;
}

/**
 * Per-key requests per minute, shared by all instances through one counter row per key and window.
 * A request is admitted only once it is counted in that row, so the limit holds across instances
 * however the requests are spread or timed: the count every instance sees is never below what was
 * admitted. Far from the limit an instance claims admissions in blocks (5 % of the limit, one round
 * trip each) and gives them out locally; from 80 % on each request increments the row atomically and
 * is admitted only if the result is within the limit. With several instances, admissions another
 * instance claimed but did not use within the minute are lost (at most a block per instance): the
 * limit may be under-served by that much, never exceeded.
 *
 * (Counting after admission — in the background — let two instances each admit up to 80 % before
 * either heard of the other, and one instance admit more while its own count was in flight.)
 */
export class RateLimiter {
  private readonly windows = new Map<string, WindowState>();

  constructor(
    private readonly db: Database,
    readonly limitPerMinute: number,
    private readonly now: () => number = Date.now,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  get enabled(): boolean {
    return this.limitPerMinute > 0;
  }

  async consume(keyId: string): Promise<RateDecision> {
    const now = this.now();
    const windowStart = Math.floor(now / WINDOW_MS) * WINDOW_MS;
    const resetSeconds = Math.max(1, Math.ceil((windowStart + WINDOW_MS - now) / 1000));
    const limit = this.limitPerMinute;
    const state = this.stateFor(keyId, windowStart);
    const exactFrom = Math.floor(limit * EXACT_FROM);
    for (;;) {
      if (state.claimed > 0) {
        state.claimed--;
        return { allowed: true, limit, remaining: Math.max(0, limit - (state.shared - state.claimed)), resetSeconds };
      }
      if (state.claiming) {
        await state.claiming; // a block is on its way: take from it, or go on once it is spent
        continue;
      }
      if (state.shared < exactFrom) {
        const block = Math.min(Math.max(1, Math.floor(limit * BLOCK_SHARE)), exactFrom - state.shared);
        state.claiming = this.claim(state, keyId, block).finally(() => (state.claiming = null));
        const ok = await state.claiming;
        if (!ok) return { allowed: true, limit, remaining: 0, resetSeconds }; // see claim()
        continue;
      }
      // Near the limit: this request alone, decided by the database's count.
      let count: number;
      try {
        count = await this.increment(keyId, windowStart, 1);
      } catch (err) {
        // The database is unreachable: the request will fail on its own; do not add a second failure.
        this.onError(err);
        return { allowed: true, limit, remaining: 0, resetSeconds };
      }
      state.shared = Math.max(state.shared, count);
      return { allowed: count <= limit, limit, remaining: Math.max(0, limit - count), resetSeconds };
    }
  }

  private stateFor(keyId: string, windowStart: number): WindowState {
    let state = this.windows.get(keyId);
    if (!state || state.windowStart !== windowStart) {
      state = { windowStart, shared: 0, claimed: 0, claiming: null };
      this.windows.set(keyId, state);
    }
    return state;
  }

  /**
   * Counts `block` admissions in the shared row and keeps those that fall within the limit (another
   * instance may have got there first). False when the database is unreachable: the request is then
   * admitted uncounted — it will fail on its own.
   */
  private async claim(state: WindowState, keyId: string, block: number): Promise<boolean> {
    let count: number;
    try {
      count = await this.increment(keyId, state.windowStart, block);
    } catch (err) {
      this.onError(err);
      return false;
    }
    state.shared = Math.max(state.shared, count);
    state.claimed += Math.max(0, Math.min(block, this.limitPerMinute - (count - block)));
    return true;
  }

  /** Nothing waits to be written (every admission is counted before it is given): forgets ended windows. */
  async flush(): Promise<void> {
    const current = Math.floor(this.now() / WINDOW_MS) * WINDOW_MS;
    for (const [keyId, state] of this.windows) if (state.windowStart < current && !state.claiming) this.windows.delete(keyId);
  }

  async close(): Promise<void> {
    await this.flush();
  }

  /** Atomic add-and-read of the shared counter (one statement on both engines). */
  private async increment(keyId: string, windowStart: number, add: number): Promise<number> {
    const rows = await this.db.tx(
      (tx) => tx.$queryRaw<{ count: number | bigint }[]>`
        INSERT INTO "RateLimitCounter" ("keyId", "windowStart", "count") VALUES (${keyId}, ${BigInt(windowStart)}, ${add})
        ON CONFLICT ("keyId", "windowStart") DO UPDATE SET "count" = "RateLimitCounter"."count" + excluded."count"
        RETURNING "count"`,
    );
    return Number(rows[0].count);
  }

  /** Old windows are useless; deleted now and then by the deadline settler. */
  async prune(): Promise<void> {
    await this.flush();
    const before = BigInt(Math.floor(this.now() / WINDOW_MS) * WINDOW_MS - WINDOW_MS);
    await this.db.tx((tx) => tx.rateLimitCounter.deleteMany({ where: { windowStart: { lt: before } } }));
  }
}
