import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult, Progress } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../support/server';
import { callError, callOk, connectHttp, eventually, sendMail } from './helpers';

let s: TestServer;
let client: Client;
beforeAll(async () => {
  // Two PostgreSQL connections for the whole instance: held waits must not pin any.
  s = await startServer({ smtp: true, env: { SETTLE_INTERVAL_MS: '100', RATE_LIMIT_PER_MINUTE: '0', DATABASE_POOL_SIZE: '2' } });
  client = await connectHttp(s.url, s.apiKey);
});
afterAll(async () => {
  await client?.close();
  await s?.close();
});

/** A session with one inbox; its wait ids show up on the session (GET /sessions/:id). */
async function sessionWithInbox(): Promise<{ sessionId: string; inbox: { id: string; emailAddress: string } }> {
  const session = await callOk(client, 'create_session', { name: 'waits' });
  return { sessionId: session.id, inbox: await callOk(client, 'create_inbox', { sessionId: session.id }) };
}

async function waitIdOf(sessionId: string): Promise<string> {
  return eventually('the wait to be created', async () => (await s.request('GET', `/api/v1/sessions/${sessionId}`)).body.waits[0] as string | undefined);
}

describe('MCP: wait_for_otp and wait_for_link', () => {
  it('reports progress while it holds, when the client asked for it', async () => {
    const { sessionId, inbox } = await sessionWithInbox();
    const progress: Progress[] = [];
    const call = client.callTool({ name: 'wait_for_otp', arguments: { inboxId: inbox.id, timeoutSeconds: 30 } }, undefined, {
      onprogress: (p) => progress.push(p),
    });
    await eventually('a progress notification', async () => (progress.length ? true : undefined));
    expect(progress[0]).toMatchObject({ progress: 0, total: 30, message: expect.stringContaining(inbox.id) });
    await waitIdOf(sessionId);
    await sendMail(s.smtpPort!, { from: 'a@acme.test', to: inbox.emailAddress, subject: 'Code', text: 'Your code: 771203' });
    const result = (await call) as CallToolResult;
    expect(result.structuredContent).toMatchObject({ status: 'completed', code: '771203' });
  });

  it('returns a clear timed_out result when nothing arrives in time', async () => {
    const { inbox } = await sessionWithInbox();
    const result = (await client.callTool({ name: 'wait_for_otp', arguments: { inboxId: inbox.id, timeoutSeconds: 1 } })) as CallToolResult;
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ status: 'timed_out', code: null, messageId: null, wait: { status: 'timed_out' } });
    expect((result.content as Array<{ text: string }>)[0].text).toMatch(/^Timed out: no email with a one-time code arrived in inbox .+ within 1 seconds/);
  });

  it('cancels the wait when the client cancels the call', async () => {
    const { sessionId, inbox } = await sessionWithInbox();
    const abort = new AbortController();
    const call = client.callTool({ name: 'wait_for_otp', arguments: { inboxId: inbox.id, timeoutSeconds: 120 } }, undefined, { signal: abort.signal });
    const waitId = await waitIdOf(sessionId);
    abort.abort();
    await expect(call).rejects.toThrow();
    const wait = await eventually('the wait to be canceled', async () => {
      const reply = await s.request('GET', `/api/v1/waits/${waitId}`);
      return reply.body.status === 'canceled' ? reply.body : undefined;
    });
    expect(wait.result).toBeNull();
    // A later email is not taken by the abandoned wait: a new call gets it.
    const next = client.callTool({ name: 'wait_for_otp', arguments: { inboxId: inbox.id, timeoutSeconds: 30 } });
    await sendMail(s.smtpPort!, { from: 'a@acme.test', to: inbox.emailAddress, subject: 'Code', text: 'Your code: 550119' });
    expect(((await next) as CallToolResult).structuredContent).toMatchObject({ status: 'completed', code: '550119' });
  });

  it('waits for a magic link in an HTML email; get_message reduces the HTML to text', async () => {
    const { inbox } = await sessionWithInbox();
    const call = client.callTool({ name: 'wait_for_link', arguments: { inboxId: inbox.id, subjectContains: 'sign-in' } });
    const html = '<html><body><p>Hello,</p><p><a href="https://app.acme.test/magic?token=Zq9XkW2p">Sign in</a></p><table><tr><td>Acme &amp; Co</td></tr></table></body></html>';
    await sendMail(s.smtpPort!, { from: 'login@acme.test', to: inbox.emailAddress, subject: 'Your sign-in link', html });
    const result = (await call) as CallToolResult;
    const outcome = result.structuredContent as { status: string; link: string; messageId: string };
    expect(outcome).toMatchObject({ status: 'completed', link: 'https://app.acme.test/magic?token=Zq9XkW2p' });
    const message = await callOk(client, 'get_message', { messageId: outcome.messageId });
    expect(message.text).toContain('Hello,');
    expect(message.text).toContain('Acme & Co');
    expect(message.text).not.toContain('<');
    expect(message).not.toHaveProperty('html');
  });

  it('cancel_wait ends a pending wait; a completed one is a conflict, as in REST', async () => {
    const { sessionId, inbox } = await sessionWithInbox();
    const call = client.callTool({ name: 'wait_for_otp', arguments: { inboxId: inbox.id, timeoutSeconds: 60 } });
    const waitId = await waitIdOf(sessionId);
    expect(await callOk(client, 'cancel_wait', { waitId })).toMatchObject({ id: waitId, status: 'canceled' });
    expect(((await call) as CallToolResult).structuredContent).toMatchObject({ status: 'canceled', code: null });
    expect(await callOk(client, 'cancel_wait', { waitId })).toMatchObject({ status: 'canceled' });

    const done = client.callTool({ name: 'wait_for_otp', arguments: { inboxId: inbox.id } });
    await sendMail(s.smtpPort!, { from: 'a@acme.test', to: inbox.emailAddress, subject: 'Code', text: 'Your code: 640311' });
    const completed = ((await done) as CallToolResult).structuredContent as { waitId: string };
    const rest = await s.request('POST', `/api/v1/waits/${completed.waitId}/cancel`);
    expect(rest.status).toBe(409);
    expect(await callError(client, 'cancel_wait', { waitId: completed.waitId })).toEqual(rest.body);
  });

  it('holds 50 concurrent wait_for_otp calls on one instance, and answers each with its own code', async () => {
    const { sessionId } = await sessionWithInbox();
    const inboxes = await Promise.all(Array.from({ length: 50 }, () => callOk(client, 'create_inbox', { sessionId })));
    const calls = inboxes.map((inbox) => client.callTool({ name: 'wait_for_otp', arguments: { inboxId: inbox.id, timeoutSeconds: 120 } }));
    await eventually('50 waits', async () => ((await s.request('GET', `/api/v1/sessions/${sessionId}`)).body.waits.length === 50 ? true : undefined), 30_000);
    // While all 50 are held, the instance still answers (they hold no database connection).
    expect((await s.request('GET', '/api/v1/sessions?limit=1')).status).toBe(200);
    const codes = inboxes.map((_, i) => String(100000 + i * 7919));
    for (let i = 0; i < inboxes.length; i += 10) {
      await Promise.all(inboxes.slice(i, i + 10).map((inbox, j) => sendMail(s.smtpPort!, { from: 'a@acme.test', to: inbox.emailAddress, subject: 'Code', text: `Your code is ${codes[i + j]}` })));
    }
    const results = (await Promise.all(calls)) as CallToolResult[];
    expect(results.map((r) => (r.structuredContent as { code: string }).code)).toEqual(codes);
  }, 120_000);
});
