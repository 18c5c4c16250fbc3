import { SessionsGatewayError, WaitTimeoutError } from '../errors.js';
import type { RequestOptions, Transport } from '../transport.js';
import type { CreateWaitParams, GetWaitParams, Wait } from '../types.js';

/** The longest long-poll the server holds (GET /waits/{id}?waitSeconds=). */
const MAX_POLL_SECONDS = 60;
/** Room for the answer to travel back after a long-poll's hold. */
const POLL_MARGIN_MS = 30_000;

export interface WaitForOptions {
  /** Give up (WaitTimeoutError) after this many seconds; by default until the wait itself ends. */
  timeoutSeconds?: number;
}

const path = (id: string, rest = '') => `/api/v1/waits/${encodeURIComponent(id)}${rest}`;

/** `/api/v1/waits`: "tell me when a matching message arrives, and what it says". */
export class Waits {
  constructor(
    private readonly transport: Transport,
    private readonly defaultTimeoutMs: number,
  ) {}

  /** POST /waits (retried safely: an Idempotency-Key is sent). */
  create(params: CreateWaitParams, options?: RequestOptions): Promise<Wait> {
    return this.transport.request({ method: 'POST', path: '/api/v1/waits', body: params, retry: 'create', options });
  }

  /** GET /waits/{id}; with `waitSeconds` the server holds the request until the wait ends (at most that long). */
  get(id: string, params: GetWaitParams = {}, options?: RequestOptions): Promise<Wait> {
    return this.transport.request({ method: 'GET', path: path(id), query: { ...params }, retry: 'read', options });
  }

  /** POST /waits/{id}/cancel. */
  cancel(id: string, options?: RequestOptions): Promise<Wait> {
    return this.transport.request({ method: 'POST', path: path(id, '/cancel'), retry: 'none', options });
  }

  /**
   * Long-polls until the wait ends and returns it (`completed`, `timed_out` or `canceled`). Throws
   * WaitTimeoutError when `timeoutSeconds` pass first.
   */
  async waitFor(id: string, { timeoutSeconds }: WaitForOptions = {}, options?: RequestOptions): Promise<Wait> {
    const deadline = timeoutSeconds === undefined ? undefined : Date.now() + timeoutSeconds * 1000;
    for (;;) {
      const remaining = deadline === undefined ? MAX_POLL_SECONDS : Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
      const waitSeconds = Math.min(MAX_POLL_SECONDS, remaining);
      const timeout = Math.max(options?.timeout ?? this.defaultTimeoutMs, waitSeconds * 1000 + POLL_MARGIN_MS);
      const wait = await this.get(id, { waitSeconds }, { ...options, timeout });
      if (wait.status !== 'pending') return wait;
      if (deadline !== undefined && Date.now() >= deadline) {
        throw new WaitTimeoutError(wait, `Wait ${id} was still pending after ${timeoutSeconds} s`);
      }
    }
  }

  /** Waits for `wait` to end and returns its extracted value; WaitTimeoutError when it times out. */
  async valueOf(wait: Wait, timeoutSeconds: number, options?: RequestOptions): Promise<string> {
    // The server ends the wait at its deadline; the client allows a little longer for that answer.
    const ended = await this.waitFor(wait.id, { timeoutSeconds: timeoutSeconds + 10 }, options);
    if (ended.status === 'completed' && ended.result) return ended.result.value;
    if (ended.status === 'timed_out') throw new WaitTimeoutError(ended, `No matching message arrived in inbox ${ended.inboxId} within ${timeoutSeconds} s`);
    throw new SessionsGatewayError({ error: 'Wait canceled', message: `Wait ${ended.id} was canceled` });
  }
}
