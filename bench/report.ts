/** The results: a table on stdout, and bench/results/*.json + *.md. */
import { cpus, freemem, loadavg, release, totalmem } from 'node:os';
import type { LoadResult, ScenarioName, ServerName } from './scenarios';
import type { StatementCount } from './statements';

export interface ScenarioResult {
  name: ScenarioName;
  title: string;
  server: ServerName;
  /** Sessions in the database for this measurement (seeded + the rich ones). */
  sessions: number;
  load: LoadResult;
  /** In-process SQL statements per request; null for the floor, which does not go through our Database. */
  statements: StatementCount | null;
  /** Extra statement counts (nested: the same query with a smaller page, to show the count is fixed). */
  statementsAlt?: Record<string, StatementCount>;
  /** Statements per request under load, from the gateway's GET /metrics (null when it has none). */
  serverStatements: number | null;
  /** The server process's CPU time (all threads) per request sent, in µs; null off Linux. */
  cpuPerRequestUs: number | null;
  /** The same, slice by slice (one per interleaved round); empty off Linux. */
  cpuPerRequestUsSlices?: number[];
  memory: { rssMaxMB: number; peakMB: number };
  /** 'scale': the list at scale against the list at 1,000, on their own gateways (not the standard run's rows). */
  group?: 'scale';
}

/**
 * One target of the issue, as latest.json carries it for scripts: `id` is stable, `measured` is the
 * number judged against `threshold` (`direction` says which side passes), `pass` is null when the run did
 * not measure it. `value` and `status` are the same verdict for people (the tables).
 */
export interface Target {
  id: string;
  target: string;
  value: string;
  measured: number | null;
  threshold: number | null;
  direction: 'min' | 'max' | null;
  /** Per-round lowest and highest of the measured ratio, when it comes from interleaved rounds. */
  spread: { min: number; max: number; rounds: number } | null;
  pass: boolean | null;
  status: 'met' | 'missed' | 'n/a';
}

export interface Machine {
  cpu: string;
  cores: number;
  memoryGB: number;
  freeMemoryGB: number;
  loadAverage: number[];
  kernel: string;
  node: string;
  date: string;
  engine: string;
  /** NODE_OPTIONS as the servers inherit it (both, so ratios stay like for like); '' when unset. */
  nodeOptions: string;
}

export function machineInfo(engine: string): Machine {
  const cpu = cpus();
  return {
    cpu: cpu[0]?.model?.trim() ?? 'unknown',
    cores: cpu.length,
    memoryGB: round(totalmem() / 2 ** 30, 1),
    freeMemoryGB: round(freemem() / 2 ** 30, 1),
    loadAverage: loadavg().map((l) => round(l, 2)),
    kernel: release(),
    node: process.version,
    date: new Date().toISOString(),
    engine,
    nodeOptions: process.env.NODE_OPTIONS?.trim() ?? '',
  };
}

export const round = (n: number, digits = 0) => (Number.isFinite(n) ? Math.round(n * 10 ** digits) / 10 ** digits : n);
const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? round(n, digits).toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '–');

export const P99_OVER_P50_MAX = 5;
export const RSS_MAX_MB = 300;
/** Issue 22, target 4: REST by id ≥ 1.0 × the hand-written reference, in req/s and in CPU per request. */
export const REST_VS_REFERENCE_MIN = 1.0;
/** GraphQL by id ≥ 1.1 × the graphql-http peer over the same schema, and ≥ 0.85 × the reference. */
export const GRAPHQL_VS_PEER_MIN = 1.1;
export const GRAPHQL_VS_REFERENCE_MIN = 0.85;
/** Target 5: the list at 100k sessions within 1.2 × its cost at 1k (CPU per request), and req/s ≥ 1 / 1.2 of it. */
export const LIST_SCALE_MAX = 1.2;
export const NESTED_STATEMENTS_MAX = 6;
/** Target 6: every compared row measured in at least this many interleaved rounds. */
export const ROUNDS_MIN = 3;

