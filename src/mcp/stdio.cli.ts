import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { type JSONRPCMessage, isJSONRPCRequest, isJSONRPCResultResponse } from '@modelcontextprotocol/sdk/types.js';

/**
 * `npm run --silent mcp`: MCP over stdio for desktop agents, as a bridge to a running gateway's /mcp.
 *
 * It does not open the database itself: on SQLite a second process on the same file is refused (one
 * gateway owns it), and on PostgreSQL it would be a second instance with its own pool, settler and
 * SMTP port for one user's agent. Forwarding JSON-RPC messages both ways keeps one implementation of
 * the tools (the HTTP one), with the gateway's keys, limits and logs; progress notifications and
 * cancellations pass through unchanged.
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

if (!key) fail('set SESSIONS_GATEWAY_API_KEY to an API key of the gateway (see `npm run keys`)');
let endpoint: URL;
try {
  endpoint = new URL('/mcp', base);
} catch {
  fail(`SESSIONS_GATEWAY_URL is not a URL: ${base}`);
}

const upstream = new StreamableHTTPClientTransport(endpoint, { requestInit: { headers: { Authorization: `Bearer ${key}` } } });
const local = new StdioServerTransport();
/** Ids of initialize requests in flight: their answers carry the protocol version the upstream must send. */
const initializing = new Set<string | number>();

/** Why a message could not be delivered, in words an agent's user can act on. */
function explain(err: unknown): string {
  if (err instanceof StreamableHTTPError && err.code === 401) return `the gateway at ${base} refused SESSIONS_GATEWAY_API_KEY (401 Invalid or missing API key)`;
  if (err instanceof StreamableHTTPError) return `the gateway at ${base} answered ${err.message}`;
  return `cannot reach the gateway at ${base} (is it running? set SESSIONS_GATEWAY_URL): ${err instanceof Error ? err.message : String(err)}`;
}

local.onmessage = (message: JSONRPCMessage) => {
  if (isJSONRPCRequest(message) && message.method === 'initialize') initializing.add(message.id);
  upstream.send(message).catch((err: unknown) => {
    const text = explain(err);
    process.stderr.write(`sessions-gateway mcp: ${text}\n`);
    // A request must be answered, or the agent waits for ever; notifications have nobody to tell.
    if (isJSONRPCRequest(message)) void local.send({ jsonrpc: '2.0', id: message.id, error: { code: -32000, message: text } });
  });
};

upstream.onmessage = (message: JSONRPCMessage) => {
  if (isJSONRPCResultResponse(message) && initializing.delete(message.id)) {
    const version = (message.result as { protocolVersion?: unknown }).protocolVersion;
    if (typeof version === 'string') upstream.setProtocolVersion(version);
  }
  void local.send(message);
};
upstream.onerror = (err) => process.stderr.write(`sessions-gateway mcp: ${explain(err)}\n`);

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

void (async () => {
  await upstream.start();
  await local.start();
})();
