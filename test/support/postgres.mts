// Finds a PostgreSQL server for the test suite, in this order:
//   1. TEST_DATABASE_URL, when set (then it must answer: no fallback);
//   2. a server on 127.0.0.1:5432 (port: SG_TEST_PG_PORT) that lets us in without a password prompt;
//   3. a throwaway cluster (initdb + pg_ctl) on a free port, when PostgreSQL's binaries are installed
//      (bin dir: SG_TEST_PG_BINDIR; `SG_TEST_PG_BINDIR=none` pretends there are none).
// Used by vitest.config.mts (may the postgresql project run at all?) and test/support/global-setup.ts
// (through postgres.ts). Node builtins and pg only: the config loads this file.
import { execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import pg from 'pg';

export interface FoundPostgres {
  /** A connection URL for a role that may create databases (or, for 'env', at least schemas). */
  adminUrl: string;
  source: 'env' | 'local' | 'throwaway';
  /** Throwaway cluster only: stops it and deletes its files. */
  stop?: () => Promise<void>;
}

/** What global-setup hands to the workers of the postgresql project (`inject('sgPostgres')`). */
export interface PostgresRun {
  /** The run's own database (no `?schema=`). */
  url: string;
  /** Every test schema starts with this, so a shared database can be swept at teardown. */
  schemaPrefix: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    sgPostgres?: PostgresRun;
  }
}

export const SKIP_LINE =
  'PostgreSQL tests SKIPPED: no server at TEST_DATABASE_URL, none on 127.0.0.1:5432, and no initdb found — install PostgreSQL to run them';

const PROBE_TIMEOUT_MS = 1_500;

export const localPort = (): number => Number(process.env.SG_TEST_PG_PORT || 5432);

export function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}

/** True when CI is set to anything but an explicit "no". */
export const isCi = (): boolean => !!process.env.CI && !/^(0|false|no)$/i.test(process.env.CI);

/** Connects once, within PROBE_TIMEOUT_MS. Resolves to an error message, or null when it worked. */
export async function probe(url: string, requireCreateDb = false): Promise<string | null> {
  const u = new URL(url);
  u.searchParams.delete('schema');
  const client = new pg.Client({ connectionString: u.toString(), connectionTimeoutMillis: PROBE_TIMEOUT_MS, query_timeout: PROBE_TIMEOUT_MS });
  // A refused/odd connection may also emit 'error' after the fact; never let that crash the process.
  client.on('error', () => {});
  try {
    await client.connect();
    if (requireCreateDb) {
      const { rows } = await client.query<{ ok: boolean }>('SELECT rolsuper OR rolcreatedb AS ok FROM pg_roles WHERE rolname = current_user');
      if (!rows[0]?.ok) return 'role may not create databases';
    }
    return null;
  } catch (e) {
    return e instanceof Error ? e.message || e.constructor.name : String(e);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Passwordless (trust/PGPASSWORD) URLs for the local server, most likely first. */
function localCandidates(): string[] {
  const users = [process.env.PGUSER, 'postgres', safeUsername()].filter((u): u is string => !!u);
  return [...new Set(users)].map((u) => `postgresql://${encodeURIComponent(u)}@127.0.0.1:${localPort()}/postgres`);
}

function safeUsername(): string | undefined {
  try {
    return userInfo().username;
  } catch {
    return undefined;
  }
}

/** The first local URL that connects as a role allowed to create databases, or null. */
export async function findLocal(): Promise<string | null> {
  for (const url of localCandidates()) {
    const err = await probe(url, true);
    if (err === null) return url;
    // Nothing listening: no point trying other users.
    if (/ECONNREFUSED|timeout|ETIMEDOUT|EHOSTUNREACH/i.test(err)) return null;
  }
  return null;
}

interface Tooling {
  bindir: string;
  /** When running as root: the unprivileged account that owns and runs the cluster. */
  runAs?: { name: string; uid: number; gid: number };
}

/** initdb/pg_ctl and an account that may run them, or null when there is no way to make a cluster. */
export function findTooling(): Tooling | null {
  const bindir = findBindir();
  if (!bindir) return null;
  if (process.getuid?.() !== 0) return { bindir };
  // PostgreSQL refuses to run as root: use the `postgres` account, as Debian's packages create it.
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    if (!Number.isInteger(uid) || !Number.isInteger(gid)) return null;
    return { bindir, runAs: { name: 'postgres', uid, gid } };
  } catch {
    return null;
  }
}

function findBindir(): string | null {
  const override = process.env.SG_TEST_PG_BINDIR;
  if (override) return override === 'none' || !hasTools(override) ? null : override;
  const dirs: string[] = [];
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) if (dir) dirs.push(dir);
  // Debian/Ubuntu keep them off PATH; newest major version first.
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian).sort((a, b) => Number(b) - Number(a) || b.localeCompare(a));
    for (const v of versions) dirs.push(path.join(debian, v, 'bin'));
  }
  dirs.push('/usr/local/pgsql/bin', '/opt/homebrew/bin', '/usr/local/bin');
  return dirs.find(hasTools) ?? null;
}

const hasTools = (dir: string) => existsSync(path.join(dir, 'initdb')) && existsSync(path.join(dir, 'pg_ctl'));

