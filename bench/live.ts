/**
 * `npm run bench:live` — live sessions (issue 17): open subscriptions, commit → subscriber latency, RSS
 * per open stream, and the paged timeline's cost at 10 vs 10,000 events. Builds nothing itself: run
 * `npm run build` first (the npm script does). Writes bench/results/live-<engine>.{json,md}.
 *
 *   npm run bench:live -- [--subscriptions 1000] [--sessions 100] [--rounds 200] [--pages 300]
 *                         [--engine sqlite|postgresql] (postgresql needs BENCH_DATABASE_URL)
 *                         [--instances 2] (PostgreSQL: writes through A, subscriptions held on B)
 *                         [--page-rounds 5] [--out bench/results]
 * `npm run bench` runs it too (bench/parts.ts) and takes its targets into latest.json.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { dist } from './dist';
import { expectStatus, pool } from './http';
import { memoryOf, onCleanup, RATE_LIMIT_UNREACHABLE, ROOT, runCleanups, startServer } from './processes';

const SUBSCRIPTIONS_PER_SOCKET = 10;
const OPEN_BATCH = 100;
const { values } = parseArgs({
  options: {
    subscriptions: { type: 'string', default: '1000' },
    sessions: { type: 'string', default: '100' },
    rounds: { type: 'string', default: '200' },
    pages: { type: 'string', default: '300' },
    engine: { type: 'string', default: 'sqlite' },
    instances: { type: 'string', default: '1' },
    'page-rounds': { type: 'string', default: '5' },
    out: { type: 'string' },
  },
});
/** Events per measured timeline page: half of the small timeline's 10, so both pages are full. */
const PAGE_EVENTS = 5;
/** The timeline pages at 10 and at 10,000 events run interleaved, in this many rounds (≥ 3). */
const PAGE_ROUNDS = Math.max(3, Number(values['page-rounds']));
const SUBS = Number(values.subscriptions);
const SESSIONS = Number(values.sessions);
const ROUNDS = Number(values.rounds);
const PAGES = Number(values.pages);
const engine = values.engine === 'postgresql' ? 'postgresql' : 'sqlite';
/** 2: two gateways on one PostgreSQL schema; the events are written through A, the streams held on B. */
const INSTANCES = Number(values.instances);
if (INSTANCES !== 1 && INSTANCES !== 2) throw new Error('--instances is 1 or 2');
if (INSTANCES === 2 && engine !== 'postgresql') throw new Error('--instances 2 needs --engine postgresql (instances share a PostgreSQL database)');
const RESULT_NAME = INSTANCES === 2 ? `live-${engine}-2` : `live-${engine}`;

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};
const r2 = (x: number) => Math.round(x * 100) / 100;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function database(): Promise<string> {
  if (engine === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'sg-bench-live-'));
    onCleanup(() => rmSync(dir, { recursive: true, force: true }));
    return `file:${join(dir, 'live.db')}`;
  }
  const base = process.env.BENCH_DATABASE_URL;
  if (!base) throw new Error('--engine postgresql needs BENCH_DATABASE_URL');
  const schema = `bench_live_${randomBytes(4).toString('hex')}`;
  const url = new URL(base);
  url.searchParams.set('schema', schema);
  const pg = await import('pg');
  onCleanup(async () => {
    const c = new pg.default.Client({ connectionString: base });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await c.end();
  });
  return url.toString();
}

function startLiveGateway(name: string, url: string, key: string) {
  return startServer(
    name,
    process.execPath,
    [join(ROOT, 'dist', 'main.js')],
    {
      DATABASE_URL: url,
      PORT: '0',
      HOST: '127.0.0.1',
      SMTP_PORT: '0',
      LOG_LEVEL: 'warn',
      BOOTSTRAP_API_KEY: key,
      RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT_UNREACHABLE),
      MAX_STREAMS_PER_KEY: String(SUBS + 10),
      NODE_ENV: 'production',
    },
    /REST:\s+http:\/\/[^\s:]+:(\d+)\//,
  );
}