const label = (r: ScenarioResult, all: ScenarioResult[]) =>
  all.some((o) => o !== r && o.name === r.name) ? `${r.name} @${compact(r.sessions)}` : r.name;
const compact = (n: number) => (n >= 1000 && n % 1000 < 100 ? `${Math.floor(n / 1000)}k` : String(n));
const tailRatio = (r: ScenarioResult) => r.load.p99 / Math.max(r.load.p50, 1e-9);

export function median(values: number[]): number {
  if (!values.length) return NaN;
  const v = [...values].sort((a, b) => a - b);
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/** Median, lowest and highest of a row's per-round values (req/s or CPU µs per request). */
export function roundStats(values: number[] | undefined): { median: number; min: number; max: number; rounds: number } | null {
  if (!values?.length) return null;
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), rounds: values.length };
}

/**
 * a against b, round by round (the rows ran side by side in each round): the median of the per-round
 * ratios and their spread. `higherIsBetter` false (CPU per request) turns the ratio so that > 1 is a's win.
 * With a single slice each (no interleaving), the run's overall figures.
 */
export function pairedRatio(a: number[], b: number[], higherIsBetter = true): { ratio: number; min: number; max: number; rounds: number } | null {
  const n = Math.min(a.length, b.length);
  if (n === 0) return null;
  const ratios = Array.from({ length: n }, (_, i) => (higherIsBetter ? a[i] / b[i] : b[i] / a[i])).filter(Number.isFinite);
  if (!ratios.length) return null;
  return { ratio: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios), rounds: ratios.length };
}

const notMeasured = (id: string, target: string, why: string, threshold: number | null = null, direction: Target['direction'] = null): Target => ({
  id, target, value: why, measured: null, threshold, direction, spread: null, pass: null, status: 'n/a',
});

function judged(id: string, target: string, measured: number, threshold: number, direction: 'min' | 'max', value: string, spread: Target['spread'] = null): Target {
  const pass = direction === 'min' ? measured >= threshold : measured <= threshold;
  return { id, target, value, measured: round(measured, 4), threshold: round(threshold, 4), direction, spread, pass, status: pass ? 'met' : 'missed' };
}

/** A by-id comparison, judged on the median of its per-round ratios (req/s, or CPU per request). */
function byIdTarget(id: string, target: string, a: ScenarioResult | undefined, b: ScenarioResult | undefined, min: number, by: 'req/s' | 'cpu'): Target {
  if (!a || !b) return notMeasured(id, target, 'not measured in this run', min, 'min');
  const r = by === 'req/s' ? pairedRatio(a.load.sliceRates, b.load.sliceRates) : pairedRatio(a.cpuPerRequestUsSlices ?? [], b.cpuPerRequestUsSlices ?? [], false);
  if (!r) return notMeasured(id, target, 'not measured in this run (no CPU times off Linux)', min, 'min');
  const detail =
    by === 'req/s'
      ? `${fmt(a.load.requestsPerSec)} / ${fmt(b.load.requestsPerSec)} req/s overall`
      : `${fmt(a.cpuPerRequestUs ?? NaN)} / ${fmt(b.cpuPerRequestUs ?? NaN)} µs per request overall`;
  const spread = r.rounds > 1 ? `; per round ${fmt(r.min, 2)}–${fmt(r.max, 2)} over ${r.rounds} rounds` : '';
  return judged(id, target, r.ratio, min, 'min', `${fmt(r.ratio, 2)} median (${detail}${spread})`, { min: round(r.min, 4), max: round(r.max, 4), rounds: r.rounds });
}

/** Rounds of the sub-benches' compared rows, for target 6 (see parts.ts). */
export type PartRounds = { what: string; rounds: number }[];

