import { describe, expect, it } from 'vitest';
import { evaluateTargets, median, mergeTargets, overall, pairedRatio, type ScenarioResult, type Target } from '../../bench/report';
import type { ScenarioName, ServerName } from '../../bench/scenarios';

/** A result with just what the targets read: per-round req/s and CPU µs per request. */
function row(name: ScenarioName, server: ServerName, rates: number[], cpu: number[], extra: Partial<ScenarioResult> = {}): ScenarioResult {
  const total = rates.reduce((a, b) => a + b, 0);
  return {
    name,
    title: name,
    server,
    sessions: 1050,
    load: { requestsPerSec: total / rates.length, sliceRates: rates, requests: total, p50: 2, p99: 5, errors: 0, errorDetail: {}, durationSec: rates.length },
    statements: { perRequest: 3, samples: [3, 3, 3] },
    serverStatements: null,
    cpuPerRequestUs: median(cpu),
    cpuPerRequestUsSlices: cpu,
    memory: { rssMaxMB: 120, peakMB: 150 },
    ...extra,
  };
}

const byId = [
  row('rest-get', 'gateway', [1100, 1000, 1200], [900, 950, 880]),
  row('graphql-get', 'gateway', [1000, 900, 1000], [1000, 1050, 990]),
  row('reference', 'reference', [1000, 1000, 1000], [1000, 1000, 1000]),
  row('graphql-http', 'graphql-http', [1000, 800, 950], [1100, 1100, 1100]),
  row('floor', 'floor', [14000, 13000, 13500], [70, 72, 71], { statements: null }),
];

