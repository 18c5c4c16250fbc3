import type { Server } from 'node:http';
import { createHttpServer } from '../../src/http/http-server';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { applyServerTimeouts } from '../../src/http/server-timeouts';
import { waitUntil } from '../operations/helpers';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { call } from '../support/process';

// Two gateway instances (in this process, so that a test can drop one's NOTIFY) on one PostgreSQL
// schema: long-polls held on B are woken by what A writes, and when A's notification is lost, by B's
// own sweep.
const KEY = 'sgk_held_waits_multi_instance_000000000';

interface Instance {
  app: App;
  url: string;
  server: Server;
}

let database: TestDatabase;
let a: Instance;
let b: Instance;

async function instance(url: string): Promise<Instance> {
  const config = loadConfig({ DATABASE_URL: url, LOG_LEVEL: 'silent', BOOTSTRAP_API_KEY: KEY, SETTLE_INTERVAL_MS: '200' });
  const app = await createApp(config);
  const server = createHttpServer(app.app);
  applyServerTimeouts(server, config);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { app, server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function stop(i: Instance | undefined): Promise<void> {
  if (!i) return;
  i.server.closeAllConnections();
  await new Promise<void>((resolve) => i.server.close(() => resolve()));
  await i.app.close();
}

beforeAll(async () => {
  database = await createTestDatabase();
  a = await instance(database.url);
  b = await instance(database.url);
}, 120_000);

afterAll(async () => {
  await Promise.all([stop(a), stop(b)]);
  await database?.drop();
});

async function pendingWait(on: Instance): Promise<any> {
  const { body: inbox } = await call(on.url, KEY, 'POST', '/api/v1/inboxes', {});
  const { body: wait } = await call(on.url, KEY, 'POST', '/api/v1/waits', { inboxId: inbox.id, type: 'otp', timeoutSeconds: 120 });
  return wait;
}

/** A long-poll on `on`, once it is held there; resolves to { answer } (not awaited here). */
async function holdOn(on: Instance, waitId: string, seconds: number) {
  const started = Date.now();
  const answer = call(on.url, KEY, 'GET', `/api/v1/waits/${waitId}?waitSeconds=${seconds}`).then((r) => ({ ...r, ms: Date.now() - started }));
  await waitUntil('the long-poll to be held', () => on.app.services.heldWaits.ids().includes(waitId), 10_000, 10);
  return { answer };
}

describe('held long-polls across two instances on one PostgreSQL database', () => {
  it('a read on B right after a write on A sees the write', async () => {
    const wait = await pendingWait(a);
    const canceled = await call(a.url, KEY, 'POST', `/api/v1/waits/${wait.id}/cancel`);
    expect(canceled.body.status).toBe('canceled');
    expect((await call(b.url, KEY, 'GET', `/api/v1/waits/${wait.id}`)).body.status).toBe('canceled');
    expect((await call(b.url, KEY, 'GET', `/api/v1/waits/${wait.id}?waitSeconds=30`)).body.status).toBe('canceled');
    const delivered = await call(a.url, KEY, 'POST', `/api/v1/inboxes/${wait.inboxId}/messages`, { from: 'a@x.test', subject: 'Hi', text: 'Your code is 135790' });
    const listed = await call(b.url, KEY, 'GET', `/api/v1/inboxes/${wait.inboxId}/messages`);
    expect(listed.body.data.map((m: any) => m.id)).toContain(delivered.body.id);
  });

  it('a wait completed on A wakes the long-poll held on B (NOTIFY)', async () => {
    const wait = await pendingWait(a);
    const poll = await holdOn(b, wait.id, 60);
    await call(a.url, KEY, 'POST', `/api/v1/inboxes/${wait.inboxId}/messages`, { from: 'a@x.test', subject: 'Code', text: 'Your code is 246802' });
    const answer = await poll.answer;
    expect(answer.body).toMatchObject({ status: 'completed', result: { value: '246802' } });
    expect(b.app.services.heldWaits.size).toBe(0);
  });

  it('with A\'s NOTIFY lost, the long-poll held on B still ends, at B\'s sweep', async () => {
    const wait = await pendingWait(a);
    const poll = await holdOn(b, wait.id, 60);
    // A's notifications stop reaching PostgreSQL (and so B); A's own waiters still hear them.
    a.app.services.notifier.bridge(() => {});
    try {
      const canceled = await call(a.url, KEY, 'POST', `/api/v1/waits/${wait.id}/cancel`);
      expect(canceled.body.status).toBe('canceled');
      const answer = await poll.answer;
      expect(answer.body.status).toBe('canceled');
      // Ended by the sweep, well before its 60 s window.
      expect(answer.ms).toBeLessThan(30_000);
    } finally {
      // Restore A's bridge: a fresh instance is cheaper than reaching into pg-notify's closure.
      await stop(a);
      a = await instance(database.url);
    }
  });
});
