import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { type JSONRPCMessage, type JSONRPCRequest, isJSONRPCRequest, isJSONRPCResultResponse } from '@modelcontextprotocol/sdk/types.js';

/**
 * `npm run --silent mcp`: MCP over stdio for desktop agents, as a bridge to a running gateway's /mcp.
 *
 * It does not open the database itself: on SQLite a second process on the same file is refused (one
 * gateway owns it), and on PostgreSQL it would be a second instance with its own pool, settler and
 * SMTP port for one user's agent. Forwarding JSON-RPC messages both ways keeps one implementation of
 * the tools (the HTTP one), with the gateway's keys, limits and logs; progress notifications and
 * cancellations pass through unchanged.
 *
 * When the gateway no longer knows the session (it restarted, or dropped the session as idle), the
 * bridge opens a new one by replaying the agent's initialize, and sends the message again: the agent,
 * which keeps this process for its whole life, does not see the restart.
 *
 * SESSIONS_GATEWAY_API_KEY (required) is sent as the Bearer key; SESSIONS_GATEWAY_URL is the gateway
 * (default http://localhost:4000). stdout carries only protocol messages; diagnostics go to stderr.
 */
const key = process.env.SESSIONS_GATEWAY_API_KEY;
const base = process.env.SESSIONS_GATEWAY_URL || 'http://localhost:4000';

function fail(message: string): never {
  process.stderr.write(`sessions-gateway mcp: ${message}\n`);
  process.exit(1);
}
const warn = (message: string) => process.stderr.write(`sessions-gateway mcp: ${message}\n`);

if (!key) fail('set SESSIONS_GATEWAY_API_KEY to an API key of the gateway (see `npm run keys`)');
let endpoint: URL;
try {
  endpoint = new URL('/mcp', base);
} catch {
  fail(`SESSIONS_GATEWAY_URL is not a URL: ${base}`);
}

const local = new StdioServerTransport();
/** The agent's initialize request, replayed to open a new session when the gateway lost ours. */
let initialize: JSONRPCRequest | undefined;
/** Answers the bridge waits for itself (a replayed initialize), by request id. */
const awaited = new Map<string | number, (message: JSONRPCMessage) => void>();
let upstream = connect();

function connect(): StreamableHTTPClientTransport {
  const transport = new StreamableHTTPClientTransport(endpoint, { requestInit: { headers: { Authorization: `Bearer ${key}` } } });
  transport.onmessage = (message) => {
    if (isJSONRPCResultResponse(message) && initialize && message.id === initialize.id) useVersionOf(transport, message);
    const mine = 'id' in message && message.id !== undefined && !isJSONRPCRequest(message) ? awaited.get(message.id) : undefined;
    if (mine) return mine(message);
    void local.send(message);
  };
  transport.onerror = (err) => {
    // The GET stream of a session the gateway dropped: the next message opens a new session.
    if (!(err instanceof StreamableHTTPError && err.code === 404)) warn(explain(err));
  };
  void transport.start();
  return transport;
}

/** After initialize, every request carries the negotiated protocol version. */
function useVersionOf(transport: StreamableHTTPClientTransport, response: JSONRPCMessage): void {
  const version = isJSONRPCResultResponse(response) ? (response.result as { protocolVersion?: unknown }).protocolVersion : undefined;
  if (typeof version === 'string') transport.setProtocolVersion(version);
}

/** A new session on the gateway, opened as the agent opened the first one. */
async function reconnect(): Promise<void> {
  void upstream.close().catch(() => {});
  upstream = connect();
  const id = `sessions-gateway-bridge-${Date.now()}`;
  const answered = new Promise<JSONRPCMessage>((resolve) => awaited.set(id, resolve));
  try {
    await upstream.send({ ...initialize!, id });
    const response = await answered;
    if (!isJSONRPCResultResponse(response)) throw new Error(`the gateway refused to open a new session: ${JSON.stringify(response)}`);
    useVersionOf(upstream, response);
    await upstream.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  } finally {
    awaited.delete(id);
  }
}

/** Why a message could not be delivered, in words an agent's user can act on. */
function explain(err: unknown): string {
  if (err instanceof StreamableHTTPError && err.code === 401) return `the gateway at ${base} refused SESSIONS_GATEWAY_API_KEY (401 Invalid or missing API key)`;
  if (err instanceof StreamableHTTPError) return `the gateway at ${base} answered ${err.message}`;
  return `cannot reach the gateway at ${base} (is it running? set SESSIONS_GATEWAY_URL): ${err instanceof Error ? err.message : String(err)}`;
}

async function forward(message: JSONRPCMessage): Promise<void> {
  try {
    await upstream.send(message);
  } catch (err) {
    const lost = err instanceof StreamableHTTPError && err.code === 404 && initialize !== undefined && message !== initialize;
    if (!lost) throw err;
    warn('the gateway no longer knows this session (restarted?); opening a new one');
    await reconnect();
    await upstream.send(message);
  }
}

local.onmessage = (message: JSONRPCMessage) => {
  if (isJSONRPCRequest(message) && message.method === 'initialize') initialize = message;
  forward(message).catch((err: unknown) => {
    // The transport's onerror has said it on stderr already. A request must be answered, or the agent
    // waits for ever; a notification has nobody to tell.
    if (isJSONRPCRequest(message)) void local.send({ jsonrpc: '2.0', id: message.id, error: { code: -32000, message: explain(err) } });
  });
};

let closing = false;
async function close(): Promise<void> {
  if (closing) return;
  closing = true;
  // Ends the session on the gateway (DELETE /mcp) so its calls stop; the gateway is fine if this fails.
  await upstream.terminateSession().catch(() => {});
  await upstream.close().catch(() => {});
  process.exit(0);
}
process.stdin.once('end', () => void close());
process.once('SIGINT', () => void close());
process.once('SIGTERM', () => void close());

void local.start();
