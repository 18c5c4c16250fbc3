/** The one source of "now". Injected into services so tests can move time without sleeping. */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();

/** ISO-8601 UTC with second precision, as the REST contract shows ("2024-06-12T10:00:00Z"). */
export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
