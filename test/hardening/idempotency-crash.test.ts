import { Agent } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { type Gateway, httpCall, openSql, sleep, startGateway, waitUntil, within } from '../operations/helpers';

// SIGKILL of the real gateway process while idempotent creates are in flight, ROUNDS times on one
// database. After each restart every key of the round is retried: it always ends in the one session
// (the id the client was told, if it was told one), created exactly once, and no key stays "in
// progress" past the lease. Kills that land between the work's commit and the stored answer are
// answered by reading the created session back (Idempotent-Replayed); earlier ones run the work again.
const KEY = 'sgk_idempotency_crash_key_000000000000';
const ROUNDS = 20;
const LOOPS = 6;
const LEASE_MS = 2_000;

let database: TestDatabase;
const started: Gateway[] = [];
afterAll(async () => {
  for (const g of started) await g.kill();
  await database?.drop();
});

async function start(): Promise<Gateway> {
  const g = await startGateway({ DATABASE_URL: database.url, BOOTSTRAP_API_KEY: KEY, RATE_LIMIT_PER_MINUTE: '0', IDEMPOTENCY_LEASE_MS: String(LEASE_MS) });
  started.push(g);
  return g;
}

const create = (gw: Gateway, key: string, agent?: Agent) =>
  httpCall(gw.url, 'POST', '/api/v1/sessions', { key: KEY, body: { name: key }, headers: { 'idempotency-key': key }, agent, timeoutMs: 20_000 });

describe('Idempotency-Key across SIGKILL', () => {
  it(`${ROUNDS} rounds of kill -9 mid-create: every key ends in exactly one session, none stuck past the lease`, async () => {
    database = await createTestDatabase();
    const tally = { answered: 0, unanswered: 0, recovered: 0, rerun: 0 };
    let gw = await start();
    for (let round = 1; round <= ROUNDS; round++) {
      /** Every key sent this round, with the id the client was told (if any). */
      const told = new Map<string, string | undefined>();
      let killed = false;
      const agent = new Agent({ keepAlive: true, maxSockets: LOOPS });
      const loop = async (n: number) => {
        for (let i = 0; !killed; i++) {
          const key = `r${round}-${n}-${i}`;
          told.set(key, undefined);
          const c = await create(gw, key, agent);
          if (c.status === 201) told.set(key, c.body.id);
          else if (c.status !== undefined) throw new Error(`create answered ${c.status}: ${c.text}`);
          else await sleep(20); // the process is gone
        }
      };
      const loops = Array.from({ length: LOOPS }, (_, n) => loop(n));
      await waitUntil('some sessions created', () => [...told.values()].filter(Boolean).length >= 5, 30_000);
      await sleep(Math.floor(Math.random() * 300));
      await within(gw.kill(), 10_000, 'SIGKILL');
      killed = true;
      await within(Promise.all(loops), 30_000, 'load loops');
      agent.destroy();
      const killedAt = Date.now();

      gw = await start();
      for (const [key, id] of told) {
        if (id) tally.answered++;
        else tally.unanswered++;
        let r = await create(gw, key);
        // In progress only while the dead attempt's lease runs; after it a retry takes over.
        while (r.status === 409) {
          expect(r.body.message).toMatch(/still in progress/);
          expect(Number(r.headers!['retry-after'])).toBeGreaterThanOrEqual(1);
          expect(Date.now() - killedAt, `${key} stuck past the lease`).toBeLessThan(LEASE_MS + 15_000);
          await sleep(200);
          r = await create(gw, key);
        }
        expect(r.status, `${key}: ${r.text}`).toBe(201);
        if (id) expect(r.body.id, key).toBe(id);
        if (!id) tally[r.headers!['idempotent-replayed'] === 'true' ? 'recovered' : 'rerun']++;
        // And from now on the stored answer, every time.
        const again = await create(gw, key);
        expect([again.status, again.body.id, again.headers!['idempotent-replayed']]).toEqual([201, r.body.id, 'true']);
      }
      const sql = await openSql(database.url);
      try {
        const rows = await sql.all<{ name: string; n: number | string }>(`SELECT name, count(*) AS n FROM "Session" WHERE name LIKE 'r${round}-%' GROUP BY name`);
        const counts = new Map(rows.map((r) => [r.name, Number(r.n)]));
        for (const key of told.keys()) expect(counts.get(key) ?? 0, `sessions named ${key}`).toBe(1);
        expect(counts.size).toBe(told.size);
      } finally {
        await sql.close();
      }
    }
    expect(await gw.stop()).toBe(0);
    console.log(`idempotency crash: ${ROUNDS} rounds, ${tally.answered} answered before the kill, ${tally.unanswered} not: ${tally.recovered} read back, ${tally.rerun} run again`);
  }, 600_000);
});
