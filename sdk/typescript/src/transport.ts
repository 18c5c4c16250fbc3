import { ConflictError, ConnectionError, errorClassFor, RateLimitError, SessionsGatewayError } from './errors.js';

/** Per-call options, accepted as the last argument of every method. */
export interface RequestOptions {
  /** Milliseconds before the attempt is abandoned (a ConnectionError, retried where allowed). */
  timeout?: number;
  /** Aborts the call (and its retries); the abort reason is thrown as is. */
  signal?: AbortSignal;
  /** Overrides the client's maxRetries for this call. */
  maxRetries?: number;
  /** For creating calls: the Idempotency-Key to send instead of a generated one. */
  idempotencyKey?: string;
}

/** How a call may be retried: reads always; creates with an Idempotency-Key; other writes never. */
export type RetryKind = 'read' | 'create' | 'none';

export interface Call {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  /** A JSON body. */
  body?: unknown;
  /** A text body sent as is, with `contentType`. */
  rawBody?: { text: string; contentType: string };
  /** Extra request headers (e.g. Last-Event-ID). */
  headers?: Record<string, string>;
  retry: RetryKind;
  options?: RequestOptions;
}

export interface TransportOptions {
  apiKey: string;
  baseUrl: string;
  maxRetries: number;
  timeout: number;
  fetch: typeof fetch;
}

/** What one attempt got back, read whole. */
interface Answer {
  status: number;
  headers: Headers;
  text: string;
  bytes: Uint8Array;
}

/** A downloaded file: its bytes and the headers that describe them. */
export interface Download {
  data: Uint8Array;
  headers: Headers;
}

const IN_PROGRESS = 'A request with this Idempotency-Key is still in progress';
/** Retry-After beyond this is not waited for: the error is thrown instead. */
const MAX_RETRY_AFTER_SECONDS = 60;

/** Sends calls over `fetch`: auth, JSON, error classes, timeouts, retries and idempotency keys. */
export class Transport {
  constructor(private readonly opts: TransportOptions) {}

  async request<T>(call: Call): Promise<T> {
    return parseJson(await this.send(call)) as T;
  }

  /** A call whose 2xx answer is a file: its bytes as received, and its headers. */
  async download(call: Call): Promise<Download> {
    const answer = await this.send(call, 'application/octet-stream, */*');
    return { data: answer.bytes, headers: answer.headers };
  }

  /**
   * Opens a streaming GET (Server-Sent Events) and returns the response once its headers are in; the
   * body is for the caller to read. Errors before the stream starts are thrown like any call's; the
   * timeout covers only the wait for the headers. Not retried here: a stream's reader resumes by cursor.
   */
  async openStream(call: Call, signal: AbortSignal): Promise<Response> {
    const headers = { ...this.headers('text/event-stream'), ...call.headers };
    const timeoutMs = call.options?.timeout ?? this.opts.timeout;
    // Only the headers are awaited under the timeout; the caller's signal goes on aborting the body read.
    const { value: res, unfollow } = await exchange(this.opts.fetch, this.url(call), { method: 'GET', headers }, signal, timeoutMs, async (r) => r);
    if (res.status < 300) return res;
    unfollow();
    const bytes = new Uint8Array(await res.arrayBuffer());
    throw errorFrom({ status: res.status, headers: res.headers, bytes, text: new TextDecoder().decode(bytes) });
  }

  private headers(accept: string): Record<string, string> {
    return { authorization: `Bearer ${this.opts.apiKey}`, accept };
  }

  private async send(call: Call, accept = 'application/json'): Promise<Answer> {
    const options = call.options ?? {};
    const maxRetries = call.retry === 'none' ? 0 : (options.maxRetries ?? this.opts.maxRetries);
    const headers = this.headers(accept);
    let body: string | undefined;
    if (call.rawBody) {
      headers['content-type'] = call.rawBody.contentType;
      body = call.rawBody.text;
    } else if (call.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(call.body);
    }
    // One key for the call: every retry carries the same one, so the server creates at most once.
    if (call.retry === 'create') headers['idempotency-key'] = options.idempotencyKey ?? `sgk-${randomId()}`;
    const url = this.url(call);

    for (let attempt = 0; ; attempt++) {
      let failure: SessionsGatewayError;
      try {
        const answer = await this.attempt(url, call.method, headers, body, options);
        if (answer.status < 300) return answer;
        failure = errorFrom(answer);
      } catch (err) {
        if (!(err instanceof ConnectionError)) throw err;
        failure = err;
      }
      const delay = attempt < maxRetries ? retryDelay(failure, call.retry, attempt) : undefined;
      if (delay === undefined) throw failure;
      await sleep(delay, options.signal);
    }
  }

