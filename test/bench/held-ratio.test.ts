import { describe, expect, it } from 'vitest';
import { type ByIdRounds, type HeldResult, heldTargets, sideBySide } from '../../bench/held-waits';

/** A by-id measurement with these slice p99s (the median is the middle one of three). */
function rounds(p99Rounds: number[]): ByIdRounds {
  const sorted = [...p99Rounds].sort((a, b) => a - b);
  return { p50: 1, p99: sorted[1]!, requestsPerSec: 1000, errors: 0, p99Rounds, majorCollections: 0 };
}

/** A held result whose only by-id numbers are these (everything else within its targets). */
function heldResult(held: ReturnType<typeof sideBySide>, acrossPhases: number): HeldResult {
  const none = sideBySide(rounds([10, 10, 10]), rounds([10, 10, 10]));
  return {
    held: 10_000,
    streams: 0,
    windowS: 8,
    idle: { cpuPercentHeld: 1, statementsPerHeldWait: 0 },
    memory: { rssPerHeldWaitKB: 14 },
    byId: { noneBefore: none, held, noneAfter: none, p99Ratio: held.p99Ratio, p99RatioRounds: held.p99RatioRounds, p99RatioAcrossPhases: acrossPhases },
    holdErrors: {},
    streamErrors: {},
  } as unknown as HeldResult;
}

const byIdTarget = (r: HeldResult) => heldTargets(r).find((t) => t.id === 'by-id-p99')!;

describe('the held by-id ratio, against a control gateway beside it', () => {
  it('divides the medians, and each round by the control slice next to it', () => {
    const r = sideBySide(rounds([30, 12, 15]), rounds([20, 10, 11]));
    expect(r.p99Ratio).toBe(1.36); // 15 / 11
    expect(r.p99RatioRounds).toEqual([1.5, 1.2, 1.36]);
  });

  it('is judged by the side-by-side ratio, not by phases minutes apart', () => {
    // The machine slowed for the held phase: the gateway's own none-held phases read faster, the control beside it as slow.
    const steady = heldResult(sideBySide(rounds([30, 28, 31]), rounds([25, 26, 24])), 1.74);
    expect(byIdTarget(steady)).toMatchObject({ value: 1.2, pass: true, spread: { min: 1.08, max: 1.29, rounds: 3 } });
    // Holding made the gateway itself slower than the control at the same moments.
    const starved = heldResult(sideBySide(rounds([40, 42, 39]), rounds([20, 21, 19])), 1.1);
    expect(byIdTarget(starved)).toMatchObject({ value: 2, pass: false });
  });
});
