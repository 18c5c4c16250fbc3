/**
 * The sub-benches `npm run bench` runs after its HTTP scenarios, in this order, each on its own
 * gateway and database: held waits (target 1), OTP delivery at scale (2), SMTP ingest (3), live sessions
 * (timeline pages, target 5; RSS per open stream, target 1). Each returns its targets in latest.json's
 * shape; run.ts puts them in place of the "not measured" rows (see mergeTargets in report.ts).
 *
 * Adding one is one entry in SUB_BENCHES. A sub-bench that exports a function answering
 * `{ targets: { name, value, pass }[] }` fits through `simpleTargets`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { heldDatabase, heldTargets, type HeldResult, runHeldWaits } from './held-waits';
import { onCleanup, ROOT } from './processes';
import { round, type Target } from './report';

export interface PartContext {
  engine: 'sqlite' | 'postgresql';
  /** Smaller N everywhere (`--quick`): the targets are still judged, at the smaller scale, and say so. */
  quick: boolean;
  connections: number;
  /** Seconds per measured by-id run (the held-waits part uses half, at least 3). */
  duration: number;
  held: { count: number; windowS: number; rate: number; streams: number };
  otp: { deliveries: number; rate: number };
  log: (line: string) => void;
  /** Drops a PostgreSQL schema made by a part (the run's own helper). */
  dropSchema: (adminUrl: string, schema: string) => Promise<void>;
}

export interface PartResult {
  targets: Target[];
  /** The sub-bench's own result, kept whole in latest.json (`parts.<name>`). */
  raw: unknown;
  /** Interleaved rounds of its compared rows (target 6); null when it compares nothing side by side. */
  rounds: { what: string; rounds: number } | null;
}

export interface SubBench {
  name: string;
  /** The target ids (prefixes) it measures: their "not measured" rows are replaced by its targets. */
  covers: string[];
  run(ctx: PartContext): Promise<PartResult>;
}

export const SUB_BENCHES: SubBench[] = [
  { name: 'held', covers: ['1.held-waits'], run: heldPart },
  { name: 'otp', covers: ['2.otp-delivery'], run: otpPart },
  { name: 'smtp', covers: ['3.smtp-ingest'], run: smtpPart },
  { name: 'live', covers: ['5.timeline-growth', '1.held-streams'], run: livePart },
];

export const PART_NAMES = ['scale', ...SUB_BENCHES.map((b) => b.name)];

const judged = (id: string, target: string, measured: number | null, threshold: number, direction: 'min' | 'max', value: string, spread: Target['spread'] = null): Target => {
  if (measured === null || !Number.isFinite(measured)) return { id, target, value: `${value} (not measured)`, measured: null, threshold, direction, spread, pass: null, status: 'n/a' };
  const pass = direction === 'min' ? measured >= threshold : measured <= threshold;
  return { id, target, value, measured: round(measured, 4), threshold, direction, spread, pass, status: pass ? 'met' : 'missed' };
};

/** `{ name, value, pass }` rows (a sub-bench's own shape) as latest.json targets, ids `<prefix>.<n>`. */
export function simpleTargets(prefix: string, result: { targets: { name: string; value: unknown; pass: boolean | null }[] }, scale = ''): PartResult {
  const targets = result.targets.map((t, i): Target => ({
    id: `${prefix}.${i + 1}`,
    target: t.name,
    value: `${String(t.value)}${scale}`,
    measured: typeof t.value === 'number' ? t.value : null,
    threshold: null,
    direction: null,
    spread: null,
    pass: t.pass,
    status: t.pass === null ? 'n/a' : t.pass ? 'met' : 'missed',
  }));
  return { targets, raw: result, rounds: null };
}

async function heldPart(ctx: PartContext): Promise<PartResult> {
  const [database, controlDatabase] = [heldDatabase(ctx.engine), heldDatabase(ctx.engine)];
  for (const d of [database, controlDatabase]) onCleanup(() => (d.schema ? ctx.dropSchema(process.env.BENCH_DATABASE_URL!, d.schema) : d.drop()));
  const opts = { engine: ctx.engine, held: ctx.held.count, windowS: ctx.held.windowS, byIdS: Math.max(3, Math.round(ctx.duration / 2)), connections: ctx.connections, rate: ctx.held.rate, streams: ctx.held.streams };
  const result: HeldResult = await runHeldWaits(opts, database.url, controlDatabase.url, ctx.log, onCleanup);
  const at = ` (${result.held.toLocaleString('en-US')} held)`;
  const rows = heldTargets(result);
  const targets = rows.map((t) => {
    const [threshold, direction] = t.limit;
    const value = typeof t.value === 'number' ? t.value : null;
    const spread = 'spread' in t ? t.spread : null;
    const rounds = spread ? ` median; per round ${spread.min}–${spread.max}` : '';
    const made = judged(`1.held-waits.${t.id}`, t.name.replace(/ with N held/, ''), value, threshold, direction, `${t.value}${rounds}${at}`, spread);
    // The scenario's own verdict where its rule is not a plain threshold (statements: strictly below).
    return made.pass === null ? made : { ...made, pass: t.pass, status: t.pass ? ('met' as const) : ('missed' as const) };
  });
  if (!ctx.quick && result.held < 10_000) targets.forEach((t) => (t.value += ' — below the 10,000 of the target'));
  return { targets, raw: result, rounds: null };
}

