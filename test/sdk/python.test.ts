import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../support/server';
import { uncoveredRoutes } from './helpers';

/**
 * The Python SDK (sdk/python) against real servers started here: its unittest suite runs in a
 * python3 process with the servers' URLs and keys in its environment (see sdk/python/tests/support.py).
 * The child runs asynchronously, so this process's servers keep answering it.
 */

const root = join(__dirname, '..', '..');
const sdk = join(root, 'sdk', 'python');
/** The interpreter (SG_TEST_PYTHON=/path/to/python3.9 runs the suite on another version). */
const python = process.env.SG_TEST_PYTHON || 'python3';

function run(command: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

let s: TestServer;
let limited: TestServer;
beforeAll(async () => {
  s = await startServer({ smtp: true, env: { SETTLE_INTERVAL_MS: '100' } });
  limited = await startServer({ env: { RATE_LIMIT_PER_MINUTE: '1' } });
});
afterAll(async () => {
  await limited?.close();
  await s?.close();
});

describe('Python SDK', () => {
  it('passes its unittest suite against a real server, reaching every REST route', async () => {
    const calls = join(mkdtempSync(join(tmpdir(), 'sg-py-calls-')), 'calls.jsonl');
    const { code, output } = await run(python, ['-m', 'unittest', 'discover', '-v', '-s', 'sdk/python/tests', '-t', 'sdk/python'], {
      PYTHONPATH: sdk,
      PYTHONDONTWRITEBYTECODE: '1',
      SG_TEST_URL: s.url,
      SG_TEST_API_KEY: s.apiKey,
      SG_TEST_SMTP_PORT: String(s.smtpPort),
      SG_TEST_LIMITED_URL: limited.url,
      SG_TEST_LIMITED_API_KEY: limited.apiKey,
      SG_TEST_CALLS_FILE: calls,
    });
    expect(code, output).toBe(0);
    const ran = Number(/^Ran (\d+) tests? in/m.exec(output)?.[1] ?? 0);
    expect(ran, output).toBeGreaterThanOrEqual(20);
    expect(output).toMatch(/^OK$/m);
    expect(output).not.toMatch(/skipped/i);
    const sent = readFileSync(calls, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { method: string; path: string });
    expect(uncoveredRoutes(sent)).toEqual([]);
    rmSync(dirname(calls), { recursive: true, force: true });
  }, 180_000);

  it('installs with pip from the repository with no package index, and imports from there', async () => {
    const target = mkdtempSync(join(tmpdir(), 'sg-py-'));
    try {
      const install = await run(python, ['-m', 'pip', 'install', '--no-index', '--no-deps', '--disable-pip-version-check', '--target', target, sdk], { PIP_NO_INPUT: '1' });
      expect(install.code, install.output).toBe(0);
      expect(readdirSync(join(target, 'sessions_gateway')).sort()).toEqual(expect.arrayContaining(['__init__.py', 'py.typed']));
      const check = await run(python, ['-c', 'import sessions_gateway, sys; print(sessions_gateway.__file__); print(sessions_gateway.SessionsGateway.__name__)'], { PYTHONPATH: target });
      expect(check.code, check.output).toBe(0);
      expect(check.output).toContain(join(target, 'sessions_gateway', '__init__.py'));
    } finally {
      rmSync(target, { recursive: true, force: true });
    }
  }, 120_000);
});
