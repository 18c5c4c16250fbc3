import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../support/server';
import { TOOL_NAMES, callOk, connectHttp, sendMail } from './helpers';

let s: TestServer;
let client: Client;
beforeAll(async () => {
  s = await startServer({ smtp: true, env: { SETTLE_INTERVAL_MS: '100' } });
  client = await connectHttp(s.url, s.apiKey);
});
afterAll(async () => {
  await client?.close();
  await s?.close();
});

describe('MCP over Streamable HTTP: the agent flow', () => {
  it('lists the tools, each with described input and an output schema', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(TOOL_NAMES);
    for (const tool of tools) {
      expect(tool.description, tool.name).toBeTruthy();
      expect(tool.outputSchema?.type, tool.name).toBe('object');
      for (const [name, prop] of Object.entries(tool.inputSchema.properties ?? {})) {
        expect((prop as { description?: string }).description, `${tool.name}.${name}`).toBeTruthy();
      }
    }
  });

  it('signs up with tools alone: session, inbox, an email over SMTP, the OTP, complete, timeline', async () => {
    const session = await callOk(client, 'create_session', { name: 'Sign up at acme.test', metadata: { site: 'acme.test' } });
    expect(session).toMatchObject({ name: 'Sign up at acme.test', status: 'active', metadata: { site: 'acme.test' } });
    const inbox = await callOk(client, 'create_inbox', { sessionId: session.id });
    expect(inbox.emailAddress).toMatch(/@sessions\.localhost$/);

    const waiting = client.callTool({ name: 'wait_for_otp', arguments: { inboxId: inbox.id, timeoutSeconds: 60, from: 'acme.test' } });
    await sendMail(s.smtpPort!, {
      from: 'Acme <no-reply@acme.test>',
      to: inbox.emailAddress,
      subject: 'Your Acme code',
      text: 'Your verification code is 482913. It expires in 10 minutes.',
    });
    const result: any = await waiting;
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ status: 'completed', code: '482913', wait: { status: 'completed', sessionId: session.id } });
    expect(result.content[0].text).toContain('482913');

    const message = await callOk(client, 'get_message', { messageId: result.structuredContent.messageId });
    expect(message).toMatchObject({ subject: 'Your Acme code', inboxId: inbox.id });
    expect(message.text).toContain('482913');

    expect(await callOk(client, 'complete_session', { sessionId: session.id })).toMatchObject({ id: session.id, status: 'completed' });
    const { events } = await callOk(client, 'get_timeline', { sessionId: session.id });
    expect(events.map((e: { type: string }) => e.type)).toEqual(
      expect.arrayContaining(['session.created', 'inbox.created', 'wait.created', 'message.received', 'wait.completed', 'session.completed']),
    );
    // The same events REST shows: one feed.
    const rest = await s.request('GET', `/api/v1/sessions/${session.id}/timeline`);
    expect(events).toEqual(rest.body.events);
  });
});
