import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boundedExec, compileUserRegex } from '../../src/common/user-regex';
import { createInbox, createWait, eventsWith, getWait } from '../inboxes/helpers';
import { startServer, type TestServer } from '../support/server';

// Waits that look back (`since`) and the regex filters, with mail delivered over real SMTP.
let s: TestServer;
let mailer: ReturnType<typeof nodemailer.createTransport>;
beforeAll(async () => {
  s = await startServer({ smtp: true, env: { RATE_LIMIT_PER_MINUTE: '0' } });
  mailer = nodemailer.createTransport({ host: '127.0.0.1', port: s.smtpPort!, secure: false, ignoreTLS: true, pool: true, maxConnections: 4 });
});
afterAll(async () => {
  mailer?.close();
  await s?.close();
});

const send = (to: string, subject: string, text: string, extra: Record<string, unknown> = {}) =>
  mailer.sendMail({ from: 'App <app@example.test>', to, subject, text, ...extra });
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

describe('since: a wait created after the mail still gets it', () => {
  it('matches the oldest message received since then, at creation, with wait.created then wait.completed', async () => {
    const inbox = await createInbox(s);
    const since = ago(1000);
    await send(inbox.emailAddress, 'First', 'Your code is 111111');
    await send(inbox.emailAddress, 'Second', 'Your code is 222222');
    const wait = await createWait(s, { inboxId: inbox.id, type: 'otp', since });
    expect(wait).toMatchObject({ status: 'completed', since: since.replace(/\.\d{3}Z$/, 'Z'), result: { type: 'otp', value: '111111' } });
    expect(wait.endedAt).toBe(wait.createdAt);
    const events = await eventsWith(s, 'wait.completed', 'waitId', wait.id);
    expect(events).toHaveLength(1);
    expect((await eventsWith(s, 'wait.created', 'waitId', wait.id))[0].seq).toBeLessThan(events[0].seq);
  });

  it('without since the wait ignores mail already there (unchanged) and has no since in REST', async () => {
    const inbox = await createInbox(s);
    await send(inbox.emailAddress, 'Old', 'Your code is 333333');
    const wait = await createWait(s, { inboxId: inbox.id, type: 'otp' });
    expect(wait.status).toBe('pending');
    expect(wait).not.toHaveProperty('since');
    await send(inbox.emailAddress, 'New', 'Your code is 444444');
    expect((await getWait(s, wait.id, '?waitSeconds=10')).result.value).toBe('444444');
  });

  it('a message received before since does not count; a later one does', async () => {
    const inbox = await createInbox(s);
    await send(inbox.emailAddress, 'Before', 'Your code is 555555');
    await new Promise((r) => setTimeout(r, 20));
    const wait = await createWait(s, { inboxId: inbox.id, type: 'otp', since: new Date().toISOString() });
    expect(wait.status).toBe('pending');
    await send(inbox.emailAddress, 'After', 'Your code is 666666');
    expect((await getWait(s, wait.id, '?waitSeconds=10')).result.value).toBe('666666');
  });

  it('GraphQL takes since too', async () => {
    const inbox = await createInbox(s);
    const since = ago(500);
    await send(inbox.emailAddress, 'Link', 'Sign in: https://app.example.test/magic?token=abc123def456');
    const reply = await s.gql('mutation($input: CreateWaitInput!) { createWait(input: $input) { status since result { value } } }', {
      input: { inboxId: inbox.id, type: 'magic_link', since },
    });
    expect(reply.body.data.createWait).toMatchObject({ status: 'completed', result: { value: 'https://app.example.test/magic?token=abc123def456' } });
  });
});

describe('filters, combined with AND', () => {
  it('to, subjectMatches, bodyMatches and an OTP pattern select and extract', async () => {
    const inbox = await createInbox(s);
    const since = ago(1000);
    await send(inbox.emailAddress, 'Order #12', 'Your code is 123456');
    await send(inbox.emailAddress, 'Login code', 'Ref AB-1234-XY. Your code is 654321', { cc: 'boss@example.test' });
    const byTo = await createWait(s, { inboxId: inbox.id, type: 'message', since, filters: { to: 'BOSS@example' } });
    expect(byTo.status).toBe('pending'); // cc is not a recipient header "to"
    const bySubject = await createWait(s, { inboxId: inbox.id, type: 'otp', since, filters: { subjectMatches: '(?i)^login' } });
    expect(bySubject.result.value).toBe('654321');
    const caseMatters = await createWait(s, { inboxId: inbox.id, type: 'otp', since, filters: { subjectMatches: '^login' } });
    expect(caseMatters.status).toBe('pending');
    const byBody = await createWait(s, { inboxId: inbox.id, type: 'otp', since, filters: { bodyMatches: 'Ref [A-Z]{2}-', subjectContains: 'code' } });
    expect(byBody.result.value).toBe('654321');
    const both = await createWait(s, { inboxId: inbox.id, type: 'otp', since, filters: { bodyMatches: 'Ref', subjectMatches: 'Order' } });
    expect(both.status).toBe('pending');
    const pattern = await createWait(s, { inboxId: inbox.id, type: 'otp', since, filters: { pattern: 'Ref ([A-Z0-9-]+)\\.' } });
    expect(pattern).toMatchObject({ status: 'completed', filters: { pattern: 'Ref ([A-Z0-9-]+)\\.' }, result: { value: 'AB-1234-XY' } });
    const toMe = await createWait(s, { inboxId: inbox.id, type: 'message', since, filters: { to: inbox.emailAddress.toUpperCase() } });
    expect(toMe.status).toBe('completed');
  });

  it('filters apply to new mail too', async () => {
    const inbox = await createInbox(s);
    const wait = await createWait(s, { inboxId: inbox.id, type: 'otp', filters: { subjectMatches: 'Verify', pattern: 'PIN: (\\d{4})' } });
    await send(inbox.emailAddress, 'Hello', 'PIN: 1111');
    await send(inbox.emailAddress, 'Verify', 'PIN: 2222');
    expect((await getWait(s, wait.id, '?waitSeconds=10')).result.value).toBe('2222');
  });
});