export function evaluateTargets(results: ScenarioResult[], run: { connections: number; rounds: number; partRounds?: PartRounds }): Target[] {
  const standard = results.filter((r) => r.group !== 'scale');
  const find = (name: ScenarioName) => standard.filter((r) => r.name === name);
  const [rest] = find('rest-get');
  const [gql] = find('graphql-get');
  const [ref] = find('reference');
  const [peer] = find('graphql-http');
  const [nested] = find('nested');
  const separate = 'not measured in this run: its part was skipped (--skip / --only)';
  const targets: Target[] = [
    notMeasured('1.held-waits', 'held waits cost memory only (10,000 held: idle CPU, RSS per wait, by-id p99)', separate),
    notMeasured('1.held-streams', 'RSS ≤ 20 KB per open stream', separate),
    notMeasured('2.otp-delivery', 'OTP delivery p99 with 10,000 waits held', 'not measured: the otp part did not run (--skip otp, or --only without it)'),
    notMeasured('3.smtp-ingest', 'SMTP ingest msg/s, CPU per message, DATA→250 p99', separate),
    byIdTarget('4.rest-vs-reference.req-per-sec', `REST by id ≥ ${REST_VS_REFERENCE_MIN} × hand-written, req/s`, rest, ref, REST_VS_REFERENCE_MIN, 'req/s'),
    byIdTarget('4.rest-vs-reference.cpu-per-request', `REST by id ≥ ${REST_VS_REFERENCE_MIN} × hand-written, CPU per request`, rest, ref, REST_VS_REFERENCE_MIN, 'cpu'),
    byIdTarget('4.graphql-vs-graphql-http', `GraphQL by id ≥ ${GRAPHQL_VS_PEER_MIN} × graphql-http peer, req/s`, gql, peer, GRAPHQL_VS_PEER_MIN, 'req/s'),
    byIdTarget('4.graphql-vs-reference', `GraphQL by id ≥ ${GRAPHQL_VS_REFERENCE_MIN} × hand-written, req/s`, gql, ref, GRAPHQL_VS_REFERENCE_MIN, 'req/s'),
    notMeasured('5.timeline-growth', 'timeline page at 10,000 events within 1.5 × at 10', separate, 1.5, 'max'),
    ...listScaleTargets(results),
  ];

  const gatewayPeak = Math.max(...standard.filter((r) => r.server === 'gateway').map((r) => r.memory.peakMB), -Infinity);
  targets.push(
    Number.isFinite(gatewayPeak)
      ? judged('5.peak-rss', `gateway peak RSS ≤ ${RSS_MAX_MB} MB`, gatewayPeak, RSS_MAX_MB, 'max', `${fmt(gatewayPeak)} MB (VmHWM)`)
      : notMeasured('5.peak-rss', `gateway peak RSS ≤ ${RSS_MAX_MB} MB`, 'not measured', RSS_MAX_MB, 'max'),
  );

  // Every group of compared rows: the interleaved ones here, and the sub-benches' (parts.ts).
  const groups: PartRounds = [
    ...(['standard', 'scale'] as const).flatMap((g) => {
      const rows = results.filter((r) => (r.group ?? 'standard') === g && r.load.sliceRates.length > 1);
      return rows.length ? [{ what: rows.map((r) => label(r, results)).join(', '), rounds: Math.min(...rows.map((r) => r.load.sliceRates.length)) }] : [];
    }),
    ...(run.partRounds ?? []),
  ];
  const fewest = Math.min(...groups.map((g) => g.rounds));
  targets.push(
    groups.length
      ? judged('6.interleaved-rounds', `compared rows interleaved in ≥ ${ROUNDS_MIN} rounds (medians and spreads recorded)`, fewest, ROUNDS_MIN, 'min', groups.map((g) => `${g.what}: ${g.rounds} rounds`).join('; '))
      : notMeasured('6.interleaved-rounds', `compared rows interleaved in ≥ ${ROUNDS_MIN} rounds`, `no interleaved group in this run (--rounds ${run.rounds})`, ROUNDS_MIN, 'min'),
  );

  const nestedTarget = `nested: fixed SQL statements (no N+1), ≤ ${NESTED_STATEMENTS_MAX}`;
  if (nested?.statements) {
    const counts = [nested.statements.perRequest, ...Object.values(nested.statementsAlt ?? {}).map((c) => c.perRequest)];
    const fixed = counts.every((c) => c === counts[0]);
    const alt = Object.entries(nested.statementsAlt ?? {}).map(([k, c]) => `${c.perRequest} with ${k}`).join(', ');
    const t = judged('earlier.nested-statements', nestedTarget, Math.max(...counts), NESTED_STATEMENTS_MAX, 'max', `${nested.statements.perRequest} with limit 50${alt ? `, ${alt}` : ''}`);
    if (!fixed) Object.assign(t, { pass: false, status: 'missed' as const, value: `${t.value} (not fixed)` });
    targets.push(t);
  } else {
    targets.push(notMeasured('earlier.nested-statements', nestedTarget, 'not measured in this run', NESTED_STATEMENTS_MAX, 'max'));
  }

  const tailTarget = `p99 ≤ ${P99_OVER_P50_MAX} × p50 in every scenario (${run.connections} connections)`;
  const tails = standard.filter((r) => r.load.requests > 0);
  const worst = tails.reduce<ScenarioResult | undefined>((w, r) => (!w || tailRatio(r) > tailRatio(w) ? r : w), undefined);
  if (worst) {
    const missed = tails.filter((r) => tailRatio(r) > P99_OVER_P50_MAX).map((r) => label(r, results));
    const note = run.connections !== 32 ? ' (targets are defined at 32)' : '';
    targets.push(judged('earlier.p99-over-p50', tailTarget, tailRatio(worst), P99_OVER_P50_MAX, 'max', `worst ${fmt(tailRatio(worst), 1)}× (${label(worst, results)})${missed.length ? `; missed: ${missed.join(', ')}` : ''}${note}`));
  } else {
    targets.push(notMeasured('earlier.p99-over-p50', tailTarget, '–', P99_OVER_P50_MAX, 'max'));
  }
  return targets;
}

