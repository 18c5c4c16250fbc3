/** A timeline event's payload on one line: `key=value` pairs, long values cut. Pure, tested. */
export function summarizePayload(payload: Record<string, unknown>, maxLength = 120): string {
  const text = Object.entries(payload)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  return text.length > maxLength ? `${text.slice(0, maxLength - 1)}…` : text;
}
