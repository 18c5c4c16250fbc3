/**
 * The held-waits scenario (`npm run bench -- --only held [--held 10000] [--held-window 15]`): what N
 * long-polls cost a gateway while nothing happens, and what they do to by-id latency.
 *
 * One gateway (MAX_HELD_PER_KEY raised to N + streams), N waits (one long-poll each, `waitSeconds=60`, sent again
 * when one answers still pending), and beside them `streams` open event streams (half SSE, half
 * graphql-ws; bench/held-streams.ts). A second gateway of the same build, the control, has a database
 * seeded the same way and never holds anything: each by-id measurement alternates slices between the two,
 * so the machine's speed, which drifts by more than 1.5× over minutes on a shared VM, is the same for
 * both sides of the ratio. Measured, in this order:
 *   1. none held: the gateway's idle CPU over the window, and by-id (REST) latency beside the control's
 *      (their ratio, with nothing different between them, is the method's own noise);
 *   2. N held: after settling (settle()), the same idle CPU window (no long-poll ends inside it: holding, settling,
 *      the window and the by-id run fit in the 60 s a long-poll is held), RSS growth per held wait,
 *      SQL statements over the window per held wait, and by-id latency beside the control's: the target;
 *   3. none held again (the long-polls' clients gone): by-id beside the control's, a second calibration.
 * The CPU is the gateway process's own (user + system from /proc), not the machine's; on PostgreSQL also
 * that of the database backends serving the gateway's connections (found by their client ports).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dist } from './dist';
import { openStreams, streamSessions } from './held-streams';
import { expectStatus, pool } from './http';
import { cpuSecondsOf, dropSchema, memoryOf, type ServerProcess, startGatewayWith } from './processes';
import { median, round } from './report';
import { cannon, scenarios, summarize } from './scenarios';
import { seedRich } from './seed';
import { serverMetric, serverMetrics, serverStatementCount, STATEMENTS_SAMPLE } from './statements';

export interface HeldOptions {
  engine: 'sqlite' | 'postgresql';
  /** Long-polls held at once. */
  held: number;
  /** Seconds of the idle measurement window. */
  windowS: number;
  /** Seconds of each by-id measurement. */
  byIdS: number;
  connections: number;
  /** Long-polls opened per second while holding starts (clients arrive over time, not in one instant). */
  rate: number;
  /** Open event streams beside the long-polls (half SSE, half graphql-ws); 0 for none. */
  streams: number;
}

export interface HeldResult {
  held: number;
  streams: number;
  windowS: number;
  idle: {
    /** Gateway CPU over the window, % of one core. */
    cpuPercentNoneHeld: number | null;
    cpuPercentHeld: number | null;
    /** PostgreSQL only: the gateway's own database backends over the window, % of one core. */
    dbCpuPercentNoneHeld: number | null;
    dbCpuPercentHeld: number | null;
    /** SQL statements the gateway ran over the window (background work included). */
    statementsNoneHeld: number | null;
    statementsHeld: number | null;
    /** (statementsHeld − statementsNoneHeld) / held, over the window. */
    statementsPerHeldWait: number | null;
    /** Long-polls that answered inside the held window (should be 0: nothing happened). */
    answeredInWindow: number;
    /** Full collections inside each window (0 when settling waited them out). */
    majorCollectionsNoneHeld: number | null;
    majorCollectionsHeld: number | null;
    /** Settling before each window: seconds, full collections and gateway CPU (% of one core). */
    settledNoneHeld: Settled;
    settledHeld: Settled;
    /** The long-polls' 60 s cycle the held window was in (1: the first; later when the reducer had not run in time). */
    heldCycle: number;
  };
  /**
   * RSS before, with the streams open (before the long-polls), and with both (after the window); per
   * held item = (both − before) / (long-polls + streams). The split between the two kinds is rough
   * (garbage not yet collected moves between the samples).
   */
  memory: { rssBeforeMB: number; rssStreamsMB: number; rssHeldMB: number; rssPerHeldWaitKB: number; rssPerLongPollKB: number; rssPerStreamKB: number | null };
  byId: {
    noneBefore: SideBySide;
    held: SideBySide;
    /** Settling before the run beside N held (after the long-polls were sent again at their 60 s). */
    heldSettled: Settled;
    noneAfter: SideBySide;
    /** The target: by-id p99 of the gateway holding N over the control's, slices interleaved (held.p99Ratio). */
    p99Ratio: number;
    /** Each held round's ratio (the gateway's slice over the control's beside it): the spread. */
    p99RatioRounds: number[];
    /**
     * The earlier, bracketed figure, for comparison only: the gateway's held p99 over the mean of its own
     * none-held p99s, minutes apart (it moved with the machine: 1.74 where the control's ratio read ~1).
     */
    p99RatioAcrossPhases: number;
  };
  /** Long-polls refused or failed (429, socket errors): must be 0. */
  holdErrors: Record<string, number>;
  /** Streams refused or closed (must be 0), and events they received while idle (should be 0). */
  streamErrors: Record<string, number>;
  streamEventsInWindow: number;
  secondsToHoldAll: number;
}

