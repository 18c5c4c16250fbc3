import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..');

/** Every child this benchmark started; all are killed on exit, whatever happens. */
const children = new Set<ChildProcess>();
/** Every server started, for the diagnostics printed when the run fails. */
const started: ServerProcess[] = [];

/** What each server said last, and whether it is still running — printed when a run fails. */
export function describeServers(lines = 25): string {
  return started
    .map((s) => {
      const state = s.child.exitCode !== null || s.child.signalCode !== null ? `exited (code ${s.child.exitCode}, signal ${s.child.signalCode})` : 'running';
      const tail = s.output().trimEnd().split('\n').slice(-lines).join('\n');
      return `--- ${s.name} (pid ${s.pid}, ${s.url}): ${state}; last output:\n${tail || '(none)'}`;
    })
    .join('\n');
}

export interface ServerProcess {
  name: string;
  url: string;
  pid: number;
  child: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

/**
 * Starts a server process and waits for the line that carries its URL (`pattern`'s group 1 is the
 * port). The gateway prints `REST:              http://127.0.0.1:PORT/api/v1/sessions`.
 */
export async function startServer(
  name: string,
  command: string,
  args: string[],
  env: Record<string, string>,
  pattern: RegExp,
  timeoutMs = 120_000,
): Promise<ServerProcess> {
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  // BENCH_SERVER_LOGS=dir keeps each server's whole output (stdout and stderr) in dir/<name>-<pid>.log.
  const logDir = process.env.BENCH_SERVER_LOGS;
  if (logDir) mkdirSync(logDir, { recursive: true });
  const keep = (d: Buffer) => {
    if (logDir) appendFileSync(join(logDir, `${name}-${child.pid}.log`), d);
    out += d.toString();
    if (out.length > 200_000) out = out.slice(-100_000); // a chatty server must not grow the bench's memory
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      children.delete(child);
      resolve();
    }),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within ${timeoutMs} ms:\n${out}`)), timeoutMs);
    const check = () => {
      const m = pattern.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(`http://127.0.0.1:${m[1]}`);
      }
    };
    child.stdout!.on('data', check);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (code ${child.exitCode}, signal ${child.signalCode}) before listening:\n${out}`));
    });
  });
  const server: ServerProcess = {
    name,
    url,
    pid: child.pid!,
    child,
    output: () => out,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const forced = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(forced);
    },
  };
  started.push(server);
  return server;
}

export const RATE_LIMIT_UNREACHABLE = 1_000_000_000;

/** The gateway exactly as production runs it: `node dist/main.js`, configured by environment. */
export function startGateway(databaseUrl: string, apiKey: string): Promise<ServerProcess> {
  return startGatewayWith(databaseUrl, apiKey, {});
}

/** startGateway with more settings (e.g. MAX_HELD_PER_KEY for the held-waits scenario). */
export function startGatewayWith(
  databaseUrl: string,
  apiKey: string,
  extraEnv: Record<string, string>,
  /** Node flags (e.g. --cpu-prof), and another build's main.js (a baseline to compare with). */
  run: { nodeArgs?: string[]; mainJs?: string; name?: string } = {},
): Promise<ServerProcess> {
  return startServer(
    run.name ?? 'gateway',
    process.execPath,
    [...(run.nodeArgs ?? []), run.mainJs ?? join(ROOT, 'dist', 'main.js')],
    {
      DATABASE_URL: databaseUrl,
      PORT: '0',
      HOST: '127.0.0.1',
      SMTP_PORT: '0',
      LOG_LEVEL: 'warn',
      BOOTSTRAP_API_KEY: apiKey,
      // One key drives thousands of requests a second: the limiter stays on (its cost is measured)
      // with a limit no run reaches. Older builds without rate limiting ignore the variable.
      RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT_UNREACHABLE),
      NODE_ENV: 'production',
      ...extraEnv,
    },
    /REST:\s+http:\/\/[^\s:]+:(\d+)\//,
  );
}

/** The hand-written peer (bench/reference-server.ts), one node process (tsx as a loader, no wrapper). */
export function startReference(databaseUrl: string, apiKey: string): Promise<ServerProcess> {
  return startServer(
    'reference',
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'bench', 'reference-server.ts')],
    { DATABASE_URL: databaseUrl, PORT: '0', BENCH_API_KEY: apiKey, NODE_ENV: 'production' },
    /REFERENCE:\s+http:\/\/[^\s:]+:(\d+)/,
  );
}

/** A bench peer script run by node with tsx as a loader; it prints `<MARKER>: http://127.0.0.1:PORT`. */
function startPeerScript(name: string, script: string, marker: string, env: Record<string, string>): Promise<ServerProcess> {
  return startServer(name, process.execPath, ['--import', 'tsx', join(ROOT, 'bench', script)], { PORT: '0', NODE_ENV: 'production', ...env }, new RegExp(`${marker}:\\s+http://[^\\s:]+:(\\d+)`));
}

