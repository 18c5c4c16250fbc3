import { afterEach, describe, expect, it } from 'vitest';
import { machineInfo, markdown, type RunInfo } from '../../bench/report';

// A run tuned with NODE_OPTIONS (say, a bigger young generation) must say so in its results: the servers
// inherit the bench's environment, and numbers without their flags would be read as the defaults'.
const saved = process.env.NODE_OPTIONS;
afterEach(() => {
  if (saved === undefined) delete process.env.NODE_OPTIONS;
  else process.env.NODE_OPTIONS = saved;
});

function header(): string {
  const info: RunInfo = {
    machine: machineInfo('sqlite'),
    options: { connections: 32, warmup: 2, duration: 10, sessions: 1000, richSessions: 50, seed: 'api' },
    commit: 'abc1234',
    notes: [],
  };
  return markdown(info, [], []).split('\n').find((l) => l.startsWith('- **Node.js:**'))!;
}

describe('bench results header', () => {
  it('names the NODE_OPTIONS the servers ran with', () => {
    process.env.NODE_OPTIONS = ' --max-semi-space-size=32 ';
    expect(header()).toBe(`- **Node.js:** ${process.version} with \`NODE_OPTIONS=--max-semi-space-size=32\` (gateway and reference) · **engine:** sqlite · **commit:** abc1234`);
  });

  it('says nothing of them when there are none', () => {
    delete process.env.NODE_OPTIONS;
    expect(header()).toBe(`- **Node.js:** ${process.version} · **engine:** sqlite · **commit:** abc1234`);
  });
});
