import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { startServer, type TestServer } from '../support/server';

const ROOT = join(__dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const KEY = /^sgk_[0-9A-Za-z]{40}$/;
const UNAUTHORIZED = JSON.stringify({ error: 'Unauthorized', message: 'Invalid or missing API key' });

// Generous: every CLI call is a process start (tsx + migrations check), slow on a loaded machine.
const CLI_TIMEOUT = 180_000;
let cliDb: TestDatabase;
let DATABASE_URL = '';

/** The child's environment: ours minus anything that would change what it does. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'silent', SMTP_PORT: '0', ...extra };
  delete env.BOOTSTRAP_API_KEY;
  delete env.NODE_OPTIONS;
  return env;
}

function keys(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(TSX, ['src/auth/keys.cli.ts', ...args], { cwd: ROOT, env: childEnv({ DATABASE_URL }), timeout: CLI_TIMEOUT }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

let s: TestServer;
let carolKey: string;
beforeAll(async () => {
  cliDb = await createTestDatabase(); // this project's engine: a SQLite file or a PostgreSQL schema
  DATABASE_URL = cliDb.url;
  // The key is created by the CLI before the server starts, over the same SQLite file.
  const created = await keys('create', '--owner', 'carol');
  expect(created.code, created.stderr).toBe(0);
  carolKey = created.stdout.trimEnd().split('\n').at(-1)!;
  // A short cache TTL: the CLI revokes in another process, so the server learns it within the TTL.
  s = await startServer({ env: { DATABASE_URL, AUTH_CACHE_TTL_MS: '200' } });
}, CLI_TIMEOUT);
afterAll(async () => {
  await s?.close();
  await cliDb?.drop();
});

describe('npm run keys (src/auth/keys.cli.ts)', { timeout: CLI_TIMEOUT }, () => {
  it('create prints the key alone on the last stdout line, and it works on a server', async () => {
    expect(carolKey).toMatch(KEY);
    const reply = await s.request('POST', '/api/v1/sessions', { key: carolKey, body: { name: 'from-cli-key' } });
    expect(reply.status).toBe(201);
    const other = await keys('create', '--owner', 'carol');
    const again = other.stdout.trimEnd().split('\n');
    expect(again).toHaveLength(1);
    expect(again[0]).toMatch(KEY);
    expect(again[0]).not.toBe(carolKey);
    // two keys of the same owner share the owner's sessions
    expect((await s.request('GET', '/api/v1/sessions', { key: again[0] })).body.pagination.total).toBe(1);
  });

  it('list shows each key by prefix and owner, never the key itself', async () => {
    const listed = await keys('list');
    expect(listed.code).toBe(0);
    const line = listed.stdout.split('\n').find((l) => l.startsWith(carolKey.slice(0, 12)));
    expect(line).toBeDefined();
    expect(line!.split('\t').slice(0, 2)).toEqual([carolKey.slice(0, 12), 'carol']);
    expect(line).toMatch(/\tactive$/);
    expect(listed.stdout).not.toContain(carolKey);
    expect(listed.stdout).toMatch(/\talice\t/); // startServer's keys, same file
  });

  it('revoke makes the key 401 on the running server (within the cache TTL)', async () => {
    expect((await s.request('GET', '/api/v1/sessions', { key: carolKey })).status).toBe(200);
    const revoked = await keys('revoke', carolKey.slice(0, 12));
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout.trim()).toBe(`revoked ${carolKey.slice(0, 12)}`);
    await new Promise((r) => setTimeout(r, 400));
    const reply = await s.request('GET', '/api/v1/sessions', { key: carolKey });
    expect(reply.status).toBe(401);
    expect(reply.text).toBe(UNAUTHORIZED);
    expect((await keys('list')).stdout.split('\n').find((l) => l.startsWith(carolKey.slice(0, 12)))).toMatch(/\trevoked \d{4}-/);
    expect((await s.request('GET', '/api/v1/sessions')).status).toBe(200); // alice is unaffected
  });

  it('refuses bad usage with a non-zero exit', async () => {
    // Independent invocations, run side by side (each one is a process start).
    const [none, unknownCommand, noOwner, emptyOwner, shortPrefix, unknown, ambiguous] = await Promise.all([
      keys(), keys('frobnicate'), keys('create'), keys('create', '--owner'), keys('revoke', 'sg'), keys('revoke', 'sgk_zzzzzzzz'), keys('revoke', 'sgk_'),
    ]);
    expect([none, unknownCommand, noOwner, emptyOwner, shortPrefix].map((r) => r.code)).toEqual([2, 2, 2, 2, 2]);
    expect(none.stderr).toContain('usage:');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no active key');
    expect(ambiguous.code).toBe(1);
    expect(ambiguous.stderr).toMatch(/matches \d+ keys/);
  });
});

describe('first start of the service (src/main.ts)', () => {
  let firstDb: TestDatabase;
  beforeAll(async () => {
    firstDb = await createTestDatabase();
  });
  afterAll(() => firstDb?.drop());

  /** Starts `tsx src/main.ts` on a free port and resolves once it printed its URLs. */
  function startMain(): Promise<{ child: ChildProcess; stdout: () => string; base: string }> {
    const child = spawn(TSX, ['src/main.ts'], { cwd: ROOT, env: childEnv({ DATABASE_URL: firstDb.url, PORT: '0', HOST: '127.0.0.1' }), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (err += d));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`main.ts did not start: ${out}${err}`)), 90_000);
      child.on('exit', (code) => reject(new Error(`main.ts exited with ${code}: ${out}${err}`)));
      child.stdout!.on('data', () => {
        const m = /REST:\s+(http:\/\/127\.0\.0\.1:\d+)\/api\/v1\/sessions/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve({ child, stdout: () => out, base: m[1] });
        }
      });
    });
  }

  async function stop(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }

  it('prints a created key once, which works; a second start prints none', async () => {
    const first = await startMain();
    let key = '';
    try {
      const printed = first.stdout().match(/sgk_[0-9A-Za-z]{40}/g) ?? [];
      expect(printed).toHaveLength(1);
      key = printed[0]!;
      expect(first.stdout()).toContain(`\n  ${key}\n`);
      const ok = await fetch(`${first.base}/api/v1/sessions`, { headers: { authorization: `Bearer ${key}` } });
      expect(ok.status).toBe(200);
      const no = await fetch(`${first.base}/api/v1/sessions`);
      expect(no.status).toBe(401);
    } finally {
      await stop(first.child);
    }
    const second = await startMain();
    try {
      expect(second.stdout()).not.toMatch(/sgk_/);
      const ok = await fetch(`${second.base}/api/v1/sessions`, { headers: { authorization: `Bearer ${key}` } });
      expect(ok.status).toBe(200);
    } finally {
      await stop(second.child);
    }
  }, 2 * CLI_TIMEOUT);
});