/** The graphql-http peer (bench/graphql-http-peer.ts): the gateway's schema on bare node:http. */
export const startGraphqlHttpPeer = (databaseUrl: string) => startPeerScript('graphql-http', 'graphql-http-peer.ts', 'GRAPHQL-HTTP', { DATABASE_URL: databaseUrl });

/** The floor (bench/floor-server.ts): node:http + better-sqlite3 on the same file; SQLite only. */
export const startFloor = (databaseUrl: string) => startPeerScript('floor', 'floor-server.ts', 'FLOOR', { DATABASE_URL: databaseUrl });

/** Resident memory of a process from /proc: current (VmRSS) and peak so far (VmHWM), in MB. */
export function memoryOf(pid: number): { rssMB: number; peakMB: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rssMB: kb('VmRSS') / 1024, peakMB: kb('VmHWM') / 1024 };
  } catch {
    return null; // not Linux, or the process is gone
  }
}

/** Clock ticks per second of /proc's CPU times (USER_HZ; 100 on every common Linux build). */
const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/**
 * CPU seconds a process has used so far, all its threads (user + system, from /proc/<pid>/stat); null
 * off Linux or once the process is gone. Unlike req/s, it leaves out the time the machine gave to other
 * processes (test/bench/cpu-time.test.ts).
 */
export function cpuSecondsOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces, hence the last ')'): utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/** Samples VmRSS while a scenario runs; stop() gives the largest value seen and the VmHWM at the end. */
export function sampleMemory(pid: number, everyMs = 200): { stop(): { rssMaxMB: number; peakMB: number } } {
  let max = 0;
  const tick = () => {
    const m = memoryOf(pid);
    if (m && m.rssMB > max) max = m.rssMB;
  };
  tick();
  const timer = setInterval(tick, everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      tick();
      return { rssMaxMB: max, peakMB: memoryOf(pid)?.peakMB ?? NaN };
    },
  };
}

/** Synchronous last resort: no server outlives the benchmark, even on a crash or Ctrl-C. */
export function killAllChildren(): void {
  for (const child of children) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  children.clear();
}

/** Cleanups (temp dirs, PostgreSQL schemas) run once, at the end or on a signal, newest first. */
const cleanups: (() => Promise<void> | void)[] = [];

export function onCleanup(fn: () => Promise<void> | void): void {
  cleanups.push(fn);
}

export async function runCleanups(): Promise<void> {
  killAllChildren();
  while (cleanups.length) {
    const fn = cleanups.pop()!;
    try {
      await fn();
    } catch (err) {
      process.stderr.write(`cleanup failed: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }
}

process.on('exit', killAllChildren);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    process.stderr.write(`\n${signal}: stopping servers and cleaning up\n`);
    const forced = setTimeout(() => process.exit(130), 15_000);
    forced.unref();
    void runCleanups().finally(() => process.exit(130));
  });
}

/** Drops a bench's PostgreSQL schema (connecting to `adminUrl` without its `schema` parameter). */
export async function dropSchema(adminUrl: string, schema: string): Promise<void> {
  const { Client } = require('pg') as typeof import('pg');
  const url = new URL(adminUrl);
  url.searchParams.delete('schema');
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema.replace(/"/g, '')}" CASCADE`);
  } finally {
    await client.end();
  }
}