/**
 * Target 5, the list at scale: list (6) on a database of 100,000 sessions against the same list on 1,000,
 * both gateways up at once and measured in interleaved rounds (`group: 'scale'`). "Within 1.2 ×" is
 * judged on the cost, CPU time per request (median of the per-round ratios, ≤ 1.2), and on req/s (≥ 1 / 1.2).
 */
export function listScaleTargets(results: ScenarioResult[]): Target[] {
  const lists = results.filter((r) => r.group === 'scale' && r.name === 'list').sort((a, b) => a.sessions - b.sessions);
  const [small, big] = [lists[0], lists.at(-1)];
  const at = big && big !== small ? `@${compact(big.sessions)}` : '@100k';
  const cpuTarget = `list ${at} within ${LIST_SCALE_MAX} × list @1k, CPU per request`;
  const rateTarget = `list ${at} within ${LIST_SCALE_MAX} × list @1k, req/s (≥ ${fmt(1 / LIST_SCALE_MAX, 2)} ×)`;
  const how = 'run `npm run bench` (the scale part) or `npm run bench -- --only scale`';
  if (!small || !big || small === big) {
    return [notMeasured('5.list-100k-vs-1k.cpu-per-request', cpuTarget, how, LIST_SCALE_MAX, 'max'), notMeasured('5.list-100k-vs-1k.req-per-sec', rateTarget, how, 1 / LIST_SCALE_MAX, 'min')];
  }
  const note = big.sessions < 100_000 ? ` — at ${fmt(big.sessions)} sessions, below the 100,000 of the target` : '';
  const cpu = pairedRatio(big.cpuPerRequestUsSlices ?? [], small.cpuPerRequestUsSlices ?? []);
  const rate = pairedRatio(big.load.sliceRates, small.load.sliceRates);
  const spreadOf = (r: { min: number; max: number; rounds: number }) => ({ min: round(r.min, 4), max: round(r.max, 4), rounds: r.rounds });
  return [
    cpu
      ? judged('5.list-100k-vs-1k.cpu-per-request', cpuTarget, cpu.ratio, LIST_SCALE_MAX, 'max', `${fmt(cpu.ratio, 2)} median (${fmt(big.cpuPerRequestUs ?? NaN)} / ${fmt(small.cpuPerRequestUs ?? NaN)} µs per request; per round ${fmt(cpu.min, 2)}–${fmt(cpu.max, 2)} over ${cpu.rounds} rounds)${note}`, spreadOf(cpu))
      : notMeasured('5.list-100k-vs-1k.cpu-per-request', cpuTarget, 'no CPU times off Linux', LIST_SCALE_MAX, 'max'),
    rate
      ? judged('5.list-100k-vs-1k.req-per-sec', rateTarget, rate.ratio, 1 / LIST_SCALE_MAX, 'min', `${fmt(rate.ratio, 2)} median (${fmt(big.load.requestsPerSec)} / ${fmt(small.load.requestsPerSec)} req/s; per round ${fmt(rate.min, 2)}–${fmt(rate.max, 2)} over ${rate.rounds} rounds)${note}`, spreadOf(rate))
      : notMeasured('5.list-100k-vs-1k.req-per-sec', rateTarget, 'not measured', 1 / LIST_SCALE_MAX, 'min'),
  ];
}

