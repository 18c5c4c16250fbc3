/**
 * `npm run bench` — builds the gateway (npm script), starts it as production does (`node dist/main.js`),
 * seeds data, and measures nine scenarios with autocannon over loopback; then the list at scale and the
 * sub-benches (held waits, SMTP ingest, live sessions: bench/parts.ts), each on its own gateway, and
 * writes every target of issue 22 to bench/results/latest.json/.md. See bench/README.md.
 *
 *   npm run bench -- [--quick] [--skip held,smtp,…] [--only rest-get,…,scale,held,smtp,live]
 *                    [--sessions 1000] [--scale-sessions 100000] [--duration 10] [--warmup 2]
 *                    [--connections 32] [--rounds 5] [--engine sqlite|postgresql] [--seed auto|api|direct]
 *                    [--held 10000] [--held-window 8] [--held-rate 2000] [--out bench/results]
 *   --held-streams 1000 (streams held beside the long-polls); --otp-deliveries 300 --otp-rate 10 (the otp part)
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import { dist } from './dist';
import { graphql, expectStatus } from './http';
import { cpuSecondsOf, describeServers, dropSchema, memoryOf, onCleanup, RATE_LIMIT_UNREACHABLE, ROOT, runCleanups, sampleMemory, type ServerProcess, startFloor, startGateway, startGraphqlHttpPeer, startReference } from './processes';
import { evaluateTargets, machineInfo, markdown, mergeTargets, overall, type PartRounds, round, type ScenarioResult, type Target, textTable } from './report';
import { PART_NAMES, type PartContext, SUB_BENCHES } from './parts';
import { BY_ID, cannon, flowOnce, flowSlice, GET_SESSION_QUERY, type HttpScenario, nestedQuery, once, SCENARIO_NAMES, type ScenarioName, scenarios, type ServerName, type Slice, summarize } from './scenarios';
import { seedDirect, seedRich, seedViaApi } from './seed';
import { countStatements, type InProcess, inProcessGateway, inProcessPeer, inProcessReference, serverStatementCount } from './statements';

const RICH_SESSIONS = 50;
const API_SEED_MAX = 5_000;
/** Seconds each slice runs on its new connections before it measures (see cannon()). */
const CONNECTION_LEAD_S = 1;

interface Options {
  sessions: number;
  duration: number;
  warmup: number;
  connections: number;
  rounds: number;
  only: ScenarioName[];
  engine: 'sqlite' | 'postgresql';
  seed: 'auto' | 'api' | 'direct';
  out: string;
  /** The held-waits sub-bench: how many long-polls, the idle window in seconds, long-polls opened per second. */
  held: { count: number; windowS: number; rate: number; streams: number };
  /** The OTP-at-scale part: measured mails and their rate per second. */
  otp: { deliveries: number; rate: number };
  /** Parts after the scenarios, in order: 'scale' (the list at scale) and the sub-benches of parts.ts. */
  parts: string[];
  /** Sessions of the list-at-scale part's big database. */
  scaleSessions: number;
  quick: boolean;
}

function usage(problem?: string): never {
  if (problem) process.stderr.write(`${problem}\n\n`);
  process.stderr.write(
    [
      'usage: npm run bench -- [options]',
      '  --sessions N      seeded sessions (default 1000; >5000 are seeded directly into the database)',
      '  --duration S      measured seconds per scenario (default 10)',
      '  --warmup S        warm-up seconds per scenario (default 2)',
      '  --connections N   concurrent connections / flow workers (default 32)',
      '  --rounds N        the by-id scenarios 1-5 run interleaved in N ≥ 3 slices each (default 5)',
      `  --only a,b        scenarios, by name or number 1-9: ${SCENARIO_NAMES.map((n, i) => `${i + 1}=${n}`).join(' ')}`,
      '  --engine E        sqlite (default) or postgresql (needs BENCH_DATABASE_URL)',
      '  --seed M          auto (default), api or direct',
      '  --out DIR         where results go (default bench/results)',
      `  --only a,b        also parts after the scenarios: ${PART_NAMES.join(', ')} (all run by default)`,
      '  --skip a,b        leave out scenarios or parts (`core`: all nine scenarios)',
      '  --quick           smaller N: 4 s per scenario, 3 rounds, 20,000 sessions at scale, 1,000 held, shorter sub-benches',
      '  --scale-sessions N  sessions of the list-at-scale part (default 100000; the list at 1,000 runs beside it)',
      '  --held N          long-polls held by the held-waits part (default 10000)',
      '  --held-window S   its idle measurement window in seconds (default 8)',
      '  --held-rate R     long-polls it opens per second while holding starts (default 2000)',
      '  --held-streams N  open event streams beside them, half SSE, half graphql-ws (default 1000; 0: none)',
      '  --otp-deliveries N  measured mails of the otp part (default 300)    --otp-rate R  mails per second (default 10)',
      '',
    ].join('\n'),
  );
  process.exit(problem ? 2 : 0);
}

