import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../support/server';
import { callOk, connectHttp, eventually } from './helpers';

let s: TestServer;
let client: Client;
const updated: string[] = [];
beforeAll(async () => {
  s = await startServer({ env: { RATE_LIMIT_PER_MINUTE: '0' } });
  client = await connectHttp(s.url, s.apiKey);
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void updated.push(n.params.uri));
});
afterAll(async () => {
  await client?.close();
  await s?.close();
});

const openStreams = async () => s.app.services.live.openFor((await s.app.services.apiKeys.authenticate(s.apiKey))!.keyId);

describe('MCP: resources/subscribe on session://{id}/timeline', () => {
  it('declares subscribe, notifies on new events over the GET stream, and unsubscribe releases the stream', async () => {
    expect(client.getServerCapabilities()?.resources?.subscribe).toBe(true);
    const a = await callOk(client, 'create_session', { name: 'watched' });
    const b = await callOk(client, 'create_session', { name: 'barrier' });
    const uriA = `session://${a.id}/timeline`;
    const uriB = `session://${b.id}/timeline`;
    await client.subscribeResource({ uri: uriA });
    // Past events are not news: only the inbox created after the subscribe is.
    await callOk(client, 'create_inbox', { sessionId: a.id });
    await eventually('an update for A', async () => (updated.includes(uriA) ? true : undefined));
    expect(await openStreams()).toBe(1);

    await client.unsubscribeResource({ uri: uriA });
    expect(await openStreams()).toBe(0);
    updated.length = 0;
    await client.subscribeResource({ uri: uriB });
    await callOk(client, 'create_inbox', { sessionId: a.id });
    await callOk(client, 'create_inbox', { sessionId: b.id });
    await eventually('an update for B', async () => (updated.includes(uriB) ? true : undefined));
    expect(updated).not.toContain(uriA);

    await expect(client.subscribeResource({ uri: 'session://sess_nope/timeline' })).rejects.toThrow(/Not found/i);
    // The client ends its session (DELETE /mcp): the server's subscriptions go with it.
    await (client.transport as StreamableHTTPClientTransport).terminateSession();
    await client.close();
    await eventually('the stream released on close', async () => ((await openStreams()) === 0 ? true : undefined));
  });
});
