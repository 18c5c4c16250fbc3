import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { call, type GatewayProcess, startGatewayProcess } from '../support/process';

// Two real gateway processes on one PostgreSQL database behave like one instance from outside.
const KEY = 'sgk_multi_instance_test_key_0000000000';
const ROOT = join(__dirname, '..', '..');

let database: TestDatabase;
let a: GatewayProcess;
let b: GatewayProcess;

beforeAll(async () => {
  database = await createTestDatabase();
  const env = { DATABASE_URL: database.url, BOOTSTRAP_API_KEY: KEY, AUTH_CACHE_TTL_MS: '1000', SETTLE_INTERVAL_MS: '100' };
  // Started together: both apply migrations at once (one applies, the other waits for the lock).
  [a, b] = await Promise.all([startGatewayProcess(env), startGatewayProcess(env)]);
}, 120_000);

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await database?.drop();
});

async function events(sessionId: string): Promise<string[]> {
  const c = new pg.Client({ connectionString: database.url.replace(/\?schema=.*/, '') });
  await c.connect();
  try {
    const schema = new URL(database.url).searchParams.get('schema');
    const { rows } = await c.query(`SELECT type FROM "${schema}"."Event" WHERE "sessionId" = $1 ORDER BY seq`, [sessionId]);
    return rows.map((r) => r.type);
  } finally {
    await c.end();
  }
}

describe('two gateway instances on one PostgreSQL database', () => {
  it('migrated once, and both serve the same data', async () => {
    const created = await call(a.url, KEY, 'POST', '/api/v1/sessions', { name: 'shared' });
    expect(created.status).toBe(201);
    const read = await call(b.url, KEY, 'GET', `/api/v1/sessions/${created.body.id}`);
    expect(read.body.id).toBe(created.body.id);
  });

  it('concurrent completes spread over both instances record one session.completed', async () => {
    const { body: session } = await call(a.url, KEY, 'POST', '/api/v1/sessions', { name: 'race' });
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) => call(i % 2 ? a.url : b.url, KEY, 'POST', `/api/v1/sessions/${session.id}/complete`)),
    );
    expect(replies.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(new Set(replies.map((r) => r.body.completedAt)).size).toBe(1);
    expect((await events(session.id)).filter((t) => t === 'session.completed')).toHaveLength(1);
  });

  it('a message delivered through A completes a wait long-polled on B within a second', async () => {
    const { body: session } = await call(a.url, KEY, 'POST', '/api/v1/sessions', { name: 'notify' });
    const { body: inbox } = await call(a.url, KEY, 'POST', '/api/v1/inboxes', { sessionId: session.id });
    const { body: wait } = await call(b.url, KEY, 'POST', '/api/v1/waits', { inboxId: inbox.id, type: 'otp', timeoutSeconds: 60 });
    const poll = call(b.url, KEY, 'GET', `/api/v1/waits/${wait.id}?waitSeconds=30`);
    await new Promise((r) => setTimeout(r, 500)); // let B start waiting
    const delivered = await call(a.url, KEY, 'POST', `/api/v1/inboxes/${inbox.id}/messages`, { from: 'app@example.test', subject: 'Code', text: 'Your code is 551234' });
    const deliveredAt = Date.now();
    expect(delivered.status).toBe(201);
    const result = await poll;
    // B is woken by A's notification, not by its own periodic sweep (every 2 s).
    expect(Date.now() - deliveredAt).toBeLessThan(500);
    expect(result.body.status).toBe('completed');
    expect(result.body.result.value).toBe('551234');
  });

  it('a wait deadline fires once, whichever instance notices', async () => {
    const { body: session } = await call(a.url, KEY, 'POST', '/api/v1/sessions', { name: 'deadline' });
    const { body: inbox } = await call(a.url, KEY, 'POST', '/api/v1/inboxes', { sessionId: session.id });
    await call(b.url, KEY, 'POST', '/api/v1/waits', { inboxId: inbox.id, type: 'otp', timeoutSeconds: 1 });
    await new Promise((r) => setTimeout(r, 2500)); // no request at the deadline: both settlers race
    const types = await events(session.id);
    expect(types.filter((t) => t === 'wait.timed_out')).toHaveLength(1);
    expect(types.filter((t) => t === 'session.failed')).toHaveLength(1);
    const read = await call(b.url, KEY, 'GET', `/api/v1/sessions/${session.id}`);
    expect(read.body.status).toBe('failed');
  });

  it('a key revoked elsewhere is refused on both instances within the cache TTL', async () => {
    const run = (args: string[]) =>
      promisify(execFile)(join(ROOT, 'node_modules', '.bin', 'tsx'), [join(ROOT, 'src', 'auth', 'keys.cli.ts'), ...args], {
        cwd: ROOT,
        env: { ...process.env, DATABASE_URL: database.url },
      });
    const created = await run(['create', '--owner', 'carol']);
    const key = created.stdout.trim().split('\n').pop()!;
    expect((await call(a.url, key, 'GET', '/api/v1/sessions')).status).toBe(200);
    expect((await call(b.url, key, 'GET', '/api/v1/sessions')).status).toBe(200);
    await run(['revoke', key.slice(0, 12)]);
    await new Promise((r) => setTimeout(r, 1200)); // AUTH_CACHE_TTL_MS=1000
    expect((await call(a.url, key, 'GET', '/api/v1/sessions')).status).toBe(401);
    expect((await call(b.url, key, 'GET', '/api/v1/sessions')).status).toBe(401);
  });
});
