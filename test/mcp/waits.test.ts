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

describe('MCP: waits that cannot miss the mail, and filters', () => {
  it('with since, finds an email that arrived BEFORE the tool was called', async () => {
    const { inbox } = await sessionWithInbox();
    const since = new Date(Date.now() - 1000).toISOString();
    await sendMail(s.smtpPort!, { from: 'a@acme.test', to: inbox.emailAddress, subject: 'Code', text: 'Your code: 418207' });
    await eventually('the email to be stored', async () => ((await callOk(client, 'list_messages', { inboxId: inbox.id })).data.length ? true : undefined));
    const result = await callOk(client, 'wait_for_otp', { inboxId: inbox.id, since, timeoutSeconds: 5 });
    expect(result).toMatchObject({ status: 'completed', code: '418207', wait: { since: expect.stringContaining(since.slice(0, 19)) } });
    // Without since, the same email is history: the wait times out.
    expect(await callOk(client, 'wait_for_otp', { inboxId: inbox.id, timeoutSeconds: 1 })).toMatchObject({ status: 'timed_out', code: null });
  });

  it('with since, wait_for_link takes the oldest matching email already received', async () => {
    const { inbox } = await sessionWithInbox();
    const since = new Date(Date.now() - 1000).toISOString();
    await sendMail(s.smtpPort!, { from: 'news@acme.test', to: inbox.emailAddress, subject: 'Newsletter', text: 'Read https://acme.test/news' });
    await sendMail(s.smtpPort!, { from: 'login@acme.test', to: inbox.emailAddress, subject: 'Sign in', text: 'Sign in: https://acme.test/magic?t=first' });
    await eventually('both emails', async () => ((await callOk(client, 'list_messages', { inboxId: inbox.id })).data.length === 2 ? true : undefined));
    const result = await callOk(client, 'wait_for_link', { inboxId: inbox.id, since, subjectMatches: '(?i)^sign', timeoutSeconds: 5 });
    expect(result).toMatchObject({ status: 'completed', link: 'https://acme.test/magic?t=first', wait: { filters: { subjectMatches: '(?i)^sign' } } });
  });

  it('filters by to, bodyMatches and a pattern that picks the code', async () => {
    const { inbox } = await sessionWithInbox();
    const call = client.callTool({
      name: 'wait_for_otp',
      arguments: { inboxId: inbox.id, to: inbox.emailAddress, bodyMatches: 'PIN', pattern: 'PIN: (\\d{4})', timeoutSeconds: 30 },
    });
    await sendMail(s.smtpPort!, { from: 'a@acme.test', to: inbox.emailAddress, subject: 'Order 123456', text: 'Order 123456 shipped.' });
    await sendMail(s.smtpPort!, { from: 'a@acme.test', to: inbox.emailAddress, subject: 'Order 123456', text: 'Reference 998877. Your PIN: 4821' });
    const result = (await call) as CallToolResult;
    expect(result.structuredContent).toMatchObject({ status: 'completed', code: '4821', wait: { filters: { to: inbox.emailAddress, bodyMatches: 'PIN', pattern: 'PIN: (\\d{4})' } } });
  });

  it('refuses a bad regex, a pattern on wait_for_link and a future since, naming the argument as REST names the field', async () => {
    const { inbox } = await sessionWithInbox();
    expect(await callError(client, 'wait_for_otp', { inboxId: inbox.id, subjectMatches: '(' })).toMatchObject({ error: 'Invalid request', message: expect.stringMatching(/^subjectMatches is not a valid regular expression/) });
    expect(await callError(client, 'wait_for_otp', { inboxId: inbox.id, pattern: '\\d+' })).toMatchObject({ message: expect.stringMatching(/^pattern must have exactly 1 capture group/) });
    expect(await callError(client, 'wait_for_link', { inboxId: inbox.id, pattern: '(x)' })).toMatchObject({ message: expect.stringMatching(/^Unknown argument: pattern/) });
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect(await callError(client, 'wait_for_otp', { inboxId: inbox.id, since: future })).toEqual({ error: 'Invalid request', message: 'since must not be in the future' });
  });

  it('get_message returns codes, links, attachments and headers, and says them in its text', async () => {
    const { inbox } = await sessionWithInbox();
    const call = client.callTool({ name: 'wait_for_otp', arguments: { inboxId: inbox.id, timeoutSeconds: 30 } });
    await sendMail(s.smtpPort!, {
      from: 'a@acme.test',
      to: inbox.emailAddress,
      subject: 'Welcome',
      text: 'Your code: 305511\nConfirm at https://acme.test/confirm?t=abc',
      attachments: [{ filename: 'terms.pdf', content: '%PDF-1.4 terms', contentType: 'application/pdf' }],
    });
    const { messageId } = (await call as CallToolResult).structuredContent as { messageId: string };
    const result = (await client.callTool({ name: 'get_message', arguments: { messageId } })) as CallToolResult;
    const message = result.structuredContent as any;
    expect(message.codes[0]).toMatchObject({ value: '305511', best: true });
    expect(message.links).toContainEqual(expect.objectContaining({ url: 'https://acme.test/confirm?t=abc', picked: true }));
    expect(message.attachments).toEqual([expect.objectContaining({ filename: 'terms.pdf', contentType: 'application/pdf', id: expect.any(String) })]);
    expect(message.headers).toContainEqual({ name: 'Subject', value: 'Welcome' });
    expect(message.messageId).toEqual(expect.any(String));
    const rest = await s.request('GET', `/api/v1/messages/${messageId}`);
    expect(message).toEqual({ ...rest.body, html: undefined, text: rest.body.text });
    const text = (result.content as Array<{ text: string }>)[0].text;
    expect(text).toContain('Codes: 305511 (best)');
    expect(text).toContain('- https://acme.test/confirm?t=abc');
    expect(text).toMatch(/Attachments: terms\.pdf \(application\/pdf, \d+ bytes\)/);
    expect(text).toContain('Your code: 305511');
  });
});
