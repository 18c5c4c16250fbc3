/**
 * OTP delivery at scale (issue 22, target 2), a part of `npm run bench` (`--only otp [--held 10000]
 * [--otp-deliveries 300] [--otp-rate 10]`; bench/parts.ts).
 *
 * With `held` waits held as long-polls in the background (bench/held-waits.ts: created through the API,
 * held by holdAll), `deliveries` OTP mails go over real SMTP, at `rate` a second, each to an inbox of its
 * own whose wait has its own long-poll held. Measured per mail: from the moment the client wrote the
 * final `.` of DATA to the moment the long-poll's answer (with that mail's code) was read whole.
 * SQLite: one instance. PostgreSQL: two instances on one schema; the mail arrives at A over SMTP, the
 * measured long-polls and the background ones are held on B, so each answer crosses LISTEN/NOTIFY.
 */
import { Agent, request } from 'node:http';
import { dist } from './dist';
import { createWaits, heldDatabase, holdSettled } from './held-waits';
import { expectStatus, pool } from './http';
import { cpuSecondsOf, onCleanup, type ServerProcess, startGatewayWith } from './processes';
import { round } from './report';
import { codeFor, freePort, message, SmtpClient } from './smtp-client';

export interface OtpOptions {
  engine: 'sqlite' | 'postgresql';
  /** Background long-polls held while the mails are measured. */
  held: number;
  /** Measured OTP mails (after `WARMUP` unmeasured ones). */
  deliveries: number;
  /** Mails sent per second (a steady rate, not a burst). */
  rate: number;
  /** Background long-polls opened per second while holding starts (see holdAll). */
  holdRate: number;
}

export interface OtpResult {
  engine: OtpOptions['engine'];
  instances: 1 | 2;
  held: number;
  deliveries: number;
  rate: number;
  /** End of SMTP DATA (the final `.` written) → the long-poll's answer read, ms. */
  deliveryMs: { p50: number; p90: number; p99: number; max: number };
  /** End of SMTP DATA → the SMTP 250, ms (the commit is before it). */
  dataTo250Ms: { p50: number; p99: number };
  /** The SMTP 250 read → the long-poll's answer read, ms (the wake-up, the read after it, the answer). */
  after250Ms: { p50: number; p99: number };
  /** Mails whose long-poll answered `completed` with the mail's code. */
  delivered: number;
  failures: Record<string, number>;
  /** Background long-polls refused or failed: must be 0. */
  holdErrors: Record<string, number>;
  /** Background long-polls that answered while the mails were measured (re-sent after their 60 s). */
  backgroundAnswered: number;
  /** CPU of the instance holding the long-polls (B) and of the one taking mail (A), per measured mail, ms. */
  cpuMsPerMail: { holder: number | null; intake: number | null };
  /** The same over the measured mails' seconds, % of one core (renewals of the background long-polls included). */
  cpuPercent: { holder: number | null; intake: number | null };
  measuredSeconds: number;
  secondsToCreate: number;
  secondsToHold: number;
}

export type OtpTarget = { name: string; value: number | string; pass: boolean };

/** Unmeasured mails first: the first deliveries compile code and fill caches once per process. */
const WARMUP = 10;
/** How long a measured long-poll is held before its mail is sent (it is read and waiting by then). */
const HOLD_BEFORE_SEND_MS = 500;
const TARGET_MS = { sqlite: 50, postgresql: 100 } as const;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const percentile = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! : NaN);

/** One long-poll; resolves when its answer has been read whole, with the time and the parsed body. */
function longPoll(agent: Agent, base: string, key: string, waitId: string): Promise<{ at: number; status: number; body: any }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: `/api/v1/waits/${waitId}?waitSeconds=60`, agent, headers: { authorization: `Bearer ${key}` } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.once('end', () => {
        const at = performance.now();
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // kept as text for the failure's name
        }
        resolve({ at, status: res.statusCode ?? 0, body });
      });
    });
    req.once('error', reject);
    req.end();
  });
}