/** One by-id measurement of both gateways, slices interleaved, and the gateway's p99 over the control's. */
export interface SideBySide {
  subject: ByIdRounds;
  control: ByIdRounds;
  /** Median of the subject's slice p99s / median of the control's. */
  p99Ratio: number;
  /** Round by round: the subject's slice p99 / the control's slice next to it. */
  p99RatioRounds: number[];
}

/** The ratio of two interleaved by-id measurements (pure: test/bench/held-ratio.test.ts). */
export function sideBySide(subject: ByIdRounds, control: ByIdRounds): SideBySide {
  return {
    subject,
    control,
    p99Ratio: round(subject.p99 / control.p99, 2),
    p99RatioRounds: subject.p99Rounds.map((p, i) => round(p / control.p99Rounds[i]!, 2)),
  };
}

/** One by-id measurement: BY_ID_ROUNDS slices, each summarized alone; p50, p99 and req/s are their medians. */
export interface ByIdRounds {
  p50: number;
  p99: number;
  requestsPerSec: number;
  errors: number;
  p99Rounds: number[];
  /** Full collections over the slices (a pause inside one slice shows in its p99, not in the median). */
  majorCollections: number | null;
}

const LONG_POLL_S = 60;
/**
 * Each by-id measurement is this many slices back to back: one p99 over one slice moved 0.7–1.6× with
 * 10,000 held from run to run, as a full collection fell inside it or not.
 */
const BY_ID_ROUNDS = 3;
/**
 * Settling between a burst of work (the seeding, 10,000 arrivals, their renewals) and what is measured
 * after it. Once the allocation rate V8 averages over its last ten scavenges and the time since is low,
 * its memory reducer runs two or three full collections of what the burst left, 0.6 s apart: on SQLite
 * with 10,000 held about 0.8 s of CPU, on PostgreSQL up to 1.5 s. It is paid once per burst, by the
 * burst, and holding costs nothing after it; a window over it read 7–29 % of a core against 1–2.4 %
 * (bench/README.md, "Idle CPU and V8's memory reducer"). Those ten scavenges hold ~100 MB of
 * allocation, so the reducer starts 30–48 s after a burst, on an 8 s tick, later the more the process
 * allocates meanwhile; so settling watches the gateway's CPU in /proc, which costs it nothing, and reads /metrics
 * (~1 MB of allocation at 11,000 connections) only to tell a spell of work for the reducer's
 * collections. It lasts at least SETTLE_MIN_S, then until such a spell is SETTLE_QUIET_S behind, or
 * until `maxS`. What it cost is recorded beside the window, and so are full collections inside it.
 */
