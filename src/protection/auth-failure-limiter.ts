/**
 * Failed authentications per client address per minute, in this instance's memory. Past the limit the
 * address is refused (429) until the minute ends — good keys included, or a guesser could tell a right
 * key by its answer. Counted in memory, not in the database: a refused guess must cost no query (it is
 * the cheap lane a flood would use); with N instances an address gets at most N × the limit.
 */
export class AuthFailureLimiter {
  private windowStart = 0;
  private failures = new Map<string, number>();

  constructor(
    readonly limitPerMinute: number,
    private readonly now: () => number = Date.now,
    /** Addresses remembered per minute: past it the oldest are forgotten, so a spray of addresses cannot fill memory. */
    private readonly maxAddresses = 100_000,
  ) {}

  get enabled(): boolean {
    return this.limitPerMinute > 0;
  }

  /** Seconds until `address` may try again, or 0 when it may now. */
  blockedFor(address: string): number {
    const now = this.roll();
    if ((this.failures.get(address) ?? 0) < this.limitPerMinute) return 0;
    return Math.max(1, Math.ceil((this.windowStart + 60_000 - now) / 1000));
  }

  fail(address: string): void {
    this.roll();
    const count = (this.failures.get(address) ?? 0) + 1;
    if (count === 1 && this.failures.size >= this.maxAddresses) this.failures.delete(this.failures.keys().next().value!);
    this.failures.set(address, count);
  }

  private roll(): number {
    const now = this.now();
    const start = Math.floor(now / 60_000) * 60_000;
    if (start !== this.windowStart) {
      this.windowStart = start;
      this.failures = new Map();
    }
    return now;
  }
}