function options(): Options {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        sessions: { type: 'string', default: '1000' },
        duration: { type: 'string', default: '10' },
        warmup: { type: 'string', default: '2' },
        connections: { type: 'string', default: '32' },
        rounds: { type: 'string', default: '5' },
        only: { type: 'string' },
        engine: { type: 'string' },
        seed: { type: 'string', default: 'auto' },
        out: { type: 'string', default: join(ROOT, 'bench', 'results') },
        held: { type: 'string', default: '10000' },
        'held-window': { type: 'string', default: '8' },
        'held-rate': { type: 'string', default: '2000' },
        skip: { type: 'string' },
        quick: { type: 'boolean', default: false },
        'scale-sessions': { type: 'string' },
        'held-streams': { type: 'string', default: '1000' },
        'otp-deliveries': { type: 'string', default: '300' },
        'otp-rate': { type: 'string', default: '10' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (err) {
    usage((err as Error).message);
  }
  if (parsed.help) usage();
  const int = (name: string, value: string, min: number) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) usage(`--${name} must be an integer ≥ ${min}`);
    return n;
  };
  const list = (v: string | undefined) => v?.split(',').map((x) => x.trim()).filter(Boolean) ?? [];
  const requested = list(parsed.only);
  const skipped = new Set(list(parsed.skip));
  const quick = parsed.quick === true;
  const sessions = int('sessions', parsed.sessions!, 1);
  let scaleSessions = int('scale-sessions', parsed['scale-sessions'] ?? (quick ? '20000' : '100000'), 1001);
  const scenarioOf = (s: string) => {
    const name = /^\d$/.test(s) ? SCENARIO_NAMES[Number(s) - 1] : (s as ScenarioName);
    if (!SCENARIO_NAMES.includes(name)) usage(`unknown scenario or part "${s}"`);
    return name;
  };
  for (const s of skipped) if (s !== 'core' && !PART_NAMES.includes(s)) scenarioOf(s);
  let parts = requested.length ? requested.filter((s) => PART_NAMES.includes(s)) : [...PART_NAMES];
  let only = requested.length ? requested.filter((s) => !PART_NAMES.includes(s)).map(scenarioOf) : [...SCENARIO_NAMES];
  // `--sessions 100000 --only list` (the old scale run) is the scale part at that size.
  if (requested.length && sessions !== 1000 && only.length === 1 && only[0] === 'list') {
    only = [];
    parts = ['scale', ...parts.filter((p) => p !== 'scale')];
    scaleSessions = sessions;
  }
  if (skipped.has('core')) only = [];
  only = only.filter((n) => !skipped.has(n));
  parts = PART_NAMES.filter((p) => parts.includes(p) && !skipped.has(p));
  const held = { count: int('held', quick && parsed.held === '10000' ? '1000' : parsed.held!, 1), windowS: int('held-window', parsed['held-window']!, 1), rate: int('held-rate', parsed['held-rate']!, 1), streams: int('held-streams', quick && parsed['held-streams'] === '1000' ? '200' : parsed['held-streams']!, 0) };
  const engineRaw = parsed.engine ?? (process.env.BENCH_DATABASE_URL ? 'postgresql' : 'sqlite');
  const engine = engineRaw === 'sqlite' ? 'sqlite' : ['postgresql', 'postgres', 'pg'].includes(engineRaw) ? 'postgresql' : usage(`unknown engine "${engineRaw}"`);
  if (engine === 'postgresql' && !process.env.BENCH_DATABASE_URL) usage('--engine postgresql needs BENCH_DATABASE_URL=postgresql://user@host:port/db');
  // The floor reads the SQLite file itself: on PostgreSQL there is none (dropped unless asked for by name).
  if (engine === 'postgresql' && parsed.only?.split(',').some((s) => ['floor', '5'].includes(s.trim()))) usage('the floor scenario is SQLite only');
  if (!['auto', 'api', 'direct'].includes(parsed.seed!)) usage('--seed must be auto, api or direct');
  return {
    sessions,
    duration: quick && parsed.duration === '10' ? 4 : int('duration', parsed.duration!, 1),
    warmup: quick && parsed.warmup === '2' ? 1 : int('warmup', parsed.warmup!, 0),
    connections: int('connections', parsed.connections!, 1),
    rounds: quick && parsed.rounds === '5' ? 3 : int('rounds', parsed.rounds!, 3), // medians and spreads need three
    only: SCENARIO_NAMES.filter((n) => only.includes(n) && !(n === 'floor' && engine === 'postgresql')), // always in the documented order: writes last
    engine,
    seed: parsed.seed as Options['seed'],
    out: resolve(parsed.out!),
    held,
    parts,
    scaleSessions,
    quick,
    otp: { deliveries: int('otp-deliveries', quick && parsed['otp-deliveries'] === '300' ? '100' : parsed['otp-deliveries']!, 1), rate: int('otp-rate', parsed['otp-rate']!, 1) },
  };
}

