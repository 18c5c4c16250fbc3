import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { freePort, type Gateway, httpCall } from '../operations/helpers';
import { runUntilExit, startRunning } from './run';

// PostgreSQL at start-up, with the real process: a database that comes up ~5 s after the gateway (a TCP
// proxy to this run's PostgreSQL that begins listening late) is waited for; one that never comes fails
// cleanly within DATABASE_CONNECT_TIMEOUT_S, naming host:port and never the password.
const KEY = 'sgk_startup_pg_wait_test_key_0000000000';
let database: TestDatabase;
let proxy: Server | undefined;
const sockets = new Set<Socket>();
let gateway: Gateway | undefined;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await gateway?.kill();
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => (proxy ? proxy.close(() => resolve()) : resolve()));
  await database?.drop();
});

/** Forwards 127.0.0.1:<port> to the real server. */
function forward(port: number, target: URL): Promise<void> {
  proxy = createServer((client) => {
    const upstream = createConnection(Number(target.port || 5432), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  return new Promise((resolve) => proxy!.listen(port, '127.0.0.1', resolve));
}

describe('PostgreSQL at start-up', { timeout: 180_000 }, () => {
  it('one that comes up ~5 s later: each try is logged, then the gateway starts', async () => {
    const real = new URL(database.url);
    const port = await freePort();
    const late = new URL(database.url);
    late.hostname = '127.0.0.1';
    late.port = String(port);
    const starting = startRunning({ DATABASE_URL: late.toString(), BOOTSTRAP_API_KEY: KEY, DATABASE_CONNECT_TIMEOUT_S: '120' });
    // Nothing listens for 5 s: the gateway's first tries are refused.
    const listening = new Promise<void>((resolve) => setTimeout(() => void forward(port, real).then(resolve), 5_000));
    gateway = await starting;
    await listening;
    const tries = gateway.stdout().split('\n').filter((l) => l.includes('is not reachable yet'));
    expect(tries.length).toBeGreaterThanOrEqual(2);
    expect(JSON.parse(tries[0]!).msg).toMatch(new RegExp(`^PostgreSQL at 127\\.0\\.0\\.1:${port} is not reachable yet \\(ECONNREFUSED, attempt 1\\); trying again in 0\\.25 s, for up to DATABASE_CONNECT_TIMEOUT_S=120 s$`));
    expect((await httpCall(gateway.url, 'GET', '/api/v1/sessions', { key: KEY })).status).toBe(200);
  });

  it('one that never comes: a clean failure within DATABASE_CONNECT_TIMEOUT_S, naming host:port but not the password; exit 4', async () => {
    const port = await freePort();
    const ended = await runUntilExit({ DATABASE_URL: `postgresql://app:s3cret-pw@127.0.0.1:${port}/sessions`, DATABASE_CONNECT_TIMEOUT_S: '3' });
    expect(ended.code).toBe(4);
    const lines = ended.stderr.split('\n');
    expect(lines).toHaveLength(3); // two lines and the final newline
    expect(lines[0]).toMatch(new RegExp(`^Cannot reach PostgreSQL at 127\\.0\\.0\\.1:${port} \\(DATABASE_URL\\): ECONNREFUSED \\(\\d+ attempts? in \\d+ s, DATABASE_CONNECT_TIMEOUT_S=3\\)\\.$`));
    expect(lines[1]).toBe('Start PostgreSQL or correct the host and port in DATABASE_URL; raise DATABASE_CONNECT_TIMEOUT_S if it needs longer to come up.');
    expect(ended.stdout + ended.stderr).not.toContain('s3cret-pw');
    expect(ended.stdout).toMatch(/is not reachable yet \(ECONNREFUSED, attempt 1\)/);
  });
});
