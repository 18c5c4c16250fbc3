import { Agent } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { freePort, type Gateway, httpCall, type Outcome, RawSmtp, sleep, startGateway, within } from './helpers';

// SIGTERM while the gateway is busy: a real process with real load, long-polls and an SMTP client.
// Graceful means: requests the server took are answered (never a 5xx, never a cut response); new ones
// are refused at the door; long-polls answer at once instead of holding the stop up; exit 0 in time;
// and every session the clients were told exists (201) is still there after a restart.
const KEY = 'sgk_shutdown_test_key_00000000000000000';
const LOOPS = 8;
const LONG_POLLS = 3;
const EXIT_WITHIN_MS = 15_000;

let database: TestDatabase;
const started: Gateway[] = [];

afterAll(async () => {
  for (const g of started) await g.kill();
  await database?.drop();
});

async function start(env: Record<string, string>): Promise<Gateway> {
  const g = await startGateway({ DATABASE_URL: database.url, BOOTSTRAP_API_KEY: KEY, RATE_LIMIT_PER_MINUTE: '0', ...env });
  started.push(g);
  return g;
}

describe('SIGTERM under load', () => {
  it('drains, answers long-polls early, closes SMTP, exits 0, and loses no acknowledged session', async () => {
    database = await createTestDatabase();
    const smtpPort = await freePort();
    const gw = await start({ SMTP_PORT: String(smtpPort), SMTP_HOST: '127.0.0.1', LOG_LEVEL: 'info' });
    const json = async (method: string, path: string, body?: unknown) => {
      const r = await httpCall(gw.url, method, path, { key: KEY, body });
      expect(r.error, `${method} ${path}`).toBeUndefined();
      return r;
    };

    // Three waits nobody will satisfy, long-polled for up to 30 s each.
    const { body: session } = await json('POST', '/api/v1/sessions', { name: 'long-polls' });
    const { body: inbox } = await json('POST', '/api/v1/inboxes', { sessionId: session.id });
    const waits = [];
    for (let i = 0; i < LONG_POLLS; i++) waits.push((await json('POST', '/api/v1/waits', { inboxId: inbox.id, type: 'otp', timeoutSeconds: 120 })).body);

    // An SMTP client mid-conversation (greeted, EHLO done, idle).
    const { smtp, greeting } = await RawSmtp.open(smtpPort);
    expect(greeting.code).toBe(220);
    expect((await smtp.command('EHLO client.test')).code).toBe(250);

    // Steady load: 8 loops creating sessions over keep-alive connections, each request sent with
    // Expect: 100-continue so we know whether the server had taken it when the stop began.
    const agent = new Agent({ keepAlive: true, maxSockets: LOOPS });
    const outcomes: Outcome[] = [];
    let exitedAt: number | null = null;
    const loop = async (n: number) => {
      for (let i = 0; exitedAt === null; i++) {
        const o = await httpCall(gw.url, 'POST', '/api/v1/sessions', { key: KEY, body: { name: `load-${n}-${i}` }, expectContinue: true, agent, timeoutMs: 20_000 });
        outcomes.push(o);
        if (o.error) await sleep(20); // refused at the door: don't spin
      }
    };
    const loops = Array.from({ length: LOOPS }, (_, n) => loop(n));
    await sleep(1500);
    const polls = waits.map((w) => httpCall(gw.url, 'GET', `/api/v1/waits/${w.id}?waitSeconds=30`, { key: KEY, timeoutMs: 40_000 }));
    await sleep(1000); // the long-polls are waiting now; the load keeps going

    const sigtermAt = Date.now();
    const exit = gw.stop().then((code) => {
      exitedAt = Date.now();
      return code;
    });
    const code = await within(exit, EXIT_WITHIN_MS + 5_000, 'gateway exit after SIGTERM');
    await within(Promise.all(loops), 30_000, 'load loops');
    agent.destroy();
    const polled = await within(Promise.all(polls), 5_000, 'long-polls');
    smtp.destroy();

    // Exit: code 0, in time.
    expect(code, gw.output()).toBe(0);
    expect(exitedAt! - sigtermAt).toBeLessThan(EXIT_WITHIN_MS);
    expect(gw.output()).toMatch(/"msg":"stopped"/);

    // Long-polls: answered early (not after their 30 s), 200, the wait as it stands (still pending).
    for (const p of polled) {
      expect(p.error).toBeUndefined();
      expect(p.status).toBe(200);
      expect(p.body).toMatchObject({ status: 'pending' });
      expect(p.endedAt - sigtermAt).toBeLessThan(5_000);
    }

    // The load: nothing but 201s and connection-level refusals, and those only once the stop began.
    const created = outcomes.filter((o) => o.status === 201);
    const failed = outcomes.filter((o) => o.status === undefined);
    const otherStatus = outcomes.filter((o) => o.status !== undefined && o.status !== 201);
    expect(otherStatus.map((o) => `${o.status} ${o.text}`)).toEqual([]);
    expect(outcomes.filter((o) => o.error?.startsWith('response cut'))).toEqual([]);
    // A request the server had taken (100 Continue) is always answered, however late in the stop.
    expect(failed.filter((o) => o.accepted)).toEqual([]);
    for (const o of failed) {
      expect(['ECONNREFUSED', 'ECONNRESET', 'EPIPE']).toContain(o.error);
      expect(o.endedAt).toBeGreaterThanOrEqual(sigtermAt);
    }
    // Keep-alive clients don't hold the drain open: once the gateway handled SIGTERM every response
    // says "Connection: close", so each of the 8 connections carries at most one more request.
    const stopLine = gw.stdout().split('\n').find((l) => l.includes('"msg":"shutting down'));
    expect(stopLine).toBeDefined();
    const stopHandledAt = JSON.parse(stopLine!).time as number;
    const lateAccepted = created.filter((o) => o.startedAt > stopHandledAt);
    expect(lateAccepted.length).toBeLessThanOrEqual(LOOPS);
    for (const o of lateAccepted) expect(o.headers?.connection).toBe('close');
    // The test did what it claims: load before the stop, requests in flight across it that were still
    // answered 201, and refusals at the closed door afterwards.
    expect(created.filter((o) => o.endedAt < sigtermAt).length).toBeGreaterThan(LOOPS);
    expect(created.filter((o) => o.startedAt < sigtermAt && o.endedAt >= sigtermAt).length).toBeGreaterThan(0);
    expect(failed.filter((o) => o.error === 'ECONNREFUSED').length).toBeGreaterThan(0);

    // The idle SMTP client was told so (421 is what the SMTP server's graceful close sends) and let go.
    expect(smtp.transcript.at(-1)).toEqual({ code: 421, text: 'Server shutting down' });
    expect(smtp.closedAt).not.toBeNull();

    // Every 201 is durable: the restarted gateway (same database) has each session.
    const again = await start({ SMTP_PORT: '0' });
    const ids = created.map((o) => o.body.id as string);
    expect(new Set(ids).size).toBe(ids.length);
    const missing: string[] = [];
    for (let i = 0; i < ids.length; i += 16) {
      const batch = await Promise.all(ids.slice(i, i + 16).map((id) => httpCall(again.url, 'GET', `/api/v1/sessions/${id}`, { key: KEY })));
      for (const r of batch) if (r.status !== 200) missing.push(`${r.path}: ${r.status ?? r.error}`);
    }
    expect(missing).toEqual([]);
    expect(await again.stop()).toBe(0);

    console.log(
      `shutdown: ${created.length} sessions created (${created.filter((o) => o.endedAt >= sigtermAt).length} answered after SIGTERM), ` +
        `${failed.length} refused (${[...new Set(failed.map((o) => o.error))].join(', ')}), exit 0 after ${exitedAt! - sigtermAt} ms, ` +
        `last accepted request started at +${Math.max(...created.map((o) => o.startedAt - sigtermAt))} ms, ` +
        `long-polls answered after ${Math.max(...polled.map((p) => p.endedAt - sigtermAt))} ms`,
    );
  }, 150_000);
});