interface Env {
  sessions: number;
  databaseUrl: string;
  key: string;
  gateway: ServerProcess;
  reference: ServerProcess | null;
  graphqlHttp: ServerProcess | null;
  floor: ServerProcess | null;
  inproc: InProcess;
  inprocRef: InProcess | null;
  inprocPeer: InProcess | null;
  richIds: string[];
  /** The gateway's RSS (MB) when it had just started, and after seeding. */
  memory: { afterStartMB: number; afterSeedMB: number };
  teardown(): Promise<void>;
}

const log = (msg: string) => process.stderr.write(`${msg}\n`);

/** A fresh database (temp SQLite file, or a bench_<random> PostgreSQL schema), a gateway, seeded data. */
async function setupEnv(opts: Options, sessions: number, names: readonly ScenarioName[]): Promise<Env> {
  const own: (() => Promise<void> | void)[] = [];
  let tornDown = false;
  const teardown = async () => {
    if (tornDown) return;
    tornDown = true;
    while (own.length) {
      try {
        await own.pop()!();
      } catch (err) {
        log(`cleanup failed: ${(err as Error).message}`);
      }
    }
  };
  onCleanup(teardown);

  let databaseUrl: string;
  if (opts.engine === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'sessions-gateway-bench-'));
    own.push(() => rmSync(dir, { recursive: true, force: true }));
    databaseUrl = `file:${join(dir, 'bench.db')}`;
  } else {
    const schema = `bench_${randomBytes(6).toString('hex')}`;
    const url = new URL(process.env.BENCH_DATABASE_URL!);
    url.searchParams.set('schema', schema);
    databaseUrl = url.toString();
    own.push(() => dropSchema(process.env.BENCH_DATABASE_URL!, schema));
  }

  const key = `sgk_${dist.ids().randomBase62(40)}`;
  log(`starting gateway (node dist/main.js) on ${opts.engine}…`);
  const gateway = await startGateway(databaseUrl, key);
  own.push(() => gateway.stop());
  log(`gateway at ${gateway.url} (pid ${gateway.pid})`);
  await expectStatus(200, gateway.url, key, 'GET', '/api/v1/sessions?limit=1');
  const afterStartMB = memoryOf(gateway.pid)?.rssMB ?? NaN;

  const method = opts.seed === 'auto' ? (sessions > API_SEED_MAX ? 'direct' : 'api') : opts.seed;
  const seedStarted = Date.now();
  if (method === 'api') await seedViaApi(gateway.url, key, sessions);
  else await seedDirect(databaseUrl, key, sessions);
  const richIds = await seedRich(gateway.url, key, RICH_SESSIONS);
  log(`seeded ${sessions} sessions (${method}) + ${RICH_SESSIONS} with inbox & wait in ${((Date.now() - seedStarted) / 1000).toFixed(1)} s`);

  const afterSeedMB = memoryOf(gateway.pid)?.rssMB ?? NaN;
  const peer = async (name: ScenarioName, start: () => Promise<ServerProcess>) => {
    if (!names.includes(name)) return null;
    const server = await start();
    own.push(() => server.stop());
    log(`${server.name} server at ${server.url} (pid ${server.pid})`);
    return server;
  };
  const inprocess = async (name: ScenarioName, build: () => Promise<InProcess>) => {
    if (!names.includes(name)) return null;
    const built = await build();
    own.push(() => built.close());
    return built;
  };
  const reference = await peer('reference', () => startReference(databaseUrl, key));
  const graphqlHttp = await peer('graphql-http', () => startGraphqlHttpPeer(databaseUrl));
  const floor = await peer('floor', () => startFloor(databaseUrl));
  const inprocRef = await inprocess('reference', () => inProcessReference(databaseUrl));
  const inprocPeer = await inprocess('graphql-http', () => inProcessPeer(databaseUrl));
  const inproc = await inProcessGateway(databaseUrl, key);
  own.push(() => inproc.close());
  return {
    sessions: sessions + RICH_SESSIONS, databaseUrl, key, gateway, reference, graphqlHttp, floor, inproc, inprocRef, inprocPeer, richIds,
    memory: { afterStartMB, afterSeedMB }, teardown,
  };
}

