/**
 * Seeding for the benchmark.
 *
 * - seedViaApi: sessions through the running gateway's REST API (default, up to --seed-api-max).
 * - seedDirect: the fast path for 100k: createDatabase() from dist/ and batched createMany of sessions
 *   plus their timeline events, owned by the bench key's owner. Also a CLI:
 *     npx tsx bench/seed.ts --database-url file:/tmp/x.db --api-key sgk_… --sessions 100000
 * - seedRich: sessions with one inbox and one wait each, through the API, created last so they are the
 *   newest (the nested GraphQL scenario lists them; the by-id scenarios rotate over them).
 *
 * Status mix everywhere: 20 % completed, 10 % failed, 70 % active.
 */
import { createHash } from 'node:crypto';
import { dist } from './dist';
import { call, expectStatus, pool } from './http';
import { progressBar } from './progress';

type Status = 'active' | 'completed' | 'failed';

export function statusFor(i: number): Status {
  if (i % 5 === 4) return 'completed';
  if (i % 10 === 2) return 'failed';
  return 'active';
}

export async function seedViaApi(base: string, key: string, count: number, concurrency = 8): Promise<void> {
  const bar = progressBar('seeding sessions (API)   ', count);
  let done = 0;
  await pool(count, concurrency, async (i) => {
    const s = await expectStatus(201, base, key, 'POST', '/api/v1/sessions', { name: `bench-seed-${i}`, metadata: { bench: true, i } });
    const status = statusFor(i);
    if (status === 'completed') await expectStatus(200, base, key, 'POST', `/api/v1/sessions/${s.id}/complete`);
    if (status === 'failed') await expectStatus(200, base, key, 'POST', `/api/v1/sessions/${s.id}/fail`, { reason: 'seeded as failed' });
    if (++done % 50 === 0) bar.update(done);
  });
  bar.finish();
}

/** Sessions with 1 inbox + 1 wait each (the wait stays pending, deadline 600 s), newest of all. */
export async function seedRich(base: string, key: string, count: number): Promise<string[]> {
  const ids: string[] = new Array(count);
  await pool(count, 4, async (i) => {
    const s = await expectStatus(201, base, key, 'POST', '/api/v1/sessions', { name: `bench-rich-${i}`, metadata: { bench: true, rich: i } });
    const inbox = await expectStatus(201, base, key, 'POST', '/api/v1/inboxes', { sessionId: s.id, ttlSeconds: 7200 });
    await expectStatus(201, base, key, 'POST', '/api/v1/waits', { inboxId: inbox.id, type: 'otp', timeoutSeconds: 600 });
    ids[i] = s.id;
  });
  return ids;
}

interface SessionRow {
  id: string;
  ownerId: string;
  name: string;
  status: Status;
  metadata: object;
  failureReason: string | null;
  createdAt: Date;
  updatedAt: Date;
  completedAt: Date | null;
}

interface EventRow {
  id: string;
  ownerId: string;
  sessionId: string;
  type: string;
  payload: object;
  createdAt: Date;
}

/** The fast path: batched inserts straight into the database (100k sessions: a few minutes on a busy 2-core box). */
export async function seedDirect(databaseUrl: string, apiKey: string, count: number, batchSize = 1000): Promise<void> {
  const { createDatabase } = dist.client();
  const { newId } = dist.ids();
  const db = await createDatabase({ url: databaseUrl, poolSize: 2 });
  try {
    const hash = createHash('sha256').update(apiKey).digest('hex');
    const key = await db.prisma.apiKey.findUnique({ where: { hash } });
    if (!key) throw new Error('the bench API key is not in the database (start the gateway with BOOTSTRAP_API_KEY first)');
    const ownerId = key.ownerId;
    const bar = progressBar('seeding sessions (direct)', count);
    // Oldest first, one second apart, ending a minute ago: API-created sessions are always newer.
    const start = Date.now() - 60_000 - count * 1000;
    for (let from = 0; from < count; from += batchSize) {
      const sessions: SessionRow[] = [];
      const events: EventRow[] = [];
      for (let i = from; i < Math.min(count, from + batchSize); i++) {
        const id = newId('session');
        const createdAt = new Date(start + i * 1000);
        const status = statusFor(i);
        const endedAt = status === 'active' ? null : new Date(createdAt.getTime() + 500);
        sessions.push({
          id,
          ownerId,
          name: `bench-seed-${i}`,
          status,
          metadata: { bench: true, i },
          failureReason: status === 'failed' ? 'seeded as failed' : null,
          createdAt,
          updatedAt: endedAt ?? createdAt,
          completedAt: status === 'completed' ? endedAt : null,
        });
        events.push({ id: newId('event'), ownerId, sessionId: id, type: 'session.created', payload: { sessionId: id }, createdAt });
        if (endedAt) {
          const payload = status === 'failed' ? { sessionId: id, reason: 'seeded as failed' } : { sessionId: id };
          events.push({ id: newId('event'), ownerId, sessionId: id, type: `session.${status}`, payload, createdAt: endedAt });
        }
      }
      const perStatus = new Map<string, number>();
      for (const row of sessions) perStatus.set(row.status, (perStatus.get(row.status) ?? 0) + 1);
      await db.tx(async (tx) => {
        await tx.session.createMany({ data: sessions });
        await tx.event.createMany({ data: events });
        // The gateway keeps per-owner session counts in step with the rows (list totals read them).
        for (const [status, n] of perStatus) {
          await tx.$executeRaw`
            INSERT INTO "SessionCount" ("ownerId", "status", "count") VALUES (${ownerId}, ${status}, ${n})
            ON CONFLICT ("ownerId", "status") DO UPDATE SET "count" = "SessionCount"."count" + excluded."count"`;
        }
      });
      bar.update(Math.min(count, from + batchSize));
    }
    bar.finish();
    // Planner statistics, as autovacuum keeps them on a default PostgreSQL (a growing table is analyzed
    // every 10 % or so). Seeded in a minute, the tables had none, and on a server with autovacuum off (this
    // machine's) never would: the active-sessions list then planned a bitmap scan of all 70,000 active rows
    // and a sort, 31 ms a query instead of 0.05 (0.05 × the list at 1,000 by req/s).
    if (db.provider === 'postgresql') await db.prisma.$executeRawUnsafe('ANALYZE "Session", "Event", "SessionCount"');
  } finally {
    await db.close();
  }
}

/** A quick sanity check that the key works against a server (used before seeding). */
export async function checkKey(base: string, key: string): Promise<void> {
  const reply = await call(base, key, 'GET', '/api/v1/sessions?limit=1');
  if (reply.status !== 200) throw new Error(`the bench key is refused: ${reply.status} ${JSON.stringify(reply.body)}`);
}

if (require.main === module) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const url = arg('database-url');
  const key = arg('api-key');
  const sessions = Number(arg('sessions') ?? 100_000);
  if (!url || !key || !Number.isInteger(sessions) || sessions < 1) {
    process.stderr.write('usage: tsx bench/seed.ts --database-url <url> --api-key <key> [--sessions 100000]\n');
    process.exit(2);
  }
  seedDirect(url, key, sessions).catch((err) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
