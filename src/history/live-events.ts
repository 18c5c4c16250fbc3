import type { ApiKeyService, Principal } from '../auth/api-keys.service';
import { RateLimitedError } from '../graphql/errors';
import type { Notifier } from '../common/notifier';
import type { HeldLimit } from '../protection/held-limit';
import { decodeCursor } from './cursor';
import { EventFeed } from './event-feed';
import { EventStream } from './event-stream';
import type { EventFilter, HistoryService } from './history.service';

/** Why a transport must end a stream's connection (the client resumes from its last cursor). */
export type StreamEnd = 'slow_consumer' | 'revoked';

/** The connection a stream is served on (a graphql-ws socket, an SSE response): it says goodbye its own way. */
export interface StreamTransport {
  close(reason: StreamEnd, message: string): void;
}

export interface LiveEventsOptions {
  maxStreamsPerKey: number;
  bufferLimit: number;
  /** The feed's periodic catch-up (recovers a lost notification). */
  catchUpMs: number;
  /** How often the keys of open streams are re-checked for revocation. */
  keyCheckMs: number;
}

interface OpenStream {
  stream: EventStream;
  transport: StreamTransport;
}

/**
 * Open event streams of this instance: the one feed they share, the per-key limit, and the revocation
 * check (one query per tick for the keys of all open streams, none while no stream is open).
 */
export class LiveEvents {
  readonly feed: EventFeed;
  private readonly byKey = new Map<string, Set<OpenStream>>();
  private keyTimer?: NodeJS.Timeout;
  /** Where failed background reads are reported (the app sets its logger here). */
  onError: (err: unknown) => void = () => {};

  constructor(
    private readonly history: HistoryService,
    private readonly apiKeys: ApiKeyService,
    notifier: Notifier,
    /** MAX_HELD_PER_KEY: a stream takes one of its key's slots, as a held long-poll does. */
    private readonly heldLimit: HeldLimit,
    private readonly opts: LiveEventsOptions,
  ) {
    this.feed = new EventFeed(history, notifier, { catchUpMs: opts.catchUpMs, onError: (err) => this.onError(err) });
  }

  start(): void {
    this.feed.start();
    this.keyTimer ??= setInterval(() => void this.checkKeys(), this.opts.keyCheckMs);
    this.keyTimer.unref();
  }

  stop(): void {
    this.feed.stop();
    clearInterval(this.keyTimer);
    this.keyTimer = undefined;
  }

  /** Streams open for a key (tests, metrics). */
  openFor(keyId: string): number {
    return this.byKey.get(keyId)?.size ?? 0;
  }

  /**
   * Opens a stream of `filter`'s events after the cursor `after`, counted against the key's two limits:
   * MAX_STREAMS_PER_KEY (streams only) and MAX_HELD_PER_KEY (streams and long-polls together, so that
   * a key cannot hold an instance's memory by mixing them). The caller has checked that the principal
   * may read them.
   */
  async open(
    principal: Principal,
    transport: StreamTransport,
    filter: EventFilter,
    after: string | null | undefined,
    endsWhenCaughtUp = false,
  ): Promise<EventStream> {
    const afterSeq = decodeCursor(after);
    let open = this.byKey.get(principal.keyId);
    if ((open?.size ?? 0) >= this.opts.maxStreamsPerKey) {
      throw new RateLimitedError(`At most ${this.opts.maxStreamsPerKey} event streams may be open per API key; close one first`, 1);
    }
    const releaseSlot = this.heldLimit.acquire(principal.keyId);
    if (!open) this.byKey.set(principal.keyId, (open = new Set()));
    const entry: OpenStream = { transport, stream: undefined as unknown as EventStream };
    open.add(entry);
    entry.stream = new EventStream({
      history: this.history,
      feed: this.feed,
      filter,
      after: afterSeq,
      endsWhenCaughtUp,
      bufferLimit: this.opts.bufferLimit,
      onOverflow: () =>
        transport.close('slow_consumer', `Slow consumer: more than ${this.opts.bufferLimit} events waited to be sent; resume from the last cursor received`),
      onClose: () => {
        releaseSlot();
        open.delete(entry);
        if (open.size === 0 && this.byKey.get(principal.keyId) === open) this.byKey.delete(principal.keyId);
      },
    });
    try {
      return await entry.stream.open();
    } catch (err) {
      entry.stream.finish();
      throw err;
    }
  }

  /** Closes the streams of keys revoked since they were opened. */
  private async checkKeys(): Promise<void> {
    if (this.byKey.size === 0) return;
    try {
      const checked = [...this.byKey.keys()];
      const active = await this.apiKeys.activeKeyIds(checked);
      // Only the keys asked about: a key whose first stream opened while the query ran is not in
      // `active`, and was closed as revoked (seen on PostgreSQL, where the query takes longer).
      for (const keyId of checked) {
        const open = this.byKey.get(keyId);
        if (!open || active.has(keyId)) continue;
        for (const { stream, transport } of [...open]) {
          stream.finish();
          transport.close('revoked', 'The API key was revoked');
        }
      }
    } catch (err) {
      this.onError(err);
    }
  }
}