/** The process that answers a scenario. */
function serverFor(env: Env, name: ServerName): ServerProcess {
  const server = { gateway: env.gateway, reference: env.reference, 'graphql-http': env.graphqlHttp, floor: env.floor }[name];
  if (!server) throw new Error(`${name} server not started`);
  return server;
}

/** The by-id routes must answer the same body (REST, GraphQL mapped like REST, hand-written). */
async function validate(env: Env): Promise<void> {
  const id = env.richIds[0];
  const rest = await expectStatus(200, env.gateway.url, env.key, 'GET', `/api/v1/sessions/${id}`);
  if (rest.inboxes?.length !== 1 || rest.waits?.length !== 1) throw new Error(`rich session without its inbox and wait: ${JSON.stringify(rest)}`);
  const { session } = await graphql(env.gateway.url, env.key, GET_SESSION_QUERY, { id });
  const { inboxIds, waitIds, ...fields } = session;
  const viaGraphql = { ...fields, inboxes: inboxIds, waits: waitIds };
  if (!isDeepStrictEqual(rest, viaGraphql)) throw new Error(`GraphQL and REST disagree:\n${JSON.stringify(viaGraphql)}\n${JSON.stringify(rest)}`);
  if (env.reference) {
    const ref = await expectStatus(200, env.reference.url, env.key, 'GET', `/api/v1/sessions/${id}`);
    if (!isDeepStrictEqual(rest, ref)) throw new Error(`the reference route answers another body:\n${JSON.stringify(ref)}\n${JSON.stringify(rest)}`);
    const refUnauth = await fetch(`${env.reference.url}/api/v1/sessions/${id}`);
    const gwUnauth = await fetch(`${env.gateway.url}/api/v1/sessions/${id}`);
    if (refUnauth.status !== 401 || gwUnauth.status !== 401) throw new Error('both by-id routes must refuse a request without a key');
  }
  if (env.graphqlHttp) {
    const peer = await graphql(env.graphqlHttp.url, env.key, GET_SESSION_QUERY, { id });
    if (!isDeepStrictEqual(peer, { session })) throw new Error(`the graphql-http peer answers another body:\n${JSON.stringify(peer)}\n${JSON.stringify({ session })}`);
  }
  if (env.floor) {
    const floor = await expectStatus(200, env.floor.url, env.key, 'GET', `/api/v1/sessions/${id}`);
    if (!isDeepStrictEqual(rest, floor)) throw new Error(`the floor answers another body:\n${JSON.stringify(floor)}\n${JSON.stringify(rest)}`);
    if ((await fetch(`${env.floor.url}/api/v1/sessions/${id}`)).status !== 401) throw new Error('the floor must refuse a request without a key');
  }
  const nested = await graphql(env.gateway.url, env.key, nestedQuery(50));
  const page = nested.sessions.data as { inboxes: unknown[]; waits: unknown[]; timeline: unknown[] }[];
  const full = page.filter((s) => s.inboxes.length === 1 && s.waits.length === 1 && s.timeline.length >= 3).length;
  if (page.length !== 50 || full !== 50) throw new Error(`nested query: expected 50 sessions each with 1 inbox, 1 wait and ≥3 events; got ${page.length} (${full} full)`);
}