  private url(call: Call): string {
    const url = new URL(this.opts.baseUrl.replace(/\/+$/, '') + call.path);
    for (const [name, value] of Object.entries(call.query ?? {})) if (value !== undefined) url.searchParams.set(name, String(value));
    return url.toString();
  }

  /** One HTTP exchange, its body read under the same timeout and signal. */
  private async attempt(url: string, method: string, headers: Record<string, string>, body: string | undefined, options: RequestOptions): Promise<Answer> {
    const { value, unfollow } = await exchange(this.opts.fetch, url, { method, headers, body }, options.signal, options.timeout ?? this.opts.timeout, async (res) => {
      const bytes = new Uint8Array(await res.arrayBuffer());
      return { status: res.status, headers: res.headers, bytes, text: new TextDecoder().decode(bytes) };
    });
    unfollow();
    return value;
  }
}

/**
 * One fetch and `read` of its response, under a timeout and the caller's signal: network failures and
 * the timeout become ConnectionError, the caller's abort throws its reason. On success the caller's
 * signal still aborts the response (a stream's body) until `unfollow` is called.
 */
async function exchange<T>(
  fetchFn: typeof fetch,
  url: string,
  init: Omit<RequestInit, 'signal'>,
  signal: AbortSignal | undefined,
  timeoutMs: number,
  read: (res: Response) => Promise<T>,
): Promise<{ value: T; unfollow: () => void }> {
  signal?.throwIfAborted();
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  const unfollow = () => signal?.removeEventListener('abort', onAbort);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  try {
    return { value: await read(await fetchFn(url, { ...init, signal: controller.signal })), unfollow };
  } catch (err) {
    unfollow();
    if (signal?.aborted) throw signal.reason;
    const message = timedOut ? `Request timed out after ${timeoutMs} ms` : `Connection failed: ${describe(err)}`;
    throw new ConnectionError({ error: 'Connection error', message, cause: err });
  } finally {
    clearTimeout(timer);
  }
}

/** Milliseconds to wait before the next attempt, or undefined when this failure is final. */
function retryDelay(failure: SessionsGatewayError, kind: RetryKind, attempt: number): number | undefined {
  const status = failure.status;
  const retriable =
    failure instanceof ConnectionError ||
    status === 429 ||
    (status !== undefined && status >= 500) ||
    // The first try of this create is still running on the server: its answer will be replayed.
    (kind === 'create' && failure instanceof ConflictError && failure.message === IN_PROGRESS);
  if (!retriable) return undefined;
  if (failure instanceof RateLimitError && failure.retryAfter !== undefined) {
    return failure.retryAfter > MAX_RETRY_AFTER_SECONDS ? undefined : failure.retryAfter * 1000;
  }
  // Exponential backoff (0.5 s, 1 s, 2 s, … up to 8 s) with full jitter over its upper half.
  const base = Math.min(500 * 2 ** attempt, 8000);
  return base / 2 + Math.random() * (base / 2);
}

function parseJson(answer: Answer): unknown {
  if (answer.text === '') return undefined;
  try {
    return JSON.parse(answer.text);
  } catch {
    const requestId = answer.headers.get('x-request-id') ?? undefined;
    throw new SessionsGatewayError({ status: answer.status, error: 'Invalid response', message: `The server's answer is not JSON: ${answer.text.slice(0, 200)}`, requestId });
  }
}

function errorFrom(res: Answer): SessionsGatewayError {
  const text = res.text;
  let error = `HTTP ${res.status}`;
  let message = text.slice(0, 500) || `HTTP ${res.status}`;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && 'error' in parsed && 'message' in parsed) {
      error = String(parsed.error);
      message = String(parsed.message);
    }
  } catch {
    /* not JSON (e.g. a proxy's page): keep the text */
  }
  const retryAfterHeader = res.headers.get('retry-after');
  const retryAfter = retryAfterHeader !== null && /^\d+$/.test(retryAfterHeader) ? Number(retryAfterHeader) : undefined;
  const ErrorClass = errorClassFor(res.status);
  return new ErrorClass({ status: res.status, error, message, requestId: res.headers.get('x-request-id') ?? undefined, retryAfter });
}

export function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function describe(err: unknown): string {
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : undefined;
  return cause ?? (err instanceof Error ? err.message : String(err));
}

function randomId(): string {
  return globalThis.crypto.randomUUID();
}