async function main() {
  const key = `sgk_bench_live_${randomBytes(12).toString('hex')}`;
  const url = await database();
  // The subscriptions' instance (B); with --instances 2 the writes go through another one (A).
  const gw = await startLiveGateway('gateway', url, key);
  const writer = INSTANCES === 2 ? await startLiveGateway('gateway-a', url, key) : gw;
  const base = gw.url;
  const writeBase = writer.url;
  const sessions: string[] = new Array(SESSIONS);
  await pool(SESSIONS, 8, async (i) => {
    sessions[i] = (await expectStatus(201, base, key, 'POST', '/api/v1/sessions', { name: `live-${i}` })).id;
  });

  // --- open subscriptions: SUBS over SESSIONS sessions, SUBSCRIPTIONS_PER_SOCKET per socket ----------
  const arrivals = new Map<string, number[]>(); // inbox id (of its inbox.created event) -> arrival times
  const open = (count: number, first = 0) => {
    const opened: Client[] = [];
    const ready: Promise<void>[] = [];
    for (let i = 0; i < count; i++) {
      if (i % SUBSCRIPTIONS_PER_SOCKET === 0) {
        opened.push(createClient({ url: `${base.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${key}` }, retryAttempts: 0, lazy: false }));
      }
      const client = opened.at(-1)!;
      const sessionId = sessions[(first + i) % SESSIONS];
      ready.push(
        new Promise<void>((resolve) => {
          let first = true;
          client.subscribe(
            { query: 'subscription($id: ID!) { sessionEvents(sessionId: $id) { type payload } }', variables: { id: sessionId } },
            {
              next: (r: any) => {
                const now = performance.now();
                const { type, payload } = r.data.sessionEvents;
                if (type === 'inbox.created') (arrivals.get(payload.inboxId) ?? arrivals.set(payload.inboxId, []).get(payload.inboxId)!).push(now);
                if (first) ((first = false), resolve());
              },
              error: (e) => console.error('subscription error', e),
              complete: () => {},
            },
          );
        }),
      );
    }
    // Resolves once every subscription has its session.created: all are live.
    return Promise.all(ready).then(() => opened);
  };
  // Warm-up: the first subscriptions compile code and fill caches once per process, not per stream.
  for (const c of await open(2 * SUBSCRIPTIONS_PER_SOCKET)) await c.dispose();
  // RSS moves with garbage not yet collected: the median of a few samples, once things settled.
  const settledRss = async () => {
    await sleep(2000);
    const samples: number[] = [];
    for (let i = 0; i < 5; i++, await sleep(300)) samples.push(memoryOf(gw.pid)!.rssMB);
    return pct(samples, 50);
  };
  const rssBefore = await settledRss();
  // Opened 100 at a time (10 sockets), as clients arrive over time: opened all at once, each stream's
  // session and catch-up reads queue for PostgreSQL's pool together, and that burst's high-water mark
  // stays in RSS (44 KB per stream on PostgreSQL; heap snapshots showed the same 7 KB retained as SQLite).
  const clients: Client[] = [];
  for (let opened = 0; opened < SUBS; opened += OPEN_BATCH) clients.push(...(await open(Math.min(OPEN_BATCH, SUBS - opened), opened)));
  const rssAfter = await settledRss();
  const perStreamKB = ((rssAfter - rssBefore) * 1024) / SUBS;

  // --- commit → every subscriber --------------------------------------------------------------------
  const perSession = SUBS / SESSIONS;
  const latencies: number[] = [];
  const fromSend: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const sessionId = sessions[round % SESSIONS];
    const sent = performance.now();
    const inbox = await expectStatus(201, writeBase, key, 'POST', '/api/v1/inboxes', { sessionId });
    const answered = performance.now();
    const until = Date.now() + 30_000;
    while ((arrivals.get(inbox.id)?.length ?? 0) < perSession) {
      if (Date.now() > until) throw new Error(`the inbox.created of ${inbox.id} reached ${arrivals.get(inbox.id)?.length ?? 0} of ${perSession} subscribers in 30 s`);
      await new Promise((r) => setTimeout(r, 1));
    }
    const last = Math.max(...arrivals.get(inbox.id)!);
    // The commit happened between sending the write and its 201: from the 201 (may undercount; a
    // subscriber can hold the event before the writer hears 201) and from the send (overcounts).
    latencies.push(Math.max(0, last - answered));
    fromSend.push(last - sent);
  }

  // --- paged timeline cost at 10 vs 10,000 events ---------------------------------------------------
  const { createDatabase } = dist.client();
  const { newId } = dist.ids();
  const db = await createDatabase({ url });
  const small = sessions[0];
  const big = (await expectStatus(201, base, key, 'POST', '/api/v1/sessions', { name: 'live-big' })).id;
  const owner = (await db.prisma.session.findUniqueOrThrow({ where: { id: big } })).ownerId;
  const rows = Array.from({ length: 9_999 }, (_, i) => ({ id: newId('event'), ownerId: owner, sessionId: big, type: 'bench.tick', payload: { i }, createdAt: new Date() }));
  // The small session gets to 10 events (it has session.created and the rounds' inbox.created).
  const smallOwner = (await db.prisma.session.findUniqueOrThrow({ where: { id: small } })).ownerId;
  const smallHas = await db.prisma.event.count({ where: { sessionId: small } });
  const smallRows = Array.from({ length: Math.max(0, 10 - smallHas) }, (_, i) => ({ id: newId('event'), ownerId: smallOwner, sessionId: small, type: 'bench.tick', payload: { i }, createdAt: new Date() }));
  await db.tx(async (tx) => {
    for (let i = 0; i < rows.length; i += 1000) await tx.event.createMany({ data: rows.slice(i, i + 1000) });
    await tx.event.createMany({ data: smallRows });
  });
  const smallCount = await db.prisma.event.count({ where: { sessionId: small } });
  await db.close();
  // The same page from the middle of each timeline: PAGE_EVENTS events after the cursor of the event
  // before its middle, so both pages hold the same number of events and only the timeline's length
  // differs (a limit of 50 answered 50 events at 10,000 but 4 at 10, a ratio of page sizes). The two
  // sessions are measured in interleaved rounds (10, 10k / 10k, 10 / …), so drift in the machine's load
  // hits both alike; the ratio is the median of the per-round ratios of the mean page time.
  const middle = async (sessionId: string) => {
    const all = await collectCursors(base, key, sessionId);
    return { events: all.length, cursor: all[Math.floor(all.length / 2) - 1] };
  };
  const pages = { small: await middle(small), large: await middle(big) };
  const perRound = Math.max(1, Math.round(PAGES / PAGE_ROUNDS));
  const pageRound = async (sessionId: string, cursor: string) => {
    const times: number[] = [];
    for (let i = 0; i < perRound; i++) {
      const t = performance.now();
      await expectStatus(200, base, key, 'GET', `/api/v1/sessions/${sessionId}/timeline?limit=${PAGE_EVENTS}&after=${cursor}`);
      times.push(performance.now() - t);
    }
    return times;
  };
  await pageRound(small, pages.small.cursor); // warm-up, not measured
  await pageRound(big, pages.large.cursor);
  const times = { small: [] as number[], large: [] as number[] };
  const roundMeans = { small: [] as number[], large: [] as number[] };
  for (let r = 0; r < PAGE_ROUNDS; r++) {
    for (const which of r % 2 ? (['large', 'small'] as const) : (['small', 'large'] as const)) {
      const t = await pageRound(which === 'small' ? small : big, pages[which].cursor);
      times[which].push(...t);
      roundMeans[which].push(t.reduce((a, b) => a + b, 0) / t.length);
    }
  }
  const stats = (xs: number[]) => ({ p50: r2(pct(xs, 50)), mean: r2(xs.reduce((a, b) => a + b, 0) / xs.length) });
  const small10 = { events: pages.small.events, ...stats(times.small), roundMeans: roundMeans.small.map(r2) };
  const big10k = { events: pages.large.events, ...stats(times.large), roundMeans: roundMeans.large.map(r2) };
  const ratios = roundMeans.large.map((l, i) => l / roundMeans.small[i]!);
  const pageRatio = { ratio: r2(pct(ratios, 50)), min: r2(Math.min(...ratios)), max: r2(Math.max(...ratios)), rounds: ratios.length };

  for (const c of clients) await c.dispose();
  const result = {
    engine,
    instances: INSTANCES,
    at: new Date().toISOString(),
    subscriptions: SUBS,
    sessions: SESSIONS,
    rounds: ROUNDS,
    commitToAllSubscribersMs: { p50: r2(pct(latencies, 50)), p99: r2(pct(latencies, 99)), max: r2(Math.max(...latencies)) },
    writeSentToAllSubscribersMs: { p50: r2(pct(fromSend, 50)), p99: r2(pct(fromSend, 99)) },
    rss: { beforeMB: r2(rssBefore), afterMB: r2(rssAfter), perStreamKB: r2(perStreamKB) },
    timelinePage: { small: { ...small10, events: smallCount }, large: big10k, ratio: pageRatio.ratio, spread: { min: pageRatio.min, max: pageRatio.max, rounds: pageRatio.rounds }, pagesPerRound: perRound, eventsPerPage: PAGE_EVENTS },
    note:
      'Indicative: a shared 2-core machine, one run. Latency is from the write’s 201 to the last of its session’s subscribers holding the event.' +
      (INSTANCES === 2 ? ' Two instances on one PostgreSQL: the writes went through instance A, the subscriptions were held on B (LISTEN/NOTIFY); RSS is B’s.' : ''),
  };
  const out = values.out ?? join(ROOT, 'bench', 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, `${RESULT_NAME}.json`), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(
    join(out, `${RESULT_NAME}.md`),
    [
      `# Live sessions benchmark (${engine}${INSTANCES === 2 ? ', 2 instances' : ''}, ${result.at})`,
      '',
      result.note,
      '',
      '| measure | value | target |',
      '|---|---|---|',
      `| commit → all ${perSession} subscribers of the session, p50 / p99 (${ROUNDS} writes, ${SUBS} subscriptions over ${SESSIONS} sessions) | ${result.commitToAllSubscribersMs.p50} / ${result.commitToAllSubscribersMs.p99} ms | ${INSTANCES === 2 ? 'p99 ≤ 100 ms (across instances)' : engine === 'sqlite' ? 'p99 ≤ 50 ms (SQLite)' : ''} |`,
      `| write sent → all subscribers (includes the write's own request), p50 / p99 | ${result.writeSentToAllSubscribersMs.p50} / ${result.writeSentToAllSubscribersMs.p99} ms | |`,
      `| server RSS per open subscription | ${result.rss.perStreamKB} KB (${result.rss.beforeMB} → ${result.rss.afterMB} MB) | ≤ 20 KB |`,
      `| timeline page (${PAGE_EVENTS}) at ${small10.events} events, mean | ${small10.mean} ms | |`,
      `| timeline page (${PAGE_EVENTS}) at ${big10k.events} events, mean | ${big10k.mean} ms | within 1.5× |`,
      `| ratio (median of ${pageRatio.rounds} interleaved rounds; ${pageRatio.min}–${pageRatio.max}) | ${result.timelinePage.ratio} | ≤ 1.5 |`,
      '',
    ].join('\n'),
  );
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

async function collectCursors(base: string, key: string, sessionId: string): Promise<string[]> {
  const cursors: string[] = [];
  let next: string | null = null;
  do {
    const q: string = next ? `&after=${next}` : '';
    const page = await expectStatus(200, base, key, 'GET', `/api/v1/sessions/${sessionId}/timeline?limit=500${q}`);
    cursors.push(...page.events.map((e: any) => e.cursor));
    next = page.next;
  } while (next);
  return cursors;
}

main()
  .catch((err) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  })
  .finally(() => runCleanups());
