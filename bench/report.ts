/** The results: a table on stdout, and bench/results/*.json + *.md. */
import { cpus, freemem, loadavg, release, totalmem } from 'node:os';
import type { ScenarioName, LoadResult } from './scenarios';
import type { StatementCount } from './statements';

export interface ScenarioResult {
  name: ScenarioName;
  title: string;
  server: 'gateway' | 'reference';
  /** Sessions in the database for this measurement (seeded + the rich ones). */
  sessions: number;
  load: LoadResult;
  statements: StatementCount;
  /** Extra statement counts (nested: the same query with a smaller page, to show the count is fixed). */
  statementsAlt?: Record<string, StatementCount>;
  /** Statements per request under load, from the gateway's GET /metrics (null when it has none). */
  serverStatements: number | null;
  /** The server process's CPU time (all threads) per request sent, in µs; null off Linux. */
  cpuPerRequestUs: number | null;
  memory: { rssMaxMB: number; peakMB: number };
}

export interface Target {
  target: string;
  value: string;
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
export const BY_ID_RATIO_MIN = 0.8;
export const LIST_SCALE_RATIO_MIN = 0.5;
export const NESTED_STATEMENTS_MAX = 6;

const label = (r: ScenarioResult, all: ScenarioResult[]) =>
  all.some((o) => o !== r && o.name === r.name) ? `${r.name} @${compact(r.sessions)}` : r.name;
const compact = (n: number) => (n >= 1000 && n % 1000 < 100 ? `${Math.floor(n / 1000)}k` : String(n));
const tailRatio = (r: ScenarioResult) => r.load.p99 / Math.max(r.load.p50, 1e-9);

/** The ratio within each interleaved round, lowest to highest: how much of a run's ratio is noise. */
function roundSpread(a: ScenarioResult, b: ScenarioResult): string {
  const n = Math.min(a.load.sliceRates?.length ?? 0, b.load.sliceRates?.length ?? 0);
  if (n < 2) return '';
  const ratios = Array.from({ length: n }, (_, i) => a.load.sliceRates[i] / b.load.sliceRates[i]).sort((x, y) => x - y);
  return `; per round ${fmt(ratios[0], 2)}–${fmt(ratios[n - 1], 2)}`;
}

/** The same comparison by server CPU time per request (b's over a's: higher is better, as with req/s). */
function cpuRatio(a: ScenarioResult, b: ScenarioResult): string {
  if (!a.cpuPerRequestUs || !b.cpuPerRequestUs) return '';
  return `; by CPU per request ${fmt(b.cpuPerRequestUs / a.cpuPerRequestUs, 2)} (${fmt(a.cpuPerRequestUs)} / ${fmt(b.cpuPerRequestUs)} µs)`;
}

export function evaluateTargets(results: ScenarioResult[], connections: number): Target[] {
  const find = (name: ScenarioName) => results.filter((r) => r.name === name);
  const [rest] = find('rest-get');
  const [gql] = find('graphql-get');
  const [ref] = find('reference');
  const lists = find('list').sort((a, b) => a.sessions - b.sessions);
  const [nested] = find('nested');
  const targets: Target[] = [];
  const ratio = (a: ScenarioResult | undefined, b: ScenarioResult | undefined, what: string, min: number) => {
    if (!a || !b) return targets.push({ target: what, value: 'not measured in this run', status: 'n/a' });
    const r = a.load.requestsPerSec / b.load.requestsPerSec;
    targets.push({
      target: what,
      value: `${fmt(r, 2)} (${fmt(a.load.requestsPerSec)} / ${fmt(b.load.requestsPerSec)} req/s${roundSpread(a, b)}${cpuRatio(a, b)})`,
      status: r >= min ? 'met' : 'missed',
    });
  };
  ratio(rest, ref, `REST by id ≥ ${BY_ID_RATIO_MIN} × hand-written`, BY_ID_RATIO_MIN);
  ratio(gql, ref, `GraphQL by id ≥ ${BY_ID_RATIO_MIN} × hand-written`, BY_ID_RATIO_MIN);
  const big = lists.find((l) => l.sessions >= 100_000);
  const small = lists.find((l) => l.sessions < 2_000);
  if (big && small) {
    const r = big.load.requestsPerSec / small.load.requestsPerSec;
    targets.push({
      target: `list @${compact(big.sessions)} ≥ ${LIST_SCALE_RATIO_MIN} × list @${compact(small.sessions)}`,
      value: `${fmt(r, 2)} (${fmt(big.load.requestsPerSec)} / ${fmt(small.load.requestsPerSec)} req/s)`,
      status: r >= LIST_SCALE_RATIO_MIN ? 'met' : 'missed',
    });
  } else {
    targets.push({ target: `list @100k ≥ ${LIST_SCALE_RATIO_MIN} × list @1k`, value: 'run `npm run bench -- --sessions 100000 --only list`', status: 'n/a' });
  }
  if (nested) {
    const counts = [nested.statements.perRequest, ...Object.values(nested.statementsAlt ?? {}).map((c) => c.perRequest)];
    const fixed = counts.every((c) => c === counts[0]);
    const alt = Object.entries(nested.statementsAlt ?? {}).map(([k, c]) => `${c.perRequest} with ${k}`).join(', ');
    targets.push({
      target: `nested: fixed SQL statements (no N+1), ≤ ${NESTED_STATEMENTS_MAX}`,
      value: `${nested.statements.perRequest} with limit 50${alt ? `, ${alt}` : ''}`,
      status: fixed && nested.statements.perRequest <= NESTED_STATEMENTS_MAX ? 'met' : 'missed',
    });
  } else {
    targets.push({ target: `nested: fixed SQL statements (no N+1), ≤ ${NESTED_STATEMENTS_MAX}`, value: 'not measured in this run', status: 'n/a' });
  }
  const tails = results.filter((r) => r.load.requests > 0);
  const worst = tails.reduce<ScenarioResult | undefined>((w, r) => (!w || tailRatio(r) > tailRatio(w) ? r : w), undefined);
  const missedTails = tails.filter((r) => tailRatio(r) > P99_OVER_P50_MAX).map((r) => label(r, results));
  targets.push({
    target: `p99 ≤ ${P99_OVER_P50_MAX} × p50 in every scenario (${connections} connections)`,
    value: worst ? `worst ${fmt(tailRatio(worst), 1)}× (${label(worst, results)})${missedTails.length ? `; missed: ${missedTails.join(', ')}` : ''}` : '–',
    status: !worst ? 'n/a' : missedTails.length ? 'missed' : 'met',
  });
  const gatewayPeak = Math.max(...results.filter((r) => r.server === 'gateway').map((r) => r.memory.peakMB), -Infinity);
  targets.push({
    target: `gateway peak RSS ≤ ${RSS_MAX_MB} MB`,
    value: Number.isFinite(gatewayPeak) ? `${fmt(gatewayPeak)} MB (VmHWM)` : 'not measured',
    status: !Number.isFinite(gatewayPeak) ? 'n/a' : gatewayPeak <= RSS_MAX_MB ? 'met' : 'missed',
  });
  if (connections !== 32) for (const t of targets) if (t.target.includes('p99')) t.value += ' (targets are defined at 32)';
  return targets;
}

const mark = (status: Target['status']) => (status === 'met' ? '✅ met' : status === 'missed' ? '❌ missed' : '– n/a');

function rows(results: ScenarioResult[]): string[][] {
  const ref = results.find((r) => r.name === 'reference');
  return results.map((r) => {
    const vsRef = ref && (r.name === 'rest-get' || r.name === 'graphql-get') ? `${fmt(r.load.requestsPerSec / ref.load.requestsPerSec, 2)}× ref` : '';
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
      String(r.statements.perRequest) + (r.statements.samples.some((s) => s !== r.statements.perRequest) ? ` (${r.statements.samples.join('/')})` : ''),
      r.serverStatements === null ? '–' : fmt(r.serverStatements, 2),
      r.cpuPerRequestUs === null ? '–' : fmt(r.cpuPerRequestUs),
      `${fmt(r.memory.peakMB)}${r.server === 'reference' ? ' (ref)' : ''}`,
    ];
  });
}

