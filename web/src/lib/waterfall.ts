/**
 * The replay as a waterfall: one bar per step, its length the step's durationMs and its start the
 * step's time since the first step. Positions are percentages of the whole span, so the chart fits
 * any width. Pure, tested.
 */

export interface StepTiming {
  index: number;
  timestamp: string;
  durationMs: number;
}

export interface Bar {
  index: number;
  /** Where the bar starts, 0-100 (% of the span). */
  offsetPct: number;
  /** How long it is, % of the span; at least MIN_WIDTH_PCT so instant steps stay visible. */
  widthPct: number;
}

export interface Waterfall {
  /** From the first step's start to the last step's end, in ms (at least 1). */
  spanMs: number;
  bars: Bar[];
}

export const MIN_WIDTH_PCT = 0.5;

/** A step's timestamp is when it started (the gateway records the clock before running the action). */
function startMs(step: StepTiming): number {
  return Date.parse(step.timestamp);
}

export function layoutWaterfall(steps: readonly StepTiming[]): Waterfall {
  if (steps.length === 0) return { spanMs: 0, bars: [] };
  const starts = steps.map(startMs);
  const first = Math.min(...starts);
  const last = Math.max(...steps.map((s, i) => starts[i]! + Math.max(0, s.durationMs)));
  const spanMs = Math.max(1, last - first);
  const bars = steps.map((s, i) => {
    const offsetPct = clamp(((starts[i]! - first) / spanMs) * 100, 0, 100 - MIN_WIDTH_PCT);
    const widthPct = clamp((Math.max(0, s.durationMs) / spanMs) * 100, MIN_WIDTH_PCT, 100 - offsetPct);
    return { index: s.index, offsetPct: round(offsetPct), widthPct: round(widthPct) };
  });
  return { spanMs, bars };
}

function clamp(n: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, n));
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