/** Open SMTP connections at most: the gateway allows 20 per address (SMTP_MAX_CONNECTIONS_PER_IP). */
const SMTP_CONNECTIONS = 10;

/** SMTP connections to reuse, one mail at a time each; a mail waits for a free one when all are busy. */
function smtpPool(port: number) {
  const free: SmtpClient[] = [];
  const all: SmtpClient[] = [];
  const waiting: ((c: SmtpClient) => void)[] = [];
  let opening = 0;
  const acquire = async (): Promise<SmtpClient> => {
    const idle = free.pop();
    if (idle) return idle;
    if (all.length + opening >= SMTP_CONNECTIONS) return new Promise((resolve) => waiting.push(resolve));
    opening++;
    try {
      const client = await SmtpClient.open(port);
      all.push(client);
      return client;
    } finally {
      opening--;
    }
  };
  const release = (c: SmtpClient) => {
    const next = waiting.shift();
    if (next) next(c);
    else free.push(c);
  };
  return {
    async deliver(to: string, text: string) {
      const client = await acquire();
      try {
        return await client.deliver(to, text);
      } finally {
        release(client);
      }
    },
    close: () => all.forEach((c) => c.close()),
  };
}

export async function runOtpAtScale(opts: OtpOptions, log: (m: string) => void = (m) => process.stderr.write(`${m}\n`)): Promise<{ result: OtpResult; targets: OtpTarget[] }> {
  const instances = opts.engine === 'postgresql' ? 2 : 1;
  const database = heldDatabase(opts.engine);
  const servers: ServerProcess[] = [];
  const teardown = async () => {
    for (const s of servers.splice(0)) await s.stop();
    await database.drop();
  };
  onCleanup(teardown);
  try {
    const key = `sgk_${dist.ids().randomBase62(40)}`;
    const smtpPort = await freePort();
    const total = WARMUP + opts.deliveries;
    // Every held long-poll of the key on B, and a little room; the rate limit is never reached.
    const env = { MAX_HELD_PER_KEY: String(opts.held + total + 100), INBOX_MAX_MESSAGES: '1000000' };
    const intake = await startGatewayWith(database.url, key, { ...env, SMTP_PORT: String(smtpPort), SMTP_HOST: '127.0.0.1' }, { name: 'gateway-a' });
    servers.push(intake);
    const holder = instances === 2 ? await startGatewayWith(database.url, key, env, { name: 'gateway-b' }) : intake;
    if (holder !== intake) servers.push(holder);
    log(`OTP at scale (${opts.engine}): ${instances === 2 ? `mail to A (pid ${intake.pid}), long-polls on B (pid ${holder.pid})` : `one instance (pid ${intake.pid})`}, SMTP on ${smtpPort}`);

    // The measured inboxes, one wait each; then the background waits (through every instance).
    const measured: { address: string; waitId: string }[] = new Array(total);
    await pool(total, 8, async (i) => {
      const inbox = await expectStatus(201, holder.url, key, 'POST', '/api/v1/inboxes', { ttlSeconds: 7200 });
      const wait = await expectStatus(201, holder.url, key, 'POST', '/api/v1/waits', { inboxId: inbox.id, type: 'otp', timeoutSeconds: 600 });
      measured[i] = { address: inbox.emailAddress, waitId: wait.id };
    });
    const made = performance.now();
    const ids = await createWaits(servers.map((s) => s.url), key, opts.held);
    const secondsToCreate = (performance.now() - made) / 1000;
    log(`  created ${opts.held} background waits in ${round(secondsToCreate, 1)} s`);

    const holdStarted = performance.now();
    const background = await holdSettled(holder.url, key, ids, opts.holdRate, onCleanup);
    const secondsToHold = (performance.now() - holdStarted) / 1000;
    log(`  holding ${background.sent} background long-polls on ${instances === 2 ? 'B' : 'the instance'} (${round(secondsToHold, 1)} s)`);

    // The mails: one every 1/rate s, each with its own long-poll sent HOLD_BEFORE_SEND_MS before it.
    const smtp = smtpPool(smtpPort);
    // A new connection per long-poll (made before its mail is sent): a kept-alive one may be closed by
    // the server's keep-alive timeout just as it is reused (ECONNRESET).
    const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
    const latencies: number[] = [];
    const to250: number[] = [];
    const after250: number[] = [];
    const failures: Record<string, number> = {};
    const fail = (what: string) => (failures[what] = (failures[what] ?? 0) + 1);
    let cpu0: { holder: number | null; intake: number | null } = { holder: null, intake: null };
    let answered0 = 0;
    let measuredFrom = 0;
    const t0 = performance.now();
    await Promise.all(
      measured.map(async ({ address, waitId }, i) => {
        const sendAt = t0 + (i / opts.rate) * 1000;
        await sleep(sendAt - HOLD_BEFORE_SEND_MS - performance.now());
        if (i === WARMUP) {
          cpu0 = { holder: cpuSecondsOf(holder.pid), intake: cpuSecondsOf(intake.pid) };
          answered0 = background.answered;
          measuredFrom = performance.now();
        }
        let sent = false;
        let earlyAnswer = false;
        // Never left rejected: a mail that failed returns before awaiting its answer.
        const answer = longPoll(agent, holder.url, key, waitId).then(
          (a) => ((earlyAnswer = !sent), a),
          (err: Error) => ((earlyAnswer = !sent), { at: NaN, status: 0, body: `long-poll ${(err as NodeJS.ErrnoException).code ?? err.message}` }),
        );
        await sleep(sendAt - performance.now());
        if (earlyAnswer) return void fail(`long-poll answered before its mail: ${(await answer).status} ${String((await answer).body?.status ?? (await answer).body).slice(0, 80)}`);
        const mail = await smtp.deliver(address, message(address, i)).catch((err: Error) => ({ code: 0, line: err.message, ms: NaN, sentAt: NaN }));
        sent = true;
        if (mail.code !== 250) return void fail(`SMTP ${mail.line}`);
        const reply = await answer;
        if (reply.status !== 200 || reply.body?.status !== 'completed' || reply.body?.result?.value !== codeFor(i)) {
          return void fail(`answer ${reply.status} ${reply.body?.status ?? String(reply.body).slice(0, 80)} ${reply.body?.result?.value ?? ''}`.trim());
        }
        if (i < WARMUP) return;
        latencies.push(reply.at - mail.sentAt);
        to250.push(mail.ms);
        after250.push(reply.at - (mail.sentAt + mail.ms));
      }),
    );
    const cpu1 = { holder: cpuSecondsOf(holder.pid), intake: cpuSecondsOf(intake.pid) };
    const measuredSeconds = (performance.now() - measuredFrom) / 1000;
    const percent = (a: number | null, b: number | null) => (a === null || b === null ? null : round(((b - a) / measuredSeconds) * 100, 1));
    const backgroundAnswered = background.answered - answered0;
    smtp.close();
    agent.destroy();
    await background.stop();

    const sorted = latencies.sort((a, b) => a - b);
    const s250 = to250.sort((a, b) => a - b);
    const a250 = after250.sort((a, b) => a - b);
    const perMail = (a: number | null, b: number | null) => (a === null || b === null || !latencies.length ? null : round(((b - a) * 1000) / latencies.length, 2));
    const result: OtpResult = {
      engine: opts.engine,
      instances,
      held: opts.held,
      deliveries: opts.deliveries,
      rate: opts.rate,
      deliveryMs: { p50: round(percentile(sorted, 50), 2), p90: round(percentile(sorted, 90), 2), p99: round(percentile(sorted, 99), 2), max: round(sorted.at(-1) ?? NaN, 2) },
      dataTo250Ms: { p50: round(percentile(s250, 50), 2), p99: round(percentile(s250, 99), 2) },
      after250Ms: { p50: round(percentile(a250, 50), 2), p99: round(percentile(a250, 99), 2) },
      delivered: latencies.length,
      failures,
      holdErrors: background.errors,
      backgroundAnswered,
      cpuMsPerMail: { holder: perMail(cpu0.holder, cpu1.holder), intake: instances === 2 ? perMail(cpu0.intake, cpu1.intake) : null },
      cpuPercent: { holder: percent(cpu0.holder, cpu1.holder), intake: instances === 2 ? percent(cpu0.intake, cpu1.intake) : null },
      measuredSeconds: round(measuredSeconds, 1),
      secondsToCreate: round(secondsToCreate, 1),
      secondsToHold: round(secondsToHold, 1),
    };
    return { result, targets: otpTargets(result) };
  } finally {
    await teardown();
  }
}

