import { AuthenticationError, ConnectionError, InternalServerError, RateLimitError, SessionsGatewayError } from './errors.js';
import { type RequestOptions, sleep, type Transport } from './transport.js';
import type { SessionEvent } from './types.js';

/** The events after which the server ends a session's stream. */
const TERMINAL = new Set(['session.completed', 'session.failed']);
/** Wait before reconnecting when the server gave no `retry:` hint. */
const DEFAULT_RETRY_MS = 1000;

export interface SessionEventsParams {
  /** Start right after this cursor (an event's `cursor`, or a timeline page's `next`); default: from the start. */
  after?: string;
}

/** One message of a `text/event-stream`, as the SSE format defines it. */
interface SseMessage {
  id?: string;
  event: string;
  data: string;
}

/**
 * Reads a session's SSE stream (GET /sessions/{id}/events) as events, oldest first. A dropped connection
 * or a stream the server ended early (shutdown, slow consumer) is resumed from the last cursor received
 * (`?after=`), so nothing is skipped or repeated; the walk ends after the terminal event. It gives up
 * with the last error after `maxRetries` reconnections in a row that brought no event. Breaking out of the loop closes the connection.
 */
export async function* streamSessionEvents(
  transport: Transport,
  maxRetries: number,
  path: string,
  params: SessionEventsParams,
  options: RequestOptions = {},
): AsyncGenerator<SessionEvent, void, undefined> {
  let after = params.after;
  let failures = 0;
  let retryMs = DEFAULT_RETRY_MS;
  const limit = options.maxRetries ?? maxRetries;
  for (;;) {
    const controller = new AbortController();
    const onAbort = () => controller.abort(options.signal?.reason);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    let failure: SessionsGatewayError | undefined;
    try {
      const res = await transport.openStream({ method: 'GET', path, query: { after }, retry: 'read', options }, controller.signal);
      for await (const message of sseMessages(res.body!)) {
        if (message.event === 'error') {
          const reason = parseError(message.data);
          // A revoked key does not come back by reconnecting; shutdown and slow consumer do.
          if (reason.error === 'Unauthorized') throw new AuthenticationError({ status: 401, ...reason });
          failure = new ConnectionError({ error: 'Connection error', message: `The server ended the stream: ${reason.message}` });
          continue;
        }
        if (message.event === 'retry') {
          retryMs = Number(message.data);
          continue;
        }
        const event = toEvent(message);
        after = event.cursor;
        failures = 0;
        yield event;
        if (TERMINAL.has(event.type)) return;
      }
      failure ??= new ConnectionError({ error: 'Connection error', message: 'The stream ended before the session did' });
    } catch (err) {
      if (options.signal?.aborted) throw options.signal.reason;
      if (err instanceof ConnectionError || err instanceof InternalServerError || err instanceof RateLimitError) failure = err;
      else if (isNetworkError(err)) failure = new ConnectionError({ error: 'Connection error', message: `Connection lost: ${String(err)}`, cause: err });
      else throw err;
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      controller.abort();
    }
    if (++failures > limit) throw failure;
    // The first reconnect waits the server's hint; repeated failures back off (a 429 as long as it says).
    const backoff = failure instanceof RateLimitError && failure.retryAfter !== undefined ? failure.retryAfter * 1000 : retryMs * 2 ** (failures - 1);
    await sleep(Math.min(backoff, 60_000), options.signal);
  }
}

/** The SSE messages of a body, one at a time; `retry:` lines surface as a message of event `retry`. */
async function* sseMessages(body: ReadableStream<Uint8Array>): AsyncGenerator<SseMessage, void, undefined> {
  const decoder = new TextDecoder();
  let buffer = '';
  let current: { id?: string; event?: string; data: string[] } = { data: [] };
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let newline: number;
      while ((newline = buffer.search(/\r\n|\r|\n/)) !== -1) {
        // A lone \r at the end may be half of \r\n: wait for the next chunk.
        if (buffer[newline] === '\r' && newline === buffer.length - 1) break;
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + (buffer.startsWith('\r\n', newline) ? 2 : 1));
        if (line === '') {
          if (current.data.length || current.event) yield { id: current.id, event: current.event ?? 'message', data: current.data.join('\n') };
          current = { data: [] };
          continue;
        }
        if (line.startsWith(':')) continue; // a comment (heartbeat)
        const colon = line.indexOf(':');
        const field = colon === -1 ? line : line.slice(0, colon);
        const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'id') current.id = value;
        else if (field === 'event') current.event = value;
        else if (field === 'data') current.data.push(value);
        else if (field === 'retry' && /^\d+$/.test(value)) yield { event: 'retry', data: value };
      }
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}

function toEvent(message: SseMessage): SessionEvent {
  const data = JSON.parse(message.data) as Omit<SessionEvent, 'cursor'>;
  if (message.id === undefined) throw new SessionsGatewayError({ error: 'Invalid response', message: `An event without an id: ${message.data.slice(0, 200)}` });
  return { cursor: message.id, timestamp: data.timestamp, type: data.type, payload: data.payload };
}

function parseError(data: string): { error: string; message: string } {
  try {
    const parsed = JSON.parse(data) as { error?: unknown; message?: unknown };
    return { error: String(parsed.error), message: String(parsed.message) };
  } catch {
    return { error: 'Stream error', message: data };
  }
}

/** fetch's body read fails with a TypeError (undici: "terminated") when the connection drops midway. */
function isNetworkError(err: unknown): boolean {
  return err instanceof TypeError || (err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError'));
}
