// Start-up tests run the real gateway process with the node that runs vitest (process.execPath), so CI
// proves start-up on each Node version it runs them with.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { type Gateway, startGateway } from '../operations/helpers';

const ROOT = join(__dirname, '..', '..');

export interface Ended {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The child's environment: ours, minus what would change start-up, plus quiet defaults. */
function env(extra: Record<string, string>): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, PORT: '0', HOST: '127.0.0.1', SMTP_PORT: '0', LOG_LEVEL: 'warn', NODE_NO_WARNINGS: '1', ...extra };
  for (const name of ['BOOTSTRAP_API_KEY', 'CORS_ORIGINS', 'DATABASE_CONNECT_TIMEOUT_S']) if (!(name in extra)) delete e[name];
  return e;
}

/** Runs `src/main.ts` (as a gateway start does) until it exits by itself; it must, within timeoutMs. */
export function runUntilExit(extra: Record<string, string>, timeoutMs = 90_000): Promise<Ended> {
  return runToExit('src/main.ts', [], extra, timeoutMs);
}

/** A gateway that starts and keeps running (test/operations/helpers.ts: it waits for the banner). */
export function startRunning(extra: Record<string, string>): Promise<Gateway> {
  return startGateway({ NODE_NO_WARNINGS: '1', ...extra });
}

/** One of the project's programs (main, the keys and migrate CLIs) with the same node, until it exits. */
export function runToExit(file: string, args: string[], extra: Record<string, string>, timeoutMs = 90_000): Promise<Ended> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, file), ...args], { cwd: ROOT, env: env(extra), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${file} did not exit within ${timeoutMs} ms:\n${stdout}${stderr}`));
    }, timeoutMs);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export const KEY_PATTERN = /sgk_[0-9A-Za-z]{40}/g;
