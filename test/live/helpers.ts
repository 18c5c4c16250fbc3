import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { TestServer } from '../support/server';

export const SESSION_EVENTS = `subscription Watch($sessionId: ID!, $after: String) {
  sessionEvents(sessionId: $sessionId, after: $after) { id cursor sessionId timestamp type payload }
}`;
export const OWNER_EVENTS = `subscription All($after: String, $types: [String!]) {
  events(after: $after, types: $types) { id cursor sessionId type payload }
}`;

export interface WsClient {
  client: Client;
  /** Resolves with the close event's code and reason once the socket closes. */
  closed: Promise<{ code: number; reason: string }>;
  dispose(): Promise<void>;
}

/** A real graphql-ws client (`ws` as its WebSocket) on the test server's /graphql; no automatic retries. */
export function wsClient(s: { url: string }, key: string | null): WsClient {
  let onClosed!: (e: { code: number; reason: string }) => void;
  const closed = new Promise<{ code: number; reason: string }>((resolve) => (onClosed = resolve));
  const client = createClient({
    url: `${s.url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: key === null ? {} : { authorization: `Bearer ${key}` },
    retryAttempts: 0,
    lazy: false,
    onNonLazyError: () => {},
    on: { closed: (e: any) => onClosed({ code: e.code, reason: String(e.reason) }) },
  });
  return { client, closed, dispose: () => client.dispose() as Promise<void> };
}

export interface Subscription {
  events: any[];
  errors: any[];
  /** Settles when the subscription completes (or errors; `errors` then says why). */
  ended: Promise<void>;
  /** Resolves once `n` events have arrived. */
  until(n: number, timeoutMs?: number): Promise<any[]>;
  stop(): void;
}

export function subscribe(client: Client, query: string, variables: Record<string, unknown>): Subscription {
  const events: any[] = [];
  const errors: any[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const check = () => {
    for (const w of [...waiters]) if (events.length >= w.n) (waiters.splice(waiters.indexOf(w), 1), w.resolve());
  };
  let stop!: () => void;
  const ended = new Promise<void>((resolve) => {
    stop = client.subscribe(
      { query, variables },
      {
        next: (r: any) => {
          if (r.errors) errors.push(...r.errors);
          const value = r.data && Object.values(r.data)[0];
          if (value) events.push(value);
          check();
        },
        error: (e: any) => {
          errors.push(e);
          resolve();
        },
        complete: () => resolve(),
      },
    );
  });
  return {
    events,
    errors,
    ended,
    stop,
    until: (n, timeoutMs = 15_000) =>
      new Promise<any[]>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`only ${events.length} of ${n} events arrived (errors: ${JSON.stringify(errors.map((e) => (e && typeof e === "object" && "code" in e ? { code: e.code, reason: e.reason } : e)))})`)), timeoutMs);
        waiters.push({ n, resolve: () => (clearTimeout(timer), resolve(events)) });
        check();
      }),
  };
}

export interface SseEvent {
  id?: string;
  event?: string;
  data?: string;
  retry?: string;
  comment?: string;
}

export interface SseStream {
  status: number;
  headers: Headers;
  /** The body when the server answered JSON (errors are decided before the stream starts). */
  json?: any;
  events: SseEvent[];
  /** Resolves once `n` events (not comments) have arrived. */
  until(n: number, timeoutMs?: number): Promise<SseEvent[]>;
  /** Settles when the server ends the stream. */
  ended: Promise<void>;
  abort(): void;
}

/** An SSE client on fetch with a stream reader: every field line, comment and retry hint is kept. */
export async function openSse(url: string, key: string | null, headers: Record<string, string> = {}): Promise<SseStream> {
  const controller = new AbortController();
  const res = await fetch(url, {
    headers: { accept: 'text/event-stream', ...(key === null ? {} : { authorization: `Bearer ${key}` }), ...headers },
    signal: controller.signal,
  });
  const events: SseEvent[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const real = () => events.filter((e) => e.comment === undefined && (e.data !== undefined || e.event !== undefined));
  const check = () => {
    for (const w of [...waiters]) if (real().length >= w.n) (waiters.splice(waiters.indexOf(w), 1), w.resolve());
  };
  if (!res.headers.get('content-type')?.startsWith('text/event-stream')) {
    return { status: res.status, headers: res.headers, json: await res.json(), events, until: async () => [], ended: Promise.resolve(), abort: () => {} };
  }
  const ended = (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body as any as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) !== -1) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const e: SseEvent = {};
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) e.comment = (e.comment ?? '') + line.slice(1).trim();
            else {
              const colon = line.indexOf(':');
              const field = line.slice(0, colon) as keyof SseEvent;
              const value = line.slice(colon + 1).replace(/^ /, '');
              e[field] = e[field] === undefined ? value : `${e[field]}\n${value}`;
            }
          }
          events.push(e);
          check();
        }
      }
    } catch {
      /* aborted */
    }
  })();
  return {
    status: res.status,
    headers: res.headers,
    events,
    ended,
    abort: () => controller.abort(),
    until: (n, timeoutMs = 15_000) =>
      new Promise<SseEvent[]>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`only ${real().length} of ${n} SSE events arrived`)), timeoutMs);
        waiters.push({ n, resolve: () => (clearTimeout(timer), resolve(real())) });
        check();
      }),
  };
}

/** Appends `n` events to a session through the history service, in one transaction (fast seeding). */
export async function seedEvents(s: TestServer, sessionId: string, n: number): Promise<void> {
  const session = await s.app.db.prisma.session.findUniqueOrThrow({ where: { id: sessionId } });
  await s.app.db.tx(async (tx) => {
    for (let i = 0; i < n; i++) await s.app.services.history.appendEvent(tx, { ownerId: session.ownerId, sessionId, type: 'test.tick', payload: { i } });
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