describe('bench targets in latest.json', () => {
  const targets = evaluateTargets(byId, { connections: 32, rounds: 3 });
  const byKey = Object.fromEntries(targets.map((t) => [t.id, t]));

  it('carries every target of the issue under a stable id, each with a verdict a script can read', () => {
    expect(targets.map((t) => t.id)).toEqual([
      '1.held-waits', '1.held-streams', '2.otp-delivery', '3.smtp-ingest',
      '4.rest-vs-reference.req-per-sec', '4.rest-vs-reference.cpu-per-request', '4.graphql-vs-graphql-http', '4.graphql-vs-reference',
      '5.timeline-growth', '5.list-100k-vs-1k.cpu-per-request', '5.list-100k-vs-1k.req-per-sec', '5.peak-rss', '6.interleaved-rounds',
      'earlier.nested-statements', 'earlier.p99-over-p50',
    ]);
    for (const t of targets) {
      expect(t.status).toBe(t.pass === null ? 'n/a' : t.pass ? 'met' : 'missed');
      expect(t.measured === null).toBe(t.pass === null);
    }
    // Round-trips through JSON as it is written.
    expect(JSON.parse(JSON.stringify(targets))).toEqual(targets);
  });

  it('judges the by-id ratios on the median of the per-round ratios, with their spread', () => {
    // REST / reference per round: 1.1, 1.0, 1.2 → median 1.1.
    expect(byKey['4.rest-vs-reference.req-per-sec']).toMatchObject({ measured: 1.1, threshold: 1, direction: 'min', pass: true, spread: { min: 1, max: 1.2, rounds: 3 } });
    // CPU: reference / REST per round: 1000/900, 1000/950, 1000/880 → median 1000/900.
    expect(byKey['4.rest-vs-reference.cpu-per-request'].measured).toBeCloseTo(1000 / 900, 4);
    expect(byKey['4.rest-vs-reference.cpu-per-request'].pass).toBe(true);
    // GraphQL / graphql-http per round: 1.0, 1.125, 1.0526 → median 1.0526 < 1.1.
    expect(byKey['4.graphql-vs-graphql-http']).toMatchObject({ pass: false, status: 'missed' });
    expect(byKey['4.graphql-vs-graphql-http'].measured).toBeCloseTo(1000 / 950, 4);
    // GraphQL / reference per round: 1.0, 0.9, 1.0 → median 1.0 ≥ 0.85.
    expect(byKey['4.graphql-vs-reference']).toMatchObject({ measured: 1, pass: true });
    expect(byKey['6.interleaved-rounds']).toMatchObject({ measured: 3, pass: true });
  });

  it('says what it did not measure instead of passing it', () => {
    for (const id of ['1.held-waits', '1.held-streams', '2.otp-delivery', '3.smtp-ingest', '5.timeline-growth', '5.list-100k-vs-1k.cpu-per-request', '5.list-100k-vs-1k.req-per-sec', 'earlier.nested-statements']) {
      expect(byKey[id], id).toMatchObject({ measured: null, pass: null, status: 'n/a' });
    }
    const none = evaluateTargets([], { connections: 32, rounds: 3 });
    expect(none.every((t) => t.pass === null)).toBe(true);
  });

  it('judges the list at 100k against 1k on its interleaved rounds (CPU and req/s), and the peak RSS on the standard rows only', () => {
    const scale = [
      row('list', 'gateway', [1000, 900, 1100], [500, 520, 480], { sessions: 1050, group: 'scale' }),
      row('list', 'gateway', [800, 850, 1000], [600, 560, 560], { sessions: 100_050, group: 'scale', memory: { rssMaxMB: 400, peakMB: 400 } }),
    ];
    const standard = row('list', 'gateway', [1000], [500], { memory: { rssMaxMB: 310, peakMB: 320 } });
    const t = Object.fromEntries(evaluateTargets([standard, ...scale], { connections: 32, rounds: 3 }).map((x) => [x.id, x]));
    // CPU big / small per round: 1.2, 1.077, 1.167 → median 1.167 ≤ 1.2.
    expect(t['5.list-100k-vs-1k.cpu-per-request']).toMatchObject({ threshold: 1.2, direction: 'max', pass: true, spread: { rounds: 3 } });
    expect(t['5.list-100k-vs-1k.cpu-per-request'].measured).toBeCloseTo(560 / 480, 4);
    // req/s big / small per round: 0.8, 0.944, 0.909 → median 0.909 ≥ 1/1.2.
    expect(t['5.list-100k-vs-1k.req-per-sec'].measured).toBeCloseTo(1000 / 1100, 4);
    expect(t['5.list-100k-vs-1k.req-per-sec'].pass).toBe(true);
    expect(t['5.peak-rss']).toMatchObject({ measured: 320, threshold: 300, direction: 'max', pass: false });
    expect(t['6.interleaved-rounds'].value).toContain('list @1k, list @100k: 3 rounds');
  });

  it('puts the sub-benches\' targets in place of the rows they cover, and counts rounds they report', () => {
    const held: Target = { id: '1.held-waits.idle-cpu', target: 'idle CPU', value: '1.2', measured: 1.2, threshold: 3, direction: 'max', spread: null, pass: true, status: 'met' };
    const page: Target = { id: '5.timeline-growth', target: 'page', value: '0.9', measured: 0.9, threshold: 1.5, direction: 'max', spread: { min: 0.8, max: 1, rounds: 5 }, pass: true, status: 'met' };
    const merged = mergeTargets(evaluateTargets(byId, { connections: 32, rounds: 3, partRounds: [{ what: 'pages', rounds: 2 }] }), [
      { covers: ['1.held-waits'], targets: [held] },
      { covers: ['5.timeline-growth', '1.held-streams'], targets: [page] },
    ]);
    const ids = merged.map((t) => t.id);
    expect(ids.slice(0, 4)).toEqual(['1.held-waits.idle-cpu', '1.held-streams', '2.otp-delivery', '3.smtp-ingest']);
    expect(merged.find((t) => t.id === '5.timeline-growth')).toEqual(page);
    expect(merged.find((t) => t.id === '1.held-streams')!.status).toBe('n/a'); // covered, but not reported: stays n/a
    expect(merged.find((t) => t.id === '6.interleaved-rounds')).toMatchObject({ measured: 2, pass: false });
    expect(overall(merged)).toMatchObject({ allMet: false });
  });

  it('pairs rounds by index; a lower CPU per request is the better one', () => {
    expect(pairedRatio([2, 4, 6], [1, 2, 2])).toEqual({ ratio: 2, min: 2, max: 3, rounds: 3 });
    expect(pairedRatio([50, 100], [100, 100], false)).toEqual({ ratio: 1.5, min: 1, max: 2, rounds: 2 });
    expect(pairedRatio([], [1])).toBeNull();
  });
});
