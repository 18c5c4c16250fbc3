import type { Database } from '../db/client';

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the current window ends. */
  resetSeconds: number;
}

const WINDOW_MS = 60_000;
const FLUSH_MS = 100;
/** From this share of the limit on, every request is counted in the database before it is admitted. */
const EXACT_FROM = 0.8;

interface WindowState {
  windowStart: number;
  /** The shared count as of our last round trip (all instances). */
  shared: number;
  /** Admitted here, not yet added to the shared count. */
  pending: number;
}

/**
 * Per-key requests per minute, shared by all instances through one counter row per key and window.
 * Far from the limit a request costs no round trip: counts are added in the background every 100 ms.
 * Near it (≥ 80 %) each request increments the row atomically and is admitted only if the result is
 * within the limit — so the limit holds across instances where it matters.
 */
export class RateLimiter {
  private readonly windows = new Map<string, WindowState>();
  private flushTimer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;

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
    let state = this.windows.get(keyId);
    if (!state || state.windowStart !== windowStart) {
      state = { windowStart, shared: 0, pending: 0 };
      this.windows.set(keyId, state);
    }
    const limit = this.limitPerMinute;
    if (state.shared + state.pending + 1 < limit * EXACT_FROM) {
      state.pending++;
      this.scheduleFlush();
      return { allowed: true, limit, remaining: limit - state.shared - state.pending, resetSeconds };
    }
    const add = state.pending + 1;
    state.pending = 0;
    try {
      state.shared = await this.increment(keyId, windowStart, add);
    } catch (err) {
      // The database is unreachable: the request will fail on its own; do not add a second failure.
      this.onError(err);
      state.pending += add;
      return { allowed: true, limit, remaining: 0, resetSeconds };
    }
    return { allowed: state.shared <= limit, limit, remaining: Math.max(0, limit - state.shared), resetSeconds };
  }

  /** Writes pending counts now (tests, shutdown). */
  async flush(): Promise<void> {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    await this.flushing;
    this.flushing = this.flushPending().finally(() => (this.flushing = null));
    await this.flushing;
  }

  async close(): Promise<void> {
    await this.flush();
  }

  private scheduleFlush(): void {
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => void this.flush(), FLUSH_MS);
    this.flushTimer.unref();
  }

  private async flushPending(): Promise<void> {
    const current = Math.floor(this.now() / WINDOW_MS) * WINDOW_MS;
    for (const [keyId, state] of this.windows) {
      if (state.windowStart < current) {
        this.windows.delete(keyId); // an ended window's pending counts no longer matter
        continue;
      }
      if (state.pending === 0) continue;
      const add = state.pending;
      state.pending = 0;
      try {
        state.shared = await this.increment(keyId, state.windowStart, add);
      } catch (err) {
        state.pending += add;
        this.onError(err);
      }
    }
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
    const before = BigInt(Math.floor(this.now() / WINDOW_MS) * WINDOW_MS - WINDOW_MS);
    await this.db.tx((tx) => tx.rateLimitCounter.deleteMany({ where: { windowStart: { lt: before } } }));
  }
}
