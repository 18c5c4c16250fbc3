/** The one source of "now". Injected into services so tests can move time without sleeping. */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();

/** ISO-8601 UTC with second precision, as the REST contract shows ("2024-06-12T10:00:00Z"). */
export function isoSeconds(date: Date): string {
  const iso = date.toISOString();
  // "YYYY-MM-DDTHH:mm:ss.sssZ" is 24 characters; only years beyond 0000–9999 are written longer.
  return iso.length === 24 ? `${iso.slice(0, 19)}Z` : iso.replace(/\.\d{3}Z$/, 'Z');
}
