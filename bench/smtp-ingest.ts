/**
 * `npm run bench:smtp -- [--engine sqlite|postgresql] [--clients 10] [--duration 10] [--rounds 3]`
 * [--baseline path/to/other/dist] (issue 22, target 3): SMTP ingest on one gateway started as production does (`node dist/main.js`).
 *
 * `--clients` SMTP clients (one connection each, from 127.0.0.1) send 2 KB messages back to back, each
 * to the next of 50 inboxes (in sessions, each with a pending OTP wait: the first message to an inbox
 * completes it). Per round: accepted messages per second, the gateway's CPU (user + system, all
 * threads, /proc/<pid>/stat) per accepted message, and DATA→250 latency (from writing the final
 * `.\r\n` to reading the reply). After the rounds every accepted message must be listed by the API in
 * its inbox (and no more), and every wait must be completed. Results go to
 * results/smtp-ingest-<engine>.json/.md.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { expectStatus, pool } from './http';
import { cpuSecondsOf, dropSchema, onCleanup, ROOT, runCleanups, startGatewayWith } from './processes';
import { freePort, message, MESSAGE_BYTES, SmtpClient } from './smtp-client';
import { machineInfo, round } from './report';

const INBOXES = 50;
/** Issue 22, target 3. */
const TARGETS = { sqlite: { msgPerSec: 500 }, postgresql: { msgPerSec: 400 }, cpuMsPerMessage: 1.5, p99Ms: 50 };

const log = (line: string) => process.stderr.write(`${line}\n`);

function options() {
  const { values } = parseArgs({
    options: {
      engine: { type: 'string', default: process.env.BENCH_DATABASE_URL ? 'postgresql' : 'sqlite' },
      clients: { type: 'string', default: '10' },
      duration: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '5' },
      rounds: { type: 'string', default: '3' },
      out: { type: 'string', default: join(ROOT, 'bench', 'results') },
      label: { type: 'string', default: '' },
      'cpu-prof': { type: 'string' },
      baseline: { type: 'string' },
    },
  });
  const engine = values.engine === 'sqlite' ? 'sqlite' : 'postgresql';
  return {
    engine: engine as 'sqlite' | 'postgresql',
    clients: Number(values.clients),
    duration: Number(values.duration),
    warmup: Number(values.warmup),
    rounds: Math.max(3, Number(values.rounds)),
    out: values.out!,
    label: values.label!,
    /** A directory: the gateway runs with `--cpu-prof` and writes its profile there when stopped. */
    cpuProf: values['cpu-prof'] ?? null,
    /** Another build's dist/ directory, measured in turn with this one (a before/after on the same machine). */
    baseline: values.baseline ?? null,
  };
}

const percentile = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] : NaN);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

interface Round {
  accepted: number;
  refused: number;
  seconds: number;
  msgPerSec: number;
  cpuMsPerMessage: number | null;
  p50Ms: number;
  p99Ms: number;
}