async function otpPart(ctx: PartContext): Promise<PartResult> {
  const { runOtpAtScale } = await import('./otp-at-scale');
  const run = await runOtpAtScale({ engine: ctx.engine, held: ctx.held.count, deliveries: ctx.otp.deliveries, rate: ctx.otp.rate, holdRate: ctx.held.rate }, ctx.log);
  return simpleTargets('2.otp-delivery', { targets: run.targets }, ` (${ctx.held.count.toLocaleString('en-US')} held)`);
}

/** Runs another bench script (its own process: its own servers, cleanup and exit) and reads its JSON. */
async function script(file: string, args: string[], ctx: PartContext, resultFile: (dir: string) => string): Promise<{ json: any; exitCode: number | null }> {
  const dir = mkdtempSync(join(tmpdir(), 'sessions-gateway-bench-part-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  const tsx = join(ROOT, 'node_modules', '.bin', 'tsx');
  ctx.log(`  tsx bench/${file} ${args.join(' ')}`);
  const child = spawn(tsx, [join(ROOT, 'bench', file), ...args, '--out', dir], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'], env: process.env });
  const exitCode = await new Promise<number | null>((resolve, reject) => child.once('exit', resolve).once('error', reject));
  try {
    return { json: JSON.parse(readFileSync(resultFile(dir), 'utf8')), exitCode };
  } catch {
    throw new Error(`bench/${file} exited ${exitCode} without writing its results`);
  }
}

async function smtpPart(ctx: PartContext): Promise<PartResult> {
  const args = ['--engine', ctx.engine, ...(ctx.quick ? ['--duration', '4', '--warmup', '2', '--rounds', '3'] : [])];
  const { json } = await script('smtp-ingest.ts', args, ctx, (dir) => join(dir, `smtp-ingest-${ctx.engine}.json`));
  const own = json.results.gateway as { targets: { id: string; target: string; value: unknown; spread: string; pass: boolean }[]; rounds: unknown[] };
  const limits: Record<string, [number, 'min' | 'max']> = {
    '3.smtp-ingest.msg-per-sec': [ctx.engine === 'sqlite' ? 500 : 400, 'min'],
    '3.smtp-ingest.cpu-per-message': [1.5, 'max'],
    '3.smtp-ingest.data-to-250-p99': [50, 'max'],
  };
  const targets = own.targets.map((t): Target => {
    const limit = limits[t.id];
    const [min, max] = t.spread ? t.spread.split('–').map(Number) : [];
    const spread = min !== undefined && max !== undefined && Number.isFinite(min) && Number.isFinite(max) ? { min, max, rounds: own.rounds.length } : null;
    const made = limit ? judged(t.id, `SMTP ingest (${ctx.engine}): ${t.target}`, typeof t.value === 'number' ? t.value : null, limit[0], limit[1], `${t.value} median of ${own.rounds.length} rounds (${t.spread})`, spread) : null;
    return made ?? { id: t.id, target: `SMTP ingest: ${t.target}`, value: String(t.value), measured: null, threshold: null, direction: null, spread: null, pass: t.pass, status: t.pass ? 'met' : 'missed' };
  });
  return { targets, raw: json, rounds: null };
}

async function livePart(ctx: PartContext): Promise<PartResult> {
  const args = ['--engine', ctx.engine, ...(ctx.quick ? ['--subscriptions', '200', '--sessions', '20', '--rounds', '50', '--pages', '100'] : [])];
  const { json } = await script('live.ts', args, ctx, (dir) => join(dir, `live-${ctx.engine}.json`));
  const page = json.timelinePage;
  const targets = [
    judged(
      '5.timeline-growth',
      'timeline page (5 events, from the middle) at 10,000 events within 1.5 × at 10',
      page.ratio,
      1.5,
      'max',
      `${page.ratio} median of ${page.spread.rounds} interleaved rounds (${page.large.mean} / ${page.small.mean} ms per page at ${page.large.events} / ${page.small.events} events; per round ${page.spread.min}–${page.spread.max})`,
      page.spread,
    ),
    judged('1.held-streams.rss-per-stream', `RSS ≤ 20 KB per open stream (${json.subscriptions} GraphQL subscriptions)`, json.rss.perStreamKB, 20, 'max', `${json.rss.perStreamKB} KB (${json.rss.beforeMB} → ${json.rss.afterMB} MB)`),
  ];
  return { targets, raw: json, rounds: { what: 'timeline page at 10 vs 10,000 events', rounds: page.spread.rounds } };
}