const SETTLE_MIN_S = 8;
const SETTLE_QUIET_S = 2;
const SETTLE_SAMPLE_MS = 500;
/** Busier than this over a sample is work (a full collection of 90 MB takes ~90 ms); idle reads 0.5–2 %. */
const SETTLE_BUSY_PERCENT = 10;
/** Before the none-held window, where no long-poll's 60 s limit the wait. */
const SETTLE_MAX_NONE_HELD_S = 45;
/** The 60 s cycles of the long-polls the held window may wait for a settling that sees the reducer done. */
const HELD_CYCLES_MAX = 4;
const MAJOR_COLLECTIONS = 'sessions_gateway_nodejs_gc_duration_seconds_count{kind="major"}';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Keeps one long-poll open per wait id until stop(): a wait's poll is sent again when it answers, or 1 s
 * after it failed (a client that retries at once turns one refusal into a storm of them). The first
 * polls go out at `rate` a second: 10,000 at once overflow the listen backlog (Node's 511) with resets,
 * and on PostgreSQL queue 10,000 first reads for a pool of 10 past its 5 s wait.
 */
function holdAll(base: string, key: string, ids: string[], rate: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  const url = new URL(base);
  let stopped = false;
  let answered = 0;
  let sent = 0;
  const errors: Record<string, number> = {};
  const fail = (what: string) => (errors[what] = (errors[what] ?? 0) + 1);
  /** One long-poll; resolves to whether it was answered 200. */
  const poll = (id: string): Promise<boolean> =>
    new Promise((resolve) => {
      const req = request(
        { host: url.hostname, port: url.port, path: `/api/v1/waits/${id}?waitSeconds=${LONG_POLL_S}`, agent, headers: { authorization: `Bearer ${key}` } },
        (res) => {
          res.resume();
          res.once('end', () => {
            answered++;
            if (res.statusCode !== 200) fail(`HTTP ${res.statusCode}`);
            resolve(res.statusCode === 200);
          });
        },
      );
      req.once('finish', () => sent++);
      req.once('error', (err) => {
        if (!stopped) fail((err as NodeJS.ErrnoException).code ?? err.message);
        resolve(false);
      });
      req.end();
    });
  const loops = ids.map(async (id, i) => {
    await sleep((i / rate) * 1000);
    while (!stopped) if (!(await poll(id))) await sleep(1000);
  });
  const holdStarted = Date.now();
  return {
    /** Until every long-poll was answered and sent again `cycle − 1` times (cycle 2: after their first 60 s), or `timeoutMs` into holding. */
    renewed: async (cycle: number, timeoutMs: number) => {
      const n = ids.length;
      while (!stopped && (answered < (cycle - 1) * n || sent < cycle * n) && Date.now() - holdStarted < timeoutMs) await sleep(200);
    },
    get sent() {
      return sent;
    },
    get answered() {
      return answered;
    },
    errors,
    stop: async () => {
      stopped = true;
      agent.destroy();
      await Promise.allSettled(loops);
    },
  };
}

/**
 * `count` pending OTP waits through the API (100 per inbox, deadlines far past the run), `16` requests
 * at a time per gateway in `bases` (instances on one database share the creating). Exactly what a
 * client's waits are: the OTP bench's background waits are made here too.
 */
export async function createWaits(bases: string[], key: string, count: number, timeoutSeconds = 600): Promise<string[]> {
  const inboxes: string[] = [];
  await pool(Math.ceil(count / 100), 8, async (i) => {
    inboxes.push((await expectStatus(201, bases[i % bases.length]!, key, 'POST', '/api/v1/inboxes', {})).id);
  });
  const ids: string[] = [];
  await pool(count, 16 * bases.length, async (i) => {
    ids.push((await expectStatus(201, bases[i % bases.length]!, key, 'POST', '/api/v1/waits', { inboxId: inboxes[i % inboxes.length], type: 'otp', timeoutSeconds })).id);
  });
  return ids;
}

/** holdAll, once every long-poll was sent and the gateway is done with their first reads. */
export async function holdSettled(base: string, key: string, ids: string[], rate: number, own: (fn: () => Promise<void> | void) => void) {
  const started = Date.now();
  const holder = holdAll(base, key, ids, rate);
  own(() => holder.stop());
  while (holder.sent < ids.length && Date.now() - started < 40_000 + (ids.length / rate) * 1000) await sleep(100);
  await quiet(base);
  await readsDone(base);
  return holder;
}

/** Until the gateway answers /healthz within 50 ms again (its backlog drained). */
async function quiet(base: string): Promise<void> {
  const until = Date.now() + 30_000;
  while (Date.now() < until) {
    const t0 = performance.now();
    const ok = await fetch(`${base}/healthz`).then((r) => r.ok, () => false);
    if (ok && performance.now() - t0 < 50) return;
    await sleep(200);
  }
}

/**
 * The PostgreSQL backend processes serving `gatewayPid`'s connections: the local ports of its TCP
 * sockets to the database (from /proc), matched with pg_stat_activity.client_port. Needs the database
 * on this machine and /proc access to both; [] otherwise.
 */
export async function gatewayBackends(gatewayPid: number, databaseUrl: string): Promise<number[]> {
  try {
    const dbPort = Number(new URL(databaseUrl).port || 5432);
    const inodes = new Set<string>();
    for (const fd of readdirSync(`/proc/${gatewayPid}/fd`)) {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${gatewayPid}/fd/${fd}`));
      if (m) inodes.add(m[1]);
    }
    const ports: number[] = [];
    for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
      for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
        const f = line.trim().split(/\s+/);
        if (f.length < 10 || !inodes.has(f[9])) continue;
        if (parseInt(f[2].split(':')[1], 16) === dbPort) ports.push(parseInt(f[1].split(':')[1], 16));
      }
    }
    if (!ports.length) return [];
    const { Client } = require('pg') as typeof import('pg');
    const url = new URL(databaseUrl);
    url.searchParams.delete('schema');
    const client = new Client({ connectionString: url.toString() });
    await client.connect();
    try {
      const { rows } = await client.query('SELECT pid FROM pg_stat_activity WHERE client_port = ANY($1::int[])', [ports]);
      return rows.map((r) => Number(r.pid));
    } finally {
      await client.end();
    }
  } catch {
    return [];
  }
}

/**
 * CPU seconds the gateway's backends used while it ran: sampled every 500 ms, since the pool opens and
 * closes connections (idle ones after 10 s) and a backend that exits takes its counter with it. Each
 * backend counts from when it was first seen to when it was last seen.
 */
function sampleBackends(gatewayPid: number, databaseUrl: string) {
  const seen = new Map<number, { first: number; last: number }>();
  let stopped = false;
  const tick = async () => {
    for (const pid of await gatewayBackends(gatewayPid, databaseUrl)) {
      const cpu = cpuSecondsOf(pid);
      if (cpu === null) continue;
      const entry = seen.get(pid);
      if (entry) entry.last = cpu;
      else seen.set(pid, { first: cpu, last: cpu });
    }
  };
  const loop = (async () => {
    while (!stopped) {
      await tick();
      await sleep(500);
    }
  })();
  return {
    stop: async (): Promise<number | null> => {
      stopped = true;
      await loop;
      await tick();
      if (!seen.size) return null;
      let total = 0;
      for (const { first, last } of seen.values()) total += last - first;
      return total;
    },
  };
}

/**
 * Until the gateway's statement count grows no faster than its background work (at most 8 a second):
 * every new long-poll reads its wait once, and on PostgreSQL those reads can still queue for the pool
 * while /healthz already answers at once.
 */
async function readsDone(base: string): Promise<void> {
  const until = Date.now() + 30_000;
  let last = await serverStatementCount(base);
  while (last !== null && Date.now() < until) {
    await sleep(1000);
    const now = await serverStatementCount(base);
    if (now === null || now - last <= 8) return;
    last = now;
  }
}

interface Settled {
  seconds: number;
  /** Full collections while settling (V8's after the burst), and the gateway's CPU meanwhile. */
  majorCollections: number | null;
  /** Seconds into settling when the reducer's spell of work ended (null: not seen before `maxS`). */
  lastCollectionS: number | null;
  cpuPercent: number | null;
}

/** Waits out the memory reducer's collections after a burst (SETTLE_MIN_S … maxS). */
async function settle(gateway: ServerProcess, maxS: number): Promise<Settled> {
  const started = Date.now();
  const elapsed = () => (Date.now() - started) / 1000;
  const cpu0 = cpuSecondsOf(gateway.pid);
  const first = await serverMetric(gateway.url, MAJOR_COLLECTIONS);
  // Collections counted before SETTLE_MIN_S belong to the burst's tail, not to the reducer.
  let checked: number | null = null;
  let cpu = cpu0;
  let busyUntil: number | null = null;
  let reducedAt: number | null = null;
  while (elapsed() < maxS) {
    await sleep(Math.min(SETTLE_SAMPLE_MS, (maxS - elapsed()) * 1000));
    const now = cpuSecondsOf(gateway.pid);
    if (now === null || cpu === null) break;
    if (((now - cpu) / (SETTLE_SAMPLE_MS / 1000)) * 100 >= SETTLE_BUSY_PERCENT) busyUntil = Date.now();
    cpu = now;
    if (elapsed() < SETTLE_MIN_S) continue;
    if (checked === null) {
      checked = await serverMetric(gateway.url, MAJOR_COLLECTIONS);
      if (checked === null) break; // an older build without the metric: SETTLE_MIN_S alone
      busyUntil = null;
      continue;
    }
    if (busyUntil === null || Date.now() - busyUntil < SETTLE_QUIET_S * 1000) continue;
    const majors = await serverMetric(gateway.url, MAJOR_COLLECTIONS);
    const spellEnded = busyUntil;
    busyUntil = null;
    // The reducer runs at least two: a spell with fewer was other work (a stream's heartbeat, the sweep).
    if (majors !== null && majors - checked >= 2) {
      reducedAt = spellEnded;
      break;
    }
    if (majors !== null) checked = majors;
  }
  if (elapsed() < SETTLE_MIN_S) await sleep((SETTLE_MIN_S - elapsed()) * 1000);
  const last = await serverMetric(gateway.url, MAJOR_COLLECTIONS);
  const cpu1 = cpuSecondsOf(gateway.pid);
  const seconds = elapsed();
  return {
    seconds: round(seconds, 1),
    majorCollections: first === null || last === null ? null : last - first,
    lastCollectionS: reducedAt === null ? null : round((reducedAt - started) / 1000, 1),
    cpuPercent: cpu0 === null || cpu1 === null ? null : round(((cpu1 - cpu0) / seconds) * 100, 2),
  };
}

/** CPU (% of one core), statements and full collections of the gateway (and its database backends) over `seconds` of doing nothing asked. */
async function idleWindow(gateway: ServerProcess, seconds: number, databaseUrl: string | null): Promise<{ cpuPercent: number | null; dbCpuPercent: number | null; statements: number | null; majorCollections: number | null }> {
  const backends = databaseUrl ? sampleBackends(gateway.pid, databaseUrl) : null;
  const [stmt0, gc0] = await serverMetrics(gateway.url, [STATEMENTS_SAMPLE, MAJOR_COLLECTIONS]);
  const cpu0 = cpuSecondsOf(gateway.pid);
  await sleep(seconds * 1000);
  const cpu1 = cpuSecondsOf(gateway.pid);
  const dbSeconds = backends ? await backends.stop() : null;
  const [stmt1, gc1] = await serverMetrics(gateway.url, [STATEMENTS_SAMPLE, MAJOR_COLLECTIONS]);
  return {
    cpuPercent: cpu0 === null || cpu1 === null ? null : ((cpu1 - cpu0) / seconds) * 100,
    dbCpuPercent: dbSeconds === null ? null : (dbSeconds / seconds) * 100,
    // The /metrics read at the start is one request; it runs no statement.
    statements: stmt0 == null || stmt1 == null ? null : stmt1 - stmt0,
    majorCollections: gc0 == null || gc1 == null ? null : gc1 - gc0,
  };
}

export async function runHeldWaits(
  opts: HeldOptions,
  databaseUrl: string,
  /** The control gateway's database: a fresh one of the same engine, seeded here as the gateway's is. */
  controlDatabaseUrl: string,
  log: (m: string) => void,
  own: (fn: () => Promise<void> | void) => void,
): Promise<HeldResult> {
  const key = `sgk_${dist.ids().randomBase62(40)}`;
  // An open stream takes one of its key's MAX_HELD_PER_KEY slots as a held long-poll does, so the
  // limit covers both (held alone made the long-polls past it answer 429 and be sent again, in a loop).
  const maxHeld = opts.held + opts.streams + 100;
  const env = { MAX_HELD_PER_KEY: String(maxHeld), MAX_STREAMS_PER_KEY: String(opts.streams + 100) };
  const [gateway, control] = await Promise.all([
    startGatewayWith(databaseUrl, key, env),
    startGatewayWith(controlDatabaseUrl, key, env, { name: 'control' }),
  ]);
  own(() => gateway.stop());
  own(() => control.stop());
  log(`gateway at ${gateway.url} (pid ${gateway.pid}), control at ${control.url} (pid ${control.pid}), MAX_HELD_PER_KEY=${maxHeld}, MAX_STREAMS_PER_KEY=${opts.streams + 100}`);
  // Both databases get the same rows, the control's made at the same time as the gateway's.
  const made = Date.now();
  const seeded = await Promise.all(
    [gateway, control].map(async (g) => {
      const richIds = await seedRich(g.url, key, 50);
      const waits = await createWaits([g.url], key, opts.held);
      const sessions = opts.streams ? await streamSessions(g.url, key, opts.streams) : [];
      const byId = scenarios({ key, richIds })['rest-get'];
      if (byId.kind !== 'http') throw new Error('rest-get is an HTTP scenario');
      return { waits, sessions, byId };
    }),
  );
  const [{ waits: ids, sessions, byId }, { byId: controlById }] = seeded as [(typeof seeded)[0], (typeof seeded)[0]];
  log(`seeded both and created ${opts.held} waits in each in ${((Date.now() - made) / 1000).toFixed(1)} s`);
  if (opts.streams) {
    // The first streams compile code and fill caches once per process: paid before the RSS baseline.
    await (await openStreams(gateway.url, key, sessions, 20)).close();
  }

  /** One slice of by-id load on `g`, summarized and added to `slices`. */
  const byIdSlice = async (g: ServerProcess, scenario: typeof byId, slices: ReturnType<typeof summarize>[]) => {
    slices.push(summarize([await cannon(scenario, g.url, key, opts.connections, opts.byIdS, 1)]));
  };
  const rounds = (slices: ReturnType<typeof summarize>[], gc0: number | null | undefined, gc1: number | null | undefined): ByIdRounds => {
    const mid = (pick: (l: ReturnType<typeof summarize>) => number) => median(slices.map(pick));
    return {
      p50: round(mid((l) => l.p50), 2),
      p99: round(mid((l) => l.p99), 2),
      requestsPerSec: round(mid((l) => l.requestsPerSec)),
      errors: slices.reduce((sum, l) => sum + l.errors, 0),
      p99Rounds: slices.map((l) => round(l.p99, 2)),
      majorCollections: gc0 == null || gc1 == null ? null : gc1 - gc0,
    };
  };
  /** BY_ID_ROUNDS rounds, each a slice on the gateway and one on the control, the first of the pair alternating. */
  const byIdRun = async (): Promise<SideBySide> => {
    const [[gc0], [cgc0]] = await Promise.all([serverMetrics(gateway.url, [MAJOR_COLLECTIONS]), serverMetrics(control.url, [MAJOR_COLLECTIONS])]);
    const mine: ReturnType<typeof summarize>[] = [];
    const theirs: ReturnType<typeof summarize>[] = [];
    for (let i = 0; i < BY_ID_ROUNDS; i++) {
      const pair = [() => byIdSlice(gateway, byId, mine), () => byIdSlice(control, controlById, theirs)];
      if (i % 2) pair.reverse();
      for (const slice of pair) await slice();
    }
    const [[gc1], [cgc1]] = await Promise.all([serverMetrics(gateway.url, [MAJOR_COLLECTIONS]), serverMetrics(control.url, [MAJOR_COLLECTIONS])]);
    return sideBySide(rounds(mine, gc0, gc1), rounds(theirs, cgc0, cgc1));
  };
  /** Seconds a by-id run takes: both gateways' slices, each with its 1 s lead. */
  const byIdRunS = BY_ID_ROUNDS * 2 * (opts.byIdS + 1);

  await Promise.all([quiet(gateway.url), quiet(control.url)]);
  const pgUrl = opts.engine === 'postgresql' ? databaseUrl : null;
  const [settledNone] = await Promise.all([settle(gateway, SETTLE_MAX_NONE_HELD_S), settle(control, SETTLE_MAX_NONE_HELD_S)]);
  log(`▶ none held: idle ${opts.windowS} s (after ${settledNone.seconds} s settling, ${settledNone.majorCollections} full collections), then by-id ${BY_ID_ROUNDS} × ${opts.byIdS} s beside the control's`);
  const idleNone = await idleWindow(gateway, opts.windowS, pgUrl);
  const noneBefore = await byIdRun();
  await quiet(gateway.url);
  const rssBeforeMB = memoryOf(gateway.pid)?.rssMB ?? NaN;

  // The streams first: they stay open as long as asked, while a long-poll's 60 s run from when it is sent.
  const streams = opts.streams ? await openStreams(gateway.url, key, sessions, opts.streams) : null;
  if (streams) {
    own(() => streams.close());
    log(`▶ ${streams.sse} SSE + ${streams.ws} graphql-ws streams open`);
    await quiet(gateway.url);
    await readsDone(gateway.url);
  }
  const rssStreamsMB = memoryOf(gateway.pid)?.rssMB ?? NaN;

  log(`▶ holding ${opts.held} long-polls…`);
  const started = Date.now();
  const holder = await holdSettled(gateway.url, key, ids, opts.rate, own);
  const secondsToHoldAll = (Date.now() - started) / 1000;
  log(`  sent ${holder.sent} in ${round(secondsToHoldAll, 1)} s`);
  /** Seconds until the first long-poll answers at the end of 60 s cycle `cycle` (1: the first). */
  const leftInCycle = (cycle: number) => cycle * LONG_POLL_S - (Date.now() - started) / 1000;
  /** Into cycle `cycle`: every long-poll answered pending and was sent again, and their reads are done. */
  const renewal = async (cycle: number) => {
    await holder.renewed(cycle, (cycle * LONG_POLL_S + secondsToHoldAll + 30) * 1000);
    await quiet(gateway.url);
    await readsDone(gateway.url);
  };
  // The window ends before the first long-poll answers (1 s to spare); settling gets the rest. Where
  // the reducer has not run by then, the window moves to the next 60 s: the renewals are a burst again.
  let cycle = 1;
  let settledHeld: Settled;
  for (;;) {
    const maxS = leftInCycle(cycle) - 1 - opts.windowS;
    if (maxS < SETTLE_MIN_S) log(`  (some long-polls may answer inside the window; raise --held-rate or shorten --held-window)`);
    settledHeld = await settle(gateway, Math.max(SETTLE_MIN_S, maxS));
    log(`  cycle ${cycle}: settled in ${settledHeld.seconds} s of at most ${round(Math.max(SETTLE_MIN_S, maxS), 1)} (${settledHeld.majorCollections} full collections, the reducer's done at ${settledHeld.lastCollectionS} s; ${settledHeld.cpuPercent} % of a core)`);
    if (settledHeld.lastCollectionS !== null || cycle === HELD_CYCLES_MAX) break;
    cycle++;
    log(`  the reducer had not run: the window moves to the long-polls' cycle ${cycle}`);
    await renewal(cycle);
  }
  log(`▶ idle ${opts.windowS} s beside ${opts.held} held`);
  const answeredBefore = holder.answered;
  const eventsBefore = streams?.eventsAfterOpen ?? 0;
  const idleHeld = await idleWindow(gateway, opts.windowS, pgUrl);
  const answeredInWindow = holder.answered - answeredBefore;
  const streamEventsInWindow = (streams?.eventsAfterOpen ?? 0) - eventsBefore;
  const rssHeldMB = memoryOf(gateway.pid)?.rssMB ?? NaN;
  // By-id beside them in the next 60 s: there was no room for it in the window's. It settles first too.
  const heldCycle = cycle;
  await renewal(++cycle);
  const renewedMaxS = leftInCycle(cycle) - 1 - byIdRunS;
  if (renewedMaxS < SETTLE_MIN_S) log(`  (the by-id run may outlast the long-polls' cycle: shorten --duration)`);
  const [settledRenewed] = await Promise.all([settle(gateway, Math.max(SETTLE_MIN_S, renewedMaxS)), settle(control, Math.max(SETTLE_MIN_S, renewedMaxS))]);
  log(`▶ by-id ${BY_ID_ROUNDS} × ${opts.byIdS} s beside ${opts.held} held, each slice beside the control's (cycle ${cycle}, settled in ${settledRenewed.seconds} s, the reducer's done at ${settledRenewed.lastCollectionS} s)`);
  const answeredBeforeById = holder.answered;
  const held = await byIdRun();
  if (holder.answered > answeredBeforeById) log(`  ${holder.answered - answeredBeforeById} long-polls answered during the by-id run (their renewals were beside it)`);
  await holder.stop();
  await streams?.close();
  await quiet(gateway.url);
  await sleep(2000);
  log(`▶ none held again: by-id ${BY_ID_ROUNDS} × ${opts.byIdS} s beside the control's`);
  const noneAfter = await byIdRun();
  log(`  by-id p99 over the control's: none held ${noneBefore.p99Ratio}, ${opts.held} held ${held.p99Ratio}, none held again ${noneAfter.p99Ratio}`);

  const baseP99 = (noneBefore.subject.p99 + noneAfter.subject.p99) / 2;
  const items = opts.held + opts.streams;
  const perWait = (a: number | null, b: number | null) => (a === null || b === null ? null : round((a - b) / items, 5));
  const kb = (mb: number, n: number) => round((mb * 1024) / n, 2);
  return {
    held: opts.held,
    streams: opts.streams,
    windowS: opts.windowS,
    idle: {
      cpuPercentNoneHeld: idleNone.cpuPercent === null ? null : round(idleNone.cpuPercent, 2),
      cpuPercentHeld: idleHeld.cpuPercent === null ? null : round(idleHeld.cpuPercent, 2),
      dbCpuPercentNoneHeld: idleNone.dbCpuPercent === null ? null : round(idleNone.dbCpuPercent, 2),
      dbCpuPercentHeld: idleHeld.dbCpuPercent === null ? null : round(idleHeld.dbCpuPercent, 2),
      statementsNoneHeld: idleNone.statements,
      statementsHeld: idleHeld.statements,
      statementsPerHeldWait: perWait(idleHeld.statements, idleNone.statements),
      answeredInWindow,
      majorCollectionsNoneHeld: idleNone.majorCollections,
      majorCollectionsHeld: idleHeld.majorCollections,
      settledNoneHeld: settledNone,
      settledHeld,
      heldCycle,
    },
    memory: {
      rssBeforeMB: round(rssBeforeMB, 1),
      rssStreamsMB: round(rssStreamsMB, 1),
      rssHeldMB: round(rssHeldMB, 1),
      rssPerHeldWaitKB: kb(rssHeldMB - rssBeforeMB, items),
      rssPerLongPollKB: kb(rssHeldMB - rssStreamsMB, opts.held),
      rssPerStreamKB: opts.streams ? kb(rssStreamsMB - rssBeforeMB, opts.streams) : null,
    },
    byId: { noneBefore, held, heldSettled: settledRenewed, noneAfter, p99Ratio: held.p99Ratio, p99RatioRounds: held.p99RatioRounds, p99RatioAcrossPhases: round(held.subject.p99 / baseP99, 2) },
    holdErrors: holder.errors,
    streamErrors: streams?.errors ?? {},
    streamEventsInWindow,
    secondsToHoldAll: round(secondsToHoldAll, 1),
  };
}

/** Targets of issue 22, target 1 (the parts this scenario measures): `id` within `1.held-waits.`, and the limit each is judged by. */
export function heldTargets(r: HeldResult) {
  const withDb = r.idle.dbCpuPercentHeld === null ? null : round((r.idle.cpuPercentHeld ?? NaN) + r.idle.dbCpuPercentHeld, 2);
  const max = (threshold: number) => [threshold, 'max'] as [number, 'max'];
  return [
    ...(withDb === null ? [] : [{ id: 'idle-cpu-with-database', limit: max(5), name: 'PostgreSQL: idle CPU with N held, gateway + its database backends ≤ 5 % of one core', value: withDb, pass: withDb <= 5 }]),
    { id: 'idle-cpu', limit: max(3), name: 'idle CPU with N held ≤ 3 % of one core (gateway process)', value: r.idle.cpuPercentHeld, pass: r.idle.cpuPercentHeld !== null && r.idle.cpuPercentHeld <= 3 },
    { id: 'rss-per-wait', limit: max(20), name: `RSS ≤ 20 KB per held wait${r.streams ? ' or open stream' : ''}`, value: r.memory.rssPerHeldWaitKB, pass: r.memory.rssPerHeldWaitKB <= 20 },
    { id: 'statements-per-wait', limit: max(0.01), name: `no database reads per held wait${r.streams ? ' or open stream' : ''} while idle (statements over the window, beyond none held, per held item < 0.01)`, value: r.idle.statementsPerHeldWait, pass: r.idle.statementsPerHeldWait !== null && r.idle.statementsPerHeldWait < 0.01 },
    {
      id: 'by-id-p99',
      limit: max(1.5),
      name: `by-id p99 with N held ≤ 1.5× with none held (a control gateway of the same build beside it, slices interleaved; medians of ${BY_ID_ROUNDS} rounds each)`,
      value: r.byId.p99Ratio,
      pass: r.byId.p99Ratio <= 1.5,
      spread: { min: Math.min(...r.byId.p99RatioRounds), max: Math.max(...r.byId.p99RatioRounds), rounds: r.byId.p99RatioRounds.length },
    },
    { id: 'none-refused', limit: max(0), name: 'no long-poll refused or failed', value: Object.values(r.holdErrors).reduce((a, b) => a + b, 0), pass: Object.keys(r.holdErrors).length === 0 },
    ...(r.streams ? [{ id: 'streams-none-refused', limit: max(0), name: 'no stream refused or closed', value: Object.values(r.streamErrors).reduce((a, b) => a + b, 0), pass: Object.keys(r.streamErrors).length === 0 }] : []),
  ];
}

/** A fresh database for the scenario (temp SQLite file or a PostgreSQL schema), and how to drop it. */
export function heldDatabase(engine: HeldOptions['engine']): { url: string; drop: () => Promise<void> | void; schema?: string } {
  if (engine === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'sessions-gateway-bench-held-'));
    return { url: `file:${join(dir, 'bench.db')}`, drop: () => rmSync(dir, { recursive: true, force: true }) };
  }
  const schema = `bench_${randomBytes(6).toString('hex')}`;
  const url = new URL(process.env.BENCH_DATABASE_URL!);
  url.searchParams.set('schema', schema);
  return { url: url.toString(), drop: () => dropSchema(process.env.BENCH_DATABASE_URL!, schema), schema };
}
