import { cacheExchange, Client, fetchExchange, subscriptionExchange } from '@urql/core';
import { createClient as createSocketClient, type SubscribePayload } from 'graphql-ws';

/** The GraphQL endpoint on this origin: the public API, the only one the console uses. */
export const GRAPHQL_URL = '/graphql';

/**
 * Where the console's live link stands. `idle`: no live view open (the socket is lazy); `connecting`;
 * `live`: subscriptions flow; `offline`: the socket could not connect, so live views poll slowly (and say so).
 */
export type SocketStatus = 'idle' | 'connecting' | 'live' | 'offline';

export interface SocketState {
  readonly status: SocketStatus;
  subscribe(listener: () => void): () => void;
}

const socketStates = new WeakMap<Client, SocketState>();

/** The socket status of a client made by createApiClient (`idle` for any other). */
export function socketStateOf(client: Client): SocketState {
  return socketStates.get(client) ?? { status: 'idle', subscribe: () => () => {} };
}

/** Waits between reconnects: 1, 2, 4 … up to 30 s, with jitter so a restarted server is not stampeded. */
export function reconnectDelayMs(retries: number, random = Math.random()): number {
  return Math.min(30_000, 1000 * 2 ** Math.min(retries, 5)) * (0.75 + random / 2);
}

/**
 * The payload a subscription sends, kept up to date with the last event's cursor: graphql-ws sends the
 * same payload object again when it reconnects, so a reconnected subscription resumes right after the
 * last event it delivered, with no gap and no duplicate.
 */
export function resumingPayload(payload: SubscribePayload): { payload: SubscribePayload; seen(data: unknown): void } {
  const resumable: SubscribePayload = { ...payload, variables: { ...(payload.variables ?? {}) } };
  return {
    payload: resumable,
    seen(data) {
      if (!data || typeof data !== 'object') return;
      for (const value of Object.values(data)) {
        const cursor = (value as { cursor?: unknown } | null)?.cursor;
        if (typeof cursor === 'string') resumable.variables!.after = cursor;
      }
    },
  };
}

/** The socket URL of the GraphQL endpoint on this page's origin (ws: or wss: as the page is served). */
export function socketUrl(origin: string): string {
  return origin.replace(/^http/, 'ws') + GRAPHQL_URL;
}

/**
 * A client for one API key (a new key means a new client, so no cached answer crosses keys). Queries and
 * mutations go as POST /graphql; subscriptions over graphql-ws on the same path, the key in connection_init.
 */
export function createApiClient(apiKey: string): Client {
  let status: SocketStatus = 'idle';
  let active = 0;
  const listeners = new Set<() => void>();
  const setStatus = (next: SocketStatus) => {
    if (next === status) return;
    status = next;
    for (const l of listeners) l();
  };
  const socket = createSocketClient({
    url: socketUrl((globalThis as unknown as { location: { origin: string } }).location.origin),
    connectionParams: { authorization: `Bearer ${apiKey}` },
    lazy: true,
    lazyCloseTimeout: 3000,
    retryAttempts: Infinity,
    // Any close but a refused key is worth another try (graphql-ws itself gives up on 4401 and 4400s).
    shouldRetry: () => true,
    retryWait: (retries) => new Promise((resolve) => setTimeout(resolve, reconnectDelayMs(retries))),
    on: {
      connecting: () => setStatus(status === 'offline' ? 'offline' : 'connecting'),
      connected: () => setStatus('live'),
      closed: () => setStatus(active > 0 ? 'offline' : 'idle'),
    },
  });

  const client = new Client({
    url: GRAPHQL_URL,
    exchanges: [
      cacheExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const { payload, seen } = resumingPayload({ query: request.query ?? '', variables: request.variables });
          return {
            subscribe(sink) {
              active++;
              let ended = false;
              const end = () => {
                if (!ended) active--;
                ended = true;
              };
              const unsubscribe = socket.subscribe(payload, {
                next: (result) => {
                  seen(result.data);
                  sink.next(result as Parameters<typeof sink.next>[0]);
                },
                error: (err) => {
                  end();
                  sink.error(err);
                },
                complete: () => {
                  end();
                  sink.complete();
                },
              });
              return {
                unsubscribe() {
                  end();
                  unsubscribe();
                },
              };
            },
          };
        },
      }),
      fetchExchange,
    ],
    preferGetMethod: false,
    fetchOptions: () => ({ headers: { authorization: `Bearer ${apiKey}` } }),
  });
  socketStates.set(client, {
    get status() {
      return status;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  });
  return client;
}
