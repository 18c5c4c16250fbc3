import { dirname, join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findTooling, type FoundPostgres, startThrowawayCluster } from '../support/postgres';
import { type Gateway, httpCall, type Outcome, pgCtl, sleep, startGateway, waitUntil } from './helpers';

// PostgreSQL goes away under a running gateway process: a throwaway cluster of this test's own
// (initdb + pg_ctl; the run's shared server is left alone) is stopped, then started again. While it is
// down: the documented 500 bodies, /readyz 503, no crash. When it is back: the same process serves
// again by itself (no restart), with everything written before the outage.
const KEY = 'sgk_pg_unavailable_test_key_0000000000';
const INTERNAL = (action: string) => JSON.stringify({ error: 'Internal server error', message: `Failed to ${action}` });

const tooling = findTooling();
let cluster: FoundPostgres;
let dataDir: string;
let port: string;
let gw: Gateway;
let sessionId: string;

beforeAll(async () => {
  // Not a skip: the postgresql project only runs where initdb/pg_ctl (or a server) exist; these
  // binaries are this test's requirement.
  if (!tooling) throw new Error('PostgreSQL binaries (initdb, pg_ctl) not found: set SG_TEST_PG_BINDIR');
  cluster = await startThrowawayCluster(tooling);
  port = new URL(cluster.adminUrl).port;
  const admin = new pg.Client({ connectionString: cluster.adminUrl });
  await admin.connect();
  dataDir = (await admin.query<{ data_directory: string }>('SHOW data_directory')).rows[0].data_directory;
  await admin.end();
  gw = await startGateway({
    DATABASE_URL: cluster.adminUrl,
    BOOTSTRAP_API_KEY: KEY,
    RATE_LIMIT_PER_MINUTE: '0',
    AUTH_CACHE_TTL_MS: '60000', // the failures below come from the operations, not from the key lookup
    LOG_LEVEL: 'info',
  });
  const created = await api('POST', '/api/v1/sessions', { name: 'before the outage' });
  expect(created.status).toBe(201);
  sessionId = created.body.id;
}, 180_000);

afterAll(async () => {
  await gw?.kill();
  await cluster?.stop?.();
});

const api = (method: string, path: string, body?: unknown): Promise<Outcome> => httpCall(gw.url, method, path, { key: KEY, body, timeoutMs: 30_000 });

function expectInternal(reply: Outcome, action: string): void {
  expect(reply.error).toBeUndefined();
  expect({ status: reply.status, text: reply.text }).toEqual({ status: 500, text: INTERNAL(action) });
}

function expectAlive(): void {
  expect(gw.child.exitCode).toBeNull();
  expect(gw.child.signalCode).toBeNull();
}

const clusterDir = () => dirname(dataDir);

async function stopCluster(): Promise<void> {
  await pgCtl(tooling!, ['-D', dataDir, '-m', 'fast', '-w', '-t', '30', 'stop'], clusterDir());
}

async function startCluster(): Promise<void> {
  const opts = `-p ${port} -k ${clusterDir()} -c listen_addresses=127.0.0.1 -c fsync=off`;
  await pgCtl(tooling!, ['-D', dataDir, '-l', join(clusterDir(), 'server.log'), '-o', opts, '-w', '-t', '60', 'start'], clusterDir(), 70_000);
}

describe('PostgreSQL stopped under a running gateway', () => {
  it('answers documented 500s and /readyz 503 while it is down, without crashing', async () => {
    expect((await api('GET', '/readyz')).status).toBe(200);
    await stopCluster();
    // A few rounds: pooled connections die first, then new ones are refused.
    for (let round = 0; round < 3; round++) {
      const readyz = await api('GET', '/readyz');
      expect({ status: readyz.status, body: readyz.body }).toEqual({ status: 503, body: { status: 'unavailable' } });
      expectInternal(await api('GET', `/api/v1/sessions/${sessionId}`), 'retrieve session');
      expectInternal(await api('POST', '/api/v1/sessions', { name: 'during' }), 'create session');
      expectInternal(await api('POST', `/api/v1/sessions/${sessionId}/complete`), 'complete session');
      const gql = await api('POST', '/graphql', { query: '{ sessions { data { id } } }' });
      expect(gql.body.errors?.[0]?.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
      expect((await api('GET', '/healthz')).status).toBe(200);
      await sleep(500);
    }
    await sleep(3_000); // past the notification connection's reconnect attempts, too
    expectAlive();
  }, 120_000);

  it('recovers by itself once PostgreSQL is back: same process, reads and writes, nothing lost', async () => {
    await startCluster();
    const seen: Outcome[] = [];
    await waitUntil(
      'a working gateway again',
      async () => {
        const r = await api('GET', `/api/v1/sessions/${sessionId}`);
        seen.push(r);
        return r.status === 200;
      },
      30_000,
      250,
    );
    // Until it reconnected: documented 500s only.
    for (const r of seen.slice(0, -1)) expectInternal(r, 'retrieve session');
    expect((await api('GET', '/readyz')).status).toBe(200);
    expect((await api('POST', '/api/v1/sessions', { name: 'after the outage' })).status).toBe(201);
    expect((await api('POST', `/api/v1/sessions/${sessionId}/complete`)).body.status).toBe('completed');
    expect((await api('GET', '/api/v1/sessions')).body.pagination.total).toBe(2);
    expectAlive();
    expect(gw.stderr()).toBe('');
    expect(await gw.stop()).toBe(0);
  }, 90_000);
});
