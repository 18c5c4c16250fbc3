import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { type DocumentNode, GraphQLError, type GraphQLSchema, Kind, parse, type Source, validate } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Principal } from '../auth/api-keys.service';
import { bearerToken } from '../auth/authenticate';
import type { StreamEnd, StreamTransport } from '../history/live-events';
import type { Services } from '../services';
import { GRAPHQL_LIMITS } from './apollo';
import { DocumentCache } from './document-cache';
import { createContext } from './context';
import { type ErrorLogger, maskError } from './errors';

/** Close codes: graphql-ws's own 4401 for a bad key, ours for the other ends (the client resumes from its cursor). */
export const WS_CLOSE = { unauthorized: 4401, revoked: 4401, slowConsumer: 4413, shuttingDown: 1001 } as const;
const CLOSE_CODE: Record<StreamEnd, number> = { revoked: WS_CLOSE.revoked, slow_consumer: WS_CLOSE.slowConsumer };
/** A subscribe message is a query and its variables: it needs nothing like ws's 100 MiB default. */
const MAX_MESSAGE_BYTES = 64 * 1024;

const CLOSE_GRACE_MS = 2_000;

/**
 * Only subscriptions run over the socket. Queries and mutations go to POST /graphql, where the request
 * limits (depth, aliases, cost: apollo.ts) apply; a subscription's payload is one flat TimelineEvent.
 */
function onlySubscriptions(schema: GraphQLSchema, document: DocumentNode): readonly GraphQLError[] {
  const errors = validate(schema, document);
  if (errors.length) return errors;
  const other = document.definitions.some((d) => d.kind === Kind.OPERATION_DEFINITION && d.operation !== 'subscription');
  return other ? [new GraphQLError('Only subscriptions are served over WebSocket; send queries and mutations as POST /graphql')] : [];
}

interface SocketState {
  principal?: Principal;
  transport?: StreamTransport;
  requestId?: string;
}

export interface GraphqlWebSockets {
  /** Closes every socket (1001) and stops accepting new ones. */
  close(): Promise<void>;
}

/**
 * GraphQL subscriptions over graphql-ws on the HTTP server's `/graphql` path (the WebSocket upgrade of
 * the same URL that takes queries over POST), as Apollo Server documents it: `ws` + `useServer`. The API
 * key comes in connection_init (`{ authorization: "Bearer <key>" }`); a missing or wrong one closes the
 * socket with 4401. Operations run on the same schema, context and error masking as HTTP requests.
 */
export function attachGraphqlWebSockets(
  server: Server,
  opts: { path: string; schema: GraphQLSchema; services: Services; logError: ErrorLogger; shutdown: AbortSignal },
): GraphqlWebSockets {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  const states = new WeakMap<WebSocket, SocketState>();
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== opts.path) return; // another upgrade handler's (or none: the socket times out)
    if (opts.shutdown.aborted) return void socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  };
  server.on('upgrade', onUpgrade);

  // One parsed document per subscription text, not one per open subscription (see DocumentCache).
  const parseLimited = (source: string | Source) => parse(source, { maxTokens: GRAPHQL_LIMITS.maxTokens });
  const documents = new DocumentCache(parseLimited);

  const stateOf = (socket: WebSocket) => {
    let s = states.get(socket);
    if (!s) states.set(socket, (s = {}));
    return s;
  };

  const cleanup = useServer(
    {
      schema: opts.schema,
      parse: (source) => (typeof source === 'string' ? documents.document(source) : parseLimited(source)),
      validate: (schema, document) => documents.validate(document, (d) => onlySubscriptions(schema, d)),
      onConnect: async (ctx) => {
        const socket = ctx.extra.socket;
        const header = ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization;
        const token = bearerToken({ authorization: typeof header === 'string' ? header : undefined });
        const principal = token ? await opts.services.apiKeys.authenticate(token) : null;
        if (!principal) {
          socket.close(WS_CLOSE.unauthorized, 'Unauthorized: invalid or missing API key');
          return false;
        }
        const state = stateOf(socket);
        state.principal = principal;
        state.requestId = randomUUID();
        state.transport = { close: (reason, message) => socket.close(CLOSE_CODE[reason], message.slice(0, 120)) };
        return true;
      },
      context: (ctx) => {
        const state = stateOf(ctx.extra.socket);
        return createContext(state.requestId!, state.principal!, opts.services, () => opts.shutdown, state.transport);
      },
      onNext: (ctx, _id, _payload, _args, result) => {
        if (!result.errors?.length) return;
        const requestId = stateOf(ctx.extra.socket).requestId;
        return { ...result, errors: result.errors.map((e) => maskError(e.toJSON(), e, opts.logError, requestId)) };
      },
      onError: (ctx, _id, _payload, errors: readonly GraphQLError[]) => {
        const requestId = stateOf(ctx.extra.socket).requestId;
        return errors.map((e) => maskError(e.toJSON(), e, opts.logError, requestId));
      },
    },
    wss,
  );

  const goingAway = () => {
    for (const client of wss.clients) {
      client.close(WS_CLOSE.shuttingDown, 'Server shutting down; reconnect and resume from your last cursor');
      // A client that does not answer the close handshake must not hold the shutdown up.
      setTimeout(() => client.terminate(), CLOSE_GRACE_MS).unref();
    }
  };
  opts.shutdown.addEventListener('abort', goingAway, { once: true });

  return {
    close: async () => {
      goingAway();
      server.off('upgrade', onUpgrade);
      await cleanup.dispose();
    },
  };
}
