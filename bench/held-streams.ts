/**
 * Open event streams for the held bench (issue 22, target 1: "and 1,000 open SSE/WebSocket streams"):
 * half SSE (`GET /api/v1/sessions/{id}/events`, one HTTP connection each), half graphql-ws
 * `sessionEvents` subscriptions (10 per socket, as bench/live.ts opens them). A stream counts as open
 * once it has delivered its session's first event (`session.created`, replayed from the start).
 */
import { Agent, request } from 'node:http';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { expectStatus, pool } from './http';

const SUBSCRIPTIONS_PER_SOCKET = 10;
const STREAMS_PER_SESSION = 10;
/** Opened this many at a time, as clients arrive over time (all at once, their catch-up reads queue together). */
const OPEN_BATCH = 100;

export interface OpenStreams {
  sse: number;
  ws: number;
  /** Stream failures (HTTP status, socket errors, a stream the server closed): must be 0. */
  errors: Record<string, number>;
  /** Events received after the streams were open (nothing happens: should be 0). */
  readonly eventsAfterOpen: number;
  close(): Promise<void>;
}

/** Sessions for `count` streams, 10 streams per session. */
export async function streamSessions(base: string, key: string, count: number): Promise<string[]> {
  const ids: string[] = new Array(Math.ceil(count / STREAMS_PER_SESSION));
  await pool(ids.length, 8, async (i) => {
    ids[i] = (await expectStatus(201, base, key, 'POST', '/api/v1/sessions', { name: `bench-stream-${i}` })).id;
  });
  return ids;
}

/** Opens `count` streams over `sessions` (half SSE, half graphql-ws); resolves once every one is live. */
export async function openStreams(base: string, key: string, sessions: string[], count: number): Promise<OpenStreams> {
  const errors: Record<string, number> = {};
  const fail = (what: string) => (errors[what] = (errors[what] ?? 0) + 1);
  let stopped = false;
  let open = false;
  let eventsAfterOpen = 0;
  const sseAgent = new Agent({ keepAlive: false, maxSockets: Infinity });
  const url = new URL(base);
  const sse: { destroy(): void }[] = [];
  const clients: Client[] = [];
  const sseCount = Math.floor(count / 2);
  const wsCount = count - sseCount;

  const openSse = (sessionId: string) =>
    new Promise<void>((resolve) => {
      const req = request(
        { host: url.hostname, port: url.port, path: `/api/v1/sessions/${sessionId}/events`, agent: sseAgent, headers: { authorization: `Bearer ${key}`, accept: 'text/event-stream' } },
        (res) => {
          if (res.statusCode !== 200) {
            fail(`SSE HTTP ${res.statusCode}`);
            res.resume();
            return resolve();
          }
          res.setEncoding('utf8');
          let live = false;
          res.on('data', (chunk: string) => {
            if (!chunk.includes('event:')) return; // heartbeats
            if (open) eventsAfterOpen++;
            if (!live) ((live = true), resolve());
          });
          res.once('close', () => {
            if (!stopped) fail('SSE closed by the server');
            resolve();
          });
        },
      );
      req.once('error', (err) => {
        if (!stopped) fail(`SSE ${(err as NodeJS.ErrnoException).code ?? err.message}`);
        resolve();
      });
      req.end();
      sse.push(req);
    });

  const subscribe = (client: Client, sessionId: string) =>
    new Promise<void>((resolve) => {
      let live = false;
      client.subscribe(
        { query: 'subscription($id: ID!) { sessionEvents(sessionId: $id) { cursor type } }', variables: { id: sessionId } },
        {
          next: () => {
            if (open) eventsAfterOpen++;
            if (!live) ((live = true), resolve());
          },
          error: (e) => {
            if (!stopped) fail(`graphql-ws ${e instanceof Error ? e.message : ((e as { code?: number }).code ?? 'error')}`);
            resolve();
          },
          complete: () => {
            if (!stopped) fail('graphql-ws completed by the server');
            resolve();
          },
        },
      );
    });

  for (let first = 0; first < count; first += OPEN_BATCH) {
    const ready: Promise<void>[] = [];
    for (let i = first; i < Math.min(count, first + OPEN_BATCH); i++) {
      const sessionId = sessions[Math.floor(i / STREAMS_PER_SESSION) % sessions.length]!;
      // Even streams SSE, odd ones graphql-ws: both kinds on every session.
      if (i % 2 === 0 && i / 2 < sseCount) {
        ready.push(openSse(sessionId));
        continue;
      }
      const wsIndex = Math.floor(i / 2);
      if (wsIndex % SUBSCRIPTIONS_PER_SOCKET === 0 || !clients.length) {
        clients.push(createClient({ url: `${base.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${key}` }, retryAttempts: 0, lazy: false }));
      }
      ready.push(subscribe(clients.at(-1)!, sessionId));
    }
    await Promise.all(ready);
  }
  open = true;
  return {
    sse: sseCount,
    ws: wsCount,
    errors,
    get eventsAfterOpen() {
      return eventsAfterOpen;
    },
    close: async () => {
      stopped = true;
      for (const r of sse) r.destroy();
      await Promise.allSettled(clients.map((c) => c.dispose()));
      sseAgent.destroy();
    },
  };
}
