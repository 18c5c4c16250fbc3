import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { cpuSecondsOf } from '../../bench/processes';

// The bench's "CPU µs/req" column reads a server's CPU time from /proc/<pid>/stat (Linux, where the bench
// and CI run). A child that burns 400 ms of CPU time (by its own count, however busy the machine is) must
// show it; one that sleeps must not.
const BURN_MS = 400;
const CHILD = `
  const line = (s) => process.stdout.write(s + '\\n');
  process.stdin.once('data', (d) => {
    if (String(d).trim() === 'burn') {
      const start = process.cpuUsage();
      for (;;) { const u = process.cpuUsage(start); if (u.user + u.system >= ${BURN_MS * 1000}) break; }
    } else {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ${BURN_MS});
    }
    line('done');
    process.stdin.destroy();
  });
  line('ready');`;

async function measure(what: 'burn' | 'sleep'): Promise<number> {
  const proc: ChildProcess = spawn(process.execPath, ['-e', CHILD], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = once(proc, 'exit');
  await once(proc.stdout!, 'data'); // ready
  const before = cpuSecondsOf(proc.pid!)!;
  proc.stdin!.write(`${what}\n`);
  await once(proc.stdout!, 'data'); // done
  const after = cpuSecondsOf(proc.pid!)!;
  await exited;
  return after - before;
}

describe('cpuSecondsOf (bench/processes.ts)', () => {
  it('counts the CPU time a process burns, and not the time it sleeps', async () => {
    expect(await measure('burn')).toBeGreaterThanOrEqual(BURN_MS / 1000 - 0.05);
    expect(await measure('sleep')).toBeLessThan(0.1);
  });

  it('is null for a process that is gone', async () => {
    const proc = spawn(process.execPath, ['-e', '']);
    await once(proc, 'exit');
    expect(cpuSecondsOf(proc.pid!)).toBeNull();
  });
});
