import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../support/server';
import { eventually, rawMcp } from './helpers';

// A shutdown waits for every response to end (main.ts drains the HTTP server): an MCP session's GET
// stream must end, and a wait_for_otp in flight must answer, instead of holding the shutdown open.
let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(() => s?.close());

const mcp: ReturnType<typeof rawMcp>['call'] = (...args) => rawMcp(s, s.apiKey).call(...args);

/** The JSON-RPC messages of an SSE body. */
const messages = (text: string) => text.split('\n').filter((l) => l.startsWith('data: ')).map((l) => JSON.parse(l.slice(6)));

describe('MCP at shutdown', () => {
  it('ends the GET stream, answers a held wait with its state, and opens no new stream', async () => {
    const sessionId = await rawMcp(s, s.apiKey).openSession();
    const stream = await mcp('GET', undefined, sessionId);
    expect(stream.status).toBe(200);
    const streamEnded = stream.text();

    const inbox = (await s.request('POST', '/api/v1/inboxes', { body: {} })).body;
    const call = await mcp('POST', { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'wait_for_otp', arguments: { inboxId: inbox.id, timeoutSeconds: 300 } } }, sessionId);
    expect(call.status).toBe(200);
    const answered = call.text();
    // The wait exists once the call is held.
    await eventually('the wait', async () => ((await s.app.db.prisma.wait.count()) === 1 ? true : undefined));

    s.app.beginShutdown();
    await streamEnded;
    const [result] = messages(await answered);
    expect(result.id).toBe(2);
    expect(result.result.structuredContent).toMatchObject({ status: 'pending', code: null });
    expect(result.result.content[0].text).toMatch(/shutting down/);
    const late = await mcp('GET', undefined, sessionId);
    expect(late.status).toBe(503);
    expect(await late.json()).toEqual({ error: 'Service unavailable', message: 'The server is shutting down' });
  });
});