/** One gateway under test: its own database, inboxes (with a pending OTP wait each) and SMTP clients. */
async function prepare(opts: ReturnType<typeof options>, name: string, mainJs: string | undefined) {
  let databaseUrl: string;
  if (opts.engine === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'sessions-gateway-bench-smtp-'));
    onCleanup(() => rmSync(dir, { recursive: true, force: true }));
    databaseUrl = `file:${join(dir, 'bench.db')}`;
  } else {
    const admin = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
    const schema = `bench_${randomBytes(6).toString('hex')}`;
    const url = new URL(admin);
    url.searchParams.set('schema', schema);
    databaseUrl = url.toString();
    onCleanup(() => dropSchema(admin, schema));
  }
  const key = `sgk_${randomBytes(30).toString('base64url').replace(/[-_]/g, 'x').slice(0, 40)}`;
  const smtpPort = await freePort();
  const env = { SMTP_PORT: String(smtpPort), SMTP_HOST: '127.0.0.1', INBOX_MAX_MESSAGES: '1000000' };
  const nodeArgs = opts.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProf}`] : [];
  const gateway = await startGatewayWith(databaseUrl, key, env, { nodeArgs, mainJs, name });
  onCleanup(() => gateway.stop());
  log(`${name}: pid ${gateway.pid}, SMTP on ${smtpPort}${mainJs ? ` (${mainJs})` : ''}`);

  const inboxes: { id: string; address: string; waitId: string }[] = [];
  await pool(INBOXES, 5, async () => {
    const session = await expectStatus(201, gateway.url, key, 'POST', '/api/v1/sessions', { name: 'smtp ingest' });
    const inbox = await expectStatus(201, gateway.url, key, 'POST', '/api/v1/inboxes', { sessionId: session.id, ttlSeconds: 3600 });
    const wait = await expectStatus(201, gateway.url, key, 'POST', '/api/v1/waits', { inboxId: inbox.id, type: 'otp', timeoutSeconds: 600 });
    inboxes.push({ id: inbox.id, address: inbox.emailAddress, waitId: wait.id });
  });
  const clients = await Promise.all(Array.from({ length: opts.clients }, () => SmtpClient.open(smtpPort)));
  const acceptedPerInbox = new Map<string, number>();
  const refusals: Record<string, number> = {};
  let sent = 0;

  /** Every client sends back to back until `seconds` have passed; the latencies of the accepted. */
  async function load(seconds: number): Promise<{ accepted: number; refused: number; latencies: number[] }> {
    const until = performance.now() + seconds * 1000;
    const latencies: number[] = [];
    let refused = 0;
    await Promise.all(
      clients.map(async (client) => {
        while (performance.now() < until) {
          const n = sent++;
          const inbox = inboxes[n % inboxes.length]!;
          const r = await client.deliver(inbox.address, message(inbox.address, n));
          if (r.code === 250) {
            latencies.push(r.ms);
            acceptedPerInbox.set(inbox.id, (acceptedPerInbox.get(inbox.id) ?? 0) + 1);
          } else {
            refused++;
            refusals[r.line] = (refusals[r.line] ?? 0) + 1;
          }
        }
      }),
    );
    return { accepted: latencies.length, refused, latencies };
  }

  async function measuredRound(): Promise<Round> {
    const cpuBefore = cpuSecondsOf(gateway.pid);
    const started = performance.now();
    const from = process.hrtime.bigint() / 1000n;
    const r = await load(opts.duration);
    const seconds = (performance.now() - started) / 1000;
    const cpuAfter = cpuSecondsOf(gateway.pid);
    // The round in the profile's clock (µs, CLOCK_MONOTONIC as the gateway's): to look at the rounds alone.
    if (opts.cpuProf) log(`${name}: profile window ${from} ${process.hrtime.bigint() / 1000n} (${r.accepted} messages)`);
    const sorted = r.latencies.sort((x, y) => x - y);
    return {
      accepted: r.accepted,
      refused: r.refused,
      seconds: round(seconds, 2),
      msgPerSec: round(r.accepted / seconds, 1),
      cpuMsPerMessage: cpuBefore !== null && cpuAfter !== null ? round(((cpuAfter - cpuBefore) * 1000) / r.accepted, 3) : null,
      p50Ms: round(percentile(sorted, 50), 1),
      p99Ms: round(percentile(sorted, 99), 1),
    };
  }

  /** Every accepted message is in its inbox, once; every wait was completed by its inbox's first message. */
  async function verify() {
    for (const c of clients) c.close();
    let missing = 0;
    let extra = 0;
    let waitsNotCompleted = 0;
    await pool(inboxes.length, 5, async (i) => {
      const inbox = inboxes[i]!;
      const page = await expectStatus(200, gateway.url, key, 'GET', `/api/v1/inboxes/${inbox.id}/messages?limit=1`);
      const expected = acceptedPerInbox.get(inbox.id) ?? 0;
      const total = page.pagination.total as number;
      if (total < expected) missing += expected - total;
      if (total > expected) extra += total - expected;
      const wait = await expectStatus(200, gateway.url, key, 'GET', `/api/v1/waits/${inbox.waitId}`);
      if (wait.status !== 'completed') waitsNotCompleted++;
    });
    const accepted = [...acceptedPerInbox.values()].reduce((x, y) => x + y, 0);
    // Stopped here, not by the cleanup's SIGKILL: a gateway run with --cpu-prof writes its profile on a clean exit.
    await gateway.stop();
    return { accepted, missing, extra, waitsNotCompleted, refusals };
  }

  return { name, load, measuredRound, verify };
}

type Prepared = Awaited<ReturnType<typeof prepare>>;

function summarize(opts: ReturnType<typeof options>, rounds: Round[], check: Awaited<ReturnType<Prepared['verify']>>) {
  const summary = {
    msgPerSec: median(rounds.map((r) => r.msgPerSec)),
    cpuMsPerMessage: rounds.every((r) => r.cpuMsPerMessage !== null) ? median(rounds.map((r) => r.cpuMsPerMessage!)) : null,
    p50Ms: median(rounds.map((r) => r.p50Ms)),
    p99Ms: median(rounds.map((r) => r.p99Ms)),
  };
  const spread = (pick: (r: Round) => number | null) => {
    const xs = rounds.map(pick).filter((x): x is number => x !== null);
    return `${Math.min(...xs)}–${Math.max(...xs)}`;
  };
  const { accepted, missing, extra, waitsNotCompleted } = check;
  const targets = [
    { id: '3.smtp-ingest.msg-per-sec', target: `≥ ${TARGETS[opts.engine].msgPerSec} msg/s`, value: summary.msgPerSec, spread: spread((r) => r.msgPerSec), pass: summary.msgPerSec >= TARGETS[opts.engine].msgPerSec },
    { id: '3.smtp-ingest.cpu-per-message', target: `≤ ${TARGETS.cpuMsPerMessage} ms CPU per message`, value: summary.cpuMsPerMessage, spread: spread((r) => r.cpuMsPerMessage), pass: summary.cpuMsPerMessage !== null && summary.cpuMsPerMessage <= TARGETS.cpuMsPerMessage },
    { id: '3.smtp-ingest.data-to-250-p99', target: `DATA→250 p99 ≤ ${TARGETS.p99Ms} ms`, value: summary.p99Ms, spread: spread((r) => r.p99Ms), pass: summary.p99Ms <= TARGETS.p99Ms },
    { id: '3.smtp-ingest.all-visible', target: 'every accepted message visible through the API, once; waits completed', value: `${accepted - missing}/${accepted}, extra ${extra}, waits not completed ${waitsNotCompleted}`, spread: '', pass: missing === 0 && extra === 0 && waitsNotCompleted === 0 },
  ];
  return { rounds, summary, refusals: check.refusals, targets };
}

async function main(): Promise<void> {
  const opts = options();
  const machine = machineInfo(opts.engine);
  log(`smtp-ingest bench (${opts.engine}): ${machine.cpu}, ${machine.cores} cores, load ${machine.loadAverage.join(' ')}`);
  // With --baseline, the same load runs against another build too, round by round in turn, so that both
  // see the same machine (on a shared one, the load drifts more between runs than a change moves it).
  const builds: Prepared[] = [await prepare(opts, 'gateway', undefined)];
  if (opts.baseline) builds.push(await prepare(opts, 'baseline', join(opts.baseline, 'main.js')));
  for (const b of builds) {
    log(`${b.name}: warm-up ${opts.warmup} s`);
    await b.load(opts.warmup);
  }
  const rounds = new Map<string, Round[]>(builds.map((b) => [b.name, []]));
  for (let i = 0; i < opts.rounds; i++) {
    // The order turns each round: neither build always runs right after the other.
    for (const b of i % 2 ? [...builds].reverse() : builds) {
      const r = await b.measuredRound();
      rounds.get(b.name)!.push(r);
      log(`${b.name} round ${i + 1}: ${JSON.stringify(r)}`);
    }
  }
  const results: Record<string, ReturnType<typeof summarize>> = {};
  for (const b of builds) {
    const check = await b.verify();
    log(`${b.name}: visible through the API: ${check.accepted - check.missing} of ${check.accepted} accepted (extra ${check.extra}); waits not completed: ${check.waitsNotCompleted}`);
    results[b.name] = summarize(opts, rounds.get(b.name)!, check);
  }

  const commit = gitCommit();
  const result = { machine, commit, label: opts.label, options: { ...opts, out: relative(ROOT, opts.out), inboxes: INBOXES, messageBytes: MESSAGE_BYTES }, results };
  const md = [
    `# SMTP ingest (${opts.engine})${opts.label ? ` — ${opts.label}` : ''}`,
    '',
    `${machine.date}, commit ${commit}; ${machine.cpu}, ${machine.cores} cores, load average ${machine.loadAverage.join(' ')} at the start (shared machine: measured under load).`,
    `${opts.clients} SMTP clients, ${INBOXES} inboxes, ${MESSAGE_BYTES} B messages, ${opts.rounds} rounds of ${opts.duration} s; medians of the rounds (min–max).`,
    opts.baseline ? `\`baseline\` is the build in ${opts.baseline}, run in turn with this one, round by round.` : '',
    '',
    '| build | round | accepted | msg/s | CPU ms/msg | DATA→250 p50 | p99 |',
    '|---|---|---|---|---|---|---|',
    ...builds.flatMap((b) => rounds.get(b.name)!.map((r, i) => `| ${b.name} | ${i + 1} | ${r.accepted} | ${r.msgPerSec} | ${r.cpuMsPerMessage ?? '–'} | ${r.p50Ms} ms | ${r.p99Ms} ms |`)),
    '',
    '| build | target | value (median) | spread | pass |',
    '|---|---|---|---|---|',
    ...builds.flatMap((b) => results[b.name]!.targets.map((t) => `| ${b.name} | ${t.target} | ${t.value} | ${t.spread} | ${t.pass ? 'yes' : 'no'} |`)),
    '',
    ...builds.map((b) => (Object.keys(results[b.name]!.refusals).length ? `${b.name} refusals: ${JSON.stringify(results[b.name]!.refusals)}` : `${b.name}: no message refused.`)),
    '',
  ].join('\n');
  mkdirSync(opts.out, { recursive: true });
  const base = join(opts.out, `smtp-ingest-${opts.engine}${opts.label ? `-${opts.label}` : ''}`);
  writeFileSync(`${base}.json`, `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(`${base}.md`, md);
  process.stdout.write(`\n${md}`);
  log(`written: ${relative(ROOT, base)}.json/.md`);
  if (Object.values(results).some((r) => !r.targets[3]!.pass)) process.exitCode = 1;
}

function gitCommit(): string {
  try {
    const { execFileSync } = require('node:child_process') as typeof import('node:child_process');
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

main()
  .catch((err) => {
    log(`smtp-ingest bench failed: ${err instanceof Error ? err.stack : String(err)}`);
    process.exitCode = 1;
  })
  .finally(async () => {
    await runCleanups();
    process.exit(process.exitCode ?? 0);
  });
