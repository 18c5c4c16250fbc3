import { Agent } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { type Gateway, httpCall, openSql, sleep, startGateway, waitUntil, within } from './helpers';

// SIGKILL at a random moment under load, three times over, on the same database: whatever the
// clients were told (201 created, 200 completed) survives, and nothing is half-written — no session
// without its session.created event, no event pointing at a session that does not exist, no session
// whose status and events disagree. SQLite relies on WAL + synchronous=FULL, PostgreSQL on its commit.
const KEY = 'sgk_durability_test_key_000000000000000';
const ROUNDS = 3;
const LOOPS = 8;

let database: TestDatabase;
const started: Gateway[] = [];

afterAll(async () => {
  for (const g of started) await g.kill();
  await database?.drop();
});

async function start(): Promise<Gateway> {
  const g = await startGateway({ DATABASE_URL: database.url, BOOTSTRAP_API_KEY: KEY, RATE_LIMIT_PER_MINUTE: '0' });
  started.push(g);
  return g;
}

/** What clients were told: created (201), and for some also completed (200). */
const acknowledged = new Map<string, { completed: boolean }>();

/** Every acknowledged session, read through the API of a freshly started gateway. */
async function checkAcknowledged(gw: Gateway): Promise<void> {
  const problems: string[] = [];
  const ids = [...acknowledged.keys()];
  for (let i = 0; i < ids.length; i += 16) {
    await Promise.all(
      ids.slice(i, i + 16).map(async (id) => {
        const s = await httpCall(gw.url, 'GET', `/api/v1/sessions/${id}`, { key: KEY });
        const t = await httpCall(gw.url, 'GET', `/api/v1/sessions/${id}/timeline`, { key: KEY });
        if (s.status !== 200 || t.status !== 200) return void problems.push(`${id}: session ${s.status ?? s.error}, timeline ${t.status ?? t.error}`);
        const types: string[] = t.body.events.map((e: { type: string }) => e.type);
        if (types[0] !== 'session.created') problems.push(`${id}: timeline starts ${JSON.stringify(types)}`);
        if (acknowledged.get(id)!.completed) {
          if (s.body.status !== 'completed') problems.push(`${id}: completed (200) but now ${s.body.status}`);
          if (!types.includes('session.completed')) problems.push(`${id}: completed (200) but no session.completed event`);
        }
      }),
    );
  }
  expect(problems).toEqual([]);
}

/** The whole database, behind the gateway's back: no half-written session anywhere. */
async function checkNothingHalfWritten(): Promise<number> {
  const sql = await openSql(database.url);
  try {
    if (sql.engine === 'sqlite') expect(await sql.all('PRAGMA integrity_check')).toEqual([{ integrity_check: 'ok' }]);
    const createdEvent = `EXISTS (SELECT 1 FROM "Event" e WHERE e."sessionId" = s.id AND e.type = 'session.created')`;
    const completedEvent = `EXISTS (SELECT 1 FROM "Event" e WHERE e."sessionId" = s.id AND e.type = 'session.completed')`;
    expect(await sql.all(`SELECT s.id FROM "Session" s WHERE NOT ${createdEvent}`), 'sessions without session.created').toEqual([]);
    expect(
      await sql.all(`SELECT e.id, e."sessionId" FROM "Event" e WHERE e."sessionId" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "Session" s WHERE s.id = e."sessionId")`),
      'events of sessions that do not exist',
    ).toEqual([]);
    expect(
      await sql.all(`SELECT s.id, s.status FROM "Session" s WHERE (s.status = 'completed') <> (${completedEvent})`),
      'sessions whose status and events disagree',
    ).toEqual([]);
    const [{ n }] = await sql.all<{ n: number | string }>(`SELECT count(*) AS n FROM "Session"`);
    return Number(n);
  } finally {
    await sql.close();
  }
}

describe('SIGKILL under load', () => {
  it(`${ROUNDS} rounds of kill -9 at a random moment: every acknowledged write survives, none is half-written`, async () => {
    database = await createTestDatabase();
    const report: string[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const gw = await start();
      await checkAcknowledged(gw); // what the earlier rounds acknowledged, after their kill

      let killed = false;
      let createdThisRound = 0;
      const agent = new Agent({ keepAlive: true, maxSockets: LOOPS });
      const loop = async (n: number) => {
        for (let i = 0; !killed; i++) {
          const c = await httpCall(gw.url, 'POST', '/api/v1/sessions', { key: KEY, body: { name: `r${round}-${n}-${i}` }, agent, timeoutMs: 20_000 });
          if (c.status === 201) {
            acknowledged.set(c.body.id, { completed: false });
            createdThisRound++;
            if (i % 2 === 0) {
              const done = await httpCall(gw.url, 'POST', `/api/v1/sessions/${c.body.id}/complete`, { key: KEY, agent, timeoutMs: 20_000 });
              if (done.status === 200) acknowledged.set(c.body.id, { completed: true });
              else if (done.status !== undefined) throw new Error(`complete answered ${done.status}: ${done.text}`);
            }
          } else if (c.status !== undefined) {
            throw new Error(`create answered ${c.status}: ${c.text}`);
          } else {
            await sleep(20); // the process is gone: don't spin
          }
        }
      };
      const loops = Array.from({ length: LOOPS }, (_, n) => loop(n));
      // Some load first, then a random moment in the next 1.5 s.
      await waitUntil('some sessions created', () => createdThisRound >= 10, 30_000);
      await sleep(Math.floor(Math.random() * 1500));
      await within(gw.kill(), 10_000, 'SIGKILL');
      killed = true;
      await within(Promise.all(loops), 30_000, 'load loops');
      agent.destroy();
      expect((await gw.exited).signal).toBe('SIGKILL');
      report.push(`round ${round}: ${createdThisRound} created`);
    }

    const gw = await start();
    await checkAcknowledged(gw);
    expect(await gw.stop()).toBe(0);
    const total = await checkNothingHalfWritten();
    expect(total).toBeGreaterThanOrEqual(acknowledged.size);
    console.log(`durability: ${report.join('; ')}; ${acknowledged.size} acknowledged, ${total} in the database (${total - acknowledged.size} committed but never answered), all intact`);
  }, 240_000);
});