/** Runs a PostgreSQL binary, as `runAs` when given; rejects with its output on failure. */
function run(cmd: string, args: string[], opts: { runAs?: Tooling['runAs']; cwd: string; timeoutMs: number }): Promise<string> {
  let file = cmd;
  let argv = args;
  if (opts.runAs) {
    if (existsSync('/usr/sbin/runuser') || existsSync('/sbin/runuser') || existsSync('/usr/bin/runuser')) {
      file = 'runuser';
      argv = ['-u', opts.runAs.name, '--', cmd, ...args];
    } else {
      file = 'su';
      argv = [opts.runAs.name, '-s', '/bin/sh', '-c', [cmd, ...args].map(shellQuote).join(' ')];
    }
  }
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${path.basename(cmd)} failed (${signal ?? `exit ${code}`}):\n${out.trim()}`));
    });
  });
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/**
 * initdb + pg_ctl start in a temp dir (data, socket and log all inside it), on a free port of
 * 127.0.0.1, trust auth for user postgres, durability off (it is thrown away anyway).
 */
export async function startThrowawayCluster(tooling: Tooling): Promise<FoundPostgres> {
  const { bindir, runAs } = tooling;
  sweepOrphanClusters(tooling);
  const dir = mkdtempSync(path.join(tmpdir(), CLUSTER_DIR_PREFIX));
  writeFileSync(path.join(dir, OWNER_FILE), String(process.pid));
  if (runAs) chownSync(dir, runAs.uid, runAs.gid);
  const data = path.join(dir, 'data');
  const log = path.join(dir, 'server.log');
  const pgCtl = path.join(bindir, 'pg_ctl');
  const opts = { runAs, cwd: dir };
  let started = false;

  // Last resort when the process exits without teardown (e.g. process.exit): don't leave a server behind.
  // (A SIGKILL'd run leaves it; the next throwaway start sweeps it: sweepOrphanClusters.)
  const stopSync = () => stopClusterSync(tooling, dir);
  process.once('exit', stopSync);

  const stop = async () => {
    process.removeListener('exit', stopSync);
    if (started) await run(pgCtl, ['-D', data, '-m', 'fast', '-w', '-t', '30', 'stop'], { ...opts, timeoutMs: 40_000 }).catch(() => stopSync());
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    await run(path.join(bindir, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-locale', '--no-sync'], {
      ...opts,
      timeoutMs: 120_000,
    });
    let lastError: unknown;
    for (let attempt = 0; attempt < 3 && !started; attempt++) {
      const port = await freePort();
      const serverOpts = `-p ${port} -k ${shellQuote(dir)} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
      try {
        await run(pgCtl, ['-D', data, '-l', log, '-o', serverOpts, '-w', '-t', '60', 'start'], { ...opts, timeoutMs: 70_000 });
        started = true;
        return { adminUrl: `postgresql://postgres@127.0.0.1:${port}/postgres`, source: 'throwaway', stop };
      } catch (e) {
        lastError = e; // most likely the port was taken in between: try another
      }
    }
    const serverLog = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').slice(-20).join('\n') : '';
    throw new Error(`could not start a throwaway PostgreSQL cluster: ${String(lastError)}\n${serverLog}`);
  } catch (e) {
    await stop();
    throw e;
  }
}

const CLUSTER_DIR_PREFIX = 'sg-pg-';
const OWNER_FILE = 'owner.pid';

function stopClusterSync({ bindir, runAs }: Tooling, dir: string): void {
  const data = path.join(dir, 'data');
  if (existsSync(path.join(data, 'postmaster.pid'))) {
    try {
      const argv = [path.join(bindir, 'pg_ctl'), '-D', data, '-m', 'immediate', '-w', 'stop'];
      if (runAs) execFileSync('runuser', ['-u', runAs.name, '--', ...argv], { stdio: 'ignore', cwd: dir, timeout: 15_000 });
      else execFileSync(argv[0], argv.slice(1), { stdio: 'ignore', cwd: dir, timeout: 15_000 });
    } catch {
      /* not running */
    }
  }
  rmSync(dir, { recursive: true, force: true });
}

/** Throwaway clusters of earlier runs whose process is gone (killed before teardown). */
function sweepOrphanClusters(tooling: Tooling): void {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(CLUSTER_DIR_PREFIX)) continue;
    const dir = path.join(tmpdir(), name);
    let owner: number;
    try {
      owner = Number(readFileSync(path.join(dir, OWNER_FILE), 'utf8'));
    } catch {
      continue; // not ours, or still being created
    }
    if (Number.isInteger(owner) && owner > 0 && !processAlive(owner)) stopClusterSync(tooling, dir);
  }
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The discovery order above. Null only when none of the three is possible; a cluster that should
 * start but does not is an error, not a skip.
 */
export async function findPostgres(log: (msg: string) => void = () => {}): Promise<FoundPostgres | null> {
  const envUrl = process.env.TEST_DATABASE_URL;
  if (envUrl) {
    // Set explicitly, so it is meant: an unreachable one is an error, not a reason to look elsewhere.
    const err = await probe(envUrl);
    if (err !== null) throw new Error(`TEST_DATABASE_URL (${redact(envUrl)}) does not answer: ${err}`);
    return { adminUrl: envUrl, source: 'env' };
  }
  const local = await findLocal();
  if (local) return { adminUrl: local, source: 'local' };
  const tooling = findTooling();
  if (!tooling) return null;
  log(`PostgreSQL: nothing usable on 127.0.0.1:${localPort()}; starting a throwaway cluster with ${tooling.bindir}/initdb`);
  return startThrowawayCluster(tooling);
}

/**
 * The cheap half of findPostgres, for vitest.config.mts: could one be found or started? No cluster
 * is started here, and TEST_DATABASE_URL is not probed (global-setup fails loudly if it is wrong).
 */
export async function postgresPossible(): Promise<boolean> {
  return !!process.env.TEST_DATABASE_URL || (await findLocal()) !== null || findTooling() !== null;
}
