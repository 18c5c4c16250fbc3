import type { Server } from 'node:http';
import { createHttpServer } from '../../src/http/http-server';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { applyServerTimeouts } from '../../src/http/server-timeouts';
import { createTestDatabase } from '../support/database';
import { startServer, type TestServer } from '../support/server';
import { TOOL_NAMES, callError, callOk, eventually, sendMail } from './helpers';

const ROOT = join(__dirname, '..', '..');

/** The stdio server (src/mcp/stdio.cli.ts, what `npm run mcp` runs once built) as its own process. */
async function connectStdio(env: Record<string, string>): Promise<{ client: Client; stderr: () => string }> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: ['--import', 'tsx', join(ROOT, 'src', 'mcp', 'stdio.cli.ts')],
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr!.on('data', (d) => (stderr += d));
  const client = new Client({ name: 'stdio-tests', version: '1.0.0' });
  await client.connect(transport);
  await client.listTools(); // so that every call's structuredContent is checked against its outputSchema
  return { client, stderr: () => stderr };
}

let s: TestServer;
let client: Client;
beforeAll(async () => {
  s = await startServer({ smtp: true, env: { SETTLE_INTERVAL_MS: '100' } });
  ({ client } = await connectStdio({ SESSIONS_GATEWAY_URL: s.url, SESSIONS_GATEWAY_API_KEY: s.apiKey }));
});
afterAll(async () => {
  await client?.close();
  await s?.close();
});

describe('MCP over stdio (a bridge to the running gateway)', () => {
  it('serves the same tools', async () => {
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(TOOL_NAMES);
  });

  it('completes the sign-up flow with tools alone', async () => {
    const session = await callOk(client, 'create_session', { name: 'stdio sign-up' });
    const inbox = await callOk(client, 'create_inbox', { sessionId: session.id });
    const progress: number[] = [];
    const waiting = client.callTool({ name: 'wait_for_otp', arguments: { inboxId: inbox.id, timeoutSeconds: 60 } }, undefined, {
      onprogress: (p) => progress.push(p.progress),
    });
    await eventually('the wait', async () => (await s.request('GET', `/api/v1/sessions/${session.id}`)).body.waits[0]);
    await sendMail(s.smtpPort!, { from: 'no-reply@acme.test', to: inbox.emailAddress, subject: 'Code', text: 'Your code is 318402' });
    expect(((await waiting) as CallToolResult).structuredContent).toMatchObject({ status: 'completed', code: '318402' });
    expect(progress.length).toBeGreaterThan(0);
    await callOk(client, 'complete_session', { sessionId: session.id });
    const { events } = await callOk(client, 'get_timeline', { sessionId: session.id });
    expect(events.map((e: { type: string }) => e.type)).toEqual(expect.arrayContaining(['inbox.created', 'wait.completed', 'session.completed']));
  });

  it('passes a cancellation through: the wait is canceled', async () => {
    const session = await callOk(client, 'create_session', { name: 'stdio cancel' });
    const inbox = await callOk(client, 'create_inbox', { sessionId: session.id });
    const abort = new AbortController();
    const call = client.callTool({ name: 'wait_for_otp', arguments: { inboxId: inbox.id } }, undefined, { signal: abort.signal });
    const waitId = await eventually('the wait', async () => (await s.request('GET', `/api/v1/sessions/${session.id}`)).body.waits[0] as string | undefined);
    abort.abort();
    await expect(call).rejects.toThrow();
    await eventually('the wait to be canceled', async () => ((await s.request('GET', `/api/v1/waits/${waitId}`)).body.status === 'canceled' ? true : undefined));
  });

  it('gives tool errors in REST words, for this key only', async () => {
    const other = await s.request('POST', '/api/v1/sessions', { body: { name: "bob's" }, key: s.otherKey });
    expect(await callError(client, 'get_session', { sessionId: other.body.id })).toEqual({ error: 'Not found', message: 'Session not found' });
  });

  it('says why it cannot start: a refused key, or no gateway', async () => {
    await expect(connectStdio({ SESSIONS_GATEWAY_URL: s.url, SESSIONS_GATEWAY_API_KEY: 'sgk_wrong_key_0000000000000000' })).rejects.toThrow(/refused SESSIONS_GATEWAY_API_KEY/);
    await expect(connectStdio({ SESSIONS_GATEWAY_URL: 'http://127.0.0.1:1', SESSIONS_GATEWAY_API_KEY: s.apiKey })).rejects.toThrow(/cannot reach the gateway at http:\/\/127\.0\.0\.1:1/);
  });
});

describe('the stdio bridge across a gateway restart', () => {
  it('opens a new session by itself: the agent goes on with the same process', async () => {
    const database = await createTestDatabase();
    const key = 'sgk_restart_bridge_test_key_0001';
    const config = loadConfig({ DATABASE_URL: database.url, LOG_LEVEL: 'silent', SMTP_PORT: '0', BOOTSTRAP_API_KEY: key });
    const start = async (port: number): Promise<{ app: App; server: Server; port: number }> => {
      const app = await createApp(config);
      const server = createHttpServer(app.app);
      applyServerTimeouts(server, config);
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
      return { app, server, port: (server.address() as AddressInfo).port };
    };
    const stop = async (g: { app: App; server: Server }) => {
      g.server.closeAllConnections();
      await new Promise<void>((resolve) => g.server.close(() => resolve()));
      await g.app.close();
    };
    let gateway = await start(0);
    const bridge = await connectStdio({ SESSIONS_GATEWAY_URL: `http://127.0.0.1:${gateway.port}`, SESSIONS_GATEWAY_API_KEY: key });
    try {
      const session = await callOk(bridge.client, 'create_session', { name: 'before the restart' });
      await stop(gateway);
      gateway = await start(gateway.port);
      expect(await callOk(bridge.client, 'get_session', { sessionId: session.id })).toMatchObject({ id: session.id, name: 'before the restart' });
      expect(bridge.stderr()).toMatch(/no longer knows this session/);
    } finally {
      await bridge.client.close();
      await stop(gateway);
      await database.drop();
    }
  });
});
