/** Time words for the console: ages ("3 min ago") and what is left ("1 h 5 min left"). Pure, tested. */

/** A duration in seconds as "45 s", "3 min 20 s", "1 h 5 min", "2 d 4 h": two units at most. */
export function formatDuration(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  if (s < 60) return `${s} s`;
  const units: Array<[string, number]> = [
    ['d', 86_400],
    ['h', 3_600],
    ['min', 60],
    ['s', 1],
  ];
  const parts: string[] = [];
  let rest = s;
  for (const [name, size] of units) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0 || parts.length > 0) parts.push(`${n} ${name}`);
    if (parts.length === 2) break;
  }
  return parts.filter((p) => !p.startsWith('0 ')).join(' ');
}

/** How long ago `iso` was, seen at `now`: "just now", "12 s ago", "3 min 20 s ago". */
export function formatAge(iso: string, now: number): string {
  const seconds = (now - Date.parse(iso)) / 1000;
  if (!Number.isFinite(seconds)) return 'unknown';
  if (seconds < 2) return 'just now';
  return `${formatDuration(seconds)} ago`;
}

/** What is left until `iso` at `now`: "2 min 5 s left", or `endedWord` once it has passed. */
export function formatTimeLeft(iso: string, now: number, endedWord = 'expired'): string {
  const seconds = (Date.parse(iso) - now) / 1000;
  if (!Number.isFinite(seconds)) return 'unknown';
  if (seconds <= 0) return endedWord;
  return `${formatDuration(Math.ceil(seconds))} left`;
}

/** Milliseconds as shown on the waterfall: "0 ms", "35 ms", "1.2 s", "2 min 3 s". */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return formatDuration(ms / 1000);
}
