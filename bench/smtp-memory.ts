/**
 * Peak memory of SMTP intake: N clients send one large message each at the same moment, and the
 * gateway's peak RSS (VmHWM) and CPU time are read from /proc. The attack at a small scale.
 *
 *   npx tsx bench/smtp-memory.ts [--clients 20] [--mb 9.5] [--inflight BYTES] [--root DIR] [--label NAME]
 *
 * `--root` runs another checkout's src/main.ts (through tsx, like this tree's), so a before/after pair is
 * two runs of this script; `--inflight` sets SMTP_MAX_INFLIGHT_BYTES (default: the server's own, 64 MB).
 * The result goes to bench/results/smtp-memory-<label>.json and one markdown row to stdout.
 */
import { readFileSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { RawSmtp } from '../test/support/raw-smtp';
import { ROOT, startServer } from './processes';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '20' },
    mb: { type: 'string', default: '9.5' },
    inflight: { type: 'string' },
    root: { type: 'string', default: ROOT },
    label: { type: 'string', default: 'latest' },
  },
});
const clients = Number(values.clients);
const messageBytes = Math.round(Number(values.mb) * 1024 * 1024);
const API_KEY = 'sgk_bench_smtp_memory_key';

/** A multipart message of about `bytes`: a small text part with a code, and a large HTML part (as in the issue). */
function message(i: number, bytes: number): string {
  const line = `<p>${'lorem ipsum dolor sit amet '.repeat(2)}${i}</p>\r\n`;
  const html = line.repeat(Math.ceil(bytes / line.length));
  return [
    'From: bench@example.test',
    `Subject: big ${i}`,
    'MIME-Version: 1.0',
    'Content-Type: multipart/alternative; boundary="b"',
    '',
    '--b',
    'Content-Type: text/plain; charset=utf-8',
    '',
    `Your code is ${String(100000 + i)}`,
    '--b',
    'Content-Type: text/html; charset=utf-8',
    '',
    html,
    '--b--',
    '',
  ].join('\r\n');
}

/** kB fields of /proc/<pid>/status, in MB. */
function status(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}
/** User + system CPU seconds of a process. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100 Hz)
}

/** A port nobody listens on now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function send(port: number, to: string, body: string): Promise<number> {
  const { smtp } = await RawSmtp.open(port);
  try {
    await smtp.command('EHLO bench.test');
    const from = await smtp.command('MAIL FROM:<bench@example.test>');
    if (from.code !== 250) return from.code;
    const rcpt = await smtp.command(`RCPT TO:<${to}>`);
    if (rcpt.code !== 250) return rcpt.code;
    const go = await smtp.command('DATA');
    if (go.code !== 354) return go.code;
    smtp.write(`${body}.\r\n`);
    return (await smtp.reply(300_000)).code;
  } finally {
    await smtp.quit();
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'smtp-memory-'));
  const env: Record<string, string> = {
    DATABASE_URL: `file:${join(dir, 'bench.db')}`,
    PORT: '0',
    HOST: '127.0.0.1',
    SMTP_PORT: String(await freePort()), // 0 would turn SMTP off
    SMTP_HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    BOOTSTRAP_API_KEY: API_KEY,
    RATE_LIMIT_PER_MINUTE: '1000000',
    NODE_ENV: 'production',
  };
  if (values.inflight) env.SMTP_MAX_INFLIGHT_BYTES = values.inflight;
  // Decorators need the checkout's own tsconfig (tsx looks for one from the working directory only).
  env.TSX_TSCONFIG_PATH = join(values.root!, 'tsconfig.json');
  const server = await startServer('gateway', process.execPath, ['--import', 'tsx', join(values.root!, 'src', 'main.ts')], env, /REST:\s+http:\/\/[^\s:]+:(\d+)\//);
  try {
    const smtpPort = Number(/SMTP:\s+smtp:\/\/[^\s:]+:(\d+)/.exec(server.output())?.[1]);
    const headers = { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' };
    // One inbox per client: the per-inbox byte quota (100 MB) is not what is measured here.
    const inboxes: { id: string; emailAddress: string }[] = [];
    for (let i = 0; i < clients; i++) {
      const res = await fetch(`${server.url}/api/v1/inboxes`, { method: 'POST', headers, body: '{}' });
      inboxes.push((await res.json()) as { id: string; emailAddress: string });
    }
    const bodies = inboxes.map((_, i) => message(i, messageBytes));
    await new Promise((r) => setTimeout(r, 1000));
    const rssBefore = status(server.pid, 'VmRSS');
    const hwmBefore = status(server.pid, 'VmHWM');
    const cpuBefore = cpuSeconds(server.pid);
    const started = Date.now();
    const codes = await Promise.all(inboxes.map((inbox, i) => send(smtpPort, inbox.emailAddress, bodies[i])));
    const seconds = (Date.now() - started) / 1000;
    const cpu = cpuSeconds(server.pid) - cpuBefore;
    const peak = status(server.pid, 'VmHWM');
    const accepted = codes.filter((c) => c === 250).length;
    // Every accepted message is checked: stored whole, its code found in the text part.
    let intact = 0;
    for (const [i, inbox] of inboxes.entries()) {
      if (codes[i] !== 250) continue;
      const list = (await (await fetch(`${server.url}/api/v1/inboxes/${inbox.id}/messages`, { headers })).json()) as { data: { id: string; sizeBytes: number }[] };
      const m = list.data[0];
      const raw = m && (await (await fetch(`${server.url}/api/v1/messages/${m.id}/raw`, { headers })).text());
      if (raw === bodies[i]) intact++;
    }
    const result = {
      label: values.label,
      root: values.root,
      clients,
      messageBytes,
      inflightCap: values.inflight ? Number(values.inflight) : 'default (64 MB)',
      replies: Object.fromEntries([...new Set(codes)].map((c) => [c, codes.filter((x) => x === c).length])),
      storedIntact: intact,
      rssBeforeMb: rssBefore,
      peakRssMb: Math.max(peak, hwmBefore),
      peakGrowthMb: peak - rssBefore,
      startupPeakMb: hwmBefore,
      serverCpuSeconds: Number(cpu.toFixed(2)),
      cpuMsPerAcceptedMessage: accepted ? Math.round((cpu * 1000) / accepted) : null,
      wallSeconds: seconds,
      node: process.version,
      at: new Date().toISOString(),
    };
    mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
    writeFileSync(join(ROOT, 'bench', 'results', `smtp-memory-${values.label}.json`), `${JSON.stringify(result, null, 2)}\n`);
    console.log(JSON.stringify(result, null, 2));
    console.log(
      `| ${values.label} | ${clients} × ${values.mb} MB | ${result.inflightCap} | ${JSON.stringify(result.replies)} | ${intact}/${accepted} | ${rssBefore} | ${peak} | ${peak - rssBefore} | ${result.cpuMsPerAcceptedMessage} |`,
    );
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