/**
 * The sub-benches' targets in place of the "not measured" rows they cover (same order as the issue),
 * and the run's verdict: `met` when every target was measured and met.
 */
export function mergeTargets(targets: Target[], parts: { covers: string[]; targets: Target[] }[]): Target[] {
  const out: Target[] = [];
  for (const t of targets) {
    const part = parts.find((p) => p.covers.some((c) => t.id === c || t.id.startsWith(`${c}.`)));
    const mine = part?.targets.filter((pt) => pt.id === t.id || pt.id.startsWith(`${t.id}.`)) ?? [];
    out.push(...(mine.length ? mine : [t]));
  }
  return out;
}

export function overall(targets: Target[]): { met: number; missed: number; notMeasured: number; allMet: boolean } {
  const met = targets.filter((t) => t.status === 'met').length;
  const missed = targets.filter((t) => t.status === 'missed').length;
  return { met, missed, notMeasured: targets.length - met - missed, allMet: missed === 0 && met === targets.length };
}

const mark = (status: Target['status']) => (status === 'met' ? '✅ met' : status === 'missed' ? '❌ missed' : '– n/a');

function rows(results: ScenarioResult[]): string[][] {
  const ref = results.find((r) => r.name === 'reference');
  return results.map((r) => {
    const vsRef = ref && r !== ref && r.load.sliceRates.length > 1 ? `${fmt(r.load.requestsPerSec / ref.load.requestsPerSec, 2)}× ref` : '';
    const rounds = r.load.sliceRates.length > 1 ? roundStats(r.load.sliceRates) : null;
    const cpuRounds = r.load.sliceRates.length > 1 ? roundStats(r.cpuPerRequestUsSlices) : null;
    const unit = r.name === 'flow' ? ' flows/s' : '';
    const tail = tailRatio(r);
    return [
      label(r, results),
      r.title,
      fmt(r.sessions),
      `${fmt(r.load.requestsPerSec, r.load.requestsPerSec < 100 ? 1 : 0)}${unit}`,
      vsRef,
      fmt(r.load.p50, r.load.p50 < 10 ? 1 : 0),
      fmt(r.load.p99, r.load.p99 < 10 ? 1 : 0),
      `${fmt(tail, 1)}×${tail > P99_OVER_P50_MAX ? ' ❌' : ' ✅'}`,
      String(r.load.errors) + (r.load.errors ? ' ❌' : ''),
      rounds ? `${fmt(rounds.median)} (${fmt(rounds.min)}–${fmt(rounds.max)})` : '',
      !r.statements ? '–' : String(r.statements.perRequest) + (r.statements.samples.some((s) => s !== r.statements!.perRequest) ? ` (${r.statements.samples.join('/')})` : ''),
      r.serverStatements === null ? '–' : fmt(r.serverStatements, 2),
      r.cpuPerRequestUs === null ? '–' : fmt(r.cpuPerRequestUs) + (cpuRounds ? ` (${fmt(cpuRounds.min)}–${fmt(cpuRounds.max)})` : ''),
      `${fmt(r.memory.peakMB)}${r.server === 'gateway' ? '' : ` (${r.server})`}`,
    ];
  });
}

