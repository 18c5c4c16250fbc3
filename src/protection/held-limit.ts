import { AppError } from '../graphql/errors';

/**
 * Caps what one API key may hold open at once on this instance (long-polls; streams too), so that one
 * key cannot fill an instance's memory and timers. Past the cap the next one is refused with
 * RATE_LIMITED (REST 429); the ones held are untouched. Counted per instance, in memory: a held request
 * lives in one process, and so does what it costs.
 */
export class HeldLimit {
  private readonly held = new Map<string, number>();

  constructor(readonly maxPerKey: number) {}

  /** Takes one slot for `keyId`, or throws RATE_LIMITED; call the returned function exactly once to give it back. */
  acquire(keyId: string): () => void {
    const now = this.held.get(keyId) ?? 0;
    if (now >= this.maxPerKey) {
      // Raised inside an operation (unlike the rate limit): GraphQL answers 200 with this field's error,
      // beside whatever else the query asked; REST maps RATE_LIMITED to 429.
      throw new AppError(`At most ${this.maxPerKey} long-polls and streams may be held open at once per API key; retry when one has ended`, 'RATE_LIMITED', { retryAfterSeconds: 1 });
    }
    this.held.set(keyId, now + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.held.get(keyId) ?? 1) - 1;
      if (left > 0) this.held.set(keyId, left);
      else this.held.delete(keyId);
    };
  }

  /** How many `keyId` holds now (all keys when omitted). */
  count(keyId?: string): number {
    if (keyId !== undefined) return this.held.get(keyId) ?? 0;
    let total = 0;
    for (const n of this.held.values()) total += n;
    return total;
  }

  /** Keys holding anything (tests assert a released key leaves no entry behind). */
  get keys(): number {
    return this.held.size;
  }
}