type Counts = Pick<ScenarioResult, 'statements' | 'statementsAlt'>;

/**
 * Phase 1, before any load (so no backlog holds SQLite's write lock, and the data is as seeded): SQL
 * statements per request for every scenario, in-process. The in-process apps are closed afterwards.
 */
async function countAll(env: Env, names: ScenarioName[]): Promise<Map<ScenarioName, Counts>> {
  const all = scenarios({ key: env.key, richIds: env.richIds });
  const counts = new Map<ScenarioName, Counts>();
  for (const name of names) {
    const s = all[name];
    // The floor does not go through the Database wrapper that counts statements (3 by construction).
    if (s.server === 'floor') {
      counts.set(name, { statements: null });
      continue;
    }
    const inproc = s.server === 'reference' ? env.inprocRef! : s.server === 'graphql-http' ? env.inprocPeer! : env.inproc;
    const statements =
      s.kind === 'flow'
        ? await countStatements(inproc.db, () => flowOnce(inproc.base, env.key))
        : await countStatements(inproc.db, () => once(s, inproc.base, env.key));
    let statementsAlt: Counts['statementsAlt'];
    if (name === 'nested') {
      const small: HttpScenario = { ...(s as HttpScenario), body: () => JSON.stringify({ query: nestedQuery(5) }) };
      statementsAlt = { 'limit 5': await countStatements(inproc.db, () => once(small, inproc.base, env.key)) };
    }
    counts.set(name, { statements, statementsAlt });
  }
  log(`SQL statements per request (in-process): ${[...counts].map(([n, c]) => `${n} ${c.statements?.perRequest ?? '–'}`).join(', ')}`);
  await env.inprocRef?.close();
  await env.inprocPeer?.close();
  await env.inproc.close();
  return counts;
}