const HEADER = ['scenario', 'what', 'sessions', 'req/s', 'vs ref', 'p50 ms', 'p99 ms', 'p99/p50', 'errors', 'round median (min–max) req/s', 'SQL/req', 'SQL/req load', 'CPU µs/req (rounds min–max)', 'peak RSS MB'];

export function textTable(results: ScenarioResult[], targets: Target[]): string {
  const body = rows(results).map((r) => r.filter((_, i) => i !== 1));
  const header = HEADER.filter((_, i) => i !== 1);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => [...r[i]].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line), ''];
  const tw = Math.max(...targets.map((t) => t.target.length));
  for (const t of targets) out.push(`${mark(t.status).padEnd(9)}  ${t.target.padEnd(tw)}  ${t.value}`);
  return out.join('\n');
}

export interface RunInfo {
  machine: Machine;
  /** The load average when the run ended (it moves during a long run on a shared machine). */
  machineAtEnd?: { loadAverage: number[]; date: string };
  options: Record<string, unknown>;
  commit: string;
  notes: string[];
}

export function markdown(info: RunInfo, results: ScenarioResult[], targets: Target[], verdict = overall(targets)): string {
  const m = info.machine;
  const table = (header: string[], body: string[][], leftColumns: number) =>
    [`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i < leftColumns ? '---' : '---:')).join('|')}|`, ...body.map((r) => `| ${r.join(' | ')} |`)].join('\n');
  const o = info.options;
  const spread = (t: Target) => (t.spread ? `${fmt(t.spread.min, 2)}–${fmt(t.spread.max, 2)} (${t.spread.rounds})` : '');
  return [
    `# sessions-gateway benchmark — ${m.date}`,
    '',
    `- **Machine:** ${m.cpu}, ${m.cores} cores, ${m.memoryGB} GB RAM (${m.freeMemoryGB} GB free), load average at start ${m.loadAverage.join(' / ')}${info.machineAtEnd ? `, at the end ${info.machineAtEnd.loadAverage.join(' / ')}` : ''}, Linux ${m.kernel}`,
    `- **Node.js:** ${m.node}${m.nodeOptions ? ` with \`NODE_OPTIONS=${m.nodeOptions}\` (gateway and reference)` : ''} · **engine:** ${m.engine} · **commit:** ${info.commit}`,
    `- **Run:** ${o.connections} connections, ${o.warmup} s warm-up + ${o.duration} s measured per scenario, ${o.sessions} seeded sessions (+ ${o.richSessions} with 1 inbox + 1 wait), seeded via ${o.seed}${o.quick ? ', **--quick**' : ''}`,
    `- **Targets:** ${verdict.met} met, ${verdict.missed} missed, ${verdict.notMeasured} not measured`,
    '',
    '## Targets',
    '',
    table(['id', 'target', 'value', 'rounds min–max (n)', 'status'], targets.map((t) => [`\`${t.id}\``, t.target, t.value, spread(t), mark(t.status)]), 4),
    '',
    '## Results',
    '',
    table(HEADER, rows(results), 2),
    '',
    ...(info.notes.length ? ['## Notes', '', ...info.notes.map((n) => `- ${n}`), ''] : []),
  ].join('\n');
}
