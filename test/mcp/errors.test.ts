import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../support/server';
import { callError, callOk, connectHttp } from './helpers';

let s: TestServer;
let alice: Client;
let bob: Client;
beforeAll(async () => {
  s = await startServer({ env: { CORS_ORIGINS: 'https://agent.example' } });
  alice = await connectHttp(s.url, s.apiKey);
  bob = await connectHttp(s.url, s.otherKey);
});
afterAll(async () => {
  await alice?.close();
  await bob?.close();
  await s?.close();
});

const initialize = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};

async function post(key: string | null, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${s.url}/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

describe('MCP: keys at the transport', () => {
  it('refuses a missing or wrong key with REST 401, before any MCP handling', async () => {
    for (const key of [null, 'sgk_not_a_real_key_at_all_1234567890']) {
      const reply = await post(key, initialize);
      expect(reply.status).toBe(401);
      expect(JSON.parse(reply.text)).toEqual({ error: 'Unauthorized', message: 'Invalid or missing API key' });
    }
    await expect(connectHttp(s.url, 'sgk_not_a_real_key_at_all_1234567890')).rejects.toMatchObject({ code: 401, message: expect.stringContaining('Invalid or missing API key') });
  });

  it('checks the key before reading the body; a body that is not JSON is a REST 400', async () => {
    const raw = (key: string | null) =>
      fetch(`${s.url}/mcp`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...(key ? { authorization: `Bearer ${key}` } : {}) },
        body: '{"jsonrpc": ',
      });
    const anonymous = await raw(null);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toEqual({ error: 'Unauthorized', message: 'Invalid or missing API key' });
    const broken = await raw(s.apiKey);
    expect(broken.status).toBe(400);
    expect(await broken.json()).toEqual({ error: 'Invalid request', message: 'Request body is not valid JSON' });
  });

  it("does not let another owner's key use a session (it does not exist for them)", async () => {
    const opened = await post(s.apiKey, initialize);
    expect(opened.status).toBe(200);
    const sessionId = opened.headers.get('mcp-session-id')!;
    expect(sessionId).toBeTruthy();
    const asBob = await post(s.otherKey, { jsonrpc: '2.0', id: 2, method: 'tools/list' }, { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-06-18' });
    expect(asBob.status).toBe(404);
    expect(JSON.parse(asBob.text).error.message).toBe('Session not found');
  });

  it("lets a browser client on an allowed origin send and read MCP's headers", async () => {
    const origin = 'https://agent.example';
    const pre = await fetch(`${s.url}/mcp`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-headers')).toMatch(/Mcp-Session-Id, Mcp-Protocol-Version, Last-Event-Id/);
    const opened = await post(s.apiKey, initialize, { origin });
    expect(opened.headers.get('access-control-expose-headers')).toMatch(/Mcp-Session-Id/);
  });

  it('answers other methods with 405 and Allow', async () => {
    const res = await fetch(`${s.url}/mcp`, { method: 'PUT', headers: { authorization: `Bearer ${s.apiKey}` } });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST, GET, DELETE');
  });
});

describe('MCP: tool errors read like REST errors', () => {
  it("isolates owners: another key's session is not found", async () => {
    const session = await callOk(alice, 'create_session', { name: 'alice only' });
    for (const name of ['get_session', 'complete_session', 'get_timeline', 'replay_session']) {
      expect(await callError(bob, name, { sessionId: session.id }), name).toEqual({ error: 'Not found', message: 'Session not found' });
    }
    expect(await callError(bob, 'create_inbox', { sessionId: session.id })).toEqual({ error: 'Not found', message: 'Session not found' });
    expect((await callOk(bob, 'list_sessions')).data.map((x: { id: string }) => x.id)).not.toContain(session.id);
    expect(await callOk(alice, 'get_session', { sessionId: session.id })).toMatchObject({ id: session.id });
  });

  it('names the bad argument, in the tool names', async () => {
    const cases: Array<[string, Record<string, unknown>, RegExp]> = [
      ['create_session', {}, /^name is required$/],
      ['create_session', { name: 5 }, /^name must be a string$/],
      ['create_session', { name: 'x', metadata: [1] }, /^metadata /],
      ['get_session', {}, /^sessionId is required$/],
      ['get_session', { sessionId: 5 }, /^sessionId must be a string$/],
      ['fail_session', { sessionId: 'sess_x' }, /^reason is required$/],
      ['list_sessions', { limit: 'ten' }, /^limit must be an integer$/],
      ['list_sessions', { status: 'sleeping' }, /^status must be one of active, completed, failed$/],
      ['list_messages', {}, /^inboxId is required$/],
      ['get_message', { messageId: true }, /^messageId must be a string$/],
      ['wait_for_otp', {}, /^inboxId is required$/],
      ['wait_for_otp', { inboxId: 'inb_x', from: 5 }, /^from must be a string$/],
      ['wait_for_link', { inboxId: 'inb_x', subjectContains: {} }, /^subjectContains must be a string$/],
      ['cancel_wait', {}, /^waitId is required$/],
      ['wait_for_otp', { inboxId: 'inb_x', timeout: 30 }, /^Unknown argument: timeout \(wait_for_otp takes inboxId, sessionId, timeoutSeconds, since, from, to, subjectContains, subjectMatches, bodyMatches, pattern\)$/],
    ];
    for (const [name, args, message] of cases) {
      const error = await callError(alice, name, args);
      expect(error.error, `${name} ${JSON.stringify(args)}`).toBe('Invalid request');
      expect(error.message, `${name} ${JSON.stringify(args)}`).toMatch(message);
    }
  });

  it('gives the same words as REST for the same mistake', async () => {
    const inbox = await callOk(alice, 'create_inbox', {});
    const viaRest = await s.request('POST', '/api/v1/waits', { body: { inboxId: inbox.id, type: 'otp', timeoutSeconds: 100000 } });
    expect(viaRest.status).toBe(400);
    expect(await callError(alice, 'wait_for_otp', { inboxId: inbox.id, timeoutSeconds: 100000 })).toEqual(viaRest.body);
    const missing = await s.request('GET', '/api/v1/messages/msg_0000000000000000000000');
    expect(await callError(alice, 'get_message', { messageId: 'msg_0000000000000000000000' })).toEqual(missing.body);
  });

  it('says an unknown tool is unknown (a protocol error), and keeps serving', async () => {
    await expect(alice.callTool({ name: 'format_disk', arguments: {} })).rejects.toThrow(/Unknown tool: format_disk/);
    expect(await callOk(alice, 'list_sessions')).toHaveProperty('pagination');
  });
});

describe('MCP: the timeline resource', () => {
  it('reads session://{id}/timeline for its owner only', async () => {
    const session = await callOk(alice, 'create_session', { name: 'resource' });
    const uri = `session://${session.id}/timeline`;
    const { resourceTemplates } = await alice.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate)).toEqual(['session://{id}/timeline']);
    expect((await alice.listResources()).resources.map((r) => r.uri)).toContain(uri);
    const read = await alice.readResource({ uri });
    const body = JSON.parse((read.contents[0] as { text: string }).text);
    expect(body.events.map((e: { type: string }) => e.type)).toEqual(['session.created']);
    await expect(bob.readResource({ uri })).rejects.toThrow(/Not found: Session not found/);
    await expect(alice.readResource({ uri: 'session://x/replay' })).rejects.toThrow(/Resource not found/);
  });
});