/** Issue 22, target 2 (same shape as heldTargets). */
export function otpTargets(r: OtpResult): OtpTarget[] {
  const limit = TARGET_MS[r.engine];
  const where = r.instances === 2 ? 'PostgreSQL, mail at instance A, long-poll held on B' : 'SQLite, one instance';
  return [
    { name: `OTP delivery with ${r.held} waits held: end of SMTP DATA → long-poll answer p99 ≤ ${limit} ms (${where})`, value: r.deliveryMs.p99, pass: r.deliveryMs.p99 <= limit },
    { name: 'every mail answered its long-poll with its code', value: `${r.delivered}/${r.deliveries}`, pass: r.delivered === r.deliveries && Object.keys(r.failures).length === 0 },
    { name: `the ${r.held} background long-polls held without a refusal or failure`, value: Object.values(r.holdErrors).reduce((a, b) => a + b, 0), pass: Object.keys(r.holdErrors).length === 0 },
  ];
}

export function otpMarkdown(r: OtpResult, targets: OtpTarget[], machine: string, commit: string): string {
  return [
    `# OTP delivery at scale: ${r.held} held, ${r.engine}${r.instances === 2 ? ', 2 instances' : ''} (${machine}, commit ${commit})`,
    '',
    '| target | measured | |',
    '|---|---|---|',
    ...targets.map((t) => `| ${t.name} | ${t.value} | ${t.pass ? 'pass' : 'FAIL'} |`),
    '',
    `${r.deliveries} mails at ${r.rate}/s (after ${WARMUP} unmeasured), each to its own inbox with its own long-poll held ${HOLD_BEFORE_SEND_MS} ms before the mail, beside ${r.held} background long-polls` +
      `${r.instances === 2 ? ' (mail over SMTP to A; every long-poll on B)' : ''}.`,
    `End of DATA → answer, ms: p50 ${r.deliveryMs.p50}, p90 ${r.deliveryMs.p90}, p99 ${r.deliveryMs.p99}, max ${r.deliveryMs.max}. End of DATA → 250: p50 ${r.dataTo250Ms.p50}, p99 ${r.dataTo250Ms.p99}; 250 → answer: p50 ${r.after250Ms.p50}, p99 ${r.after250Ms.p99}.`,
    `Over the ${r.measuredSeconds} s of measured mails: the long-polls' instance used ${r.cpuPercent.holder} % of a core (${r.cpuMsPerMail.holder} ms per mail)` +
      `${r.cpuPercent.intake === null ? '' : `, the mail's ${r.cpuPercent.intake} % (${r.cpuMsPerMail.intake} ms per mail)`}; background long-polls answered and re-sent meanwhile (their 60 s ran out, or they failed): ${r.backgroundAnswered}.`,
    `Background waits created through the API in ${r.secondsToCreate} s, held in ${r.secondsToHold} s.${Object.keys(r.failures).length ? ` Failures: ${JSON.stringify(r.failures)}.` : ''}`,
    '',
  ].join('\n');
}