/** Waits until the server answers /healthz quickly again (a scenario's backlog has drained). */
async function settle(base: string): Promise<void> {
  const until = Date.now() + 15_000;
  await new Promise((r) => setTimeout(r, 300));
  while (Date.now() < until) {
    const t0 = performance.now();
    const ok = await fetch(`${base}/healthz`).then((r) => r.ok, () => false);
    if (ok && performance.now() - t0 < 50) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Phase 2: load against the real server processes. The by-id scenarios (the ones compared with
 * each other) run interleaved in `rounds` slices — 1,2,3, 2,3,1, 3,1,2, … — so drift in the machine's
 * load hits all three alike; every other scenario runs in one piece. Each scenario warms up once, before its
 * first slice.
 */
/** One row to measure: a scenario on an environment's servers (the list at scale: the same scenario on two). */
interface Entry {
  name: ScenarioName;
  env: Env;
  counts: Counts;
  group?: ScenarioResult['group'];
}

async function loadAll(opts: Options, env: Env, names: ScenarioName[], counts: Map<ScenarioName, Counts>): Promise<ScenarioResult[]> {
  const entry = (name: ScenarioName): Entry => ({ name, env, counts: counts.get(name)! });
  const byId = names.filter((n) => BY_ID.includes(n)).map(entry);
  return loadGroups(opts, [...(byId.length ? [byId] : []), ...names.filter((n) => !BY_ID.includes(n)).map((n) => [entry(n)])]);
}

/** Each group's rows run interleaved in `opts.rounds` slices when it has more than one row, else in one piece. */
async function loadGroups(opts: Options, groups: Entry[][]): Promise<ScenarioResult[]> {
  const results: ScenarioResult[] = [];
  const tag = (e: Entry) => (e.group ? `${e.name} @${e.env.sessions}` : e.name);
  for (const group of groups) {
    const rounds = group.length > 1 ? opts.rounds : 1;
    const state = new Map(group.map((e) => [e, { slices: [] as Slice[], statements: 0, rssMaxMB: 0, peakMB: 0, metrics: true, cpuSeconds: 0, cpu: true, cpuSlices: [] as number[] }]));
    if (rounds > 1) log(`▶ ${group.map(tag).join(', ')}: interleaved, ${rounds} rounds of ${round(opts.duration / rounds, 2)} s each`);
    const warmed = new Set<Entry>();
    for (let r = 0; r < rounds; r++) {
      // The order turns each round (1,2,3 / 2,3,1 / 3,1,2): no scenario always runs right after the
      // same one (and, say, pays for the garbage its predecessor left on the same server).
      for (const e of group.map((_, i) => group[(i + r) % group.length])) {
        const { name, env } = e;
        const s = scenarios({ key: env.key, richIds: env.richIds })[name];
        const st = state.get(e)!;
        const server = serverFor(env, s.server);
        const seconds = opts.duration / rounds;
        if (!warmed.has(e)) {
          warmed.add(e);
          log(`▶ ${tag(e)}: ${s.title} — ${opts.warmup} s warm-up + ${opts.duration} s at ${opts.connections} connections`);
          if (opts.warmup > 0) await (s.kind === 'flow' ? flowSlice(server.url, env.key, opts.connections, opts.warmup) : cannon(s, server.url, env.key, opts.connections, opts.warmup));
        }
        const sampler = sampleMemory(server.pid);
        const before = await serverStatementCount(server.url);
        const cpuBefore = cpuSecondsOf(server.pid);
        try {
          st.slices.push(await (s.kind === 'flow' ? flowSlice(server.url, env.key, opts.connections, seconds) : cannon(s, server.url, env.key, opts.connections, seconds, CONNECTION_LEAD_S)));
        } finally {
          const memory = sampler.stop();
          st.rssMaxMB = Math.max(st.rssMaxMB, memory.rssMaxMB);
          st.peakMB = Math.max(st.peakMB, memory.peakMB);
        }
        // Read the count once the server has drained: requests still in flight at the end of the slice
        // are in `sent` and their statements belong to them.
        await settle(server.url);
        const after = await serverStatementCount(server.url);
        const cpuAfter = cpuSecondsOf(server.pid);
        if (cpuBefore === null || cpuAfter === null) st.cpu = false;
        else {
          st.cpuSeconds += cpuAfter - cpuBefore;
          const slice = st.slices[st.slices.length - 1];
          if (slice.sent) st.cpuSlices.push(((cpuAfter - cpuBefore) / slice.sent) * 1e6);
        }
        if (before === null || after === null) st.metrics = false;
        else st.statements += after - before;
      }
    }
    for (const e of group) {
      const { name, env } = e;
      const s = scenarios({ key: env.key, richIds: env.richIds })[name];
      const st = state.get(e)!;
      const load = summarize(st.slices);
      const c = e.counts;
      // Requests (flows) sent over all slices: what the server's statement and CPU counts are divided by.
      const sent = st.slices.reduce((n, slice) => n + slice.sent, 0);
      const result: ScenarioResult = {
        name,
        title: s.title,
        server: s.server,
        sessions: env.sessions,
        load,
        ...c,
        serverStatements: st.metrics && sent ? st.statements / sent : null,
        cpuPerRequestUs: st.cpu && sent ? (st.cpuSeconds / sent) * 1e6 : null,
        cpuPerRequestUsSlices: st.cpu ? st.cpuSlices : [],
        memory: { rssMaxMB: st.rssMaxMB, peakMB: st.peakMB },
        ...(e.group ? { group: e.group } : {}),
      };
      log(
        `  ${tag(e)}: ${round(load.requestsPerSec, 1)} ${name === 'flow' ? 'flows' : 'req'}/s, p50 ${round(load.p50, 1)} ms, p99 ${round(load.p99, 1)} ms, ` +
          `errors ${load.errors}${load.errors ? ` ${JSON.stringify(load.errorDetail)}` : ''}, SQL/req ${c.statements?.perRequest ?? '–'}` +
          `${result.serverStatements === null ? '' : ` (under load ${round(result.serverStatements, 2)})`}` +
          `${result.cpuPerRequestUs === null ? '' : `, server CPU ${round(result.cpuPerRequestUs)} µs/req`}, peak RSS ${round(st.peakMB)} MB`,
      );
      results.push(result);
    }
  }
  return results;
}

function gitCommit(): string {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no', '--', 'src'], { cwd: ROOT, encoding: 'utf8' }).trim();
    return dirty ? `${sha} (+ uncommitted changes in src/)` : sha;
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<void> {
  const opts = options();
  const machine = machineInfo(opts.engine);
  log(`sessions-gateway bench: ${machine.cpu}, ${machine.cores} cores, node ${machine.node}${machine.nodeOptions ? ` (NODE_OPTIONS=${machine.nodeOptions})` : ''}, load ${machine.loadAverage.join(' ')}`);
  log(`scenarios: ${opts.only.join(', ') || 'none'}; then: ${opts.parts.join(', ') || 'nothing'}${opts.quick ? ' (--quick)' : ''}`);
  const results: ScenarioResult[] = [];
  const memory: string[] = [];

  if (opts.only.length) {
    const env = await setupEnv(opts, opts.sessions, opts.only);
    await validate(env);
    results.push(...(await loadAll(opts, env, opts.only, await countAll(env, opts.only))));
    const gatewayPeak = memoryOf(env.gateway.pid)?.peakMB;
    memory.push(`gateway RSS: ${round(env.memory.afterStartMB)} MB just started, ${round(env.memory.afterSeedMB)} MB after seeding, VmHWM ${round(gatewayPeak ?? NaN)} MB at the end of the main run.`);
    await env.teardown();
  }
  if (opts.parts.includes('scale')) results.push(...(await listAtScale(opts)));

  // The sub-benches, one after the other, each on its own gateway (bench/parts.ts).
  const ctx: PartContext = { engine: opts.engine, quick: opts.quick, connections: opts.connections, duration: opts.duration, held: opts.held, otp: opts.otp, log, dropSchema };
  const parts: { name: string; covers: string[]; targets: Target[] }[] = [];
  const partRaw: Record<string, unknown> = {};
  const partRounds: PartRounds = [];
  for (const bench of SUB_BENCHES.filter((b) => opts.parts.includes(b.name))) {
    log(`\n▶▶ ${bench.name} (${bench.covers.join(', ')})`);
    try {
      const part = await bench.run(ctx);
      parts.push({ name: bench.name, covers: bench.covers, targets: part.targets });
      partRaw[bench.name] = part.raw;
      if (part.rounds) partRounds.push(part.rounds);
      for (const t of part.targets) log(`  ${t.status.padEnd(6)} ${t.target}: ${t.value}`);
    } catch (err) {
      // One part failing must not lose the others' numbers: its targets stay "not measured", said why.
      log(`  ${bench.name} failed: ${err instanceof Error ? err.stack : String(err)}`);
      partRaw[bench.name] = { error: String((err as Error)?.message ?? err) };
      process.exitCode = 1;
    }
  }

  const targets = mergeTargets(evaluateTargets(results, { connections: opts.connections, rounds: opts.rounds, partRounds }), parts);
  for (const t of targets) {
    const covering = SUB_BENCHES.find((b) => b.covers.some((c) => t.id === c || t.id.startsWith(`${c}.`)));
    if (t.status === 'n/a' && covering && partRaw[covering.name] && 'error' in (partRaw[covering.name] as object)) t.value = `not measured: ${covering.name} failed (${(partRaw[covering.name] as { error: string }).error})`;
  }
  const verdict = overall(targets);
  const notes = [
    'req/s and latencies from autocannon (flow: a hand-rolled loop of N workers, one flow = 6 HTTP requests, latency per flow).',
    'errors = non-2xx + connection errors/timeouts + bodies failing the scenario check (e.g. GraphQL `errors`); must be 0.',
    'SQL/req: in-process (createApp from dist/ in the bench process, same database), db.statements.count delta per request after a warm-up request; the fewest of 3 samples, all samples shown when they differ.',
    'peak RSS: VmHWM of the server process (the gateway; each peer\'s own process for its row) after the scenario. The peak-RSS target reads the standard run\'s gateway rows (not the scale part\'s).',
    'by-id rows (rest-get, graphql-get, reference, graphql-http, floor) run interleaved round by round; each by-id target is judged on the median of its per-round ratios, with their lowest and highest (the spread) recorded in latest.json (`targets[].spread`).',
    'list @N vs list @1k (the scale part): two gateways on their own databases (seeded the same way), up together, the two rows interleaved round by round; judged on CPU per request and on req/s, medians of the per-round ratios.',
    ...memory,
    ...(results.some((r) => r.serverStatements !== null)
      ? ['SQL/req load: statements per request under load, from the gateway\'s own GET /metrics (sessions_gateway_sql_statements_total) read before each measured slice and after the server drained, divided by the requests sent; includes background work (the deadline settler every 500 ms), which weighs more the slower the scenario.']
      : []),
    ...(results.some((r) => r.cpuPerRequestUs !== null)
      ? ['CPU µs/req: the server process\'s CPU time (user + system, all threads, from /proc/<pid>/stat) over each slice until it drained, divided by the requests sent. It leaves out time the machine gave to other work, so it moves less than req/s from run to run; REST against the reference is judged on both.']
      : []),
    `rate limiting: the gateway runs with RATE_LIMIT_PER_MINUTE=${RATE_LIMIT_UNREACHABLE} (on, never reached); the in-process counting app runs with it off.`,
    ...(opts.parts.length ? [`sub-benches: ${opts.parts.join(', ')}, each on its own gateway and database after the scenarios; their whole results are in latest.json \`parts\`.`] : []),
    ...(opts.quick ? ['--quick: smaller N (see the targets\' values); a quick run is a smoke test, not the record.'] : []),
  ];
  const info = {
    machine,
    machineAtEnd: { loadAverage: loadavg().map((l) => round(l, 2)), date: new Date().toISOString() },
    commit: gitCommit(),
    options: { ...opts, out: relative(ROOT, opts.out), richSessions: RICH_SESSIONS, seed: opts.seed === 'auto' ? (opts.sessions > API_SEED_MAX ? 'direct' : 'api') : opts.seed },
    notes,
  };

  process.stdout.write(`\n${textTable(results, targets)}\n`);
  mkdirSync(opts.out, { recursive: true });
  const json = JSON.stringify({ ...info, verdict, targets, results, parts: partRaw }, null, 2);
  const md = markdown(info, results, targets, verdict);
  const everything = opts.only.length === SCENARIO_NAMES.length && opts.parts.length === PART_NAMES.length;
  const named = `${opts.engine}-${opts.sessions}${everything ? '' : `-only-${[...opts.only, ...opts.parts].join('+') || 'nothing'}`}${opts.quick ? '-quick' : ''}`;
  for (const base of ['latest', named]) {
    writeFileSync(join(opts.out, `${base}.json`), `${json}\n`);
    writeFileSync(join(opts.out, `${base}.md`), md);
  }
  log(`\nwritten: ${relative(ROOT, join(opts.out, 'latest.json'))}, latest.md (and ${named}.json/.md); targets met ${verdict.met}, missed ${verdict.missed}, not measured ${verdict.notMeasured}`);
  if (results.some((r) => r.load.errors > 0)) process.exitCode = 1;
}

/**
 * Target 5, the list at scale: a database of `scaleSessions` sessions and one of 1,000, seeded the same
 * way (directly), each with its gateway, both up at once; the list runs on both in interleaved rounds.
 */
async function listAtScale(opts: Options): Promise<ScenarioResult[]> {
  log(`\n▶▶ scale: the list at ${opts.scaleSessions.toLocaleString('en-US')} sessions beside the list at 1,000`);
  const scaled = { ...opts, seed: 'direct' as const };
  const big = await setupEnv(scaled, opts.scaleSessions, ['list']);
  const small = await setupEnv(scaled, 1000, ['list']);
  try {
    const bigCounts = await countAll(big, ['list']);
    const smallCounts = await countAll(small, ['list']);
    return await loadGroups(opts, [[
      { name: 'list', env: small, counts: smallCounts.get('list')!, group: 'scale' },
      { name: 'list', env: big, counts: bigCounts.get('list')!, group: 'scale' },
    ]]);
  } finally {
    await small.teardown();
    await big.teardown();
  }
}

main()
  .catch((err) => {
    log(`\nbench failed: ${err instanceof Error ? err.stack : String(err)}`);
    if (err instanceof Error && err.cause) log(`cause: ${String((err.cause as Error).stack ?? err.cause)}`);
    log(describeServers());
    process.exitCode = 1;
  })
  .finally(async () => {
    await runCleanups();
    // Keep-alive sockets and timers of the in-process app must not hold the process open.
    process.exit(process.exitCode ?? 0);
  });
