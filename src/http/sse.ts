import type { Response } from 'express';
import type { ExecutionResult } from 'graphql';
import type { StreamEnd, StreamTransport } from '../history/live-events';
import { onShutdown } from './request-signal';

/** One SSE message: `id:` (the cursor), `event:` (the type), `data:` (JSON). */
export interface SseMessage {
  id: string;
  event: string;
  data: unknown;
}

/** What the client is told to wait before reconnecting after the server closed the stream. */
/** How long a connection closed for a reason may take to read its last message before it is cut. */
const GRACE_MS = 5_000;
const RETRY_MS: Record<StreamEnd | 'shutdown', number> = { shutdown: 1000, revoked: 5000, slow_consumer: 1000 };

/**
 * The SSE side of a stream route: the connection a subscription's stream runs on. Created before the
 * subscription starts (the stream may need to close it); `start` writes the headers once the operation
 * has been accepted — errors before that are ordinary JSON answers.
 */
export class SseConnection implements StreamTransport {
  private heartbeat?: NodeJS.Timeout;
  private ended = false;
  private wakeWriter?: () => void;

  constructor(
    private readonly res: Response,
    private readonly opts: { heartbeatMs: number; shutdown: AbortSignal },
  ) {}

  close(reason: StreamEnd, message: string): void {
    this.end(reason, { error: reason === 'revoked' ? 'Unauthorized' : 'Slow consumer', message });
  }

  /**
   * Streams the subscription's results as SSE messages until it completes (after the terminal event),
   * the client goes away, or the server shuts down.
   */
  async run(results: AsyncIterableIterator<ExecutionResult>, toMessage: (data: any) => SseMessage): Promise<void> {
    const { res } = this;
    res.statusCode = 200;
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    res.setHeader('X-Accel-Buffering', 'no'); // proxies (nginx) must not hold events back
    res.flushHeaders();
    const stop = () => void results.return?.();
    const shuttingDown = () => this.end('shutdown', { error: 'Service unavailable', message: 'Server shutting down; reconnect with Last-Event-ID' });
    res.once('close', stop);
    // One watcher in a Set, not a listener per stream on the shared signal (see onShutdown).
    let unwatch = () => {};
    if (this.opts.shutdown.aborted) shuttingDown();
    else unwatch = onShutdown(this.opts.shutdown, shuttingDown);
    this.heartbeat = setInterval(() => this.write(': heartbeat\n\n'), this.opts.heartbeatMs);
    try {
      for await (const result of results) {
        if (this.ended) break;
        if (result.errors?.length || !result.data) {
          this.end(null, { error: 'Internal server error', message: 'Failed to stream events' });
          break;
        }
        const m = toMessage(result.data);
        // A consumer that does not read fills the socket: stop pulling until it drains. Meanwhile the
        // stream's own bounded buffer fills, and overflowing it ends the stream (close()).
        if (!this.write(`id: ${m.id}\nevent: ${m.event}\ndata: ${JSON.stringify(m.data)}\n\n`)) await this.drained();
      }
    } finally {
      unwatch();
      res.off('close', stop);
      this.end(null);
    }
  }

  private write(chunk: string): boolean {
    if (this.ended || this.res.writableEnded) return true;
    return this.res.write(chunk);
  }

  private drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.res.off('drain', done);
        this.res.off('close', done);
        this.wakeWriter = undefined;
        resolve();
      };
      this.res.once('drain', done);
      this.res.once('close', done);
      this.wakeWriter = done;
    });
  }

  /** Ends the response once: with a `retry:` hint and an `error` event saying why, when there is a reason. */
  private end(reason: StreamEnd | 'shutdown' | null, error?: { error: string; message: string }): void {
    if (this.ended) return;
    this.ended = true;
    clearInterval(this.heartbeat);
    if (!this.res.writableEnded && this.res.headersSent) {
      let last = '';
      if (reason) last += `retry: ${RETRY_MS[reason]}\n`;
      if (error) last += `event: error\ndata: ${JSON.stringify(error)}\n`;
      this.res.end(last ? `${last}\n` : undefined);
    }
    this.wakeWriter?.();
    // A client that stopped reading never takes that last message: its connection goes after a grace period.
    if (reason === 'slow_consumer' || reason === 'revoked') setTimeout(() => this.res.destroy(), GRACE_MS).unref();
  }
}
