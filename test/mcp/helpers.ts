import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import nodemailer from 'nodemailer';
import { expect } from 'vitest';
import { eventually as poll } from '../support/eventually';

/** The tools the issue names, in the order the server lists them. */
export const TOOL_NAMES = [
  'create_session',
  'list_sessions',
  'get_session',
  'complete_session',
  'fail_session',
  'get_timeline',
  'replay_session',
  'create_inbox',
  'list_messages',
  'get_message',
  'wait_for_otp',
  'wait_for_link',
  'cancel_wait',
];

/** The SDK's own client over Streamable HTTP to a listening server's /mcp, with a Bearer key. */
export async function connectHttp(baseUrl: string, key: string): Promise<Client> {
  const client = new Client({ name: 'sessions-gateway-tests', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL('/mcp', baseUrl), { requestInit: { headers: { Authorization: `Bearer ${key}` } } });
  await client.connect(transport);
  // Listing the tools makes the client check every call's structuredContent against its outputSchema.
  await client.listTools();
  return client;
}

/** Calls a tool that must succeed; returns its structured content. */
export async function callOk(client: Client, name: string, args: Record<string, unknown> = {}): Promise<any> {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
  expect(result.structuredContent).toBeDefined();
  return result.structuredContent;
}

/** Calls a tool that must fail as a tool error; returns REST's `{error, message}` from its text. */
export async function callError(client: Client, name: string, args: Record<string, unknown> = {}): Promise<{ error: string; message: string }> {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  expect(result.isError, JSON.stringify(result)).toBe(true);
  const content = result.content as Array<{ type: string; text: string }>;
  return JSON.parse(content[0].text);
}

/** Sends one email over real SMTP to the gateway's SMTP port. */
export async function sendMail(
  smtpPort: number,
  mail: { from: string; to: string; subject: string; text?: string; html?: string; attachments?: Array<{ filename: string; content: string; contentType: string }> },
): Promise<void> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: smtpPort, secure: false, ignoreTLS: true });
  try {
    await transport.sendMail(mail);
  } finally {
    transport.close();
  }
}

/** Polls until `check` returns a value; generous, for a loaded machine. */
export const eventually = <T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> => poll(what, check, timeoutMs);

export const PROTOCOL_VERSION = '2025-06-18';

/** Plain HTTP to /mcp as one key, for what the SDK client hides: statuses, headers, streams. */
export function rawMcp(server: { url: string }, key: string) {
  const call = (method: 'POST' | 'GET', body: unknown, sessionId?: string, signal?: AbortSignal): Promise<Response> =>
    fetch(`${server.url}/mcp`, {
      method,
      signal,
      headers: {
        authorization: `Bearer ${key}`,
        accept: method === 'GET' ? 'text/event-stream' : 'application/json, text/event-stream',
        'mcp-protocol-version': PROTOCOL_VERSION,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(sessionId ? { 'mcp-session-id': sessionId } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const initialize = () =>
    call('POST', { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
  /** A session, initialized as a client does; its id. */
  const openSession = async (): Promise<string> => {
    const res = await initialize();
    expect(res.status).toBe(200);
    await res.text();
    const id = res.headers.get('mcp-session-id')!;
    expect((await call('POST', { jsonrpc: '2.0', method: 'notifications/initialized' }, id)).status).toBe(202);
    return id;
  };
  return { call, initialize, openSession };
}