describe('bad input: 400 naming the field, nothing created', () => {
  it.each([
    [{ since: new Date(Date.now() + 60_000).toISOString() }, 'since must not be in the future'],
    [{ since: ago(25 * 3600 * 1000) }, 'since must be at most 24 hours ago'],
    [{ filters: { subjectMatches: '(' } }, 'filters.subjectMatches is not a valid regular expression'],
    [{ filters: { bodyMatches: '' } }, 'filters.bodyMatches must be 1 to 500 characters'],
    [{ filters: { bodyMatches: 'x'.repeat(501) } }, 'filters.bodyMatches must be 1 to 500 characters'],
    [{ filters: { pattern: '\\d{6}' } }, 'filters.pattern must have exactly 1 capture group (it has 0)'],
    [{ filters: { pattern: '(\\d)(\\d)' } }, 'filters.pattern must have exactly 1 capture group (it has 2)'],
    [{ type: 'message', filters: { pattern: '(\\d+)' } }, 'filters.pattern is only for type otp'],
    [{ filters: { to: '' } }, 'filters.to must be 1 to 320 characters'],
  ])('%j', async (extra, message) => {
    const inbox = await createInbox(s);
    const reply = await s.request('POST', '/api/v1/waits', { body: { inboxId: inbox.id, type: 'otp', ...extra } });
    expect(reply.status, reply.text).toBe(400);
    expect(reply.body.message).toContain(message);
    expect((await s.request('GET', `/api/v1/inboxes/${inbox.id}`)).status).toBe(200);
    expect(await s.app.db.prisma.wait.count({ where: { inboxId: inbox.id } })).toBe(0);
  });

  it.each(['yesterday', '2024-06-12', '1718186400', 'June 12, 2024 10:00'])('since %j is not an RFC 3339 time', async (since) => {
    const inbox = await createInbox(s);
    const reply = await s.request('POST', '/api/v1/waits', { body: { inboxId: inbox.id, type: 'otp', since } });
    expect(reply.status, reply.text).toBe(400);
    expect(reply.body.message).toMatch(/since/);
  });

  it('GraphQL reports the field in extensions', async () => {
    const inbox = await createInbox(s);
    const reply = await s.gql('mutation($input: CreateWaitInput!) { createWait(input: $input) { id } }', { input: { inboxId: inbox.id, type: 'otp', filters: { bodyMatches: '[' } } });
    expect(reply.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'filters.bodyMatches' });
  });
});

describe('ReDoS: a catastrophic pattern is bounded', () => {
  it('the time bound stops a catastrophic match (counted as no match)', () => {
    const regex = compileUserRegex('bodyMatches', '^(a+)+$');
    // Without the bound this runs for far longer than a test's lifetime (2^60 backtracking steps).
    expect(boundedExec(regex, `${'a'.repeat(60)}b`)).toBeNull();
    expect(boundedExec(regex, 'aaaa')?.[0]).toBe('aaaa');
  });

  it('over SMTP: the delivery is accepted, the wait with the pattern stays pending, the others complete', async () => {
    const inbox = await createInbox(s);
    const evil = await createWait(s, { inboxId: inbox.id, type: 'message', filters: { bodyMatches: '^(a+)+$' } });
    const plain = await createWait(s, { inboxId: inbox.id, type: 'message' });
    await send(inbox.emailAddress, 'aaaa', `${'a'.repeat(60)}b`);
    expect((await getWait(s, plain.id, '?waitSeconds=10')).status).toBe('completed');
    expect((await getWait(s, evil.id)).status).toBe('pending');
  });
});

/** Delivery and wait creation at once, `rounds` times, each in a fresh inbox; every wait must get its mail once. */
async function race(rounds: number, deliverTo: (inbox: any, subject: string, text: string) => Promise<unknown>) {
  const inboxes = await Promise.all(Array.from({ length: rounds }, () => createInbox(s)));
  const outcomes = await Promise.all(
    inboxes.map(async (inbox, i) => {
      const code = String(100000 + i);
      const [, wait] = await Promise.all([
        deliverTo(inbox, `Code ${i}`, `Your code is ${code}`),
        createWait(s, { inboxId: inbox.id, type: 'otp', since: ago(2000), timeoutSeconds: 60 }),
      ]);
      const done = await getWait(s, wait.id, '?waitSeconds=30');
      const completions = await eventsWith(s, 'wait.completed', 'waitId', wait.id);
      return { status: done.status, value: done.result?.value, completions: completions.length, expected: code };
    }),
  );
  for (const o of outcomes) expect(o).toEqual({ status: 'completed', value: o.expected, completions: 1, expected: o.expected });
}

describe('the race: mail and wait created at the same moment', () => {
  it('never loses the mail and never matches it twice (200 rounds over SMTP)', () => race(200, (inbox, subject, text) => send(inbox.emailAddress, subject, text)), 120_000);

  it('the same over HTTP delivery, whose timing overlaps the wait more tightly (300 rounds)', () =>
    race(300, (inbox, subject, text) => s.request('POST', `/api/v1/inboxes/${inbox.id}/messages`, { body: { from: 'app@example.test', subject, text } })), 120_000);
});