const HEADER = ['scenario', 'what', 'sessions', 'req/s', 'vs ref', 'p50 ms', 'p99 ms', 'p99/p50', 'errors', 'SQL/req', 'SQL/req load', 'CPU µs/req', 'peak RSS MB'];

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
  options: Record<string, unknown>;
  commit: string;
  notes: string[];
}

export function markdown(info: RunInfo, results: ScenarioResult[], targets: Target[]): string {
  const m = info.machine;
  const table = (header: string[], body: string[][], leftColumns: number) =>
    [`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i < leftColumns ? '---' : '---:')).join('|')}|`, ...body.map((r) => `| ${r.join(' | ')} |`)].join('\n');
  const o = info.options;
  return [
    `# sessions-gateway benchmark — ${m.date}`,
    '',
    `- **Machine:** ${m.cpu}, ${m.cores} cores, ${m.memoryGB} GB RAM (${m.freeMemoryGB} GB free), load average at start ${m.loadAverage.join(' / ')}, Linux ${m.kernel}`,
    `- **Node.js:** ${m.node}${m.nodeOptions ? ` with \`NODE_OPTIONS=${m.nodeOptions}\` (gateway and reference)` : ''} · **engine:** ${m.engine} · **commit:** ${info.commit}`,
    `- **Run:** ${o.connections} connections, ${o.warmup} s warm-up + ${o.duration} s measured per scenario, ${o.sessions} seeded sessions (+ ${o.richSessions} with 1 inbox + 1 wait), seeded via ${o.seed}`,
    '',
    '## Results',
    '',
    table(HEADER, rows(results), 2),
    '',
    '## Targets',
    '',
    table(['target', 'value', 'status'], targets.map((t) => [t.target, t.value, mark(t.status)]), 3),
    '',
    ...(info.notes.length ? ['## Notes', '', ...info.notes.map((n) => `- ${n}`), ''] : []),
  ].join('\n');
}
