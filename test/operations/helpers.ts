// Shared by the operations tests (shutdown, durability, outages, logs and metrics): raw HTTP calls
// that tell "the server accepted this request" apart from "it never got it", SMTP over a bare
// socket, free ports, bounded waiting, and plain SQL on either engine behind the gateway's back.
import { type ChildProcess, spawn } from 'node:child_process';
import { type Agent, request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { sqlitePath } from '../../src/db/url';

const ROOT = join(__dirname, '..', '..');

export interface Gateway {
  url: string;
  child: ChildProcess;
  pid: number;
  /** Everything the process wrote: stdout, then (interleaved) stderr. */
  output(): string;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (null when a signal ended it) and the signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL: no chance to clean up. */
  kill(): Promise<void>;
}

/**
 * Starts `src/main.ts` as ONE node process (`node --import tsx`), so that signals reach the gateway
 * itself. (test/support/process.ts runs the `tsx` wrapper, which forwards SIGTERM to the real process
 * and SIGKILLs it when it has not confirmed within 30 ms — a busy gateway is killed, exit 143 — and a
 * SIGKILL to the wrapper leaves the real process running as an orphan.)
 */
export async function startGateway(env: Record<string, string>, timeoutMs = 60_000): Promise<Gateway> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'main.ts')], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', SMTP_PORT: '0', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => {
    out += d;
    stdout += d;
  });
  child.stderr!.on('data', (d) => {
    out += d;
    stderr += d;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`gateway did not start within ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    const check = () => {
      const m = /REST:\s+http:\/\/[^:]+:(\d+)\//.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolve(`http://127.0.0.1:${m[1]}`);
      }
    };
    child.stdout!.on('data', check);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited (${signal ?? code}) before listening:\n${out}`));
    });
  });
  return {
    url,
    child,
    pid: child.pid!,
    output: () => out,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return (await exited).code;
    },
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A port nobody listens on right now (bound to port 0 once, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Polls until `cond` holds; fails naming `what` after `timeoutMs`. */
export async function waitUntil(what: string, cond: () => boolean | Promise<boolean>, timeoutMs: number, intervalMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** Rejects when `p` takes longer than `ms`. */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms`)), ms);
    }),
  ]);
}

export interface Outcome {
  method: string;
  path: string;
  startedAt: number;
  endedAt: number;
  /**
   * The server took the request: it answered `100 Continue` (Expect: 100-continue requests) or any
   * response at all. Node's HTTP server sends 100 once it has parsed the headers, so from then on the
   * connection is busy with this request and no graceful shutdown may drop it.
   */
  accepted: boolean;
  status?: number;
  headers?: Record<string, string | string[] | undefined>;
  text?: string;
  body?: any;
  /** Connection-level failure: ECONNREFUSED, ECONNRESET ("socket hang up"), EPIPE, TIMEOUT, … */
  error?: string;
}

export interface CallOptions {
  key?: string | null;
  body?: unknown;
  headers?: Record<string, string>;
  /** Send `Expect: 100-continue` and the body only after the server's 100 (see Outcome.accepted). */
  expectContinue?: boolean;
  agent?: Agent | false;
  timeoutMs?: number;
}

/** One HTTP request with node:http; never throws (connection errors become `error`). */
export function httpCall(base: string, method: string, path: string, opts: CallOptions = {}): Promise<Outcome> {
  const startedAt = Date.now();
  const payload = opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body));
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.key) headers.authorization = `Bearer ${opts.key}`;
  if (payload) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(payload.length);
  }
  if (opts.expectContinue) headers.expect = '100-continue';
  return new Promise((resolve) => {
    let accepted = false;
    let settled = false;
    const done = (o: Partial<Outcome>) => {
      if (settled) return;
      settled = true;
      resolve({ method, path, startedAt, endedAt: Date.now(), accepted, ...o });
    };
    const req = httpRequest(base + path, { method, headers, agent: opts.agent ?? false });
    req.setTimeout(opts.timeoutMs ?? 30_000, () => req.destroy(Object.assign(new Error('request timed out'), { code: 'TIMEOUT' })));
    req.on('error', (err: NodeJS.ErrnoException) => done({ error: err.code ?? err.message }));
    req.on('response', (res) => {
      accepted = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (err: NodeJS.ErrnoException) => done({ status: res.statusCode, error: `response cut: ${err.code ?? err.message}` }));
      res.on('aborted', () => done({ status: res.statusCode, error: 'response cut: aborted' }));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown;
        try {
          body = text ? JSON.parse(text) : undefined;
        } catch {
          body = undefined;
        }
        done({ status: res.statusCode, headers: res.headers, text, body });
      });
    });
    if (opts.expectContinue) {
      req.on('continue', () => {
        accepted = true;
        req.end(payload);
      });
      req.flushHeaders();
    } else {
      req.end(payload);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// SMTP over a bare socket
// ---------------------------------------------------------------------------------------------

export { RawSmtp, type SmtpReply } from '../support/raw-smtp';

// ---------------------------------------------------------------------------------------------
// Plain SQL on the gateway's database (either engine), behind the gateway's back
// ---------------------------------------------------------------------------------------------

export interface Sql {
  readonly engine: 'sqlite' | 'postgresql';
  all<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}

/** Opens the database of a gateway DATABASE_URL (PostgreSQL: its `?schema=` becomes the search_path). */
export async function openSql(databaseUrl: string): Promise<Sql> {
  if (databaseUrl.startsWith('file:')) {
    const db = new Database(sqlitePath(databaseUrl), { timeout: 10_000 });
    return {
      engine: 'sqlite',
      all: async <T>(sql: string) => db.prepare(sql).all() as T[],
      exec: async (sql: string) => void db.exec(sql),
      close: async () => void db.close(),
    };
  }
  const url = new URL(databaseUrl);
  const schema = url.searchParams.get('schema');
  url.searchParams.delete('schema');
  const client = new pg.Client({ connectionString: url.toString(), connectionTimeoutMillis: 10_000 });
  client.on('error', () => {});
  await client.connect();
  if (schema) await client.query(`SET search_path TO "${schema.replace(/"/g, '')}"`);
  return {
    engine: 'postgresql',
    all: async <T>(sql: string) => (await client.query(sql)).rows as T[],
    exec: async (sql: string) => void (await client.query(sql)),
    close: () => client.end().catch(() => {}),
  };
}

/** The banner main.ts prints for people (not a log line); everything else on stdout must be JSON. */
export const BANNER_LINE = /^(sessions-gateway is up|  Home: +http:\/\/\S+\/|  GraphQL \(and IDE\): http:\/\/\S+\/graphql|  REST: +http:\/\/\S+\/api\/v1\/sessions|  SMTP: +smtp:\/\/\S+|  Console: +http:\/\/\S+\/console)$/;

// ---------------------------------------------------------------------------------------------
// A throwaway PostgreSQL cluster the test may stop and start again
// ---------------------------------------------------------------------------------------------

/** pg_ctl on a cluster of test/support/postgres.ts (startThrowawayCluster), as its owner when root. */
export function pgCtl(tooling: { bindir: string; runAs?: { name: string } }, args: string[], cwd: string, timeoutMs = 60_000): Promise<string> {
  const pgCtlPath = join(tooling.bindir, 'pg_ctl');
  const [file, argv] = tooling.runAs ? ['runuser', ['-u', tooling.runAs.name, '--', pgCtlPath, ...args]] : [pgCtlPath, args];
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`pg_ctl ${args.at(-1)} failed (${signal ?? `exit ${code}`}):\n${out.trim()}`));
    });
  });
}
