import type { Server } from 'node:http';
import { createHttpServer } from '../../src/http/http-server';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { applyServerTimeouts } from '../../src/http/server-timeouts';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { call } from '../support/process';

// Losing the database connections mid-flight: requests answer with the documented 500 bodies (never a
// crash or a stack) and the gateway recovers on its own, without a restart.
const KEY = 'sgk_connection_loss_test_key_000000000';
const APP_NAME = `sg-conn-loss-${process.pid}`;

let database: TestDatabase;
let app: App;
let server: Server;
let base: string;

beforeAll(async () => {
  database = await createTestDatabase();
  const url = new URL(database.url);
  url.searchParams.set('application_name', APP_NAME); // lets the test find exactly this gateway's backends
  const config = loadConfig({ DATABASE_URL: url.toString(), BOOTSTRAP_API_KEY: KEY, LOG_LEVEL: 'silent', AUTH_CACHE_TTL_MS: '0' });
  app = await createApp(config);
  server = createHttpServer(app.app);
  applyServerTimeouts(server, config);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server?.closeAllConnections();
  server?.close();
  await app?.close();
  await database?.drop();
});

async function terminateGatewayBackends(): Promise<number> {
  const admin = new pg.Client({ connectionString: database.url.replace(/\?.*$/, '') });
  await admin.connect();
  try {
    const { rows } = await admin.query('SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = $1', [APP_NAME]);
    return rows.length;
  } finally {
    await admin.end();
  }
}

describe('database connections lost', () => {
  it('answers documented 500 bodies at worst, then recovers by itself', async () => {
    const { body: session } = await call(base, KEY, 'POST', '/api/v1/sessions', { name: 'before' });
    expect(await terminateGatewayBackends()).toBeGreaterThan(0);

    const replies = [];
    for (let i = 0; i < 10; i++) replies.push(await call(base, KEY, 'GET', `/api/v1/sessions/${session.id}`));
    for (const r of replies) {
      if (r.status !== 200) expect(r).toEqual({ status: 500, body: { error: 'Internal server error', message: 'Failed to retrieve session' } });
    }
    // Recovered: the last answers are real again, and writes work.
    expect(replies.at(-1)!.status).toBe(200);
    expect((await call(base, KEY, 'POST', '/api/v1/sessions', { name: 'after' })).status).toBe(201);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
  });
});
