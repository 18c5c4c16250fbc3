import type { Server } from 'node:http';
import type { Config } from '../config';

/** How often Node looks for connections past their timeouts (its default, 30 s, lets them run over by as much). */
const CHECK_EVERY_MS = 1_000;

/**
 * The listening server's timeouts for receiving a request, shared by src/main.ts and the test servers
 * so the suite runs what production runs. Call it before `listen` (Node starts its checker then).
 *
 * Node's requestTimeout covers receiving the request, not answering it: it stops counting once the
 * request's last byte is in. So a long-poll (`waitSeconds`), an SSE stream, an MCP stream or a
 * graphql-ws socket (an upgraded connection leaves the HTTP parser) is held as long as it needs. A
 * client dribbling its headers or body is cut off: Node answers 408 and closes the socket.
 */
export function applyServerTimeouts(server: Server, config: Pick<Config, 'httpHeadersTimeoutMs' | 'httpRequestTimeoutMs'>): void {
  server.headersTimeout = config.httpHeadersTimeoutMs;
  server.requestTimeout = config.httpRequestTimeoutMs;
  // Small timeouts (tests) are checked more often, so they take effect at about their value. Node's
  // typings have it only as a createServer option; the server keeps it as this property and reads it
  // when it starts listening (main.ts creates the server without options).
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = Math.max(50, Math.min(CHECK_EVERY_MS, Math.floor(config.httpHeadersTimeoutMs / 4)));
}
